/**
 * Storage engine benchmarks (npm run bench -- storage), on the real disk
 * under os.tmpdir(), page cache included (no fsync on the append path, as
 * with Kafka's default flush policy).
 *
 * - dd bs=1M count=1024 to the same disk, for comparison
 * - append of 1 MiB and 16 KiB batches (validation with CRC, offset
 *   patching, one write per append, index maintenance)
 * - sequential read of 1 GiB in 1 MiB fetches
 * - recovery of a 1 GiB active segment after an unclean shutdown
 * - open of a log with 10,000 segments after a clean shutdown
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BenchContext, BenchResult, ManualClock, systemClock } from '@nagare/common';
import { buildRecordBatch } from '@nagare/records';
import { DEFAULT_LOG_CONFIG, LogConfig } from './config';
import { NodeFileSystem } from './fs/node-fs';
import { LogManager } from './log-manager';
import { PartitionLog } from './partition-log';

const GiB = 1024 * 1024 * 1024;

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function runDd(dir: string, bs = '1M', count = 1024): { gbps: number; line: string } {
  const file = path.join(dir, 'dd.out');
  let stderr = '';
  try {
    // dd reports on stderr.
    stderr = spawnSync('dd', ['if=/dev/zero', `of=${file}`, `bs=${bs}`, `count=${count}`, 'conv=notrunc'], { encoding: 'utf8' }).stderr;
  } finally {
    fs.rmSync(file, { force: true });
  }
  const line = stderr.trim().split('\n').pop() ?? '';
  // "1073741824 bytes (1.1 GB, 1.0 GiB) copied, 0.61 s, 1.8 GB/s"
  const m = /^(\d+) bytes.*copied, ([\d.,]+) s/.exec(line);
  if (!m) throw new Error(`cannot parse dd output: ${stderr}`);
  return { gbps: Number(m[1]) / Number(m[2].replace(',', '.')) / 1e9, line };
}

function openLog(dir: string, config: Partial<LogConfig>, extra: Partial<Parameters<typeof PartitionLog.open>[0]> = {}): PartitionLog {
  return PartitionLog.open({
    dir,
    topic: 'bench',
    partition: 0,
    config: { ...DEFAULT_LOG_CONFIG, maxMessageBytes: 4 * 1024 * 1024, ...config },
    fs: new NodeFileSystem(),
    clock: systemClock,
    ...extra,
  });
}

function batchOfSize(bytes: number): Buffer {
  return buildRecordBatch([{ timestamp: systemClock.now(), key: 'k', value: Buffer.alloc(bytes - 61 - 20, 0x61) }]);
}

/** Appends `total` bytes in batches of `batchBytes`; returns GB/s. */
function appendBench(dir: string, batchBytes: number, total: number, config: Partial<LogConfig> = {}): { gbps: number; log: PartitionLog } {
  const log = openLog(dir, config);
  const batch = batchOfSize(batchBytes);
  // Warm up (JIT), then measure on the same log.
  for (let i = 0; i < 20; i++) log.appendAsLeader(batch, { leaderEpoch: 0 });
  const n = Math.floor(total / batch.length);
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const r = log.appendAsLeader(batch, { leaderEpoch: 0 });
    if (r.errorCode !== 0) throw new Error(r.errorMessage);
  }
  const s = seconds(start);
  return { gbps: (n * batch.length) / s / 1e9, log };
}

export async function run(ctx: BenchContext): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nagare-storage-bench-'));
  try {
    // dd, twice (the first run may pay for growing the page cache); the better figure counts.
    const dd1 = runDd(root);
    const dd2 = runDd(root);
    const ddBest = Math.max(dd1.gbps, dd2.gbps);
    ctx.log(`dd: ${dd1.line} | ${dd2.line}`);
    results.push({ name: 'dd if=/dev/zero bs=1M count=1024 (same disk, page cache)', value: ddBest, unit: 'GB/s', better: 'higher', note: `best of two runs (${dd1.gbps.toFixed(2)}, ${dd2.gbps.toFixed(2)})` });
    const dd16 = runDd(root, '16K', 65536);
    ctx.log(`dd 16K: ${dd16.line}`);
    results.push({ name: 'dd if=/dev/zero bs=16K count=65536 (same disk, page cache)', value: dd16.gbps, unit: 'GB/s', better: 'higher' });

    // Appends of 1 MiB batches, then sequential reads of that log.
    {
      const dir = path.join(root, 'big-0');
      const { gbps, log } = appendBench(dir, 1024 * 1024, GiB);
      results.push({
        name: 'append 1 MiB batches, 1 GiB',
        value: gbps,
        unit: 'GB/s',
        target: 1.5,
        better: 'higher',
        note: `${(gbps / ddBest).toFixed(2)}x dd; CRC-32C check + offset patch + one pwrite per batch`,
      });
      const start = process.hrtime.bigint();
      let offset = log.logStartOffset;
      let bytes = 0;
      while (offset < log.logEndOffset) {
        const r = log.read(offset, 1024 * 1024);
        bytes += r.records.length;
        offset = r.nextOffset;
      }
      const s = seconds(start);
      results.push({ name: 'sequential read, 1 MiB fetches over 1 GiB', value: bytes / s / 1e9, unit: 'GB/s', target: 3, better: 'higher', note: 'one pread into a fresh buffer per fetch' });
      log.closeWithoutFlush();
      fs.rmSync(dir, { recursive: true, force: true });
    }

    // Appends of 16 KiB batches, into one big active segment; then recovery of that segment.
    {
      const dir = path.join(root, 'small-0');
      const { gbps, log } = appendBench(dir, 16 * 1024, GiB, { segmentBytes: 0x7fffffff });
      results.push({
        name: 'append 16 KiB batches, 1 GiB',
        value: gbps,
        unit: 'GB/s',
        target: 0.8,
        better: 'higher',
        note: `${(gbps / dd16.gbps).toFixed(2)}x dd bs=16K, ${(gbps / ddBest).toFixed(2)}x dd bs=1M; per append: one 16 KiB pwrite, CRC-32C, ~1 us of bookkeeping`,
      });
      const size = log.size();
      const leo = log.logEndOffset;
      // Unclean shutdown: no flush, no snapshot, no marker.
      log.closeWithoutFlush();
      const start = process.hrtime.bigint();
      const reopened = openLog(dir, { segmentBytes: 0x7fffffff }, { hadCleanShutdown: false, recoveryPoint: 0 });
      const s = seconds(start);
      if (reopened.logEndOffset !== leo || !reopened.ranRecovery) throw new Error('recovery lost data');
      results.push({
        name: `recovery of a ${(size / GiB).toFixed(2)} GiB unclean active segment (65,536 batches)`,
        value: s,
        unit: 's',
        target: 1,
        better: 'lower',
        note: 'every batch CRC-checked, indexes and producer state rebuilt',
      });
      reopened.closeWithoutFlush();
      fs.rmSync(dir, { recursive: true, force: true });
    }

    // Open of a log with 10,000 segments (clean shutdown).
    {
      const dir = path.join(root, 'many');
      const clock = new ManualClock(systemClock.now());
      const config: LogConfig = { ...DEFAULT_LOG_CONFIG, segmentBytes: 1024, indexIntervalBytes: 256 };
      let m = LogManager.open({ logDirs: [dir], fs: new NodeFileSystem(), clock, defaultConfig: config });
      const log = m.getOrCreateLog('many', 0);
      const batch = batchOfSize(700);
      const build = process.hrtime.bigint();
      while (log.numberOfSegments < 10_000) log.appendAsLeader(batch, { leaderEpoch: 0 });
      ctx.log(`built 10,000 segments in ${seconds(build).toFixed(2)} s`);
      await m.close();
      const start = process.hrtime.bigint();
      m = LogManager.open({ logDirs: [dir], fs: new NodeFileSystem(), clock, defaultConfig: config });
      const s = seconds(start);
      const l2 = m.getLog('many', 0)!;
      if (l2.numberOfSegments !== 10_000 || l2.ranRecovery) throw new Error('unexpected open');
      results.push({ name: 'open a log of 10,000 segments (clean shutdown)', value: s, unit: 's', target: 1, better: 'lower', note: 'indexes of non-active segments load lazily' });
      // First read of an old segment (lazy index load).
      const r0 = process.hrtime.bigint();
      l2.read(1234, 1);
      results.push({ name: 'first fetch from a not-yet-loaded segment', value: seconds(r0) * 1000, unit: 'ms', better: 'lower' });
      await m.close();
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
  return results;
}
