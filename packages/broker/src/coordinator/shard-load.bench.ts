/**
 * Shard load time (run: `npm run bench -- shard-load`): how long a broker
 * that becomes the leader of a `__consumer_offsets` partition takes to
 * rebuild the group coordinator's shard from it, for 1,000,000 offset
 * commits in the partition (issue 10's goal: under 2 s).
 *
 * The partition is written the way a busy coordinator writes it: 1,000
 * groups committing 100 partitions each, ten times over, as 1,000 batches of
 * 1,000 OffsetCommitValue v3 records (100,000 distinct keys, nothing
 * compacted yet). A real broker (storage, log, replica manager, coordinator
 * runtime) on the in-memory file system, so the figure is CPU: reading
 * batches, decoding keys and values, replaying them; a cold disk adds its
 * read time. Load = onResignation + onElection until the shard is active.
 */
import type { BenchContext, BenchResult } from '@nagare/common';
import { RecordBatchBuilder } from '@nagare/records';
import { serializeGroupRecord } from '../group/group-records';
import { OFFSETS_TOPIC } from '../offsets-topic';
import { startTestBroker } from '../testing/test-broker';

const GROUPS = Number(process.env.SHARD_BENCH_GROUPS ?? 1000);
const PARTITIONS_PER_GROUP = 100;
const ROUNDS = 10;
const BATCH = 1000;

export async function run(ctx: BenchContext): Promise<BenchResult[]> {
  const t = await startTestBroker({ 'offsets.topic.num.partitions': '1', 'log.cleaner.enable': 'false', 'offsets.topic.segment.bytes': String(100 * 1024 * 1024) });
  try {
    const groups = t.broker.groups;
    if ((await groups.ensureOffsetsTopic()) !== 0) throw new Error('could not create __consumer_offsets');
    for (let i = 0; i < 200 && groups.runtime.state(0) !== 'active'; i++) await new Promise((r) => setTimeout(r, 10));
    const total = GROUPS * PARTITIONS_PER_GROUP * ROUNDS;
    ctx.log(`writing ${total.toLocaleString('en-US')} offset commits to ${OFFSETS_TOPIC}-0`);
    const now = Date.now();
    let batch = new RecordBatchBuilder({ maxBytes: 0x7fffffff, now: () => now });
    let inBatch = 0;
    let bytes = 0;
    const flush = () => {
      const records = batch.build();
      bytes += records.length;
      const r = t.broker.replicas.appendToLeader({ topic: OFFSETS_TOPIC, partition: 0, records }, { allowInternal: true });
      if (r.errorCode !== 0) throw new Error(`append failed: ${r.errorCode}`);
      batch = new RecordBatchBuilder({ maxBytes: 0x7fffffff, now: () => now });
      inBatch = 0;
    };
    for (let round = 0; round < ROUNDS; round++) {
      for (let g = 0; g < GROUPS; g++) {
        for (let p = 0; p < PARTITIONS_PER_GROUP; p++) {
          const rec = serializeGroupRecord({
            type: 'OffsetCommit',
            groupId: `group-${g}`,
            topic: `topic-${p % 10}`,
            partition: p,
            value: { offset: BigInt(round * 1000 + p), leaderEpoch: 0, metadata: '', commitTimestamp: now, expireTimestamp: -1 },
          });
          batch.append({ timestamp: now, key: rec.key, value: rec.value });
          if (++inBatch === BATCH) flush();
        }
      }
    }
    if (inBatch > 0) flush();
    ctx.log(`${(bytes / 1e6).toFixed(1)} MB in the partition; loading the shard`);
    const times: number[] = [];
    let epoch = 1;
    for (let run = 0; run < 3; run++) {
      groups.onResignation(0, epoch++);
      const start = process.hrtime.bigint();
      await groups.onElection(0, epoch++);
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
      const shard = groups.runtime.shard(0);
      if (!shard) throw new Error('the shard did not load');
      const offsets = shard.offsets.size();
      const sample = shard.offsets.offset('group-7', 'topic-3', 13)?.offset;
      if (offsets !== GROUPS * PARTITIONS_PER_GROUP || sample !== BigInt((ROUNDS - 1) * 1000 + 13)) throw new Error(`wrong state after load: ${offsets} offsets, sample ${sample}`);
      ctx.log(`run ${run + 1}: ${times[run].toFixed(0)} ms (${offsets.toLocaleString('en-US')} offsets, ${shard.groups.size} groups)`);
    }
    const median = [...times].sort((a, b) => a - b)[1];
    return [
      {
        name: `shard load, ${total.toLocaleString('en-US')} offset commits (${GROUPS.toLocaleString('en-US')} groups x ${PARTITIONS_PER_GROUP} partitions x ${ROUNDS})`,
        value: median,
        unit: 'ms',
        target: 2000,
        better: 'lower',
        note: `median of 3 (${times.map((x) => x.toFixed(0)).join(', ')} ms); ${(bytes / 1e6).toFixed(0)} MB of batches on the in-memory file system; ${Math.round(total / (median / 1000)).toLocaleString('en-US')} records/s`,
      },
    ];
  } finally {
    await t.stop();
  }
}
