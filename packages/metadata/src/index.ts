export * from './generated';
export * from './serde';
export * from './image';
export * from './delta';
export * from './configs';
export * from './config-resolver';
export * from './image-records';
