import fc from 'fast-check';
import { ManualClock } from '@nagare/common';
import { ErrorCode } from '@nagare/protocol';
import { Compression, iterateBatches } from '@nagare/records';
import { T0, batchOf, cfg, marker, memLog, str } from './__fixtures__/helpers';
import { LogCleaner } from './cleaner';
import { LogConfig } from './config';
import { CrashMode, MemoryFileSystem } from './fs/memory-fs';
import { PartitionLog } from './partition-log';

interface ModelRecord {
  offset: number;
  key: string;
  value: string | null;
  timestamp: number;
  aborted: boolean;
  control: boolean;
}

interface LogRecord {
  offset: number;
  key: string | null;
  value: string | null;
  timestamp: number;
  control: boolean;
}

/** Every record physically in the log (control records included), via read(). */
function dump(log: PartitionLog): LogRecord[] {
  const out: LogRecord[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const r = log.read(offset, 4096);
    if (r.records.length === 0) break;
    for (const b of iterateBatches(r.records, { verifyCrc: true })) {
      for (const rec of b.records()) out.push({ offset: rec.offset, key: b.header.isControl ? null : str(rec.key), value: str(rec.value), timestamp: rec.timestamp, control: b.header.isControl });
    }
    offset = r.nextOffset;
  }
  return out;
}

function cleanFully(cleaner: LogCleaner, log: PartitionLog, budget: number): void {
  for (let i = 0; i < 10_000; i++) if (cleaner.run([log], budget).idle) return;
  throw new Error('cleaner never went idle');
}

const COMPACT: Partial<LogConfig> = {
  cleanupPolicy: 'compact',
  segmentBytes: 450,
  indexIntervalBytes: 64,
  minCleanableDirtyRatio: 0,
  deleteRetentionMs: Number.MAX_SAFE_INTEGER,
};

type Op =
  | { kind: 'append'; records: { key: string; value: string | null }[]; gzip: boolean }
  | { kind: 'txn'; records: { key: string; value: string | null }[]; commit: boolean }
  | { kind: 'clean'; budget: number }
  | { kind: 'advance'; ms: number };

const recordArb = fc.record({ key: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g'), value: fc.option(fc.string({ minLength: 1, maxLength: 12 }), { freq: 5 }) });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('append' as const), records: fc.array(recordArb, { minLength: 1, maxLength: 5 }), gzip: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('txn' as const), records: fc.array(recordArb, { minLength: 1, maxLength: 3 }), commit: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('clean' as const), budget: fc.constantFrom(100, 1000, 1 << 20) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 5000 }) }) },
);

/** Runs the ops on a compacted log and on the model; returns both. */
function play(ops: Op[]): { log: PartitionLog; model: ModelRecord[]; cleaner: LogCleaner; clock: ManualClock; fs: MemoryFileSystem } {
  const t = memLog(COMPACT);
  const { log, clock } = t;
  const cleaner = new LogCleaner({ clock });
  const model: ModelRecord[] = [];
  const PID = 900;
  let seq = 0;
  for (const op of ops) {
    if (op.kind === 'append' || op.kind === 'txn') {
      clock.advance(1);
      const txn = op.kind === 'txn';
      const b = batchOf(
        op.records.map((r) => ({ key: r.key, value: r.value, timestamp: clock.now() })),
        txn ? { producerId: PID, producerEpoch: 0, baseSequence: seq, transactional: true } : { compression: op.gzip ? Compression.Gzip : Compression.None },
      );
      const res = log.appendAsLeader(b, { leaderEpoch: 0 });
      expect(res.errorCode).toBe(0);
      op.records.forEach((r, i) => model.push({ offset: res.baseOffset + i, key: r.key, value: r.value, timestamp: clock.now(), aborted: txn && !op.commit, control: false }));
      if (txn) {
        seq += op.records.length;
        const m = log.appendAsLeader(marker(op.commit ? 'commit' : 'abort', PID, 0, 0, clock.now()), { leaderEpoch: 0, origin: 'coordinator' });
        expect(m.errorCode).toBe(0);
        model.push({ offset: m.baseOffset, key: '', value: null, timestamp: clock.now(), aborted: false, control: true });
      }
      log.highWatermark = log.logEndOffset;
    } else if (op.kind === 'clean') {
      cleaner.run([log], op.budget);
    } else {
      clock.advance(op.ms);
    }
  }
  cleanFully(cleaner, log, 300);
  return { log, model, cleaner, clock, fs: t.fs };
}

/** What compaction must leave: below the cleaned offset C, the last record of each key (aborted ones gone); from C on, everything. */
function expected(model: ModelRecord[], cleanedTo: number): ModelRecord[] {
  const latest = new Map<string, number>();
  for (const r of model) if (r.offset < cleanedTo && !r.control && !r.aborted) latest.set(r.key, r.offset);
  return model.filter((r) => r.offset >= cleanedTo || r.control || (!r.aborted && latest.get(r.key) === r.offset));
}

function same(got: LogRecord[], want: ModelRecord[]): void {
  expect(got.map((r) => (r.control ? { offset: r.offset, control: true } : { offset: r.offset, key: r.key, value: r.value, timestamp: r.timestamp }))).toEqual(
    want.map((r) => (r.control ? { offset: r.offset, control: true } : { offset: r.offset, key: r.key, value: r.value, timestamp: r.timestamp })),
  );
}

describe('compaction', () => {
  it('matches an in-memory model record by record (property)', () => {
    let compacted = 0;
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 5, maxLength: 60 }), (ops) => {
        const { log, model } = play(ops);
        const c = log.cleanerCheckpoint;
        const got = dump(log);
        same(got, expected(model, c));
        if (got.length < model.length) compacted++;
        // Everything after the cleaned range is untouched, and the cleaned range reaches the active segment or the LSO.
        expect(c).toBeLessThanOrEqual(Math.min(log.activeSegment.baseOffset, log.lastStableOffset));
        // A clean restart reads back the same.
        log.close();
        return true;
      }),
      { numRuns: 80, seed: 20261122 },
    );
    // The property is not vacuous: most runs removed records.
    expect(compacted).toBeGreaterThan(40);
  });

  it('the compacted log survives reopen (clean and unclean) and reads by offset and timestamp', () => {
    const ops: Op[] = [];
    for (let i = 0; i < 80; i++) ops.push({ kind: 'append', records: [{ key: 'k' + (i % 5), value: 'v' + i }], gzip: i % 3 === 0 });
    const { log, model, fs, clock } = play(ops);
    const want = expected(model, log.cleanerCheckpoint);
    expect(want.length).toBeLessThan(model.length);
    same(dump(log), want);
    for (const r of want) expect(log.offsetForTimestamp(r.timestamp)?.offset).toBe(r.offset);
    for (let o = 0; o < log.logEndOffset; o++) {
      const r = log.read(o, 1);
      const first = [...iterateBatches(r.records)][0];
      expect(first.lastOffset).toBeGreaterThanOrEqual(o);
    }
    log.close();
    const base = { dir: '/data/t-0', topic: 't', partition: 0, config: cfg(COMPACT), fs, clock };
    const clean = PartitionLog.open({ ...base, hadCleanShutdown: true });
    same(dump(clean), want);
    clean.flush();
    fs.crash();
    const unclean = PartitionLog.open({ ...base, hadCleanShutdown: false });
    expect(unclean.recoveredTruncatedBytes).toBe(0);
    same(dump(unclean), want);
  });

  it('removes tombstones and transaction markers after delete.retention.ms, not before', () => {
    const t = memLog({ ...COMPACT, deleteRetentionMs: 10_000 });
    const { log, clock } = t;
    const cleaner = new LogCleaner({ clock });
    const put = (key: string, value: string | null) => {
      log.appendAsLeader(batchOf([{ key, value, timestamp: clock.now() }]), { leaderEpoch: 0 });
      log.highWatermark = log.logEndOffset;
    };
    for (let i = 0; i < 10; i++) put('x', 'v' + i);
    put('x', null);
    // An aborted transaction: its data goes at the first pass; its marker only after the horizon.
    log.appendAsLeader(batchOf([{ key: 'y', value: 'aborted' }], { producerId: 5, producerEpoch: 0, baseSequence: 0, transactional: true }), { leaderEpoch: 0 });
    log.appendAsLeader(marker('abort', 5, 0), { leaderEpoch: 0, origin: 'coordinator' });
    for (let i = 0; i < 20; i++) put('z' + (i % 3), 'w' + i);
    log.roll();
    log.highWatermark = log.logEndOffset;
    cleanFully(cleaner, log, 1 << 20);
    let got = dump(log);
    expect(got.filter((r) => r.key === 'x')).toEqual([expect.objectContaining({ offset: 10, value: null })]);
    expect(got.some((r) => r.key === 'y')).toBe(false);
    expect(got.filter((r) => r.control).length).toBe(1);
    // The batches kept by this pass carry a delete horizon; the timestamps of the records did not change.
    expect(got.find((r) => r.key === 'x')!.timestamp).toBe(T0);
    clock.advance(9_000);
    put('q', '1');
    log.roll();
    log.highWatermark = log.logEndOffset;
    cleanFully(cleaner, log, 1 << 20);
    expect(dump(log).filter((r) => r.key === 'x').length).toBe(1);
    clock.advance(2_000);
    put('q', '2');
    log.roll();
    log.highWatermark = log.logEndOffset;
    cleanFully(cleaner, log, 1 << 20);
    got = dump(log);
    expect(got.filter((r) => r.key === 'x')).toEqual([]);
    expect(got.filter((r) => r.control)).toEqual([]);
    expect(got.filter((r) => r.key?.startsWith('z')).map((r) => r.value)).toEqual(['w17', 'w18', 'w19']);
  });

  it('respects min.cleanable.dirty.ratio and min.compaction.lag.ms, and never touches the active segment or open transactions', () => {
    const t = memLog({ ...COMPACT, minCleanableDirtyRatio: 0.99 });
    const cleaner = new LogCleaner({ clock: t.clock });
    for (let i = 0; i < 30; i++) t.log.appendAsLeader(batchOf([{ key: 'k', value: 'v' + i }]), { leaderEpoch: 0 });
    t.log.highWatermark = t.log.logEndOffset;
    expect(cleaner.run([t.log]).passesCompleted).toBe(1); // all dirty: ratio 1
    t.log.appendAsLeader(batchOf([{ key: 'k', value: 'again' }]), { leaderEpoch: 0 });
    t.log.roll();
    t.log.highWatermark = t.log.logEndOffset;
    expect(cleaner.run([t.log]).passesCompleted).toBe(0); // one small dirty segment: under 0.99
    // Lag: nothing younger than min.compaction.lag.ms is cleaned.
    const l = memLog({ ...COMPACT, minCompactionLagMs: 60_000 });
    const c2 = new LogCleaner({ clock: l.clock });
    for (let i = 0; i < 30; i++) l.log.appendAsLeader(batchOf([{ key: 'k', value: 'v' + i, timestamp: l.clock.now() }]), { leaderEpoch: 0 });
    l.log.highWatermark = l.log.logEndOffset;
    expect(c2.run([l.log]).idle).toBe(true);
    expect(dump(l.log).length).toBe(30);
    l.clock.advance(61_000);
    cleanFully(c2, l.log, 1 << 20);
    expect(dump(l.log).length).toBeLessThan(30);
    // An open transaction bounds the cleanable range (the LSO).
    const o = memLog(COMPACT);
    const c3 = new LogCleaner({ clock: o.clock });
    o.log.appendAsLeader(batchOf([{ key: 'k', value: 'first' }], { producerId: 3, producerEpoch: 0, baseSequence: 0, transactional: true }), { leaderEpoch: 0 });
    for (let i = 0; i < 30; i++) o.log.appendAsLeader(batchOf([{ key: 'k', value: 'v' + i }]), { leaderEpoch: 0 });
    o.log.highWatermark = o.log.logEndOffset;
    expect(o.log.lastStableOffset).toBe(0);
    expect(c3.run([o.log]).idle).toBe(true);
    expect(dump(o.log).length).toBe(31);
    // Nor past the high watermark.
    o.log.appendAsLeader(marker('commit', 3, 0), { leaderEpoch: 0, origin: 'coordinator' });
    o.log.highWatermark = 5;
    cleanFully(c3, o.log, 1 << 20);
    expect(o.log.cleanerCheckpoint).toBeLessThanOrEqual(5);
  });

  it('works in bounded steps while appends continue', () => {
    const t = memLog(COMPACT);
    const cleaner = new LogCleaner({ clock: t.clock });
    const model: ModelRecord[] = [];
    let steps = 0;
    for (let i = 0; i < 300; i++) {
      const r = t.log.appendAsLeader(batchOf([{ key: 'k' + (i % 7), value: 'v' + i, timestamp: T0 + i }]), { leaderEpoch: 0 });
      model.push({ offset: r.baseOffset, key: 'k' + (i % 7), value: 'v' + i, timestamp: T0 + i, aborted: false, control: false });
      t.log.highWatermark = t.log.logEndOffset;
      const res = cleaner.run([t.log], 150);
      expect(res.bytesRead).toBeLessThan(150 + 450);
      if (!res.idle) steps++;
    }
    cleanFully(cleaner, t.log, 150);
    expect(steps).toBeGreaterThan(20);
    same(dump(t.log), expected(model, t.log.cleanerCheckpoint));
  });

  it('keeps the last batch of a live producer (as an empty batch) so its sequence survives', () => {
    const t = memLog(COMPACT);
    const cleaner = new LogCleaner({ clock: t.clock });
    t.log.appendAsLeader(batchOf([{ key: 'k', value: 'p' }], { producerId: 8, producerEpoch: 0, baseSequence: 0 }), { leaderEpoch: 0 });
    for (let i = 0; i < 30; i++) t.log.appendAsLeader(batchOf([{ key: 'k', value: 'v' + i }]), { leaderEpoch: 0 });
    t.log.highWatermark = t.log.logEndOffset;
    cleanFully(cleaner, t.log, 1 << 20);
    const first = [...iterateBatches(t.log.read(0, 1000).records)][0];
    expect(first.header).toMatchObject({ baseOffset: 0, recordCount: 0, producerId: 8, baseSequence: 0, lastOffsetDelta: 0 });
    t.log.close();
    const again = t.reopen({ hadCleanShutdown: false });
    for (const f of t.fs.listFiles()) if (f.endsWith('.snapshot')) t.fs.unlink(f);
    const replayed = t.reopen({ hadCleanShutdown: false });
    void again;
    const dup = replayed.appendAsLeader(batchOf([{ key: 'k', value: 'p' }], { producerId: 8, producerEpoch: 0, baseSequence: 0 }), { leaderEpoch: 0 });
    expect(dup).toMatchObject({ duplicate: true, baseOffset: 0 });
  });

  it('refuses records without a key on a compacted topic', () => {
    const { log } = memLog(COMPACT);
    expect(log.appendAsLeader(batchOf([{ key: null, value: 'x' }]), { leaderEpoch: 0 }).errorCode).toBe(ErrorCode.INVALID_RECORD);
  });

  it('a crash at any point of a compaction pass leaves a valid log with every latest value', () => {
    let points = 0;
    for (let at = 1; ; at++) {
      const clock = new ManualClock(T0);
      const fs = new MemoryFileSystem({ seed: at });
      const base = { dir: '/d/t-0', topic: 't', partition: 0, config: cfg(COMPACT), fs, clock };
      const log = PartitionLog.open(base);
      const model: ModelRecord[] = [];
      for (let i = 0; i < 60; i++) {
        const r = log.appendAsLeader(batchOf([{ key: 'k' + (i % 6), value: 'v' + i, timestamp: T0 + i }]), { leaderEpoch: 0 });
        model.push({ offset: r.baseOffset, key: 'k' + (i % 6), value: 'v' + i, timestamp: T0 + i, aborted: false, control: false });
      }
      log.highWatermark = log.logEndOffset;
      log.flush();
      fs.crashAfter(at);
      let crashed = false;
      try {
        cleanFully(new LogCleaner({ clock }), log, 1 << 20);
        log.close();
      } catch {
        crashed = true;
      }
      if (!fs.isDead) {
        if (!crashed) break; // the whole pass (and close) ran without reaching the crash point
      }
      crashed = true;
      points++;
      fs.crash({ mode: (['lose-unsynced', 'prefix', 'random'] as CrashMode[])[at % 3] });
      const again = PartitionLog.open({ ...base, hadCleanShutdown: false });
      const got = dump(again);
      // Records are ones that were written, at their offsets, in order, without duplicates.
      const byOffset = new Map(model.map((m) => [m.offset, m]));
      let prev = -1;
      for (const g of got) {
        expect(g.offset).toBeGreaterThan(prev);
        prev = g.offset;
        expect(byOffset.get(g.offset)).toMatchObject({ key: g.key, value: g.value });
      }
      // The latest value of every key is still there.
      const latest = new Map<string, number>();
      for (const m of model) latest.set(m.key, m.offset);
      for (const off of latest.values()) expect(got.some((g) => g.offset === off)).toBe(true);
      expect(again.logEndOffset).toBe(60);
    }
    expect(points).toBeGreaterThan(20);
  });
});
