/**
 * Transactional offset commits as the log holds them (records of a producer
 * id, then its COMMIT or ABORT marker) reach the shard's replay: pending
 * until the marker, then visible (COMMIT) or dropped (ABORT), and
 * UNSTABLE_OFFSET_COMMIT for OffsetFetch requireStable meanwhile. What
 * TxnOffsetCommit will write.
 */
import { ErrorCode } from '@nagare/protocol';
import { serializeGroupRecord } from './group-records';
import { MemoryOffsetsTopicStore } from './memory-store';
import { commitRequest, ctx, harness } from './__fixtures__/harness';

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
