export * from './types';
export { RaftLog } from './log';
export type { FetchValidation } from './log';
export { RaftNode, POSITION_OUT_OF_RANGE } from './raft-node';
export type { RaftConfig, PersistedRaftState, ProposeResult, UnsafeRaftOptions } from './raft-node';
export { quorumStateToJson, quorumStateFromJson, EMPTY_QUORUM_STATE } from './quorum-state';
export * from './wire';
export { runSimulation, replayCommand, InvariantViolation } from './sim/simulation';
export type { SimOptions, SimResult, SimStats } from './sim/simulation';
