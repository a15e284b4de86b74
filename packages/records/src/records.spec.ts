import fc from 'fast-check';
import { ErrorCode } from '@nagare/protocol';
import { RecordBatchBuilder, RecordInput, buildRecordBatch } from './builder';
import { Compression, RECORD_BATCH_HEADER_SIZE, TimestampType } from './constants';
import { readBatchHeader } from './header';
import { validateBatches } from './batches';
import { decodeBatch, readRecords } from './records';
import { ALL_CODECS, catchRecordsError, expected, plain, rawBatch, recordArb } from './testing/helpers';
import { writeVarint } from './varint';

const T0 = 1_700_000_000_000;

describe('RecordBatchBuilder + RecordIterator', () => {
  it('round-trips null and empty keys/values, strings and headers', () => {
    const inputs: RecordInput[] = [
      { timestamp: T0, key: null, value: null },
      { timestamp: T0 + 1, key: Buffer.alloc(0), value: Buffer.alloc(0) },
      { timestamp: T0 + 2, key: 'key-ü', value: 'välue', headers: [{ key: 'h', value: 'x' }] },
      { timestamp: T0 + 3, key: new Uint8Array([1, 2, 3]), value: Buffer.from('v'), headers: [{ key: '', value: null }, { key: 'ключ', value: Buffer.from([0, 255]) }] },
    ];
    const batch = buildRecordBatch(inputs, { baseOffset: 100 });
    const { header, records } = decodeBatch(batch);
    expect(header.recordCount).toBe(4);
    expect(header.lastOffsetDelta).toBe(3);
    expect(header.baseOffset).toBe(100);
    expect(records.map(plain)).toEqual(expected(inputs, 100));
    expect(records[0].key).toBeNull();
    expect(records[0].value).toBeNull();
    expect(records[1].key).toEqual(Buffer.alloc(0));
    expect(records[3].headers[0]).toEqual({ key: '', value: null });
    expect(records.map((r) => r.offsetDelta)).toEqual([0, 1, 2, 3]);
    expect(records.map((r) => r.attributes)).toEqual([0, 0, 0, 0]);
  });

  it('fills the header: base/max timestamp, producer fields, flags, CRC', () => {
    const b = new RecordBatchBuilder({
      baseOffset: 5,
      partitionLeaderEpoch: 3,
      producerId: 9_000_000_000,
      producerEpoch: 2,
      baseSequence: 77,
      isTransactional: true,
    });
    expect(b.append({ timestamp: T0 + 50, value: 'a' })).toBe(true);
    expect(b.append({ timestamp: T0 + 10, value: 'b' })).toBe(true); // earlier than the first: negative delta
    expect(b.append({ timestamp: T0 + 90, value: 'c' })).toBe(true);
    const batch = b.build();
    const h = readBatchHeader(batch);
    expect(h).toMatchObject({
      baseOffset: 5,
      batchLength: batch.length - 12,
      partitionLeaderEpoch: 3,
      magic: 2,
      lastOffsetDelta: 2,
      baseTimestamp: T0 + 50,
      maxTimestamp: T0 + 90,
      producerId: 9_000_000_000,
      producerEpoch: 2,
      baseSequence: 77,
      recordCount: 3,
      compression: Compression.None,
      timestampType: TimestampType.CreateTime,
      isTransactional: true,
      isControl: false,
    });
    expect(validateBatches(batch, { strict: true }).ok).toBe(true);
    const recs = readRecords(batch).toArray();
    expect(recs.map((r) => r.timestamp)).toEqual([T0 + 50, T0 + 10, T0 + 90]);
    expect(recs.map((r) => r.timestampDelta)).toEqual([0, -40, 40]);
  });

  it('build(producer) sets producer id, epoch and base sequence known only at send time; the CRC covers them', () => {
    const b = new RecordBatchBuilder({ producerId: 1, producerEpoch: 1, baseSequence: 1 });
    b.append({ timestamp: T0, value: 'a' });
    b.append({ timestamp: T0, value: 'b' });
    const batch = b.build({ producerId: 4242, producerEpoch: 7, baseSequence: 2_000_000_000 });
    expect(readBatchHeader(batch)).toMatchObject({ producerId: 4242, producerEpoch: 7, baseSequence: 2_000_000_000, recordCount: 2 });
    expect(validateBatches(batch, { strict: true }).ok).toBe(true);
    // The same records stamped afterwards give the same bytes.
    const again = new RecordBatchBuilder({ producerId: 4242, producerEpoch: 7, baseSequence: 2_000_000_000 });
    again.append({ timestamp: T0, value: 'a' });
    again.append({ timestamp: T0, value: 'b' });
    expect(again.build()).toEqual(batch);
  });

  it('uses -1 defaults for producer fields and leader epoch', () => {
    const h = readBatchHeader(buildRecordBatch([{ timestamp: T0, value: 'x' }]));
    expect([h.baseOffset, h.partitionLeaderEpoch, h.producerId, h.producerEpoch, h.baseSequence]).toEqual([0, -1, -1, -1, -1]);
  });

  it('refuses records past the byte budget except the first', () => {
    const b = new RecordBatchBuilder({ maxBytes: 200 });
    expect(b.append({ timestamp: T0, value: Buffer.alloc(500) })).toBe(true); // first is always taken
    expect(b.append({ timestamp: T0, value: Buffer.alloc(1) })).toBe(false);
    expect(b.recordCount).toBe(1);
    const small = new RecordBatchBuilder({ maxBytes: 200 });
    let n = 0;
    while (small.append({ timestamp: T0, value: Buffer.alloc(20) })) n++;
    const batch = small.build();
    expect(batch.length).toBeLessThanOrEqual(200);
    expect(batch.length).toBe(small.estimatedSizeInBytes);
    expect(readRecords(batch).toArray()).toHaveLength(n);
  });

  it('grows its scratch buffer across many records and reuses it after reset()', () => {
    const b = new RecordBatchBuilder({ initialCapacity: 64, maxBytes: 10_000_000 });
    const inputs: RecordInput[] = [];
    for (let i = 0; i < 3000; i++) inputs.push({ timestamp: T0 + i, key: `k${i}`, value: Buffer.alloc(i % 100, i) });
    for (const r of inputs) expect(b.append(r)).toBe(true);
    const first = b.build();
    expect(() => b.append({ timestamp: T0, value: 'x' })).toThrow(/reset/);
    expect(() => b.build()).toThrow(/reset/);
    b.reset({ baseOffset: 3000 });
    b.append({ timestamp: T0, value: 'again' });
    const second = b.build();
    expect(readRecords(first).toArray().map(plain)).toEqual(expected(inputs));
    expect(readRecords(second).toArray().map((r) => [r.offset, r.value?.toString()])).toEqual([[3000, 'again']]);
  });

  it('takes timestamps from the injected clock when records have none', () => {
    let t = T0;
    const b = new RecordBatchBuilder({ now: () => t++ });
    b.append({ value: 'a' });
    b.append({ value: 'b' });
    expect(readRecords(b.build()).toArray().map((r) => r.timestamp)).toEqual([T0, T0 + 1]);
    expect(() => new RecordBatchBuilder().append({ value: 'x' })).toThrow(TypeError);
  });

  it('LogAppendTime batches report the append time for every record', () => {
    const batch = buildRecordBatch(
      [
        { timestamp: 1, value: 'a' },
        { timestamp: 2, value: 'b' },
      ],
      { timestampType: TimestampType.LogAppendTime, logAppendTime: T0 },
    );
    const it = readRecords(batch);
    expect(it.header.timestampType).toBe(TimestampType.LogAppendTime);
    expect(it.header.maxTimestamp).toBe(T0);
    expect(it.toArray().map((r) => r.timestamp)).toEqual([T0, T0]);
    expect(() => new RecordBatchBuilder({ timestampType: TimestampType.LogAppendTime })).toThrow(TypeError);
  });

  it('rejects invalid arguments as caller errors', () => {
    expect(() => new RecordBatchBuilder().build()).toThrow(RangeError);
    expect(() => new RecordBatchBuilder({ producerEpoch: 40000 })).toThrow(RangeError);
    expect(() => new RecordBatchBuilder({ compression: 7 as Compression })).toThrow(RangeError);
    expect(() => new RecordBatchBuilder().append({ timestamp: 1.5, value: 'x' })).toThrow(RangeError);
  });

  it('gives uncompressed keys and values as views into the batch, not copies', () => {
    const batch = buildRecordBatch([{ timestamp: T0, key: 'k', value: 'value' }]);
    const [r] = readRecords(batch).toArray();
    expect(r.value!.buffer).toBe(batch.buffer);
    expect(r.value!.byteOffset).toBeGreaterThan(batch.byteOffset + RECORD_BATCH_HEADER_SIZE);
  });

  it.each(ALL_CODECS)('codec %s: decompresses lazily, once, and yields the records', (codec) => {
    const inputs: RecordInput[] = Array.from({ length: 500 }, (_, i) => ({
      timestamp: T0 + i,
      key: i % 3 === 0 ? null : `key-${i % 10}`,
      value: JSON.stringify({ i, text: 'lorem ipsum dolor sit amet' }),
      headers: i % 5 === 0 ? [{ key: 'trace', value: `t${i}` }] : [],
    }));
    const batch = buildRecordBatch(inputs, { compression: codec, compressionLevel: codec === Compression.Gzip ? 1 : undefined });
    const it = readRecords(batch);
    expect(it.header.compression).toBe(codec);
    if (codec !== Compression.None) expect(batch.length).toBeLessThan(20_000);
    expect([...it].map(plain)).toEqual(expected(inputs));
    expect(it.next().done).toBe(true);
  });

  it('property: build -> iterate returns the same records for random records and codecs', () => {
    fc.assert(
      fc.property(
        fc.array(recordArb, { minLength: 1, maxLength: 30 }),
        fc.constantFrom(...ALL_CODECS),
        fc.integer({ min: 0, max: 2 ** 40 }),
        (inputs, codec, base) => {
          const batch = buildRecordBatch(inputs, { compression: codec, baseOffset: base });
          const v = validateBatches(batch, { strict: true });
          expect(v.ok).toBe(true);
          expect(readRecords(batch).toArray().map(plain)).toEqual(expected(inputs, base));
        },
      ),
      { seed: 11, numRuns: 300 },
    );
  });
});

describe('RecordIterator on malformed records', () => {
  const rec = (bytes: number[]): Buffer => {
    const body = Buffer.from(bytes);
    const out = Buffer.alloc(5 + body.length);
    const p = writeVarint(out, 0, body.length);
    body.copy(out, p);
    return out.subarray(0, p + body.length);
  };
  // attributes 0, tsDelta 0, offsetDelta 0, key null (-1 => 0x01), value "a", 0 headers
  const good = [0x00, 0x00, 0x00, 0x01, 0x02, 0x61, 0x00];

  it('reads a hand-made valid record', () => {
    const [r] = readRecords(rawBatch(rec(good), { recordCount: 1 })).toArray();
    expect(r.value!.toString()).toBe('a');
    expect(r.key).toBeNull();
  });

  const cases: Array<[string, Buffer, number]> = [
    ['negative record length', Buffer.from([0x01, 0, 0, 0, 0, 0, 0]), 1],
    ['record length past the batch', Buffer.from([0x7e, 0, 0, 0, 0, 0, 0]), 1],
    ['key length -2', rec([0x00, 0x00, 0x00, 0x03, 0x02, 0x61, 0x00]), 1],
    ['huge key length', rec([0x00, 0x00, 0x00, 0xfe, 0xff, 0xff, 0xff, 0x0f, 0x00, 0x00]), 1],
    ['huge value length', rec([0x00, 0x00, 0x00, 0x01, 0xfe, 0xff, 0xff, 0xff, 0x0f, 0x00]), 1],
    ['huge header count', rec([0x00, 0x00, 0x00, 0x01, 0x01, 0xfe, 0xff, 0xff, 0xff, 0x0f]), 1],
    ['negative header count', rec([0x00, 0x00, 0x00, 0x01, 0x01, 0x03]), 1],
    ['negative header key length', rec([0x00, 0x00, 0x00, 0x01, 0x01, 0x02, 0x01, 0x01]), 1],
    ['overlong varint', rec([0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00]), 1],
    ['bytes left inside the record', rec([...good, 0x00]), 1],
    ['record ends inside a field', rec([0x00, 0x00, 0x00, 0x01, 0x02, 0x00]), 1],
    // value of 20 bytes, so the payload could hold two minimal records
    ['fewer records than the count', rec([0x00, 0x00, 0x00, 0x01, 0x28, ...Buffer.alloc(20, 0x61), 0x00]), 2],
    ['bytes after the last record', Buffer.concat([rec(good), Buffer.from([0, 0, 0, 0, 0, 0, 0])]), 1],
  ];
  it.each(cases)('%s -> CORRUPT_MESSAGE, then the iterator is done', (_name, payload, count) => {
    const it = readRecords(rawBatch(payload, { recordCount: count }));
    const e = catchRecordsError(() => it.toArray());
    expect(e.code).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(it.next().done).toBe(true);
  });

  it('a record count far above what the payload holds fails fast', () => {
    const e = catchRecordsError(() => readRecords(rawBatch(rec(good), { recordCount: 2_000_000_000 })));
    expect(e.code).toBe(ErrorCode.CORRUPT_MESSAGE);
  });

  it('compressed payload that does not decompress -> CORRUPT_MESSAGE; too big -> MESSAGE_TOO_LARGE', () => {
    const garbage = rawBatch(Buffer.from('not gzip at all'), { recordCount: 1, attributes: Compression.Gzip });
    expect(catchRecordsError(() => readRecords(garbage).next()).code).toBe(ErrorCode.CORRUPT_MESSAGE);
    const big = buildRecordBatch([{ timestamp: T0, value: Buffer.alloc(100_000) }], { compression: Compression.Zstd });
    expect(big.length).toBeLessThan(1000);
    const it = readRecords(big, { maxDecompressedBytes: 50_000 });
    expect(catchRecordsError(() => it.next()).code).toBe(ErrorCode.MESSAGE_TOO_LARGE);
    expect(readRecords(big, { maxDecompressedBytes: 200_000 }).toArray()).toHaveLength(1);
  });
});
