export * from './server-process';
export * from './postgres';
export * from './fake-elasticsearch';

export * from './tcp-proxy';
export * from './cluster';
