export { generate } from './generate';
export { GENERATED_DIR, WORKSPACE_ROOT, referenceDir } from './main';
export * from './spec';
