/**
 * Crash tests on the fault-injecting memory file system: a seeded workload
 * of appends, rolls, flushes, checkpoints and clean restarts is killed at
 * every n-th file system operation; the "disk" then loses, keeps or tears
 * unsynced pages; the log is reopened and checked.
 */
import { ManualClock } from '@nagare/common';
import { ErrorCode } from '@nagare/protocol';
import { iterateBatches, readBatchHeader } from '@nagare/records';
import { T0, batchOf, cfg } from './__fixtures__/helpers';
import { LogConfig } from './config';
import { CrashMode, MemoryFileSystem, Rng } from './fs/memory-fs';
import { LogManager } from './log-manager';
import { PartitionLog } from './partition-log';

const PID = 77;

interface Run {
  /** Expected bytes of every batch an append was attempted for, by base offset. */
  attempted: Map<number, Buffer>;
  /** Offsets below this were flushed (fsync returned) before the crash. */
  flushedUpTo: number;
  /** Batches acknowledged (append returned). */
  acked: Map<number, Buffer>;
  ops: number;
  /** The furthest the workload moved the log start (retention, DeleteRecords). */
  maxLogStart: number;
}

const CONFIG: Partial<LogConfig> = { segmentBytes: 1500, indexIntervalBytes: 120, segmentIndexBytes: 8 * 64, retentionBytes: 9000, retentionMs: -1 };

function openManager(fs: MemoryFileSystem, clock: ManualClock): LogManager {
  return LogManager.open({ logDirs: ['/d1'], fs, clock, defaultConfig: cfg(CONFIG) });
}

/** A plain assertion (jest's expect is too slow for thousands of runs). */
function check(cond: boolean, message: string): void {
  if (!cond) throw new Error(message);
}

/** The workload; throws when the file system "dies". */
function workload(fs: MemoryFileSystem, clock: ManualClock, rng: Rng, run: Run): void {
  let mgr = openManager(fs, clock);
  let log = mgr.getOrCreateLog('t', 0);
  let seq = 0;
  for (let i = 0; i < 45; i++) {
    clock.advance(1 + rng.int(50));
    const n = 1 + rng.int(6);
    const idempotent = rng.next() < 0.4;
    const b = batchOf(
      Array.from({ length: n }, (_, j) => ({ key: `k${rng.int(20)}`, value: `v${i}-${j}-${'x'.repeat(rng.int(120))}`, timestamp: clock.now() })),
      idempotent ? { producerId: PID, producerEpoch: 0, baseSequence: seq } : {},
    );
    const base = log.logEndOffset;
    // What the log will hold if this append lands: offsets and epoch patched in.
    const expected = Buffer.from(b);
    expected.writeUInt32BE(Math.floor(base / 2 ** 32), 0);
    expected.writeUInt32BE(base % 2 ** 32, 4);
    expected.writeInt32BE(1, 12);
    run.attempted.set(base, expected);
    const r = log.appendAsLeader(b, { leaderEpoch: 1 });
    if (r.errorCode !== 0) throw new Error(`append failed: ${r.errorMessage}`);
    check(b.equals(expected), 'the appended buffer was patched as expected');
    run.acked.set(base, expected);
    if (idempotent) seq += n;
    run.maxLogStart = Math.max(run.maxLogStart, log.logStartOffset);
    const dice = rng.next();
    if (dice < 0.25) {
      const upTo = log.logEndOffset;
      log.flush();
      run.flushedUpTo = upTo;
    } else if (dice < 0.3) {
      mgr.checkpoint();
    } else if (dice < 0.33) {
      mgr.closeSync();
      run.flushedUpTo = log.logEndOffset;
      mgr = openManager(fs, clock);
      log = mgr.getLog('t', 0)!;
      check(!log.ranRecovery, 'a clean restart does not recover');
    } else if (dice < 0.37) {
      // Follower-style truncation: data removed on purpose is no longer owed.
      // Truncating inside a batch removes the whole batch: the log will end at that batch's base offset.
      const target = Math.max(log.logStartOffset, log.logEndOffset - 1 - rng.int(12));
      const end = target < log.logEndOffset ? readBatchHeader(log.read(target, 1).records).baseOffset : target;
      for (const base of [...run.acked.keys()]) if (base >= end) run.acked.delete(base);
      run.flushedUpTo = Math.min(run.flushedUpTo, end);
      log.truncateTo(target);
      check(log.logEndOffset === end, `truncation ended at ${log.logEndOffset}, expected ${end}`);
      const e = log.producerEntry(PID);
      seq = e && e.batches.length > 0 ? e.batches[e.batches.length - 1].lastSeq + 1 : 0;
    } else if (dice < 0.41) {
      log.highWatermark = log.logEndOffset;
      // Retention may move the log start at most to the active segment's base offset.
      run.maxLogStart = Math.max(run.maxLogStart, log.activeSegment.baseOffset);
      log.deleteOldSegments();
    } else if (dice < 0.43) {
      log.highWatermark = log.logEndOffset;
      const to = Math.max(log.logStartOffset, log.logEndOffset - 10 - rng.int(20));
      run.maxLogStart = Math.max(run.maxLogStart, to);
      log.deleteRecordsBefore(to);
    }
    run.maxLogStart = Math.max(run.maxLogStart, log.logStartOffset);
    // Retention may have removed the producer's state: like a real producer, start over at sequence 0.
    if (!log.producerEntry(PID)) seq = 0;
  }
}

/** Checks the reopened log against what the workload did. */
function verify(log: PartitionLog, run: Run): void {
  check(log.logEndOffset >= run.flushedUpTo, `log end ${log.logEndOffset} below the flushed offset ${run.flushedUpTo}`);
  // Walk the whole log batch by batch through read(): every batch valid, offsets increasing, as appended.
  // (A crash may keep unflushed data of a newer segment while losing the unflushed tail of an older
  // one: a gap in the offsets, which reads step over.)
  let offset = log.logStartOffset;
  let prevLast = -1;
  check(log.logStartOffset <= run.maxLogStart, `log start ${log.logStartOffset} beyond anything deleted (${run.maxLogStart})`);
  const seen = new Set<number>();
  while (offset < log.logEndOffset) {
    const r = log.read(offset, 700);
    check(r.records.length > 0, `empty read at ${offset} below the log end ${log.logEndOffset}`);
    for (const b of iterateBatches(r.records, { verifyCrc: true })) {
      const h = b.header;
      check(h.baseOffset > prevLast, `offsets go back: ${h.baseOffset} after ${prevLast}`);
      prevLast = h.baseOffset + h.lastOffsetDelta;
      const want = run.attempted.get(h.baseOffset);
      check(want !== undefined && b.bytes.equals(want), `batch at ${h.baseOffset} is not one that was appended`);
      seen.add(h.baseOffset);
    }
    offset = r.nextOffset;
  }
  check(prevLast + 1 === log.logEndOffset || (prevLast === -1 && log.logStartOffset === log.logEndOffset), `log end ${log.logEndOffset} is not right after the last batch (${prevLast}); log start ${log.logStartOffset}, segments ${JSON.stringify(log.segmentsInfo())}`);
  // Everything flushed before the crash is there (unless retention or DeleteRecords removed it on purpose).
  for (const [base, bytes] of run.acked) {
    const last = readBatchHeader(bytes).lastOffsetDelta + base;
    if (last < run.flushedUpTo && base >= log.logStartOffset) check(seen.has(base), `flushed batch at ${base} lost`);
  }
  // Indexes agree with the log: every offset index entry points at the batch it names,
  // and a lookup of every offset lands on the batch holding it.
  for (const seg of log.segmentList) {
    for (const e of seg.offsetIndexEntries()) {
      const h = seg.readHeaderAt(e.position)!;
      check(h.baseOffset + h.lastOffsetDelta === e.offset, `offset index entry ${e.offset}@${e.position} disagrees with the log`);
    }
    let prevTs = -Infinity;
    for (const e of seg.timeIndexEntries()) {
      check(e.timestamp > prevTs && e.offset < log.logEndOffset && e.offset >= seg.baseOffset, `bad time index entry ${JSON.stringify(e)}`);
      prevTs = e.timestamp;
    }
  }
  for (const base of seen) {
    const h = readBatchHeader(run.attempted.get(base)!);
    check(readBatchHeader(log.read(base + h.lastOffsetDelta, 1).records).baseOffset === base, `lookup of ${base + h.lastOffsetDelta} misses its batch`);
  }
}

export function crashOnce(workloadSeed: number, seed: number, crashAt: number, mode: CrashMode): { crashed: boolean; opsUsed: number } {
  const clock = new ManualClock(T0);
  const fs = new MemoryFileSystem({ seed, now: () => clock.now() });
  const rng = new Rng(workloadSeed);
  const run: Run = { attempted: new Map(), acked: new Map(), flushedUpTo: 0, ops: 0, maxLogStart: 0 };
  if (crashAt > 0) fs.crashAfter(crashAt);
  let crashed = false;
  try {
    workload(fs, clock, rng, run);
  } catch (e) {
    if (!fs.isDead) throw e;
    crashed = true;
  }
  const opsUsed = fs.opCount;
  fs.crash({ mode, garbage: seed % 3 === 0 });
  const mgr = openManager(fs, clock);
  const log = mgr.getLog('t', 0);
  if (!log) {
    // The crash came before the partition directory existed.
    check(run.acked.size === 0, 'acknowledged data but no log');
    mgr.closeSync();
    return { crashed, opsUsed };
  }
  verify(log, run);
  // The idempotent producer's state agrees with the log: its next sequence is accepted exactly once.
  const entry = log.producerEntry(PID);
  const nextSeq = entry && entry.batches.length > 0 ? entry.batches[entry.batches.length - 1].lastSeq + 1 : 0;
  const again = log.appendAsLeader(batchOf(1, { producerId: PID, producerEpoch: 0, baseSequence: nextSeq }), { leaderEpoch: 2 });
  check(again.errorCode === ErrorCode.NONE && !again.duplicate, `next sequence ${nextSeq} refused: ${again.errorMessage}`);
  // And it keeps working: append, read back.
  const r = log.appendAsLeader(batchOf(2), { leaderEpoch: 2 });
  check(r.errorCode === 0, 'append after recovery failed');
  check(readBatchHeader(log.read(r.baseOffset, 1).records).baseOffset === r.baseOffset, 'read after recovery failed');
  mgr.closeSync();
  return { crashed, opsUsed };
}

describe('crash recovery (memory file system, seeded)', () => {
  const modes: CrashMode[] = ['lose-unsynced', 'prefix', 'random', 'mixed'];

  it('survives a crash at thousands of points during appends, rolls, flushes and restarts', () => {
    let runs = 0;
    let crashes = 0;
    for (let seed = 1; seed <= 8; seed++) {
      // How many mutating operations does the full workload take?
      const total = crashOnce(seed, seed, 0, 'lose-unsynced').opsUsed;
      expect(total).toBeGreaterThan(100);
      for (let at = 1; at <= total; at++) {
        const mode = modes[(seed + at) % modes.length];
        let r;
        try {
          r = crashOnce(seed, seed * 1000 + at, at, mode);
        } catch (e) {
          throw new Error(`seed ${seed * 1000 + at} crashAt ${at} mode ${mode}: ${(e as Error).message}`);
        }
        runs++;
        if (r.crashed) crashes++;
      }
    }
    expect(crashes).toBeGreaterThan(2000);
    expect(runs).toBe(crashes); // every point up to the workload's last operation is a crash
  });

  it('truncates at the first corrupt byte of an unflushed segment and never serves it', () => {
    const clock = new ManualClock(T0);
    const fs = new MemoryFileSystem({ seed: 5 });
    const mgr = openManager(fs, clock);
    const log = mgr.getOrCreateLog('t', 0);
    const offsets: number[] = [];
    for (let i = 0; i < 10; i++) offsets.push(log.appendAsLeader(batchOf(3), { leaderEpoch: 0 }).baseOffset);
    log.flush();
    const third = log.read(offsets[3], 1);
    const seg = log.segmentList[log.segmentList.length - 1];
    const pos = seg.translateOffset(offsets[3])!.position;
    // Flip a byte inside batch 3 (the file is synced: this is bit rot, or a torn page), then crash uncleanly.
    fs.corrupt(seg.logPath, pos + 70, Buffer.from([third.records[70] ^ 0x55]));
    fs.crash();
    const m2 = LogManager.open({ logDirs: ['/d1'], fs, clock, defaultConfig: cfg(CONFIG) });
    const again = m2.getLog('t', 0)!;
    // Recovery starts at the checkpointed recovery point (none was written: 0), so the damage is found.
    expect(again.ranRecovery).toBe(true);
    expect(again.logEndOffset).toBe(offsets[3]);
    expect(again.recoveredTruncatedBytes).toBeGreaterThan(0);
    for (let o = 0; o < again.logEndOffset; o++) expect([...iterateBatches(again.read(o, 1).records, { verifyCrc: true })].length).toBe(1);
  });

  it('skips the scan after a clean shutdown and below the checkpointed recovery point', () => {
    const clock = new ManualClock(T0);
    const fs = new MemoryFileSystem({ seed: 5 });
    let mgr = openManager(fs, clock);
    const log = mgr.getOrCreateLog('t', 0);
    for (let i = 0; i < 40; i++) log.appendAsLeader(batchOf(3), { leaderEpoch: 0 });
    mgr.closeSync();
    expect(fs.exists('/d1/.kafka_cleanshutdown')).toBe(true);
    mgr = openManager(fs, clock);
    expect(fs.exists('/d1/.kafka_cleanshutdown')).toBe(false);
    const l2 = mgr.getLog('t', 0)!;
    expect(l2.ranRecovery).toBe(false);
    expect(l2.segmentList.filter((s) => s.indexesLoaded).length).toBe(1);
    // Damage an early flushed segment: below the recovery point it is not rescanned on an unclean start.
    const first = l2.segmentList[0];
    l2.flush();
    mgr.checkpoint();
    fs.corrupt(first.logPath, 100, Buffer.from([1, 2, 3]));
    fs.crash();
    mgr = openManager(fs, clock);
    const l3 = mgr.getLog('t', 0)!;
    expect(l3.ranRecovery).toBe(true);
    expect(l3.logEndOffset).toBe(120);
    expect(l3.recoveredTruncatedBytes).toBe(0);
  });

  it('finishes or discards an interrupted compaction swap', () => {
    const clock = new ManualClock(T0);
    const fs = new MemoryFileSystem({ seed: 9 });
    fs.mkdir('/d/t-0');
    // A .cleaned leftover is discarded; an index .swap without its .log.swap is discarded.
    const log = PartitionLog.open({ dir: '/d/t-0', topic: 't', partition: 0, config: cfg({ segmentBytes: 500 }), fs, clock });
    for (let i = 0; i < 10; i++) log.appendAsLeader(batchOf(3), { leaderEpoch: 0 });
    log.close();
    fs.open('/d/t-0/00000000000000000000.log.cleaned', 'w+').close();
    fs.open('/d/t-0/00000000000000000000.index.swap', 'w+').close();
    const l2 = PartitionLog.open({ dir: '/d/t-0', topic: 't', partition: 0, config: cfg({ segmentBytes: 500 }), fs, clock, hadCleanShutdown: true });
    expect(fs.listFiles().filter((f) => f.endsWith('.cleaned') || f.endsWith('.swap'))).toEqual([]);
    expect(l2.logEndOffset).toBe(30);
    l2.close();
  });
});
