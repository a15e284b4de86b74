export * from './server-process';
export * from './tcp-proxy';
export * from './cluster';
