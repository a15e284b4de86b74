import { readEpochCheckpoint, readOffsetCheckpoint, readPartitionMetadata, writeEpochCheckpoint, writeOffsetCheckpoint, writePartitionMetadata } from './checkpoints';
import { MemoryFileSystem } from './fs/memory-fs';
import { OffsetIndex, TimeIndex, decodeTxnIndex, encodeAbortedTxn } from './indexes';
import { LeaderEpochCache } from './leader-epoch-cache';
import { offsetFromFileName, offsetPrefix, parsePartitionDir } from './names';

describe('offset index', () => {
  it('looks up the last entry at or below an offset, at every boundary', () => {
    const oi = new OffsetIndex(1000, 100);
    for (let i = 1; i <= 10; i++) oi.append(1000 + i * 10, i * 500);
    expect(oi.lookup(999)).toEqual({ offset: 1000, position: 0 });
    expect(oi.lookup(1000)).toEqual({ offset: 1000, position: 0 });
    expect(oi.lookup(1009)).toEqual({ offset: 1000, position: 0 });
    for (let i = 1; i <= 10; i++) {
      expect(oi.lookup(1000 + i * 10)).toEqual({ offset: 1000 + i * 10, position: i * 500 });
      expect(oi.lookup(1000 + i * 10 + 9)).toEqual({ offset: 1000 + i * 10, position: i * 500 });
    }
    expect(oi.lookup(1e12)).toEqual({ offset: 1100, position: 5000 });
    // Non-increasing appends are ignored.
    oi.append(1100, 9999);
    oi.append(1200, 5000);
    expect(oi.entries).toBe(10);
    oi.truncateToPosition(2500);
    expect(oi.entries).toBe(4);
    expect(oi.lastOffset).toBe(1040);
    // File format: big-endian relative offset + position.
    expect(oi.bytes().subarray(0, 8)).toEqual(Buffer.from([0, 0, 0, 10, 0, 0, 1, 0xf4]));
    expect(new OffsetIndex(1000, 100, oi.bytes()).lookup(1035)).toEqual({ offset: 1030, position: 1500 });
    expect(oi.isSane(2001)).toBe(true);
    expect(oi.isSane(2000)).toBe(false);
  });

  it('is full at segment.index.bytes / 8 entries', () => {
    const oi = new OffsetIndex(0, 3);
    for (let i = 1; i <= 3; i++) oi.append(i, i);
    expect(oi.isFull).toBe(true);
  });

  it('tracks what reached the file', () => {
    const oi = new OffsetIndex(0, 100);
    oi.append(1, 10);
    oi.append(2, 20);
    expect(oi.unpersisted()).toEqual({ position: 0, data: oi.bytes() });
    oi.markPersisted();
    oi.append(3, 30);
    expect(oi.unpersisted().position).toBe(16);
    expect(oi.unpersisted().data.length).toBe(8);
  });
});

describe('time index', () => {
  it('keeps increasing timestamps and finds the last entry at or below a time', () => {
    const ti = new TimeIndex(50, 100);
    ti.maybeAppend(100, 50);
    ti.maybeAppend(90, 55); // not larger: ignored
    ti.maybeAppend(200, 60);
    ti.maybeAppend(250, 60); // same offset, larger: replaces
    ti.maybeAppend(300, 70);
    expect(ti.entries).toBe(3);
    expect(ti.lookup(99)).toEqual({ timestamp: -1, offset: 50 });
    expect(ti.lookup(100)).toEqual({ timestamp: 100, offset: 50 });
    expect(ti.lookup(249)).toEqual({ timestamp: 100, offset: 50 });
    expect(ti.lookup(250)).toEqual({ timestamp: 250, offset: 60 });
    expect(ti.lookup(1e15)).toEqual({ timestamp: 300, offset: 70 });
    ti.truncateToOffset(60);
    expect(ti.entries).toBe(1);
    expect(new TimeIndex(50, 10, ti.bytes()).lastTimestamp).toBe(100);
    expect(ti.isSane()).toBe(true);
  });
});

describe('transaction index', () => {
  it('round-trips 34-byte entries and notices a torn tail', () => {
    const a = { producerId: 9, firstOffset: 10, lastOffset: 20, lastStableOffset: 21 };
    const b = { producerId: 2 ** 40, firstOffset: 30, lastOffset: 2 ** 45, lastStableOffset: 30 };
    const bytes = Buffer.concat([encodeAbortedTxn(a), encodeAbortedTxn(b)]);
    expect(bytes.length).toBe(68);
    expect(decodeTxnIndex(bytes)).toEqual({ entries: [a, b], valid: true });
    expect(decodeTxnIndex(bytes.subarray(0, 50))).toEqual({ entries: [a], valid: false });
  });
});

describe('checkpoint files', () => {
  it("use Kafka's text formats and replace atomically", () => {
    const fs = new MemoryFileSystem();
    fs.mkdir('/d');
    writeOffsetCheckpoint(fs, '/d/cp', [
      { topic: 'a', partition: 0, offset: 5 },
      { topic: 'b.c-d', partition: 12, offset: 2 ** 50 },
    ]);
    expect(fs.readFile('/d/cp').toString()).toBe(`0\n2\na 0 5\nb.c-d 12 ${2 ** 50}\n`);
    expect(readOffsetCheckpoint(fs, '/d/cp')).toEqual([
      { topic: 'a', partition: 0, offset: 5 },
      { topic: 'b.c-d', partition: 12, offset: 2 ** 50 },
    ]);
    expect(readOffsetCheckpoint(fs, '/d/none')).toEqual([]);
    fs.writeFileAtomic('/d/bad', Buffer.from('1\n0\n'));
    expect(() => readOffsetCheckpoint(fs, '/d/bad')).toThrow(expect.objectContaining({ kind: 'UNKNOWN_FILE_FORMAT' }));
    fs.writeFileAtomic('/d/bad', Buffer.from('0\n2\na 0 5\n'));
    expect(() => readOffsetCheckpoint(fs, '/d/bad')).toThrow(/expected 2 entries/);
    writeEpochCheckpoint(fs, '/d/e', [
      { epoch: 0, startOffset: 0 },
      { epoch: 3, startOffset: 100 },
    ]);
    expect(fs.readFile('/d/e').toString()).toBe('0\n2\n0 0\n3 100\n');
    expect(readEpochCheckpoint(fs, '/d/e')).toEqual([
      { epoch: 0, startOffset: 0 },
      { epoch: 3, startOffset: 100 },
    ]);
    writePartitionMetadata(fs, '/d/pm', 'AAAAAAAAAAAAAAAAAAAAAA');
    expect(fs.readFile('/d/pm').toString()).toBe('version: 0\ntopic_id: AAAAAAAAAAAAAAAAAAAAAA\n');
    expect(readPartitionMetadata(fs, '/d/pm')).toEqual({ topicId: 'AAAAAAAAAAAAAAAAAAAAAA' });
  });
});

describe('leader epoch cache', () => {
  it('assigns, answers end offsets, truncates both ends and persists every change', () => {
    const fs = new MemoryFileSystem();
    fs.mkdir('/p');
    const c = new LeaderEpochCache(fs, '/p/lec');
    expect(c.endOffsetFor(0, 10)).toEqual({ leaderEpoch: -1, endOffset: -1 });
    c.assign(1, 0);
    c.assign(1, 5); // same epoch: no change
    c.assign(3, 10);
    c.assign(6, 20);
    expect(c.all()).toEqual([
      { epoch: 1, startOffset: 0 },
      { epoch: 3, startOffset: 10 },
      { epoch: 6, startOffset: 20 },
    ]);
    expect(readEpochCheckpoint(fs, '/p/lec')).toEqual(c.all());
    expect(c.endOffsetFor(6, 33)).toEqual({ leaderEpoch: 6, endOffset: 33 });
    expect(c.endOffsetFor(4, 33)).toEqual({ leaderEpoch: 3, endOffset: 20 });
    expect(c.endOffsetFor(3, 33)).toEqual({ leaderEpoch: 3, endOffset: 20 });
    expect(c.endOffsetFor(0, 33)).toEqual({ leaderEpoch: 0, endOffset: 0 });
    expect(c.endOffsetFor(9, 33)).toEqual({ leaderEpoch: -1, endOffset: -1 });
    expect(c.endOffsetFor(-1, 33)).toEqual({ leaderEpoch: -1, endOffset: -1 });
    expect([c.epochForOffset(0), c.epochForOffset(15), c.epochForOffset(99)]).toEqual([1, 3, 6]);
    c.truncateFromStart(12);
    expect(c.all()).toEqual([
      { epoch: 3, startOffset: 12 },
      { epoch: 6, startOffset: 20 },
    ]);
    c.truncateFromEnd(20);
    expect(c.all()).toEqual([{ epoch: 3, startOffset: 12 }]);
    c.assign(2, 15); // a lower epoch replaces conflicting entries
    expect(c.all()).toEqual([{ epoch: 2, startOffset: 15 }]);
    expect(readEpochCheckpoint(fs, '/p/lec')).toEqual(c.all());
    // A damaged list loads as its clean increasing prefix.
    expect(new LeaderEpochCache(fs, '/p/x', [{ epoch: 1, startOffset: 5 }, { epoch: 0, startOffset: 9 }, { epoch: 4, startOffset: 9 }]).all()).toEqual([
      { epoch: 1, startOffset: 5 },
      { epoch: 4, startOffset: 9 },
    ]);
  });
});

describe('names', () => {
  it('formats offsets and parses partition directories', () => {
    expect(offsetPrefix(1234)).toBe('00000000000000001234');
    expect(offsetFromFileName('00000000000000001234.log')).toBe(1234);
    expect(offsetFromFileName('x.log')).toBeNaN();
    expect(parsePartitionDir('my-topic-12')).toEqual({ topic: 'my-topic', partition: 12 });
    expect(parsePartitionDir('__consumer_offsets-0')).toEqual({ topic: '__consumer_offsets', partition: 0 });
    expect(parsePartitionDir('t-0.0123456789abcdef0123456789abcdef-delete')).toBeNull();
    expect(parsePartitionDir('t-01')).toBeNull();
    expect(parsePartitionDir('meta.properties')).toBeNull();
  });
});
