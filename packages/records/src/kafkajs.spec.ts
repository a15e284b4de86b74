/**
 * Cross-check with kafkajs's own RecordBatch encoder and decoder (an
 * independent JavaScript implementation of the same format): batches it
 * encodes decode here with their CRC verified, and batches built here decode
 * with kafkajs to the same records. kafkajs implements only gzip among the
 * codecs, so the check covers none and gzip.
 */
import { buildRecordBatch, RecordInput } from './builder';
import { Compression } from './constants';
import { readBatchHeader } from './header';
import { validateBatches } from './batches';
import { readRecords } from './records';

interface KjsEncoder {
  buffer: Buffer;
}
interface KjsDecodedRecord {
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | Buffer[]>;
}
interface KjsDecodedBatch {
  firstOffset: string;
  lastOffsetDelta: number;
  firstTimestamp: string;
  maxTimestamp: string;
  producerId: string;
  producerEpoch: number;
  firstSequence: number;
  inTransaction: boolean;
  records: KjsDecodedRecord[];
}

const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0') as {
  RecordBatch: (args: Record<string, unknown>) => Promise<KjsEncoder>;
};
const KjsRecord = require('kafkajs/src/protocol/recordBatch/record/v0') as (args: Record<string, unknown>) => KjsEncoder;
const decodeKjsBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder') as (decoder: unknown) => Promise<KjsDecodedBatch>;
const KjsDecoder = require('kafkajs/src/protocol/decoder') as new (buf: Buffer) => unknown;
const KjsLong = require('kafkajs/src/utils/long') as { fromValue(v: number | string | bigint): unknown };

const T0 = 1_700_000_000_000;

function sampleInputs(n: number): RecordInput[] {
  return Array.from({ length: n }, (_, i) => ({
    timestamp: T0 + ((i * 37) % 500),
    key: i % 4 === 0 ? null : Buffer.from(`key-${i}`),
    value: i % 7 === 3 ? null : Buffer.from(JSON.stringify({ i, payload: 'x'.repeat(i % 50) })),
    headers: i % 3 === 0 ? [{ key: 'trace-id', value: Buffer.from(`t-${i}`) }, { key: 'n', value: Buffer.from(String(i)) }] : [],
  }));
}

describe.each([
  ['none', Compression.None, 0],
  ['gzip', Compression.Gzip, 1],
])('kafkajs interop (%s)', (_name, codec, kjsCodec) => {
  it('kafkajs-encoded batches decode here with the CRC verified', async () => {
    const inputs = sampleInputs(60);
    const records = inputs.map((r, i) =>
      KjsRecord({
        offsetDelta: i,
        timestampDelta: r.timestamp! - inputs[0].timestamp!,
        key: r.key,
        value: r.value,
        headers: Object.fromEntries((r.headers ?? []).map((h) => [h.key, h.value])),
      }),
    );
    const maxTimestamp = Math.max(...inputs.map((r) => r.timestamp!));
    const encoded = await RecordBatch({
      compression: kjsCodec,
      firstOffset: KjsLong.fromValue(1000),
      firstTimestamp: inputs[0].timestamp,
      maxTimestamp,
      partitionLeaderEpoch: 5,
      lastOffsetDelta: inputs.length - 1,
      producerId: KjsLong.fromValue(77),
      producerEpoch: 2,
      firstSequence: 10,
      records,
    });
    const buf = encoded.buffer;
    const v = validateBatches(buf, { strict: true });
    if (!v.ok) throw v.error;
    expect(v.batches).toHaveLength(1);
    const h = readBatchHeader(buf);
    expect(h).toMatchObject({
      baseOffset: 1000,
      partitionLeaderEpoch: 5,
      compression: codec,
      lastOffsetDelta: 59,
      baseTimestamp: T0,
      maxTimestamp,
      producerId: 77,
      producerEpoch: 2,
      baseSequence: 10,
      recordCount: 60,
    });
    const got = readRecords(buf, { verifyCrc: true }).toArray();
    expect(got.map((r) => [r.offset, r.timestamp, r.key?.toString() ?? null, r.value?.toString() ?? null, r.headers.map((x) => [x.key, x.value?.toString()])])).toEqual(
      inputs.map((r, i) => [
        1000 + i,
        r.timestamp,
        r.key?.toString() ?? null,
        r.value?.toString() ?? null,
        (r.headers ?? []).map((x) => [x.key, x.value?.toString()]),
      ]),
    );
  });

  it('batches built here decode with kafkajs to the same records', async () => {
    const inputs = sampleInputs(60);
    const buf = buildRecordBatch(inputs, { compression: codec, baseOffset: 500, producerId: 12, producerEpoch: 1, baseSequence: 3 });
    const batch = await decodeKjsBatch(new KjsDecoder(buf));
    expect(batch.firstOffset).toBe('500');
    expect(batch.lastOffsetDelta).toBe(59);
    expect(batch.producerId).toBe('12');
    expect(batch.producerEpoch).toBe(1);
    expect(batch.firstSequence).toBe(3);
    expect(batch.records).toHaveLength(60);
    const norm = (h: Record<string, Buffer | Buffer[]>) => Object.entries(h).map(([k, v]) => [k, String(v)]);
    expect(batch.records.map((r) => [r.offset, r.timestamp, r.key?.toString() ?? null, r.value?.toString() ?? null, norm(r.headers)])).toEqual(
      inputs.map((r, i) => [
        String(500 + i),
        String(r.timestamp),
        r.key?.toString() ?? null,
        r.value?.toString() ?? null,
        (r.headers ?? []).map((x) => [x.key, x.value?.toString()]),
      ]),
    );
  });
});
