export * from './reader';
export * from './writer';
export * from './codec';
export * from './errors';
export * from './uuid';
