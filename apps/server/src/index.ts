export * from './server';
export * from './storage-format';
export * from './commands';
export { createLogger } from './logging';
