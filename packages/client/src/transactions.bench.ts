/**
 * Transactions (run: `npm run bench -- transactions`), with nagare's client
 * against a fresh nagare server on this machine (client and server share its
 * cores):
 *
 * - transactional produce, 1,000 records of 100 bytes per transaction
 *   (begin, send, commit, one transaction after the other), against
 *   idempotent produce of the same records by the same client in the same
 *   run: both producers open, taking turns 50,000 records at a time after
 *   a warm-up, each timed over its own turns (so load swings of the shared
 *   machine hit both alike): the ratio (goal >= 0.7);
 * - commit latency: commitTransaction() of a transaction that holds one
 *   acknowledged record (EndTxn until PrepareCommit is committed), p50 and
 *   p99 over many transactions (goal p99 < 10 ms).
 *
 * transaction.version 2 (the server's default): every transaction bumps the
 * epoch and the leaders add their partitions (KIP-890 part 2).
 */
import { loadavg } from 'node:os';
import type { BenchContext, BenchResult } from '@nagare/common';
import { Admin } from './admin/admin';
import { Producer, ProducerRecord } from './producer/producer';
import { NagareServer, serverBuilt, startNagareServer } from './testing/nagare-server';

const RECORDS = Number(process.env.TXN_BENCH_RECORDS ?? 1_000_000);
const PER_TXN = 1000;
const RECORD_SIZE = 100;
const PARTITIONS = 6;
const COMMITS = Number(process.env.TXN_BENCH_COMMITS ?? 2000);

function records(topic: string, n: number, value: Buffer): ProducerRecord[] {
  const out: ProducerRecord[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = { topic, value };
  return out;
}

/**
 * Both producers stay open and take turns, 50,000 records at a time, so both
 * see the same machine (it is shared: a load swing otherwise lands on one of
 * them only). Returns records/s of each over its own time.
 */
async function alternate(bootstrap: string, value: Buffer, total: number, chunk = 50_000): Promise<{ idempotent: number; transactional: number }> {
  const idem = new Producer({ bootstrapServers: bootstrap });
  const txn = new Producer({ bootstrapServers: bootstrap, transactionalId: 'bench-txn' });
  await idem.partitionsFor('bench-idem');
  await txn.partitionsFor('bench-txn');
  await txn.initTransactions();
  let idemNs = 0n;
  let txnNs = 0n;
  for (let done = 0; done < total; done += chunk) {
    let t0 = process.hrtime.bigint();
    const inFlight: Promise<unknown>[] = [];
    for (let sent = 0; sent < chunk; sent += PER_TXN) {
      inFlight.push(idem.send(records('bench-idem', PER_TXN, value)));
      if (inFlight.length >= 64) await inFlight.shift();
    }
    await Promise.all(inFlight);
    idemNs += process.hrtime.bigint() - t0;
    t0 = process.hrtime.bigint();
    for (let sent = 0; sent < chunk; sent += PER_TXN) {
      txn.beginTransaction();
      const acked = txn.send(records('bench-txn', PER_TXN, value));
      await txn.commitTransaction();
      await acked;
    }
    txnNs += process.hrtime.bigint() - t0;
  }
  await idem.close();
  await txn.close();
  return { idempotent: total / (Number(idemNs) / 1e9), transactional: total / (Number(txnNs) / 1e9) };
}

async function commitLatency(bootstrap: string, topic: string, value: Buffer): Promise<number[]> {
  const p = new Producer({ bootstrapServers: bootstrap, transactionalId: 'bench-commit', lingerMs: 0 });
  await p.partitionsFor(topic);
  await p.initTransactions();
  const ms: number[] = [];
  for (let i = 0; i < COMMITS; i++) {
    p.beginTransaction();
    await p.send({ topic, partition: i % PARTITIONS, value });
    const t0 = process.hrtime.bigint();
    await p.commitTransaction();
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  await p.close();
  return ms.sort((a, b) => a - b);
}

export async function run(ctx: BenchContext): Promise<BenchResult[]> {
  if (!serverBuilt()) {
    ctx.log('the server is not built: skipped');
    return [];
  }
  const loadBefore = loadavg()[0];
  const server: NagareServer = await startNagareServer({ 'num.partitions': String(PARTITIONS) });
  try {
    const admin = new Admin({ bootstrapServers: server.bootstrap });
    await admin.createTopics([
      { name: 'bench-idem', numPartitions: PARTITIONS, replicationFactor: 1 },
      { name: 'bench-txn', numPartitions: PARTITIONS, replicationFactor: 1 },
      { name: 'bench-commit', numPartitions: PARTITIONS, replicationFactor: 1 },
    ]);
    admin.close();
    const value = Buffer.alloc(RECORD_SIZE, 'x');
    ctx.log(`${RECORDS} records of ${RECORD_SIZE} bytes, ${PARTITIONS} partitions; ${PER_TXN} records per transaction`);
    // Warm both paths up (JIT of client and server), then measure, taking turns.
    await alternate(server.bootstrap, value, 200_000);
    const { idempotent: idem, transactional: txn } = await alternate(server.bootstrap, value, RECORDS);
    ctx.log(`idempotent ${Math.round(idem)} records/s, transactional ${Math.round(txn)} records/s`);
    const lat = await commitLatency(server.bootstrap, 'bench-commit', value);
    const q = (f: number) => lat[Math.min(lat.length - 1, Math.floor(f * lat.length))];
    ctx.log(`commit latency over ${lat.length} transactions: p50 ${q(0.5).toFixed(2)} ms, p99 ${q(0.99).toFixed(2)} ms, max ${lat[lat.length - 1].toFixed(2)} ms`);
    return [
      {
        name: `transactional produce, ${PER_TXN.toLocaleString('en-US')} x ${RECORD_SIZE}-byte records per transaction, vs idempotent produce (same client and run)`,
        value: txn / idem,
        unit: 'x idempotent',
        target: 0.7,
        better: 'higher',
        note: `${Math.round(txn).toLocaleString('en-US')} vs ${Math.round(idem).toLocaleString('en-US')} records/s; ${RECORDS.toLocaleString('en-US')} records each, ${PARTITIONS} partitions, turns of 50,000; nagare's client, transaction.version 2; 1-min load average ${loadBefore.toFixed(1)} on the 2 shared cores before the run`,
      },
      {
        name: 'transaction commit latency p99 (commitTransaction of a transaction holding one acknowledged record)',
        value: q(0.99),
        unit: 'ms',
        target: 10,
        better: 'lower',
        note: `p50 ${q(0.5).toFixed(2)} ms over ${lat.length.toLocaleString('en-US')} transactions; single node; 1-min load average ${loadBefore.toFixed(1)} before the run`,
      },
    ];
  } finally {
    await server.stop();
  }
}
