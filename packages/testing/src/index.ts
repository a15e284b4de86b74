export * from './server-process';
export * from './postgres';
