export * from './runtime';
export * from './generated';
export * from './framing';
export * from './error-codes';
export { messageSchemas } from './schema';
export type { MessageSchema, FieldSchema } from './schema';
