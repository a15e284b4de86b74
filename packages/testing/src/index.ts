export * from './server-process';
export * from './postgres';
export * from './fake-elasticsearch';
