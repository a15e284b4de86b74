export { generate, generateMetadataRecords } from './generate';
export { GENERATED_DIR, METADATA_GENERATED_DIR, WORKSPACE_ROOT, referenceDir } from './main';
export * from './spec';
