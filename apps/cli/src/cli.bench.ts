/**
 * The perf tools as users run them (run: `npm run bench -- cli`):
 *
 *   kafka-producer-perf-test --topic perf --num-records 5000000 --record-size 100
 *     --throughput -1 --producer-props bootstrap.servers=...
 *   kafka-consumer-perf-test --bootstrap-server ... --topic perf --messages 5000000
 *
 * against a fresh `nagare server` on a free port (1 partition, like
 * num.partitions=1). Each tool is its own process; the figures are the ones the
 * tools print (their summary lines), so this measures exactly what a user sees.
 * Each tool runs three times and the median run is reported (this machine's
 * two cores are shared by server and tool, so single runs vary by ~20%).
 */
import { cleanupAll, cli, startServer } from './testing/harness';
import type { BenchContext, BenchResult } from '@nagare/common';

const RECORDS = Number(process.env.CLI_BENCH_RECORDS ?? 5_000_000);
const RUNS = 3;

function median<T>(runs: T[], value: (r: T) => number): T {
  return [...runs].sort((a, b) => value(a) - value(b))[Math.floor(runs.length / 2)];
}

export async function run(ctx: BenchContext): Promise<BenchResult[]> {
  const server = await startServer();
  try {
    const created = await cli('kafka-topics', ['--bootstrap-server', server.bootstrap, '--create', '--topic', 'perf', '--partitions', '1']);
    if (created.code !== 0) throw new Error(`kafka-topics --create failed: ${created.stderr}`);
    const producerRuns: RegExpExecArray[] = [];
    for (let run = 0; run < RUNS; run++) {
      const produced = await cli('kafka-producer-perf-test', ['--topic', 'perf', '--num-records', String(RECORDS), '--record-size', '100', '--throughput', '-1', '--producer-props', `bootstrap.servers=${server.bootstrap}`], { timeoutMs: 600_000 });
      if (produced.code !== 0) throw new Error(`kafka-producer-perf-test failed: ${produced.stderr}`);
      // "5000000 records sent, 1234567.8 records/sec (117.74 MB/sec), 12.34 ms avg latency, ... 50th, ... 99.9th."
      const summary = produced.stdout.trim().split('\n').pop()!;
      ctx.log(summary);
      const m = /^(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th/.exec(summary);
      if (!m || Number(m[1]) !== RECORDS) throw new Error(`unexpected producer summary: ${summary}`);
      producerRuns.push(m);
    }
    const m = median(producerRuns, (r) => Number(r[2]));

    const consumerRuns: string[][] = [];
    for (let run = 0; run < RUNS; run++) {
      const consumed = await cli('kafka-consumer-perf-test', ['--bootstrap-server', server.bootstrap, '--topic', 'perf', '--messages', String(RECORDS)], { timeoutMs: 600_000 });
      if (consumed.code !== 0) throw new Error(`kafka-consumer-perf-test failed: ${consumed.stderr}`);
      // header line, then "start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, ..."
      const row = consumed.stdout.trim().split('\n').pop()!;
      ctx.log(row);
      const cols = row.split(',').map((x) => x.trim());
      if (Number(cols[4]) < RECORDS || !Number.isFinite(Number(cols[5]))) throw new Error(`unexpected consumer row: ${row}`);
      consumerRuns.push(cols);
    }
    const cols = median(consumerRuns, (c) => Number(c[5]));
    const nMsgSec = Number(cols[5]);
    const fetchNMsgSec = Number(cols[9]);
    return [
      {
        name: `kafka-producer-perf-test --num-records ${RECORDS} --record-size 100 --throughput -1 (defaults: acks=all, idempotent, 1 partition; median of ${RUNS})`,
        value: Number(m[2]),
        unit: 'records/s',
        target: 1_000_000,
        better: 'higher',
        note: `runs: ${producerRuns.map((r) => Math.round(Number(r[2]))).join(', ')} records/s; ${m[3]} MB/s; avg latency ${m[4]} ms, max ${m[5]} ms, p50 ${m[6]} ms, p99 ${m[8]} ms`,
      },
      {
        name: `kafka-consumer-perf-test --messages ${RECORDS} (nMsg.sec, whole run incl. group join; median of ${RUNS})`,
        value: nMsgSec,
        unit: 'records/s',
        target: 1_500_000,
        better: 'higher',
        note: `runs: ${consumerRuns.map((c) => Math.round(Number(c[5]))).join(', ')} records/s; ${cols[3]} MB/s; fetch.nMsg.sec (after the group join) ${Number.isFinite(fetchNMsgSec) ? fetchNMsgSec.toFixed(0) : '?'}`,
      },
    ];
  } finally {
    await server.stop();
    await cleanupAll();
  }
}
