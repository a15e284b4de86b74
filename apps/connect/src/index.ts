export * from './standalone';
export * from './rest';
export * from './logger';
export * from './connectors';
