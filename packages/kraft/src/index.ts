export * from './entry-codec';
export * from './snapshot-codec';
export * from './metadata-log-store';
export * from './raft-client';
export * from './metadata-loader';
export * from './raft-apis';
