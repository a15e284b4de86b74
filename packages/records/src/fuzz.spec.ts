/**
 * Fuzz-style properties (seeded, so failures reproduce): random and mutated
 * bytes fed to validation, the batch iterator, the record iterator and the
 * decompressors. The only error allowed out is RecordsError; nothing may
 * hang or yield more records than a batch header announces.
 */
import fc from 'fast-check';
import { iterateBatches, validateBatches } from './batches';
import { buildRecordBatch } from './builder';
import { Compression, RECORD_BATCH_HEADER_SIZE } from './constants';
import { decompress } from './compression';
import { RecordsError } from './errors';
import { writeBatchCrc, writeBatchHeader } from './header';
import { readRecords } from './records';
import { ALL_CODECS } from './testing/helpers';

jest.setTimeout(60_000);

function onlyRecordsErrors(fn: () => void): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof RecordsError)) throw e;
  }
}

/** Everything a consumer or a broker would do with untrusted bytes. */
function exercise(buf: Buffer): void {
  const v = validateBatches(buf); // never throws for bad data
  if (v.ok && v.batches.reduce((n, b) => n + b.size, 0) !== buf.length) throw new Error('validated batches do not cover the buffer');
  for (const verifyCrc of [true, false]) {
    onlyRecordsErrors(() => {
      for (const batch of iterateBatches(buf, { verifyCrc, allowPartialTail: !verifyCrc })) {
        let n = 0;
        for (const r of batch.records({ maxDecompressedBytes: 1 << 20 })) {
          if (++n > batch.header.recordCount) throw new Error('more records than the header announces');
          if (r.headers.length > buf.length) throw new Error('more headers than bytes');
        }
      }
    });
  }
  onlyRecordsErrors(() => {
    readRecords(buf, { verifyCrc: false, maxDecompressedBytes: 4096 }).toArray();
  });
}

const T0 = 1_700_000_000_000;
const SEEDS: Buffer[] = [];
for (const codec of ALL_CODECS) {
  SEEDS.push(
    buildRecordBatch(
      Array.from({ length: 12 }, (_, i) => ({
        timestamp: T0 + i * 1000,
        key: i % 3 ? `k${i}` : null,
        value: i % 4 ? `value ${i} ${'abc'.repeat(i)}` : null,
        headers: i % 2 ? [{ key: 'h', value: `${i}` }, { key: 'n', value: null }] : [],
      })),
      { compression: codec },
    ),
  );
}
SEEDS.push(Buffer.concat([SEEDS[0], SEEDS[1]]));

type Mutation = { kind: 'flip' | 'set' | 'insert' | 'delete' | 'truncate'; at: number; byte: number };
const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('flip', 'set', 'insert', 'delete', 'truncate'),
  at: fc.nat(),
  byte: fc.integer({ min: 0, max: 255 }),
});

function mutate(src: Buffer, muts: Mutation[]): Buffer {
  let b = Buffer.from(src);
  for (const m of muts) {
    const at = b.length === 0 ? 0 : m.at % b.length;
    switch (m.kind) {
      case 'flip':
        if (b.length) b[at] ^= 1 << (m.byte & 7);
        break;
      case 'set':
        if (b.length) b[at] = m.byte;
        break;
      case 'insert':
        b = Buffer.concat([b.subarray(0, at), Buffer.from([m.byte]), b.subarray(at)]);
        break;
      case 'delete':
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]);
        break;
      case 'truncate':
        b = b.subarray(0, at);
        break;
    }
  }
  return b;
}

describe('fuzz', () => {
  it('random bytes: only RecordsError, no hang', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => exercise(Buffer.from(bytes))),
      { seed: 20240601, numRuns: 20_000 },
    );
  });

  it('random payloads behind a well-formed header with a valid CRC: only RecordsError', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 160 }),
        fc.integer({ min: -2, max: 40 }),
        fc.integer({ min: 0, max: 7 }),
        fc.integer({ min: -1, max: 50 }),
        (payload, count, codec, lastDelta) => {
          const buf = Buffer.alloc(RECORD_BATCH_HEADER_SIZE + payload.length);
          writeBatchHeader(buf, 0, {
            baseOffset: 0,
            batchLength: buf.length - 12,
            attributes: codec,
            lastOffsetDelta: lastDelta,
            baseTimestamp: T0,
            maxTimestamp: T0,
            recordCount: count,
          });
          buf.set(payload, RECORD_BATCH_HEADER_SIZE);
          writeBatchCrc(buf);
          exercise(buf);
        },
      ),
      { seed: 99, numRuns: 20_000 },
    );
  });

  it('mutated valid batches (every codec), with and without a re-fixed CRC: only RecordsError', () => {
    fc.assert(
      fc.property(fc.nat(SEEDS.length - 1), fc.array(mutationArb, { minLength: 1, maxLength: 4 }), fc.boolean(), (seed, muts, fixCrc) => {
        const b = mutate(SEEDS[seed], muts);
        if (fixCrc && b.length >= RECORD_BATCH_HEADER_SIZE) writeBatchCrc(b);
        exercise(b);
      }),
      { seed: 4242, numRuns: 20_000 },
    );
  });

  it('mutated compressed payloads straight into each decompressor (both lz4 paths): only RecordsError', () => {
    const payloads = SEEDS.slice(1, ALL_CODECS.length).map((b, i) => ({ codec: ALL_CODECS[i + 1], data: b.subarray(RECORD_BATCH_HEADER_SIZE) }));
    fc.assert(
      fc.property(fc.nat(payloads.length - 1), fc.array(mutationArb, { maxLength: 3 }), fc.constantFrom(64, 1 << 20), (i, muts, maxBytes) => {
        const { codec, data } = payloads[i];
        onlyRecordsErrors(() => {
          const out = decompress(codec as Compression, mutate(data, muts), { maxBytes });
          if (out.length > maxBytes) throw new Error('output over the limit');
        });
      }),
      { seed: 7, numRuns: 5_000 },
    );
  });
});
