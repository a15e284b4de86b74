export { main as standaloneMain, startStandalone, parseConnectorFile, USAGE, VERSION, COMMIT, type RunningStandalone } from './standalone';
export { main as distributedMain, startDistributedFromProps, DISTRIBUTED_USAGE, type RunningDistributed } from './distributed';
export * from './rest';
export * from './logger';
export * from './connectors';
