export * from './runtime';
export * from './generated';
export * from './framing';
export * from './error-codes';
export { messageSchemas, defaultValue, defaultStruct, withDefaults } from './schema';
export type { MessageSchema, FieldSchema } from './schema';
