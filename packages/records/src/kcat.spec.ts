/**
 * Cross-check with librdkafka (the C client) through kcat and a fake broker
 * (testing/capture-broker.ts):
 *  (a) kcat -P with each codec produces batches that this package decodes,
 *      CRC verified, to exactly the lines piped in;
 *  (b) kcat -C reads batches built here with each codec (librdkafka checking
 *      CRCs) and prints exactly their offsets, keys, values and headers.
 * kcat is part of the test setup: these tests fail if it is missing.
 */
import { ErrorCode } from '@nagare/protocol';
import { buildRecordBatch } from './builder';
import { compressionName } from './constants';
import { iterateBatches } from './batches';
import { CaptureBroker } from './testing/capture-broker';
import { KCAT, kcatAvailable, runKcat } from './testing/kcat';
import { ALL_CODECS } from './testing/helpers';

jest.setTimeout(30_000);

const COMMON = ['-X', 'broker.address.family=v4', '-X', 'api.version.request=true', '-X', 'socket.timeout.ms=10000'];

let broker: CaptureBroker;

beforeAll(async () => {
  if (!kcatAvailable()) throw new Error(`kcat is required for these tests and was not found at ${KCAT}`);
  broker = await CaptureBroker.start();
});

afterAll(async () => {
  await broker?.close();
});

describe.each(ALL_CODECS.map((c) => [compressionName(c), c] as const))('librdkafka (kcat) with codec %s', (name, codec) => {

  it('kcat -P batches decode here with CRC verified and the exact messages', async () => {
    const topic = `produce-${name}`;
    // Compressible lines (librdkafka sends a batch uncompressed if compression does not help).
    const lines = Array.from({ length: 300 }, (_, i) => `line ${i}: ${'the quick brown fox '.repeat(1 + (i % 4))}é`);
    const input = lines.map((l, i) => `k${i % 10}\t${l}`).join('\n') + '\n';
    const res = await runKcat(
      ['-P', '-b', broker.bootstrap, '-t', topic, '-p', '0', '-z', name, '-K', '\t', '-H', 'origin=kcat', '-X', 'linger.ms=50', '-X', 'message.timeout.ms=10000', ...COMMON],
      input,
      20_000,
    );
    expect({ code: res.code, timedOut: res.timedOut, stderr: res.stderr }).toEqual({ code: 0, timedOut: false, stderr: '' });
    const captured = broker.produced.filter((p) => p.topic === topic);
    expect(captured.length).toBeGreaterThan(0);
    const got: Array<[string, string]> = [];
    const codecs = new Set<number>();
    for (const p of captured) {
      expect(p.apiVersion).toBeGreaterThanOrEqual(3); // magic 2 batches
      for (const batch of iterateBatches(p.records, { verifyCrc: true, strict: true })) {
        codecs.add(batch.header.compression);
        for (const r of batch.records()) {
          expect(r.headers.map((h) => [h.key, h.value?.toString()])).toEqual([['origin', 'kcat']]);
          got.push([r.key!.toString(), r.value!.toString()]);
        }
      }
    }
    expect([...codecs]).toEqual([codec]);
    expect(got).toEqual(lines.map((l, i) => [`k${i % 10}`, l]));
    expect(broker.errors).toEqual([]);
  });

  it('kcat -C reads batches built here and prints exactly their records', async () => {
    const topic = `consume-${name}`;
    const batches: Buffer[] = [];
    const expectedLines: string[] = [];
    let offset = 0;
    for (let b = 0; b < 3; b++) {
      const inputs = Array.from({ length: 40 + b * 10 }, (_, i) => ({
        timestamp: 1_700_000_000_000 + offset + i,
        key: i % 5 === 0 ? null : `key-${b}-${i}`,
        value: `value ${b}/${i} ${'lorem ipsum '.repeat(i % 6)}`,
        headers: i % 2 === 0 ? [{ key: 'h', value: `v${i}` }] : [],
      }));
      batches.push(buildRecordBatch(inputs, { compression: codec }));
      inputs.forEach((r, i) => {
        // kcat prints an empty string for a null key and "k=v" pairs for headers.
        expectedLines.push(`${offset + i}|${r.key ?? ''}|${r.value}|${r.headers.map((h) => `${h.key}=${h.value}`).join(',')}`);
      });
      offset += inputs.length;
    }
    broker.setLog(topic, batches);
    expect(broker.highWatermark(topic)).toBe(offset);
    const res = await runKcat(
      ['-C', '-b', broker.bootstrap, '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%o|%k|%s|%h\\n', '-X', 'check.crcs=true', ...COMMON],
      null,
      20_000,
    );
    expect({ code: res.code, timedOut: res.timedOut, stderr: res.stderr }).toEqual({ code: 0, timedOut: false, stderr: '' });
    expect(res.stdout.split('\n').slice(0, -1)).toEqual(expectedLines);
    expect(broker.errors).toEqual([]);
  });
});

describe('librdkafka checks our CRCs', () => {
  it('kcat -C with check.crcs reports a batch whose bytes were altered after building', async () => {
    const topic = 'crc-check';
    const good = buildRecordBatch([
      { timestamp: 1, value: 'aaaa' },
      { timestamp: 2, value: 'bbbb' },
    ]);
    const bad = buildRecordBatch([{ timestamp: 3, value: 'cccc' }]);
    broker.setLog(topic, [good, bad]);
    bad[bad.length - 2] ^= 1; // flip a bit in the last value, after offsets were assigned
    expect(() => iterateBatches(bad).next()).toThrow(expect.objectContaining({ code: ErrorCode.CORRUPT_MESSAGE }));
    const res = await runKcat(
      ['-C', '-b', broker.bootstrap, '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%o|%s\\n', '-X', 'check.crcs=true', ...COMMON],
      null,
      20_000,
    );
    expect(res.stdout).toBe('0|aaaa\n1|bbbb\n');
    expect(res.stderr).toMatch(/offset 2 .*failed CRC32C check/);
  });
});
