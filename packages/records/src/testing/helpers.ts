/**
 * Test-only helpers shared by the spec files (excluded from the build).
 */
import fc from 'fast-check';
import { ATTRIBUTES_OFFSET, Compression, LOG_OVERHEAD, RECORD_BATCH_HEADER_SIZE } from '../constants';
import { RecordsError } from '../errors';
import { writeBatchCrc, writeBatchHeader } from '../header';
import type { RecordInput } from '../builder';
import type { KafkaRecord } from '../records';

/** Runs `fn` and returns the RecordsError it throws; fails the test otherwise. */
export function catchRecordsError(fn: () => unknown): RecordsError {
  try {
    fn();
  } catch (e) {
    if (e instanceof RecordsError) return e;
    throw new Error(`expected a RecordsError, got ${(e as Error)?.stack ?? String(e)}`);
  }
  throw new Error('expected a RecordsError, nothing was thrown');
}

export interface RawBatchOptions {
  recordCount: number;
  lastOffsetDelta?: number;
  attributes?: number;
  baseOffset?: number;
  baseTimestamp?: number;
  magic?: number;
  /** Leave the CRC wrong on purpose. */
  badCrc?: boolean;
}

/** A batch around an arbitrary (possibly malformed) records payload, with a correct CRC unless asked. */
export function rawBatch(payload: Buffer, o: RawBatchOptions): Buffer {
  const buf = Buffer.alloc(RECORD_BATCH_HEADER_SIZE + payload.length);
  writeBatchHeader(buf, 0, {
    baseOffset: o.baseOffset ?? 0,
    batchLength: buf.length - LOG_OVERHEAD,
    magic: o.magic,
    attributes: o.attributes ?? 0,
    lastOffsetDelta: o.lastOffsetDelta ?? Math.max(0, o.recordCount - 1),
    baseTimestamp: o.baseTimestamp ?? 1_700_000_000_000,
    maxTimestamp: o.baseTimestamp ?? 1_700_000_000_000,
    recordCount: o.recordCount,
  });
  payload.copy(buf, RECORD_BATCH_HEADER_SIZE);
  writeBatchCrc(buf, 0);
  if (o.badCrc) buf[ATTRIBUTES_OFFSET - 1] ^= 0xff;
  return buf;
}

export const ALL_CODECS: Compression[] = [Compression.None, Compression.Gzip, Compression.Snappy, Compression.Lz4, Compression.Zstd];

const bytesArb = fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a));

/** Random records for property tests (timestamps within a few days of 2023). */
export const recordArb: fc.Arbitrary<RecordInput> = fc.record({
  timestamp: fc.integer({ min: 1_690_000_000_000, max: 1_700_000_000_000 }),
  key: fc.option(bytesArb, { nil: null }),
  value: fc.option(bytesArb, { nil: null }),
  headers: fc.array(fc.record({ key: fc.string({ maxLength: 12 }), value: fc.option(bytesArb, { nil: null }) }), { maxLength: 3 }),
});

/** What a record read back should look like, for comparisons. */
export function plain(r: KafkaRecord): unknown {
  return {
    offset: r.offset,
    timestamp: r.timestamp,
    key: r.key === null ? null : Buffer.from(r.key).toString('hex'),
    value: r.value === null ? null : Buffer.from(r.value).toString('hex'),
    headers: r.headers.map((h) => ({ key: h.key, value: h.value === null ? null : h.value.toString('hex') })),
  };
}

/** The expected read-back of input records appended with baseOffset `base`. */
export function expected(inputs: RecordInput[], base = 0): unknown[] {
  const hex = (b: unknown): string | null =>
    b === null || b === undefined ? null : typeof b === 'string' ? Buffer.from(b).toString('hex') : Buffer.from(b as Uint8Array).toString('hex');
  return inputs.map((r, i) => ({
    offset: base + i,
    timestamp: r.timestamp,
    key: hex(r.key),
    value: hex(r.value),
    headers: (r.headers ?? []).map((h) => ({ key: h.key, value: hex(h.value) })),
  }));
}

/** Some JSON lines, as log data tends to look (deterministic). */
export function jsonLines(bytes: number): Buffer {
  const lines: string[] = [];
  let n = 0;
  let i = 0;
  while (n < bytes) {
    const line = JSON.stringify({
      ts: 1_700_000_000_000 + i * 37,
      level: ['info', 'warn', 'error', 'debug'][i % 4],
      user: `user-${(i * 7919) % 1000}`,
      path: `/api/v1/items/${(i * 104729) % 5000}`,
      status: [200, 201, 404, 500][(i * 31) % 4],
      latencyMs: (i * 13) % 997,
      msg: `request ${i} handled`,
    });
    lines.push(line);
    n += line.length + 1;
    i++;
  }
  return Buffer.from(lines.join('\n') + '\n').subarray(0, bytes);
}
