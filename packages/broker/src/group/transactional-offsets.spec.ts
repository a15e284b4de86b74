/**
 * Transactional offset commits as the log holds them (records of a producer
 * id, then its COMMIT or ABORT marker) reach the shard's replay: pending
 * until the marker, then visible (COMMIT) or dropped (ABORT), and
 * UNSTABLE_OFFSET_COMMIT for OffsetFetch requireStable meanwhile. What
 * TxnOffsetCommit will write.
 */
import { ManualClock, ManualScheduler } from '@nagare/common';
import type { MetadataImage } from '@nagare/metadata';
import { ErrorCode, type TxnOffsetCommitRequest } from '@nagare/protocol';
import { GroupCoordinator } from './coordinator';
import { serializeGroupRecord } from './group-records';
import { MemoryOffsetsTopicStore } from './memory-store';
import { commitRequest, ctx, flush, harness, joinRequest, track } from './__fixtures__/harness';

const offsetRecord = (group: string, partition: number, offset: bigint) =>
  serializeGroupRecord({ type: 'OffsetCommit', groupId: group, topic: 't', partition, value: { offset, leaderEpoch: -1, metadata: 'txn', commitTimestamp: 1, expireTimestamp: -1 } });

describe('transactional offsets in __consumer_offsets', () => {
  it('stay pending until their marker, then are committed or dropped; requireStable sees them as unstable', async () => {
    const store = new MemoryOffsetsTopicStore(1);
    const h0 = harness({ store });
    await h0.coord.start();
    // A plain commit first, then two transactions (producer 7 commits, producer 8 aborts).
    await h0.coord.commitOffsets(ctx(8), commitRequest('g', { t: { 0: 5n, 1: 5n } }));
    store.append(0, [offsetRecord('g', 0, 100n)], { timestampMs: 1, producerId: 7n, producerEpoch: 0, transactional: true });
    store.append(0, [offsetRecord('g', 1, 200n)], { timestampMs: 1, producerId: 8n, producerEpoch: 0, transactional: true });
    await h0.coord.shutdown();

    const h1 = harness({ store });
    await h1.coord.start();
    const fetch = (requireStable: boolean) => h1.coord.fetchOffsets(ctx(7), { groupId: 'g', topics: [{ name: 't', partitionIndexes: [0, 1] }], groups: [], requireStable });
    expect((await fetch(false)).topics[0].partitions.map((p) => [p.committedOffset, p.errorCode])).toEqual([
      [5n, 0],
      [5n, 0],
    ]);
    expect((await fetch(true)).topics[0].partitions.map((p) => p.errorCode)).toEqual([ErrorCode.UNSTABLE_OFFSET_COMMIT, ErrorCode.UNSTABLE_OFFSET_COMMIT]);
    await h1.coord.shutdown();

    store.appendMarker(0, 7n, 0, 'COMMIT');
    store.appendMarker(0, 8n, 0, 'ABORT');
    const h2 = harness({ store });
    await h2.coord.start();
    const after = await h2.coord.fetchOffsets(ctx(7), { groupId: 'g', topics: [{ name: 't', partitionIndexes: [0, 1] }], groups: [], requireStable: true });
    expect(after.topics[0].partitions.map((p) => [p.committedOffset, p.metadata, p.errorCode])).toEqual([
      [100n, 'txn', 0],
      [5n, '', 0],
    ]);
  });
});

describe('TxnOffsetCommit', () => {
  const image = () =>
    ({
      topicsByName: new Map([['t', { name: 't', id: 't', partitions: new Map([0, 1].map((p) => [p, { partition: p }])) }]]),
    }) as unknown as MetadataImage;
  const setup = async () => {
    const clock = new ManualClock();
    const store = new MemoryOffsetsTopicStore(1);
    const scheduler = new ManualScheduler(clock);
    const coord = new GroupCoordinator({ store, clock, scheduler, metadata: image, config: { groupInitialRebalanceDelayMs: 0 } });
    await coord.start();
    return { coord, store, scheduler };
  };
  const txnCommit = (groupId: string, offsets: Record<number, bigint>, o: Partial<TxnOffsetCommitRequest> = {}): TxnOffsetCommitRequest => ({
    transactionalId: 'tx',
    groupId,
    producerId: 7n,
    producerEpoch: 0,
    generationId: -1,
    memberId: '',
    groupInstanceId: null,
    topics: [{ name: 't', partitions: Object.entries(offsets).map(([p, o2]) => ({ partitionIndex: Number(p), committedOffset: o2, committedLeaderEpoch: -1, committedMetadata: 'm' })) }],
    ...o,
  });
  const fetchStable = (coord: GroupCoordinator, requireStable: boolean) =>
    coord.fetchOffsets(ctx(7), { groupId: 'g', topics: [{ name: 't', partitionIndexes: [0, 1] }], groups: [], requireStable }).then((r) => r.topics[0].partitions.map((p) => [p.committedOffset, p.errorCode]));

  it('writes offsets with the producer id; they become visible when the COMMIT marker is written through the coordinator, never on ABORT', async () => {
    const { coord, store } = await setup();
    const res = await coord.commitTransactionalOffsets(ctx(3), txnCommit('g', { 0: 10n, 1: 20n }));
    expect(res.topics[0].partitions).toEqual([
      { partitionIndex: 0, errorCode: 0 },
      { partitionIndex: 1, errorCode: 0 },
    ]);
    expect(await fetchStable(coord, false)).toEqual([
      [-1n, 0],
      [-1n, 0],
    ]);
    expect(await fetchStable(coord, true)).toEqual([
      [-1n, ErrorCode.UNSTABLE_OFFSET_COMMIT],
      [-1n, ErrorCode.UNSTABLE_OFFSET_COMMIT],
    ]);
    expect(await coord.completeTransaction(0, 7n, 0, 3, 'COMMIT')).toBe(0);
    expect(await fetchStable(coord, true)).toEqual([
      [10n, 0],
      [20n, 0],
    ]);
    // Another transaction of the same producer, aborted: the committed offsets stay.
    await coord.commitTransactionalOffsets(ctx(3), txnCommit('g', { 0: 99n }));
    expect(await coord.completeTransaction(0, 7n, 0, 3, 'ABORT')).toBe(0);
    expect(await fetchStable(coord, true)).toEqual([
      [10n, 0],
      [20n, 0],
    ]);
    // Loaded again from the log (records with the producer id, then the markers): the same.
    await coord.shutdown();
    const again = new GroupCoordinator({ store, clock: new ManualClock(), scheduler: new ManualScheduler(new ManualClock()), metadata: image });
    await again.start();
    expect(await fetchStable(again, true)).toEqual([
      [10n, 0],
      [20n, 0],
    ]);
    // A marker for a shard that is not here answers NOT_LEADER_OR_FOLLOWER (the transaction coordinator retries).
    again.onResignation(0, 5);
    expect(await again.completeTransaction(0, 7n, 0, 3, 'COMMIT')).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
  });

  it('validates the group, member, generation, partitions and metadata as Kafka does', async () => {
    const { coord, scheduler } = await setup();
    const codes = async (req: TxnOffsetCommitRequest, version = 3) => (await coord.commitTransactionalOffsets(ctx(version), req)).topics.flatMap((t) => t.partitions.map((p) => p.errorCode));
    // A generation for a group that does not exist.
    expect(await codes(txnCommit('nope', { 0: 1n }, { generationId: 3, memberId: 'm' }))).toEqual([ErrorCode.ILLEGAL_GENERATION]);
    // Partitions the topic does not have, and topics that do not exist.
    const unknown = await coord.commitTransactionalOffsets(ctx(3), { ...txnCommit('g', { 0: 1n, 5: 1n }), topics: [...txnCommit('g', { 0: 1n, 5: 1n }).topics, { name: 'gone', partitions: [{ partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, committedMetadata: null }] }] });
    expect(unknown.topics.map((t) => t.partitions.map((p) => [p.partitionIndex, p.errorCode]))).toEqual([
      [
        [0, 0],
        [5, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      ],
      [[0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]],
    ]);
    // Metadata past offset.metadata.max.bytes.
    const big = txnCommit('g', { 1: 1n });
    big.topics[0].partitions[0].committedMetadata = 'x'.repeat(5000);
    expect(await codes(big)).toEqual([ErrorCode.OFFSET_METADATA_TOO_LARGE]);
    expect(await codes(txnCommit('', { 0: 1n }))).toEqual([ErrorCode.INVALID_GROUP_ID]);
    // A classic group with members: an unknown member, then a stale generation (v3+ carries them).
    const joining = track(coord.joinGroup(ctx(3), joinRequest('live')));
    scheduler.runDue();
    await flush();
    expect(joining.done).toBe(true);
    const { memberId, generationId } = joining.value;
    expect(generationId).toBe(1);
    expect(await codes(txnCommit('live', { 0: 1n }, { generationId: 1, memberId: 'stranger' }))).toEqual([ErrorCode.UNKNOWN_MEMBER_ID]);
    expect(await codes(txnCommit('live', { 0: 1n }, { generationId: 99, memberId }))).toEqual([ErrorCode.ILLEGAL_GENERATION]);
    // v0-2 carry neither member nor generation: accepted for a group with members (Kafka does not check them).
    expect(await codes(txnCommit('live', { 0: 1n }), 2)).toEqual([0]);
  });
});
