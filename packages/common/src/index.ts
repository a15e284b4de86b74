export * from './errors';
export * from './clock';
export * from './system-clock';
export * from './logger';
