/**
 * The core's messages through the protocol library's real codecs and back: each message maps to
 * Kafka's request/response, is encoded at a version a peer may use, decoded, and mapped back to the
 * same message (fields a version lacks are the ones Kafka drops too).
 */
import {
  BeginQuorumEpochRequestCodec,
  BeginQuorumEpochResponseCodec,
  DescribeQuorumResponseCodec,
  EndQuorumEpochRequestCodec,
  EndQuorumEpochResponseCodec,
  ErrorCode,
  FetchRequestCodec,
  FetchResponseCodec,
  FetchSnapshotRequestCodec,
  FetchSnapshotResponseCodec,
  VoteRequestCodec,
  VoteResponseCodec,
  ZERO_UUID,
  decode,
  encode,
  type MessageCodec,
} from '@nagare/protocol';
import type {
  BeginQuorumEpochRequestMessage,
  EndQuorumEpochRequestMessage,
  FetchRequestMessage,
  FetchResponseMessage,
  FetchSnapshotRequestMessage,
  FetchSnapshotResponseMessage,
  LogEntry,
  VoteRequestMessage,
  VoteResponseMessage,
} from './types';
import * as W from './wire';

const DIR_A = 'AAAAAAAAAAAAAAAAAAAAAQ';
const DIR_B = 'AAAAAAAAAAAAAAAAAAAAAg';

function through<T>(codec: MessageCodec<T>, value: T, version: number): T {
  return decode(codec, encode(codec, value, version, { lenient: true }), version);
}

describe('wire mapping of the KRaft messages', () => {
  it('Vote v2 carries pre-vote and both directory ids; v0 only what it has', () => {
    const m: VoteRequestMessage = {
      type: 'Vote',
      from: 2,
      to: 3,
      correlationId: 17,
      replicaEpoch: 5,
      lastOffsetEpoch: 4,
      lastOffset: 1234,
      preVote: true,
      candidateDirectoryId: DIR_A,
      voterDirectoryId: DIR_B,
    };
    const wire = W.voteRequestToWire(m, 'cluster');
    expect(wire.voterId).toBe(3);
    expect(wire.topics[0].topicName).toBe('__cluster_metadata');
    expect(W.voteRequestFromWire(through(VoteRequestCodec, wire, 2), { from: 2, to: 3, correlationId: 17 })).toEqual(m);
    const v0 = W.voteRequestFromWire(through(VoteRequestCodec, wire, 0), { from: 2, to: 3, correlationId: 17 });
    expect(v0).toEqual({ type: 'Vote', from: 2, to: 3, correlationId: 17, replicaEpoch: 5, lastOffsetEpoch: 4, lastOffset: 1234, preVote: false });

    const resp: VoteResponseMessage = { type: 'VoteResponse', from: 3, to: 2, correlationId: 17, errorCode: 0, leaderId: -1, leaderEpoch: 5, voteGranted: true, preVote: true };
    const rw = W.voteResponseToWire(resp, [{ nodeId: 1, host: 'c1', port: 9093 }]);
    const back = through(VoteResponseCodec, rw, 1);
    expect(back.nodeEndpoints).toEqual([{ nodeId: 1, host: 'c1', port: 9093, _unknownTaggedFields: undefined }]);
    // The response does not say whether it answered a pre-vote: the request does.
    expect(W.voteResponseFromWire(back, m)).toEqual(resp);
    // A top-level error (e.g. INCONSISTENT_CLUSTER_ID) has no partition.
    expect(W.voteResponseFromWire({ errorCode: ErrorCode.INCONSISTENT_CLUSTER_ID, topics: [], nodeEndpoints: [] }, m)).toMatchObject({ errorCode: ErrorCode.INCONSISTENT_CLUSTER_ID, voteGranted: false, leaderId: -1 });
  });

  it('BeginQuorumEpoch and EndQuorumEpoch, v0 (preferredSuccessors) and v1 (preferredCandidates with directory ids, leader endpoints)', () => {
    const b: BeginQuorumEpochRequestMessage = { type: 'BeginQuorumEpoch', from: 1, to: 2, correlationId: 3, leaderId: 1, leaderEpoch: 9, voterDirectoryId: DIR_B };
    const bw = W.beginQuorumEpochRequestToWire(b, null, [{ name: 'CONTROLLER', host: 'c1', port: 9093 }]);
    const b1 = through(BeginQuorumEpochRequestCodec, bw, 1);
    expect(b1.leaderEndpoints.map((e) => [e.name, e.host, e.port])).toEqual([['CONTROLLER', 'c1', 9093]]);
    expect(W.beginQuorumEpochRequestFromWire(b1, { from: 1, to: 2, correlationId: 3 })).toEqual(b);
    const { voterDirectoryId: _d, ...b0 } = b;
    expect(W.beginQuorumEpochRequestFromWire(through(BeginQuorumEpochRequestCodec, bw, 0), { from: 1, to: 2, correlationId: 3 })).toEqual(b0);
    const br = W.beginQuorumEpochResponseFromWire(
      through(BeginQuorumEpochResponseCodec, W.beginQuorumEpochResponseToWire({ type: 'BeginQuorumEpochResponse', from: 2, to: 1, correlationId: 3, errorCode: ErrorCode.FENCED_LEADER_EPOCH, leaderId: 4, leaderEpoch: 10 }), 0),
      { from: 2, to: 1, correlationId: 3 },
    );
    expect(br).toEqual({ type: 'BeginQuorumEpochResponse', from: 2, to: 1, correlationId: 3, errorCode: ErrorCode.FENCED_LEADER_EPOCH, leaderId: 4, leaderEpoch: 10 });

    const e: EndQuorumEpochRequestMessage = { type: 'EndQuorumEpoch', from: 1, to: 3, correlationId: 8, leaderId: 1, leaderEpoch: 9, preferredSuccessors: [3, 2] };
    const ew = W.endQuorumEpochRequestToWire(e, 'c', [], (id) => (id === 3 ? DIR_A : ZERO_UUID));
    expect(ew.topics[0].partitions[0].preferredCandidates).toEqual([
      { candidateId: 3, candidateDirectoryId: DIR_A },
      { candidateId: 2, candidateDirectoryId: ZERO_UUID },
    ]);
    for (const v of [0, 1]) expect(W.endQuorumEpochRequestFromWire(through(EndQuorumEpochRequestCodec, ew, v), { from: 1, to: 3, correlationId: 8 })).toEqual(e);
    const er = through(EndQuorumEpochResponseCodec, W.endQuorumEpochResponseToWire({ type: 'EndQuorumEpochResponse', from: 3, to: 1, correlationId: 8, errorCode: 0, leaderId: -1, leaderEpoch: 9 }), 1);
    expect(W.endQuorumEpochResponseFromWire(er, { from: 3, to: 1, correlationId: 8 })).toMatchObject({ errorCode: 0, leaderId: -1, leaderEpoch: 9 });
  });

  it('Fetch on __cluster_metadata: replica id moved into ReplicaState (v15+), records through the caller, diverging epoch and snapshot id', () => {
    const f: FetchRequestMessage = { type: 'Fetch', from: 4, to: 1, correlationId: 2, currentLeaderEpoch: 7, fetchOffset: 100, lastFetchedEpoch: 6, replicaDirectoryId: DIR_A };
    const fw = W.fetchRequestToWire(f, { clusterId: 'c', maxWaitMs: 250 });
    expect([fw.maxWaitMs, fw.topics[0].topic, fw.topics[0].topicId]).toEqual([250, '__cluster_metadata', W.METADATA_TOPIC_ID]);
    expect(W.fetchRequestFromWire(through(FetchRequestCodec, fw, 17), { to: 1, correlationId: 2 })).toEqual(f);
    // v13 has the replica id at the top and no directory id.
    const { replicaDirectoryId: _r, ...f13 } = f;
    expect(W.fetchRequestFromWire(through(FetchRequestCodec, fw, 13), { to: 1, correlationId: 2 })).toEqual(f13);

    const entries: LogEntry[] = [{ offset: 100, epoch: 7, payload: new Uint8Array([1]) }];
    const encodeEntries = (es: readonly LogEntry[]) => Buffer.from(JSON.stringify(es.map((x) => [x.offset, x.epoch, x.payload[0]])));
    const decodeEntries = (b: Buffer): LogEntry[] => (JSON.parse(b.toString()) as number[][]).map(([offset, epoch, p]) => ({ offset, epoch, payload: new Uint8Array([p]) }));
    const ok: FetchResponseMessage = { type: 'FetchResponse', from: 1, to: 4, correlationId: 2, errorCode: 0, leaderId: 1, leaderEpoch: 7, highWatermark: 99, logStartOffset: 10, entries };
    const okWire = W.fetchResponseToWire(ok, encodeEntries, [{ nodeId: 1, host: 'c1', port: 9093 }]);
    const back = through(FetchResponseCodec, okWire, 17);
    expect(back.nodeEndpoints.map((n) => [n.nodeId, n.host, n.port])).toEqual([[1, 'c1', 9093]]);
    expect(W.fetchResponseFromWire(back, { from: 1, to: 4, correlationId: 2 }, decodeEntries)).toEqual(ok);
    const diverging: FetchResponseMessage = { ...ok, entries: [], divergingEpoch: { epoch: 5, endOffset: 90 } };
    expect(W.fetchResponseFromWire(through(FetchResponseCodec, W.fetchResponseToWire(diverging, encodeEntries), 13), { from: 1, to: 4, correlationId: 2 }, decodeEntries)).toEqual(diverging);
    const snap: FetchResponseMessage = { ...ok, entries: [], snapshotId: { endOffset: 50, epoch: 3 } };
    expect(W.fetchResponseFromWire(through(FetchResponseCodec, W.fetchResponseToWire(snap, encodeEntries), 16), { from: 1, to: 4, correlationId: 2 }, decodeEntries)).toEqual(snap);
    const err = W.fetchResponseFromWire({ ...okWire, errorCode: ErrorCode.INCONSISTENT_CLUSTER_ID }, { from: 1, to: 4, correlationId: 2 }, decodeEntries);
    expect(err).toMatchObject({ errorCode: ErrorCode.INCONSISTENT_CLUSTER_ID, leaderId: -1, entries: [] });
  });

  it('FetchSnapshot chunks keep snapshot id, size, position and the bytes', () => {
    const r: FetchSnapshotRequestMessage = { type: 'FetchSnapshot', from: 4, to: 1, correlationId: 9, currentLeaderEpoch: 7, snapshotId: { endOffset: 500, epoch: 6 }, position: 1024 };
    for (const v of [0, 1]) expect(W.fetchSnapshotRequestFromWire(through(FetchSnapshotRequestCodec, W.fetchSnapshotRequestToWire(r, 'c', 4096), v), { to: 1, correlationId: 9 })).toEqual(r);
    const resp: FetchSnapshotResponseMessage = {
      type: 'FetchSnapshotResponse',
      from: 1,
      to: 4,
      correlationId: 9,
      errorCode: 0,
      leaderId: 1,
      leaderEpoch: 7,
      snapshotId: { endOffset: 500, epoch: 6 },
      size: 5000,
      position: 1024,
      bytes: new Uint8Array([5, 6, 7]),
    };
    const back = W.fetchSnapshotResponseFromWire(through(FetchSnapshotResponseCodec, W.fetchSnapshotResponseToWire(resp), 1), { from: 1, to: 4, correlationId: 9 });
    expect({ ...back, bytes: [...back.bytes] }).toEqual({ ...resp, bytes: [5, 6, 7] });
  });

  it('DescribeQuorum: voters and observers with directory ids, v2 node endpoints; a non-leader answers NOT_LEADER_OR_FOLLOWER', () => {
    const q = {
      kraftVersion: 1,
      leaderId: 1,
      leaderEpoch: 3,
      highWatermark: 42,
      currentVoters: [{ replicaId: 1, replicaDirectoryId: DIR_A, logEndOffset: 42, lastFetchTimestamp: 1000, lastCaughtUpTimestamp: 1000 }],
      observers: [{ replicaId: 7, replicaDirectoryId: DIR_B, logEndOffset: 40, lastFetchTimestamp: 990, lastCaughtUpTimestamp: 980 }],
    };
    const r = through(DescribeQuorumResponseCodec, W.describeQuorumResponseToWire(q, [{ nodeId: 1, listeners: [{ name: 'CONTROLLER', host: 'c1', port: 9093 }] }]), 2);
    const p = r.topics[0].partitions[0];
    expect([p.leaderId, p.leaderEpoch, p.highWatermark]).toEqual([1, 3, 42n]);
    expect(p.currentVoters.map((v) => [v.replicaId, v.replicaDirectoryId, v.logEndOffset])).toEqual([[1, DIR_A, 42n]]);
    expect(p.observers.map((v) => [v.replicaId, v.replicaDirectoryId, v.lastCaughtUpTimestamp])).toEqual([[7, DIR_B, 980n]]);
    expect(r.nodes.map((n) => [n.nodeId, n.listeners.map((l) => `${l.name}://${l.host}:${l.port}`)])).toEqual([[1, ['CONTROLLER://c1:9093']]]);
    const v0 = through(DescribeQuorumResponseCodec, W.describeQuorumResponseToWire(q), 0);
    expect(v0.topics[0].partitions[0].observers[0].replicaDirectoryId).toBe(ZERO_UUID);
    expect(W.describeQuorumResponseToWire(undefined).topics[0].partitions[0]).toMatchObject({ errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, leaderId: -1 });
  });
});
