import { isNagareError } from '@nagare/common';
import { ErrorCode } from '@nagare/protocol';
import { Compression, TimestampType, buildRecordBatch, decodeBatch, iterateBatches, readBatchHeader } from '@nagare/records';
import { T0, batchOf, memLog, readAllBatches, readAllRecords, str } from './__fixtures__/helpers';
import { PartitionLog } from './partition-log';
import { openInactiveSegmentFiles, setMaxOpenSegmentFiles } from './segment';

/** Appends `n` batches of `per` records each; batch i has timestamp T0 + i*1000 and values `b<i>-<j>`. */
function fill(log: PartitionLog, n: number, per = 3, ts = (i: number) => T0 + i * 1000): { base: number; last: number }[] {
  const out = [];
  for (let i = 0; i < n; i++) {
    const b = batchOf(
      Array.from({ length: per }, (_, j) => ({ key: `k${i}-${j}`, value: `b${i}-${j}`, timestamp: ts(i) + j })),
      {},
    );
    const r = log.appendAsLeader(b, { leaderEpoch: 0 });
    expect(r.errorCode).toBe(0);
    out.push({ base: r.baseOffset, last: r.lastOffset });
  }
  return out;
}

describe('PartitionLog append and read', () => {
  it('round-trips batches across segment rolls, byte for byte except the patched header fields', () => {
    const { log, fs } = memLog({ segmentBytes: 1000, indexIntervalBytes: 100 });
    const sent: Buffer[] = [];
    let next = 0;
    for (let i = 0; i < 60; i++) {
      const b = batchOf(Array.from({ length: 1 + (i % 4) }, (_, j) => ({ key: `k${j}`, value: `value-${i}-${j}`.repeat(1 + (i % 3)) })));
      const copy = Buffer.from(b);
      const r = log.appendAsLeader(b, { leaderEpoch: 3 });
      expect(r).toMatchObject({ errorCode: 0, baseOffset: next, logAppendTime: -1, logStartOffset: 0 });
      expect(r.lastOffset).toBe(next + (i % 4));
      next = r.lastOffset + 1;
      // The caller's buffer was patched in place: offsets and epoch, CRC untouched.
      expect(readBatchHeader(b).baseOffset).toBe(r.baseOffset);
      expect(readBatchHeader(b).partitionLeaderEpoch).toBe(3);
      expect(b.subarray(17)).toEqual(copy.subarray(17));
      sent.push(b);
    }
    expect(log.logEndOffset).toBe(next);
    expect(log.numberOfSegments).toBeGreaterThan(5);
    expect(fs.listFiles().filter((f) => f.endsWith('.log')).length).toBe(log.numberOfSegments);
    const got = readAllBatches(log);
    expect(got.map((g) => g.bytes)).toEqual(sent);
    // And after a clean reopen.
    log.close();
    const t2 = memLog({ segmentBytes: 1000, indexIntervalBytes: 100 }, { hadCleanShutdown: true }, fs);
    expect(t2.log.logEndOffset).toBe(next);
    expect(t2.log.ranRecovery).toBe(false);
    expect(readAllBatches(t2.log).map((g) => g.bytes)).toEqual(sent);
  });

  it('finds every offset from every boundary: a read inside a batch returns the whole batch', () => {
    const { log } = memLog({ segmentBytes: 2000, indexIntervalBytes: 150 });
    const batches = fill(log, 40, 5);
    for (const b of batches) {
      for (let o = b.base; o <= b.last; o++) {
        const r = log.read(o, 1);
        const first = readBatchHeader(r.records);
        expect(first.baseOffset).toBe(b.base);
        expect(r.firstOffset).toBe(b.base);
        expect(r.nextOffset).toBe(b.last + 1);
        expect([...iterateBatches(r.records)].length).toBe(1);
      }
    }
    // The indexes agree with a linear scan of each segment.
    for (const seg of log.segmentList) {
      for (const e of seg.offsetIndexEntries()) {
        const h = seg.readHeaderAt(e.position)!;
        expect(h.baseOffset + h.lastOffsetDelta).toBe(e.offset);
      }
    }
  });

  it('honours maxBytes, minOneMessage and maxOffset, and never returns a partial batch', () => {
    const { log } = memLog();
    fill(log, 10, 4);
    const one = log.read(0, 1).records.length;
    expect(one).toBeGreaterThan(1);
    const r = log.read(0, one * 3 + one / 2);
    expect([...iterateBatches(r.records)].length).toBe(3);
    expect(r.nextOffset).toBe(12);
    expect(log.read(0, 10, { minOneMessage: false }).records.length).toBe(0);
    // maxOffset is exclusive and cuts at batch boundaries.
    const hw = log.read(0, 1 << 20, { maxOffset: 9 });
    expect(hw.nextOffset).toBe(8);
    expect(log.read(8, 1 << 20, { maxOffset: 9 }).records.length).toBe(0);
    expect(log.read(40, 100).records.length).toBe(0);
    expect(() => log.read(41, 100)).toThrow(expect.objectContaining({ kind: 'OFFSET_OUT_OF_RANGE' }));
    expect(() => log.read(-1, 100)).toThrow(expect.objectContaining({ kind: 'OFFSET_OUT_OF_RANGE' }));
  });

  it('rejects invalid batches before writing anything', () => {
    const { log, fs } = memLog({ maxMessageBytes: 2000 });
    fill(log, 2);
    const before = fs.peek('/data/t-0/00000000000000000000.log')!;
    const good = batchOf(3);
    const bad = Buffer.from(good);
    bad[bad.length - 1] ^= 0xff;
    const two = Buffer.concat([batchOf(2), bad]);
    const r = log.appendAsLeader(two, { leaderEpoch: 0 });
    expect(r.errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(r.recordErrors).toEqual([{ batchIndex: 1, message: expect.stringContaining('CRC') }]);
    const big = batchOf([{ key: 'k', value: 'x'.repeat(3000) }]);
    expect(log.appendAsLeader(big, { leaderEpoch: 0 }).errorCode).toBe(ErrorCode.MESSAGE_TOO_LARGE);
    const magic1 = Buffer.from(good);
    magic1[16] = 1;
    expect(log.appendAsLeader(magic1, { leaderEpoch: 0 }).errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
    const counts = Buffer.from(good);
    counts.writeInt32BE(7, 57); // record count no longer matches lastOffsetDelta (and the CRC breaks)
    expect(log.appendAsLeader(counts, { leaderEpoch: 0 }).errorCode).not.toBe(0);
    expect(log.appendAsLeader(good.subarray(0, good.length - 3), { leaderEpoch: 0 }).errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(log.appendAsLeader(Buffer.alloc(0), { leaderEpoch: 0 }).errorCode).toBe(ErrorCode.INVALID_RECORD);
    // A client may not write control batches.
    const ctl = buildRecordBatch([{ timestamp: T0, key: Buffer.from([0, 0, 0, 1]), value: Buffer.from([0, 0, 0, 0, 0, 0]) }], { isControl: true, isTransactional: true, producerId: 1, producerEpoch: 0 });
    expect(log.appendAsLeader(ctl, { leaderEpoch: 0 }).errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect(fs.peek('/data/t-0/00000000000000000000.log')).toEqual(before);
    expect(log.logEndOffset).toBe(6);
  });

  it('stamps LogAppendTime: maxTimestamp, attribute bit, valid CRC', () => {
    const { log, clock } = memLog({ messageTimestampType: 'LogAppendTime' });
    clock.advance(5000);
    const r = log.appendAsLeader(batchOf(3, { timestamp: 42 }), { leaderEpoch: 1 });
    expect(r.logAppendTime).toBe(T0 + 5000);
    const { header, records } = decodeBatch(log.read(0, 1000).records);
    expect(header.timestampType).toBe(TimestampType.LogAppendTime);
    expect(header.maxTimestamp).toBe(T0 + 5000);
    expect(records.map((x) => x.timestamp)).toEqual([T0 + 5000, T0 + 5000, T0 + 5000]);
    expect(log.offsetForTimestamp(T0 + 1)).toMatchObject({ offset: 0, timestamp: T0 + 5000 });
  });

  it('rolls on segment.bytes, segment.ms, a full index, and on request', () => {
    const { log, clock } = memLog({ segmentBytes: 10_000, segmentMs: 60_000, segmentIndexBytes: 8 * 3, indexIntervalBytes: 1 });
    fill(log, 3, 1);
    expect(log.numberOfSegments).toBe(1);
    fill(log, 2, 1); // index holds 3 entries (time index: 24/12 = 2): full
    expect(log.numberOfSegments).toBeGreaterThan(1);
    const t = memLog({ segmentBytes: 100_000, segmentMs: 60_000 });
    fill(t.log, 2, 1, () => T0);
    expect(t.log.numberOfSegments).toBe(1);
    fill(t.log, 1, 1, () => T0 + 61_000); // first batch of the segment is older than segment.ms
    expect(t.log.numberOfSegments).toBe(2);
    t.log.roll();
    expect(t.log.numberOfSegments).toBe(3);
    t.log.roll(); // empty active segment: no-op
    expect(t.log.numberOfSegments).toBe(3);
    const s = memLog({ segmentBytes: 500 });
    fill(s.log, 10, 2);
    for (const seg of s.log.segmentsInfo().slice(0, -1)) expect(seg.size).toBeLessThanOrEqual(500);
    void clock;
  });

  it('refuses a request bigger than segment.bytes', () => {
    const { log } = memLog({ segmentBytes: 100 });
    expect(log.appendAsLeader(batchOf(10), { leaderEpoch: 0 }).errorCode).toBe(ErrorCode.RECORD_LIST_TOO_LARGE);
  });

  it('reports a batch over max.message.bytes as MESSAGE_TOO_LARGE even when it is also over segment.bytes (Kafka checks it first)', () => {
    const { log } = memLog({ segmentBytes: 100, maxMessageBytes: 90 });
    expect(log.appendAsLeader(batchOf(10), { leaderEpoch: 0 }).errorCode).toBe(ErrorCode.MESSAGE_TOO_LARGE);
  });
});

describe('PartitionLog timestamps', () => {
  it('finds the earliest offset with timestamp >= t, across segments, and the special values', () => {
    const { log } = memLog({ segmentBytes: 700, indexIntervalBytes: 100 });
    fill(log, 30, 3, (i) => T0 + i * 1000); // batch i: offsets 3i..3i+2, timestamps T0+1000i+j
    expect(log.numberOfSegments).toBeGreaterThan(3);
    for (let i = 0; i < 30; i++) {
      for (let j = 0; j < 3; j++) {
        expect(log.offsetForTimestamp(T0 + i * 1000 + j)).toEqual({ offset: 3 * i + j, timestamp: T0 + i * 1000 + j, leaderEpoch: 0 });
      }
      // Between batches: the next batch's first record.
      if (i < 29) expect(log.offsetForTimestamp(T0 + i * 1000 + 500)?.offset).toBe(3 * (i + 1));
    }
    expect(log.offsetForTimestamp(0)?.offset).toBe(0);
    expect(log.offsetForTimestamp(T0 + 99_999)).toBeNull();
    expect(log.offsetForTimestamp(-1)).toMatchObject({ offset: 90 });
    expect(log.offsetForTimestamp(-2)).toMatchObject({ offset: 0 });
    expect(log.offsetForTimestamp(-3)).toEqual({ offset: 89, timestamp: T0 + 29_002, leaderEpoch: 0 });
  });

  it('handles out-of-order CreateTime timestamps (max timestamp and first segment reaching t)', () => {
    const { log } = memLog({ segmentBytes: 400 });
    const ts = [5000, 1000, 9000, 2000, 3000, 8000, 100];
    for (const t of ts) log.appendAsLeader(batchOf([{ key: 'k', value: 'v', timestamp: T0 + t }]), { leaderEpoch: 2 });
    expect(log.offsetForTimestamp(-3)).toEqual({ offset: 2, timestamp: T0 + 9000, leaderEpoch: 2 });
    expect(log.offsetForTimestamp(T0 + 4000)?.offset).toBe(0);
    expect(log.offsetForTimestamp(T0 + 6000)?.offset).toBe(2);
    expect(log.offsetForTimestamp(T0 + 9001)).toBeNull();
  });
});

describe('PartitionLog truncation and deletion', () => {
  it('truncateTo removes the tail, including whole batches it cuts into', () => {
    const { log, reopen } = memLog({ segmentBytes: 600, indexIntervalBytes: 50 });
    fill(log, 20, 3);
    log.highWatermark = 60;
    expect(log.truncateTo(31)).toBe(true); // inside batch 30..32: the batch goes
    expect(log.logEndOffset).toBe(30);
    expect(log.highWatermark).toBe(30);
    expect(readAllRecords(log).map((r) => r.offset)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(() => log.read(31, 10)).toThrow(expect.objectContaining({ kind: 'OFFSET_OUT_OF_RANGE' }));
    const r = log.appendAsLeader(batchOf(2), { leaderEpoch: 1 });
    expect(r.baseOffset).toBe(30);
    expect(log.truncateTo(100)).toBe(false);
    log.truncateTo(0);
    expect(log.logEndOffset).toBe(0);
    expect(log.numberOfSegments).toBe(1);
    fill(log, 2);
    log.close();
    const again = reopen({ hadCleanShutdown: true });
    expect(readAllRecords(again).map((x) => str(x.value))).toEqual(['b0-0', 'b0-1', 'b0-2', 'b1-0', 'b1-1', 'b1-2']);
  });

  it('truncateFullyAndStartAt restarts the log empty at an offset', () => {
    const { log, reopen } = memLog({ segmentBytes: 600 });
    fill(log, 10);
    log.truncateFullyAndStartAt(1000);
    expect([log.logStartOffset, log.logEndOffset, log.highWatermark, log.numberOfSegments]).toEqual([1000, 1000, 1000, 1]);
    expect(log.appendAsLeader(batchOf(2), { leaderEpoch: 0 }).baseOffset).toBe(1000);
    log.close();
    const again = reopen({ hadCleanShutdown: true, logStartOffset: 1000 });
    expect([again.logStartOffset, again.logEndOffset]).toEqual([1000, 1002]);
  });

  it('deleteRecordsBefore moves the log start, deletes whole segments below it, and needs offset <= HW', () => {
    const { log } = memLog({ segmentBytes: 600 });
    fill(log, 20, 3);
    log.highWatermark = 30;
    expect(() => log.deleteRecordsBefore(31)).toThrow(expect.objectContaining({ kind: 'OFFSET_OUT_OF_RANGE' }));
    const segsBefore = log.numberOfSegments;
    expect(log.deleteRecordsBefore(25)).toBe(25);
    expect(log.logStartOffset).toBe(25);
    expect(log.numberOfSegments).toBeLessThan(segsBefore);
    expect(log.segmentList[0].baseOffset).toBeLessThanOrEqual(25);
    expect(() => log.read(24, 100)).toThrow(expect.objectContaining({ kind: 'OFFSET_OUT_OF_RANGE' }));
    expect(readBatchHeader(log.read(25, 10).records).baseOffset).toBe(24); // the batch holding 25
    expect(log.offsetForTimestamp(-2)?.offset).toBe(25);
    expect(log.offsetForTimestamp(T0)?.offset).toBe(25);
    expect(log.deleteRecordsBefore(10)).toBe(25);
    expect(log.deleteRecordsBefore(-1)).toBe(30);
  });
});

describe('PartitionLog retention', () => {
  it('deletes whole segments older than retention.ms, never the active one, only below the HW', () => {
    const { log, clock, fs } = memLog({ segmentBytes: 600, retentionMs: 10_000, fileDeleteDelayMs: 1000 });
    fill(log, 20, 3, (i) => T0 + i * 1000);
    log.highWatermark = log.logEndOffset;
    const segs = log.segmentsInfo();
    clock.advance(5_000);
    expect(log.deleteOldSegments()).toBe(0);
    clock.advance(12_000);
    // Now T0+17000: segments whose newest record is older than T0+7000 go.
    const expected = segs.filter((s, i) => i < segs.length - 1 && s.largestTimestamp < T0 + 7000).length;
    expect(expected).toBeGreaterThan(0);
    expect(log.deleteOldSegments()).toBe(expected);
    expect(log.logStartOffset).toBe(segs[expected].baseOffset);
    expect(fs.listFiles().some((f) => f.endsWith('.deleted'))).toBe(true);
    clock.advance(1000);
    log.deleteOldSegments();
    expect(fs.listFiles().some((f) => f.endsWith('.deleted'))).toBe(false);
    // Everything expired: all but the active segment go.
    clock.advance(1_000_000);
    log.deleteOldSegments();
    expect(log.numberOfSegments).toBe(1);
    expect(log.segmentsInfo()[0].active).toBe(true);
    expect(log.activeSegment.isEmpty).toBe(false);
    // The HW bounds retention.
    const t = memLog({ segmentBytes: 600, retentionMs: 1 });
    fill(t.log, 20, 3);
    t.clock.advance(1_000_000);
    t.log.highWatermark = 0;
    expect(t.log.deleteOldSegments()).toBe(0);
  });

  it('deletes oldest segments while the log is bigger than retention.bytes', () => {
    const { log } = memLog({ segmentBytes: 600, retentionBytes: 1500 });
    fill(log, 30, 3);
    log.highWatermark = log.logEndOffset;
    const deleted = log.deleteOldSegments();
    expect(deleted).toBeGreaterThan(0);
    const size = log.size();
    expect(size).toBeGreaterThanOrEqual(1500);
    expect(size - log.segmentsInfo()[0].size).toBeLessThan(1500);
    expect(readAllRecords(log).length).toBe(log.logEndOffset - log.logStartOffset);
  });

  it('compact-only logs are not deleted by time or size', () => {
    const { log, clock } = memLog({ segmentBytes: 600, retentionMs: 1, retentionBytes: 1, cleanupPolicy: 'compact' });
    fill(log, 20, 3);
    log.highWatermark = log.logEndOffset;
    clock.advance(1_000_000);
    expect(log.deleteOldSegments()).toBe(0);
  });
});

describe('PartitionLog open', () => {
  it('opens thousands of segments lazily: only the active segment is read', () => {
    const { log, fs } = memLog({ segmentBytes: 200, indexIntervalBytes: 1 });
    fill(log, 2000, 1);
    const n = log.numberOfSegments;
    expect(n).toBeGreaterThanOrEqual(1000);
    log.close();
    const t = memLog({ segmentBytes: 200 }, { hadCleanShutdown: true }, fs);
    expect(t.log.numberOfSegments).toBe(n);
    expect(t.log.segmentList.filter((s) => s.indexesLoaded).length).toBe(1);
    expect(readBatchHeader(t.log.read(1234, 1).records).baseOffset).toBe(1234);
    expect(t.log.segmentList.filter((s) => s.indexesLoaded).length).toBe(2);
  });

  it('caps the open files of non-active segments process-wide', () => {
    setMaxOpenSegmentFiles(16);
    try {
      const { log } = memLog({ segmentBytes: 200 });
      fill(log, 300, 1);
      expect(log.numberOfSegments).toBeGreaterThan(100);
      for (let o = 0; o < 300; o += 2) log.read(o, 1);
      expect(openInactiveSegmentFiles()).toBeLessThanOrEqual(16);
      expect(readAllRecords(log).length).toBe(300);
    } finally {
      setMaxOpenSegmentFiles(1024);
    }
  });

  it('rebuilds a missing or damaged index of a flushed segment on first use', () => {
    const { log, fs } = memLog({ segmentBytes: 1000, indexIntervalBytes: 50 });
    fill(log, 30, 2);
    log.close();
    const seg = '/data/t-0/' + String(0).padStart(20, '0');
    fs.unlink(seg + '.index');
    fs.corrupt(seg + '.timeindex', 0, Buffer.from([0xff, 0xff, 0xff]));
    const t = memLog({ segmentBytes: 1000, indexIntervalBytes: 50 }, { hadCleanShutdown: true }, fs);
    for (let o = 0; o < 60; o++) expect(readBatchHeader(t.log.read(o, 1).records).baseOffset).toBe(o - (o % 2));
    expect(t.log.offsetForTimestamp(T0 + 3000)?.offset).toBe(6);
  });

  it('flush policy: flush.messages fsyncs and moves the recovery point', () => {
    const { log } = memLog({ flushMessages: 5 });
    fill(log, 1, 3);
    expect(log.recoveryPoint).toBe(0);
    expect(log.unflushedMessages).toBe(3);
    fill(log, 1, 3);
    expect(log.recoveryPoint).toBe(6);
    expect(log.unflushedMessages).toBe(0);
  });

  it('flush.ms flushes on append once the last flush is old enough; flushAsync works too', async () => {
    const { log, clock } = memLog({ flushMs: 1000 });
    fill(log, 1);
    expect(log.recoveryPoint).toBe(0);
    clock.advance(1000);
    fill(log, 1);
    expect(log.recoveryPoint).toBe(6);
    fill(log, 1);
    await log.flushAsync();
    expect(log.recoveryPoint).toBe(9);
  });

  it('reports size, segments, and compressed batches pass through untouched', () => {
    const { log } = memLog();
    const b = batchOf(50, { compression: Compression.Gzip });
    log.appendAsLeader(b, { leaderEpoch: 0 });
    expect(log.size()).toBe(b.length);
    expect(readAllRecords(log).map((r) => str(r.value))).toEqual(Array.from({ length: 50 }, (_, i) => `v${i}`));
    expect(log.bytesBetween(0, 50)).toBe(b.length);
    expect(log.bytesBetween(0, 49)).toBe(0);
  });

  it('throws LOG_CLOSED after close', () => {
    const { log } = memLog();
    log.close();
    expect(() => log.appendAsLeader(batchOf(1), { leaderEpoch: 0 })).toThrow(expect.objectContaining({ kind: 'LOG_CLOSED' }));
    try {
      log.read(0, 1);
    } catch (e) {
      expect(isNagareError(e, 'LOG_CLOSED')).toBe(true);
    }
  });
});

describe('PartitionLog follower append and leader epochs', () => {
  it('appends leader-assigned offsets, tracks epochs, answers OffsetForLeaderEpoch', () => {
    const leader = memLog({ segmentBytes: 800 });
    for (const epoch of [0, 0, 2, 2, 5]) leader.log.appendAsLeader(batchOf(3), { leaderEpoch: epoch });
    expect(leader.log.leaderEpochCache.all()).toEqual([
      { epoch: 0, startOffset: 0 },
      { epoch: 2, startOffset: 6 },
      { epoch: 5, startOffset: 12 },
    ]);
    expect(leader.log.endOffsetForLeaderEpoch(0)).toEqual({ leaderEpoch: 0, endOffset: 6 });
    expect(leader.log.endOffsetForLeaderEpoch(1)).toEqual({ leaderEpoch: 0, endOffset: 6 });
    expect(leader.log.endOffsetForLeaderEpoch(5)).toEqual({ leaderEpoch: 5, endOffset: 15 });
    expect(leader.log.endOffsetForLeaderEpoch(7)).toEqual({ leaderEpoch: -1, endOffset: -1 });
    const follower = memLog({ segmentBytes: 800 }, { dir: '/data/f-0', topic: 'f' });
    let off = 0;
    while (off < leader.log.logEndOffset) {
      const r = leader.log.read(off, 300);
      follower.log.appendAsFollower(r.records);
      off = r.nextOffset;
    }
    expect(follower.log.logEndOffset).toBe(15);
    expect(follower.log.leaderEpochCache.all()).toEqual(leader.log.leaderEpochCache.all());
    expect(readAllBatches(follower.log).map((b) => b.bytes)).toEqual(readAllBatches(leader.log).map((b) => b.bytes));
    // Follower truncation to the leader's end offset of an epoch.
    follower.log.truncateTo(follower.log.endOffsetForLeaderEpoch(2).endOffset);
    expect(follower.log.logEndOffset).toBe(12);
    expect(follower.log.leaderEpochCache.latestEpoch).toBe(2);
    expect(() => follower.log.appendAsFollower(leader.log.read(3, 100).records)).toThrow(expect.objectContaining({ kind: 'INVALID_OFFSET' }));
    const corrupt = Buffer.from(leader.log.read(12, 100).records);
    corrupt[corrupt.length - 1] ^= 1;
    expect(() => follower.log.appendAsFollower(corrupt)).toThrow(expect.objectContaining({ kind: 'CORRUPT_BATCH' }));
  });
});
