/**
 * 1:1 mapping between the core's messages and the protocol library's generated KRaft messages
 * (Vote, BeginQuorumEpoch, EndQuorumEpoch, Fetch, FetchSnapshot, DescribeQuorum) on the
 * `__cluster_metadata` partition. The network layer encodes the results with the generated codecs.
 *
 * What the wire keeps elsewhere is passed in: the correlation id lives in the request header, the
 * sender of a response is the node the request went to, and Fetch records are RecordBatch bytes
 * (the caller's `encodeEntries` / `decodeEntries`, from @nagare/records in the runtime layer).
 */
import {
  ZERO_UUID,
  ErrorCode,
  type BeginQuorumEpochRequest,
  type BeginQuorumEpochResponse,
  type DescribeQuorumResponse,
  type EndQuorumEpochRequest,
  type EndQuorumEpochResponse,
  type FetchRequest,
  type FetchResponse,
  type FetchSnapshotRequest,
  type FetchSnapshotResponse,
  type VoteRequest,
  type VoteResponse,
} from '@nagare/protocol';
import {
  CLUSTER_METADATA_PARTITION as P,
  CLUSTER_METADATA_TOPIC as T,
  type BeginQuorumEpochRequestMessage,
  type BeginQuorumEpochResponseMessage,
  type EndQuorumEpochRequestMessage,
  type EndQuorumEpochResponseMessage,
  type FetchRequestMessage,
  type FetchResponseMessage,
  type FetchSnapshotRequestMessage,
  type FetchSnapshotResponseMessage,
  type LogEntry,
  type QuorumDescription,
  type VoteRequestMessage,
  type VoteResponseMessage,
  type VoterEndpoint,
} from './types';

/** The topic id of `__cluster_metadata` (Kafka's Uuid.METADATA_TOPIC_ID, base64 of 00..01). */
export const METADATA_TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAQ';

export interface Envelope {
  readonly from: number;
  readonly to: number;
  readonly correlationId: number;
}

/** KIP-853 endpoints a response names (nodeEndpoints: the leader's, on the listener the request came in on). */
export interface NodeEndpointInfo {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
}

const dir = (d: string | undefined): string => d ?? ZERO_UUID;

function one<P>(topics: readonly { partitions: readonly P[] }[]): P {
  const p = topics[0]?.partitions[0];
  if (p === undefined) throw new RangeError('expected exactly one __cluster_metadata partition');
  return p;
}

const big = (n: number): bigint => BigInt(n);
const num = (n: bigint): number => Number(n);

// ---- Vote ----

export function voteRequestToWire(m: VoteRequestMessage, clusterId: string | null): VoteRequest {
  return {
    clusterId,
    voterId: m.to,
    topics: [
      {
        topicName: T,
        partitions: [
          {
            partitionIndex: P,
            replicaEpoch: m.replicaEpoch,
            replicaId: m.from,
            replicaDirectoryId: dir(m.candidateDirectoryId),
            voterDirectoryId: dir(m.voterDirectoryId),
            lastOffsetEpoch: m.lastOffsetEpoch,
            lastOffset: big(m.lastOffset),
            preVote: m.preVote,
          },
        ],
      },
    ],
  };
}

export function voteRequestFromWire(r: VoteRequest, env: Envelope): VoteRequestMessage {
  const p = one(r.topics);
  return {
    type: 'Vote',
    from: p.replicaId,
    to: env.to,
    correlationId: env.correlationId,
    replicaEpoch: p.replicaEpoch,
    lastOffsetEpoch: p.lastOffsetEpoch,
    lastOffset: num(p.lastOffset),
    preVote: p.preVote,
    ...(p.replicaDirectoryId !== ZERO_UUID ? { candidateDirectoryId: p.replicaDirectoryId } : {}),
    ...(p.voterDirectoryId !== ZERO_UUID ? { voterDirectoryId: p.voterDirectoryId } : {}),
  };
}

export function voteResponseToWire(m: VoteResponseMessage, nodeEndpoints: readonly NodeEndpointInfo[] = []): VoteResponse {
  return {
    errorCode: ErrorCode.NONE,
    topics: [
      {
        topicName: T,
        partitions: [
          { partitionIndex: P, errorCode: m.errorCode, leaderId: m.leaderId, leaderEpoch: m.leaderEpoch, voteGranted: m.voteGranted },
        ],
      },
    ],
    nodeEndpoints: nodeEndpoints.map((e) => ({ ...e })),
  };
}

/** `request` is the Vote this answers (its preVote flag is not on the response). */
export function voteResponseFromWire(r: VoteResponse, request: VoteRequestMessage): VoteResponseMessage {
  const p = r.errorCode !== ErrorCode.NONE ? undefined : one(r.topics);
  return {
    type: 'VoteResponse',
    from: request.to,
    to: request.from,
    correlationId: request.correlationId,
    errorCode: p?.errorCode ?? r.errorCode,
    leaderId: p?.leaderId ?? -1,
    leaderEpoch: p?.leaderEpoch ?? -1,
    voteGranted: p?.voteGranted ?? false,
    preVote: request.preVote,
  };
}

// ---- BeginQuorumEpoch ----

export function beginQuorumEpochRequestToWire(
  m: BeginQuorumEpochRequestMessage,
  clusterId: string | null,
  leaderEndpoints: readonly VoterEndpoint[] = [],
): BeginQuorumEpochRequest {
  return {
    clusterId,
    voterId: m.to,
    topics: [{ topicName: T, partitions: [{ partitionIndex: P, voterDirectoryId: dir(m.voterDirectoryId), leaderId: m.leaderId, leaderEpoch: m.leaderEpoch }] }],
    leaderEndpoints: leaderEndpoints.map((e) => ({ ...e })),
  };
}

export function beginQuorumEpochRequestFromWire(r: BeginQuorumEpochRequest, env: Envelope): BeginQuorumEpochRequestMessage {
  const p = one(r.topics);
  return {
    type: 'BeginQuorumEpoch',
    from: p.leaderId,
    to: env.to,
    correlationId: env.correlationId,
    leaderId: p.leaderId,
    leaderEpoch: p.leaderEpoch,
    ...(p.voterDirectoryId !== ZERO_UUID ? { voterDirectoryId: p.voterDirectoryId } : {}),
  };
}

export function beginQuorumEpochResponseToWire(m: BeginQuorumEpochResponseMessage, nodeEndpoints: readonly NodeEndpointInfo[] = []): BeginQuorumEpochResponse {
  return {
    errorCode: ErrorCode.NONE,
    topics: [{ topicName: T, partitions: [{ partitionIndex: P, errorCode: m.errorCode, leaderId: m.leaderId, leaderEpoch: m.leaderEpoch }] }],
    nodeEndpoints: nodeEndpoints.map((e) => ({ ...e })),
  };
}

export function beginQuorumEpochResponseFromWire(r: BeginQuorumEpochResponse, env: Envelope): BeginQuorumEpochResponseMessage {
  const p = r.errorCode !== ErrorCode.NONE ? undefined : one(r.topics);
  return {
    type: 'BeginQuorumEpochResponse',
    ...env,
    errorCode: p?.errorCode ?? r.errorCode,
    leaderId: p?.leaderId ?? -1,
    leaderEpoch: p?.leaderEpoch ?? -1,
  };
}

// ---- EndQuorumEpoch ----

export function endQuorumEpochRequestToWire(
  m: EndQuorumEpochRequestMessage,
  clusterId: string | null,
  leaderEndpoints: readonly VoterEndpoint[] = [],
  directoryIdOf: (id: number) => string = () => ZERO_UUID,
): EndQuorumEpochRequest {
  return {
    clusterId,
    topics: [
      {
        topicName: T,
        partitions: [
          {
            partitionIndex: P,
            leaderId: m.leaderId,
            leaderEpoch: m.leaderEpoch,
            preferredSuccessors: [...m.preferredSuccessors],
            preferredCandidates: m.preferredSuccessors.map((candidateId) => ({ candidateId, candidateDirectoryId: directoryIdOf(candidateId) })),
          },
        ],
      },
    ],
    leaderEndpoints: leaderEndpoints.map((e) => ({ ...e })),
  };
}

export function endQuorumEpochRequestFromWire(r: EndQuorumEpochRequest, env: Envelope): EndQuorumEpochRequestMessage {
  const p = one(r.topics);
  // v0 carries preferredSuccessors, v1 (KIP-853) preferredCandidates.
  const successors = p.preferredCandidates.length > 0 ? p.preferredCandidates.map((c) => c.candidateId) : p.preferredSuccessors;
  return {
    type: 'EndQuorumEpoch',
    from: p.leaderId,
    to: env.to,
    correlationId: env.correlationId,
    leaderId: p.leaderId,
    leaderEpoch: p.leaderEpoch,
    preferredSuccessors: successors,
  };
}

export function endQuorumEpochResponseToWire(m: EndQuorumEpochResponseMessage, nodeEndpoints: readonly NodeEndpointInfo[] = []): EndQuorumEpochResponse {
  return {
    errorCode: ErrorCode.NONE,
    topics: [{ topicName: T, partitions: [{ partitionIndex: P, errorCode: m.errorCode, leaderId: m.leaderId, leaderEpoch: m.leaderEpoch }] }],
    nodeEndpoints: nodeEndpoints.map((e) => ({ ...e })),
  };
}

export function endQuorumEpochResponseFromWire(r: EndQuorumEpochResponse, env: Envelope): EndQuorumEpochResponseMessage {
  const p = r.errorCode !== ErrorCode.NONE ? undefined : one(r.topics);
  return {
    type: 'EndQuorumEpochResponse',
    ...env,
    errorCode: p?.errorCode ?? r.errorCode,
    leaderId: p?.leaderId ?? -1,
    leaderEpoch: p?.leaderEpoch ?? -1,
  };
}

// ---- Fetch ----

export interface FetchWireOptions {
  readonly clusterId: string | null;
  /** KafkaRaftClient's fetch max wait (500 ms) and byte limit. */
  readonly maxWaitMs?: number;
  readonly maxBytes?: number;
}

export function fetchRequestToWire(m: FetchRequestMessage, o: FetchWireOptions): FetchRequest {
  const maxBytes = o.maxBytes ?? 8 * 1024 * 1024;
  return {
    clusterId: o.clusterId,
    replicaId: m.from,
    replicaState: { replicaId: m.from, replicaEpoch: -1n },
    maxWaitMs: o.maxWaitMs ?? 500,
    minBytes: 0,
    maxBytes,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [
      {
        topic: T,
        topicId: METADATA_TOPIC_ID,
        partitions: [
          {
            partition: P,
            currentLeaderEpoch: m.currentLeaderEpoch,
            fetchOffset: big(m.fetchOffset),
            lastFetchedEpoch: m.lastFetchedEpoch,
            logStartOffset: -1n,
            partitionMaxBytes: maxBytes,
            replicaDirectoryId: dir(m.replicaDirectoryId),
          },
        ],
      },
    ],
    forgottenTopicsData: [],
    rackId: '',
  };
}

export function fetchRequestFromWire(r: FetchRequest, env: Omit<Envelope, 'from'>): FetchRequestMessage {
  const p = one(r.topics);
  // Fetch v15+ moved the replica id into ReplicaState (KIP-903).
  const from = r.replicaState.replicaId >= 0 ? r.replicaState.replicaId : r.replicaId;
  return {
    type: 'Fetch',
    from,
    to: env.to,
    correlationId: env.correlationId,
    currentLeaderEpoch: p.currentLeaderEpoch,
    fetchOffset: num(p.fetchOffset),
    lastFetchedEpoch: p.lastFetchedEpoch,
    ...(p.replicaDirectoryId !== ZERO_UUID ? { replicaDirectoryId: p.replicaDirectoryId } : {}),
  };
}

export function fetchResponseToWire(
  m: FetchResponseMessage,
  encodeEntries: (entries: readonly LogEntry[]) => Buffer | null,
  nodeEndpoints: readonly NodeEndpointInfo[] = [],
): FetchResponse {
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    sessionId: 0,
    responses: [
      {
        topic: T,
        topicId: METADATA_TOPIC_ID,
        partitions: [
          {
            partitionIndex: P,
            errorCode: m.errorCode,
            highWatermark: big(m.highWatermark),
            lastStableOffset: big(m.highWatermark),
            logStartOffset: big(m.logStartOffset),
            divergingEpoch: m.divergingEpoch
              ? { epoch: m.divergingEpoch.epoch, endOffset: big(m.divergingEpoch.endOffset) }
              : { epoch: -1, endOffset: -1n },
            currentLeader: { leaderId: m.leaderId, leaderEpoch: m.leaderEpoch },
            snapshotId: m.snapshotId ? { endOffset: big(m.snapshotId.endOffset), epoch: m.snapshotId.epoch } : { endOffset: -1n, epoch: -1 },
            abortedTransactions: null,
            preferredReadReplica: -1,
            records: m.entries.length > 0 ? encodeEntries(m.entries) : null,
          },
        ],
      },
    ],
    nodeEndpoints: nodeEndpoints.map((e) => ({ ...e, rack: null })),
  };
}

export function fetchResponseFromWire(
  r: FetchResponse,
  env: Envelope,
  decodeEntries: (records: Buffer) => LogEntry[],
): FetchResponseMessage {
  const p = r.errorCode !== ErrorCode.NONE ? undefined : one(r.responses);
  if (p === undefined) {
    return { type: 'FetchResponse', ...env, errorCode: r.errorCode, leaderId: -1, leaderEpoch: -1, highWatermark: -1, logStartOffset: -1, entries: [] };
  }
  return {
    type: 'FetchResponse',
    ...env,
    errorCode: p.errorCode,
    leaderId: p.currentLeader.leaderId,
    leaderEpoch: p.currentLeader.leaderEpoch,
    highWatermark: num(p.highWatermark),
    logStartOffset: num(p.logStartOffset),
    ...(p.divergingEpoch.epoch >= 0 ? { divergingEpoch: { epoch: p.divergingEpoch.epoch, endOffset: num(p.divergingEpoch.endOffset) } } : {}),
    ...(p.snapshotId.epoch >= 0 ? { snapshotId: { endOffset: num(p.snapshotId.endOffset), epoch: p.snapshotId.epoch } } : {}),
    entries: p.records !== null && p.records.length > 0 ? decodeEntries(p.records) : [],
  };
}

// ---- FetchSnapshot ----

export function fetchSnapshotRequestToWire(m: FetchSnapshotRequestMessage, clusterId: string | null, maxBytes = 0x7fffffff): FetchSnapshotRequest {
  return {
    clusterId,
    replicaId: m.from,
    maxBytes,
    topics: [
      {
        name: T,
        partitions: [
          {
            partition: P,
            currentLeaderEpoch: m.currentLeaderEpoch,
            snapshotId: { endOffset: big(m.snapshotId.endOffset), epoch: m.snapshotId.epoch },
            position: big(m.position),
            replicaDirectoryId: ZERO_UUID,
          },
        ],
      },
    ],
  };
}

export function fetchSnapshotRequestFromWire(r: FetchSnapshotRequest, env: Omit<Envelope, 'from'>): FetchSnapshotRequestMessage {
  const p = one(r.topics);
  return {
    type: 'FetchSnapshot',
    from: r.replicaId,
    to: env.to,
    correlationId: env.correlationId,
    currentLeaderEpoch: p.currentLeaderEpoch,
    snapshotId: { endOffset: num(p.snapshotId.endOffset), epoch: p.snapshotId.epoch },
    position: num(p.position),
  };
}

export function fetchSnapshotResponseToWire(m: FetchSnapshotResponseMessage, nodeEndpoints: readonly NodeEndpointInfo[] = []): FetchSnapshotResponse {
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    topics: [
      {
        name: T,
        partitions: [
          {
            index: P,
            errorCode: m.errorCode,
            snapshotId: { endOffset: big(m.snapshotId.endOffset), epoch: m.snapshotId.epoch },
            currentLeader: { leaderId: m.leaderId, leaderEpoch: m.leaderEpoch },
            size: big(m.size),
            position: big(m.position),
            unalignedRecords: Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength),
          },
        ],
      },
    ],
    nodeEndpoints: nodeEndpoints.map((e) => ({ ...e })),
  };
}

export function fetchSnapshotResponseFromWire(r: FetchSnapshotResponse, env: Envelope): FetchSnapshotResponseMessage {
  const p = r.errorCode !== ErrorCode.NONE ? undefined : one(r.topics);
  return {
    type: 'FetchSnapshotResponse',
    ...env,
    errorCode: p?.errorCode ?? r.errorCode,
    leaderId: p?.currentLeader.leaderId ?? -1,
    leaderEpoch: p?.currentLeader.leaderEpoch ?? -1,
    snapshotId: p ? { endOffset: num(p.snapshotId.endOffset), epoch: p.snapshotId.epoch } : { endOffset: -1, epoch: -1 },
    size: p ? num(p.size) : -1,
    position: p ? num(p.position) : -1,
    bytes: p?.unalignedRecords ?? new Uint8Array(0),
  };
}

// ---- DescribeQuorum ----

/**
 * DescribeQuorum's answer from `RaftNode.describeQuorum` (undefined there: NOT_LEADER_OR_FOLLOWER);
 * `nodes` (v2) are the voters' endpoints.
 */
export function describeQuorumResponseToWire(
  q: QuorumDescription | undefined,
  nodes: ReadonlyArray<{ readonly nodeId: number; readonly listeners: readonly VoterEndpoint[] }> = [],
): DescribeQuorumResponse {
  const replica = (r: QuorumDescription['currentVoters'][number]): DescribeQuorumResponse.ReplicaState => ({
    replicaId: r.replicaId,
    replicaDirectoryId: r.replicaDirectoryId,
    logEndOffset: big(r.logEndOffset),
    lastFetchTimestamp: big(r.lastFetchTimestamp),
    lastCaughtUpTimestamp: big(r.lastCaughtUpTimestamp),
  });
  const partition: DescribeQuorumResponse.PartitionData =
    q === undefined
      ? {
          partitionIndex: P,
          errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER,
          errorMessage: null,
          leaderId: -1,
          leaderEpoch: -1,
          highWatermark: -1n,
          currentVoters: [],
          observers: [],
        }
      : {
          partitionIndex: P,
          errorCode: ErrorCode.NONE,
          errorMessage: null,
          leaderId: q.leaderId,
          leaderEpoch: q.leaderEpoch,
          highWatermark: big(q.highWatermark),
          currentVoters: q.currentVoters.map(replica),
          observers: q.observers.map(replica),
        };
  return {
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    topics: [{ topicName: T, partitions: [partition] }],
    nodes: nodes.map((n) => ({ nodeId: n.nodeId, listeners: n.listeners.map((l) => ({ ...l })) })),
  };
}
