export * from './quorum-controller';
export * from './controller';
