export * from './standalone';
export * from './rest';
export * from './logger';
