/**
 * Client throughput (run: `node tools/scripts/bench.js client`).
 *
 * Like kafka-producer-perf-test with `--throughput -1`: the producer sends
 * N records of 100 random bytes (null keys, default settings: acks=all,
 * idempotent, linger.ms 5, batch.size 16384) as fast as it can, then a
 * consumer reads them back from the beginning (default fetch settings).
 * Against our server (a fresh one on a free port) when it is built, else
 * against the librdkafka mock cluster (3 brokers in a kcat process).
 * Client and server share this machine's cores.
 */
import { Admin } from './admin/admin';
import { Consumer } from './consumer/consumer';
import { Producer, ProducerRecord } from './producer/producer';
import { MockCluster, kcatAvailable, startMockCluster } from './testing/mock-cluster';
import { NagareServer, serverBuilt, startNagareServer } from './testing/nagare-server';
import type { BenchContext, BenchResult } from '@nagare/common';

let RECORDS = Number(process.env.CLIENT_BENCH_RECORDS ?? 5_000_000);
const RECORD_SIZE = 100;
let PARTITIONS = Number(process.env.CLIENT_BENCH_PARTITIONS ?? 6);
const TOPIC = 'client-bench';

async function produce(bootstrap: string, extra: object): Promise<{ seconds: number }> {
  const producer = new Producer({ bootstrapServers: bootstrap, ...extra });
  await producer.partitionsFor(TOPIC);
  const value = Buffer.alloc(RECORD_SIZE);
  for (let i = 0; i < RECORD_SIZE; i++) value[i] = 65 + (i % 26);
  const chunk = 1000;
  const inFlight: Promise<unknown>[] = [];
  const start = process.hrtime.bigint();
  for (let sent = 0; sent < RECORDS; sent += chunk) {
    const n = Math.min(chunk, RECORDS - sent);
    const records: ProducerRecord[] = new Array(n);
    for (let i = 0; i < n; i++) records[i] = { topic: TOPIC, value };
    inFlight.push(producer.send(records));
    // Let the sender run and bound the promises kept (buffer.memory bounds the bytes).
    if (inFlight.length >= 64) await inFlight.shift();
  }
  await Promise.all(inFlight);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await producer.close();
  return { seconds };
}

async function consume(bootstrap: string, extra: object): Promise<{ seconds: number; count: number }> {
  const consumer = new Consumer({ bootstrapServers: bootstrap, autoOffsetReset: 'earliest', ...extra });
  consumer.assign(Array.from({ length: PARTITIONS }, (_, partition) => ({ topic: TOPIC, partition })));
  let count = 0;
  let bytes = 0;
  const start = process.hrtime.bigint();
  while (count < RECORDS) {
    const records = await consumer.poll(1000);
    for (let i = 0; i < records.length; i++) bytes += records[i].value!.length;
    count += records.length;
    if (records.length === 0) {
      // Caught up (the mock cluster drops old batches: fewer records may be left).
      const tps = consumer.assignment();
      const ends = await consumer.endOffsets(tps);
      const positions = await Promise.all(tps.map((tp) => consumer.position(tp)));
      if (tps.every((tp, i) => positions[i] >= ends.get(`${tp.topic}\u0000${tp.partition}`)!)) break;
      if (Number(process.hrtime.bigint() - start) / 1e9 > 120) break;
    }
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await consumer.close();
  if (bytes !== count * RECORD_SIZE) throw new Error('consumed values have the wrong size');
  return { seconds, count };
}

export async function run(ctx: BenchContext): Promise<BenchResult[]> {
  let server: NagareServer | null = null;
  let mock: MockCluster | null = null;
  let bootstrap: string;
  let where: string;
  const extra: Record<string, unknown> = {};
  if (serverBuilt() && process.env.CLIENT_BENCH_TARGET !== 'mock') {
    server = await startNagareServer({ 'num.partitions': String(PARTITIONS) });
    bootstrap = server.bootstrap;
    where = 'against the nagare server (1 broker, same machine)';
    const admin = new Admin({ bootstrapServers: bootstrap });
    await admin.createTopics([{ name: TOPIC, numPartitions: PARTITIONS, replicationFactor: 1 }]);
    admin.close();
  } else if (kcatAvailable()) {
    mock = await startMockCluster(3);
    bootstrap = mock.bootstrap;
    // The mock answers a fetch with one stored batch per partition, found by a
    // linear search: consuming millions of records from it measures the mock.
    RECORDS = Math.min(RECORDS, 200_000);
    PARTITIONS = 4; // the mock creates topics with 4 partitions
    where = 'NOT against our server (not built): librdkafka mock cluster, 3 brokers in kcat; the consumer figure is bounded by the mock (one batch per partition per fetch; it also drops old batches, so fewer records are read back)';
    // The mock's ListOffsets v4+ is malformed for several partitions.
    extra.maxApiVersions = { 2: 3 };
  } else {
    ctx.log('no server and no kcat: skipped');
    return [];
  }
  ctx.log(`${RECORDS} records of ${RECORD_SIZE} bytes, ${PARTITIONS} partitions, ${where}`);
  try {
    const p = await produce(bootstrap!, extra);
    const prodRate = RECORDS / p.seconds;
    ctx.log(`produced in ${p.seconds.toFixed(2)} s`);
    const c = await consume(bootstrap!, extra);
    const consRate = c.count / c.seconds;
    ctx.log(`consumed ${c.count} in ${c.seconds.toFixed(2)} s`);
    return [
      {
        name: `producer: ${RECORDS.toLocaleString('en-US')} x ${RECORD_SIZE}-byte records, defaults (acks=all, idempotent, linger 5 ms, batch 16 KiB)`,
        value: prodRate,
        unit: 'records/s',
        target: 1_000_000,
        better: 'higher',
        note: `${((prodRate * RECORD_SIZE) / 1e6).toFixed(1)} MB/s; ${where}`,
      },
      {
        name: `consumer: the same records from the beginning, defaults (fetch.max.bytes 50 MiB, max.partition.fetch.bytes 1 MiB)`,
        value: consRate,
        unit: 'records/s',
        target: 1_500_000,
        better: 'higher',
        note: `${((consRate * RECORD_SIZE) / 1e6).toFixed(1)} MB/s; ${where}`,
      },
    ];
  } finally {
    await server?.stop();
    await mock?.stop();
  }
}
