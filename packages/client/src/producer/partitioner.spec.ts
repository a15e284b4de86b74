import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { STICKY, crc32Partition, murmur2, murmur2Partition, resolvePartitioner, toPositive } from './partitioner';

describe('murmur2', () => {
  test("matches the Java client's vectors (Kafka UtilsTest.testMurmur2)", () => {
    const cases: Array<[string, number]> = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const [s, h] of cases) expect(murmur2(Buffer.from(s))).toBe(h);
  });

  test("matches librdkafka's rdmurmur2 unit-test vectors (as unsigned)", () => {
    const cases: Array<[string, number]> = [
      ['kafka', 0xd067cf64],
      ['giberish123456789', 0x8f552b0c],
      ['1234', 0x9fc97b14],
      ['234', 0xe7c009ca],
      ['34', 0x873930da],
      ['4', 0x5a4b5ca1],
      ['PreAmbleWillBeRemoved,ThePrePartThatIs', 0x78424f1c],
      ['reAmbleWillBeRemoved,ThePrePartThatIs', 0x4a62b377],
      ['eAmbleWillBeRemoved,ThePrePartThatIs', 0xe0e4e09e],
      ['AmbleWillBeRemoved,ThePrePartThatIs', 0x62b8b43f],
      ['', 0x106e08d9],
    ];
    for (const [s, h] of cases) expect(murmur2(Buffer.from(s)) >>> 0).toBe(h);
  });

  test('partition = toPositive(murmur2(key)) % numPartitions (not Math.abs)', () => {
    expect(toPositive(-1)).toBe(0x7fffffff);
    expect(toPositive(-2147483648)).toBe(0);
    expect(murmur2Partition(Buffer.from('foobar'), 50)).toBe(16);
    expect(murmur2Partition(Buffer.from('foobar'), 4)).toBe(2);
    // -973932308 & 0x7fffffff = 1173551340
    expect(murmur2Partition(Buffer.from('21'), 7)).toBe(1173551340 % 7);
  });

  test('always a valid partition, and stable', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.integer({ min: 1, max: 1000 }), (key, n) => {
        const p = murmur2Partition(key, n);
        return p >= 0 && p < n && p === murmur2Partition(Buffer.from(key), n);
      }),
    );
  });
});

describe('partitioners', () => {
  const args = (key: string | null, numPartitions = 6, availablePartitions = [0, 1, 2, 3, 4, 5]) => ({
    topic: 't',
    key: key === null ? null : Buffer.from(key),
    numPartitions,
    availablePartitions,
  });

  test('default: murmur2 for keys, the sticky partition for null keys', () => {
    const p = resolvePartitioner('default');
    expect(p(args('foobar'))).toBe(murmur2Partition(Buffer.from('foobar'), 6));
    expect(p(args(null))).toBe(STICKY);
  });

  test("murmur2_random: murmur2 for keys, random available partition for null keys (librdkafka's default)", () => {
    let r = 0;
    const p = resolvePartitioner('murmur2_random', () => (r = (r + 0.37) % 1));
    expect(p(args('foobar'))).toBe(murmur2Partition(Buffer.from('foobar'), 6));
    expect(p(args('', 6))).toBe(murmur2Partition(Buffer.alloc(0), 6));
    const seen = new Set<number>();
    for (let i = 0; i < 50; i++) seen.add(p(args(null, 6, [1, 3])));
    expect(seen).toEqual(new Set([1, 3]));
  });

  test('consistent_random and consistent: CRC-32 of the key', () => {
    const key = Buffer.from('some-key');
    expect(crc32Partition(key, 10)).toBe(crc32(key) % 10);
    expect(resolvePartitioner('consistent')(args('some-key', 10))).toBe(crc32(key) % 10);
    expect(resolvePartitioner('consistent_random')(args('some-key', 10))).toBe(crc32(key) % 10);
    // Empty and null keys: random for consistent_random, CRC of nothing for consistent.
    expect(resolvePartitioner('consistent')(args(null, 10))).toBe(0);
    const p = resolvePartitioner('consistent_random', () => 0.99);
    expect(p(args('', 10))).toBe(5);
  });

  test('a custom function is used as is; unknown names are rejected', () => {
    expect(resolvePartitioner(() => 3)(args('x'))).toBe(3);
    expect(() => resolvePartitioner('nope' as 'default')).toThrow(RangeError);
  });
});
