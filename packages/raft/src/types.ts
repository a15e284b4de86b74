/**
 * The values the Raft core works with: log entries, snapshot ids, the quorum-state record and the
 * messages nodes exchange. Offsets are JavaScript numbers (a metadata log stays far below 2^53);
 * the wire mapping in `wire.ts` converts them to the protocol's int64 bigints.
 */

/** Kafka's topic-partition for the metadata log (KIP-595 replicates exactly one partition). */
export const CLUSTER_METADATA_TOPIC = '__cluster_metadata';
export const CLUSTER_METADATA_PARTITION = 0;

/** The epoch states of Kafka's QuorumState. Observers (non-voters) are only ever unattached or follower. */
export type RaftRole = 'unattached' | 'follower' | 'prospective' | 'candidate' | 'leader' | 'resigned';

/** The LeaderChange control record a leader appends at the start of its epoch (KIP-595). */
export interface LeaderChangeRecord {
  readonly type: 'LeaderChange';
  readonly leaderId: number;
  readonly voters: readonly number[];
  readonly grantingVoters: readonly number[];
}

/** A listener of a voter (KIP-853 endpoints): name, host and port of a controller listener. */
export interface VoterEndpoint {
  readonly name: string;
  readonly host: string;
  readonly port: number;
}

/** A member of the voter set: its id, its metadata log directory id (KIP-853 ReplicaKey) and endpoints. */
export interface Voter {
  readonly id: number;
  /** Base64 UUID; the zero UUID when unknown (static voters, kraft.version 0). */
  readonly directoryId: string;
  readonly endpoints: readonly VoterEndpoint[];
}

/** KIP-853: the finalized kraft.version (0 = static voters, 1 = voters in the log). */
export interface KRaftVersionRecordControl {
  readonly type: 'KRaftVersion';
  readonly kraftVersion: number;
}

/** KIP-853: the whole voter set from this offset on (VotersRecord). */
export interface VotersRecordControl {
  readonly type: 'Voters';
  readonly voters: readonly Voter[];
}

export type ControlRecord = LeaderChangeRecord | KRaftVersionRecordControl | VotersRecordControl;

/**
 * One entry of the replicated log: opaque record bytes (or a control record) with its offset and
 * leader epoch. Entries proposed together form a batch (one RecordBatch on disk and on the wire) that
 * replicates and commits as a whole: `batchEnd` is the offset just past its last entry.
 */
export interface LogEntry {
  readonly offset: number;
  readonly epoch: number;
  readonly payload: Uint8Array;
  readonly control?: ControlRecord;
  /** Exclusive end offset of the batch this entry belongs to; absent for a batch of one. */
  readonly batchEnd?: number;
}

/** KIP-630: a snapshot is named by the end offset it covers (exclusive) and the epoch of the entry before it. */
export interface SnapshotId {
  readonly endOffset: number;
  readonly epoch: number;
}

export interface Snapshot {
  readonly id: SnapshotId;
  /** The state machine's bytes. */
  readonly data: Uint8Array;
  /** KIP-853: the kraft.version and voter set as of the snapshot's end (absent with static voters). */
  readonly kraftVersion?: number;
  readonly voters?: readonly Voter[];
}

/**
 * How snapshots travel in FetchSnapshot chunks and sit in files: the host supplies Kafka's format
 * (record batches with header, kraft.version, voters and footer control records); the core has a
 * plain default for the simulation.
 */
export interface SnapshotCodec {
  encode(snapshot: Snapshot): Uint8Array;
  decode(id: SnapshotId, bytes: Uint8Array): Snapshot;
}

export interface OffsetAndEpoch {
  readonly offset: number;
  readonly epoch: number;
}

/** The contents of Kafka's `quorum-state` file (ElectionState, data_version 1). -1 means none. */
export interface QuorumStateData {
  readonly leaderEpoch: number;
  readonly leaderId: number;
  readonly votedId: number;
  readonly votedDirectoryId: string;
}

interface MessageBase {
  readonly from: number;
  readonly to: number;
  /** Matches a response to its request; responses echo the request's id. */
  readonly correlationId: number;
}

export interface VoteRequestMessage extends MessageBase {
  readonly type: 'Vote';
  /** KIP-853 replica keys: the candidate's directory id and the directory id it believes the voter has. */
  readonly candidateDirectoryId?: string;
  readonly voterDirectoryId?: string;
  readonly replicaEpoch: number;
  readonly lastOffsetEpoch: number;
  readonly lastOffset: number;
  /** KIP-996 pre-vote: asks whether the voter would grant a vote, without anyone changing epoch. */
  readonly preVote: boolean;
}

export interface VoteResponseMessage extends MessageBase {
  readonly type: 'VoteResponse';
  readonly errorCode: number;
  readonly leaderId: number;
  readonly leaderEpoch: number;
  readonly voteGranted: boolean;
  /** Not on the wire: the network layer copies it from the request this answers. */
  readonly preVote: boolean;
}

export interface BeginQuorumEpochRequestMessage extends MessageBase {
  readonly type: 'BeginQuorumEpoch';
  readonly voterDirectoryId?: string;
  readonly leaderId: number;
  readonly leaderEpoch: number;
}

export interface BeginQuorumEpochResponseMessage extends MessageBase {
  readonly type: 'BeginQuorumEpochResponse';
  readonly errorCode: number;
  readonly leaderId: number;
  readonly leaderEpoch: number;
}

export interface EndQuorumEpochRequestMessage extends MessageBase {
  readonly type: 'EndQuorumEpoch';
  readonly leaderId: number;
  readonly leaderEpoch: number;
  /** Voters ordered by how close they are to the resigning leader's log end (closest first). */
  readonly preferredSuccessors: readonly number[];
}

export interface EndQuorumEpochResponseMessage extends MessageBase {
  readonly type: 'EndQuorumEpochResponse';
  readonly errorCode: number;
  readonly leaderId: number;
  readonly leaderEpoch: number;
}

export interface FetchRequestMessage extends MessageBase {
  readonly type: 'Fetch';
  /** KIP-853: the fetching replica's metadata log directory id. */
  readonly replicaDirectoryId?: string;
  readonly currentLeaderEpoch: number;
  readonly fetchOffset: number;
  readonly lastFetchedEpoch: number;
}

export interface FetchResponseMessage extends MessageBase {
  readonly type: 'FetchResponse';
  readonly errorCode: number;
  readonly leaderId: number;
  readonly leaderEpoch: number;
  readonly highWatermark: number;
  readonly logStartOffset: number;
  /** Set when the fetcher's log diverges from the leader's: truncate to this epoch's end offset (KIP-595). */
  readonly divergingEpoch?: { readonly epoch: number; readonly endOffset: number };
  /** Set when the fetch offset is behind the log start: fetch this snapshot instead (KIP-630). */
  readonly snapshotId?: SnapshotId;
  readonly entries: readonly LogEntry[];
}

export interface FetchSnapshotRequestMessage extends MessageBase {
  readonly type: 'FetchSnapshot';
  readonly currentLeaderEpoch: number;
  readonly snapshotId: SnapshotId;
  readonly position: number;
}

export interface FetchSnapshotResponseMessage extends MessageBase {
  readonly type: 'FetchSnapshotResponse';
  readonly errorCode: number;
  readonly leaderId: number;
  readonly leaderEpoch: number;
  readonly snapshotId: SnapshotId;
  readonly size: number;
  readonly position: number;
  readonly bytes: Uint8Array;
}

export type RaftRequest =
  | VoteRequestMessage
  | BeginQuorumEpochRequestMessage
  | EndQuorumEpochRequestMessage
  | FetchRequestMessage
  | FetchSnapshotRequestMessage;

export type RaftResponse =
  | VoteResponseMessage
  | BeginQuorumEpochResponseMessage
  | EndQuorumEpochResponseMessage
  | FetchResponseMessage
  | FetchSnapshotResponseMessage;

export type RaftMessage = RaftRequest | RaftResponse;

/** One change to the on-disk log, applied in order. */
export type LogOp =
  /** Remove the entries at offsets >= offset. */
  | { readonly type: 'truncate'; readonly offset: number }
  | { readonly type: 'append'; readonly entries: readonly LogEntry[] }
  /** Write a snapshot file. */
  | { readonly type: 'snapshot'; readonly snapshot: Snapshot }
  /** Remove the entries below offset (the log start moves behind a snapshot). */
  | { readonly type: 'deleteBefore'; readonly offset: number }
  /** Remove every entry; the log restarts empty at offset (after installing a leader's snapshot). */
  | { readonly type: 'reset'; readonly offset: number };

export interface LeaderAndEpoch {
  readonly leaderId: number;
  readonly epoch: number;
}

/**
 * What a node hands back after being stepped (etcd-io/raft's Ready). The host must, in this order:
 * write `quorumState` (atomically: temp file + rename) and apply `logOps`, fsync both; then call
 * `RaftNode.advance(ready)`; then load `applySnapshot` and apply `committed` to the state machine;
 * then send `messages`. Nothing in a Ready may be sent or applied before it is durable.
 */
export interface Ready {
  readonly quorumState?: QuorumStateData;
  readonly logOps: readonly LogOp[];
  readonly messages: readonly RaftMessage[];
  /** State-machine state to load before applying `committed` (a snapshot from the leader, or the local one at start-up). */
  readonly applySnapshot?: Snapshot;
  /** Newly committed entries (up to the high watermark), in offset order. */
  readonly committed: readonly LogEntry[];
  readonly highWatermark: number;
  /** Set when the known leader or epoch changed since the previous Ready. */
  readonly leaderChange?: LeaderAndEpoch;
  /** The log end offset this Ready makes durable (used by `advance`). */
  readonly logEndOffset: number;
}

/** The answer to AddRaftVoter / RemoveRaftVoter before the change commits. */
export interface VoterChangeResult {
  readonly errorCode: number;
  readonly errorMessage: string | null;
  /** Offset of the appended VotersRecord (when errorCode is NONE): the change is done once the high watermark passes it. */
  readonly offset: number;
  readonly epoch: number;
}

/** DescribeQuorum's ReplicaState. Timestamps are -1 when unknown. */
export interface ReplicaDescription {
  readonly replicaId: number;
  readonly replicaDirectoryId: string;
  readonly logEndOffset: number;
  readonly lastFetchTimestamp: number;
  readonly lastCaughtUpTimestamp: number;
}

export interface QuorumDescription {
  readonly kraftVersion: number;
  readonly leaderId: number;
  readonly leaderEpoch: number;
  readonly highWatermark: number;
  readonly currentVoters: readonly ReplicaDescription[];
  readonly observers: readonly ReplicaDescription[];
}
