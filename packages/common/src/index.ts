export * from './errors';
export * from './clock';
export * from './system-clock';
export * from './logger';
export * from './scheduler';
export * from './system-scheduler';
export * from './bench';
