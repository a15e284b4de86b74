import { javaStringHashCode, kafkaAbs, partitionForGroup } from './partition';

describe('partitionFor (Utils.abs(String.hashCode) % partitions)', () => {
  // Values of java.lang.String.hashCode().
  const vectors: Array<[string, number]> = [
    ['', 0],
    ['a', 97],
    ['Aa', 2112],
    ['BB', 2112],
    ['hello', 99162322],
    ['group-1', 293427299],
    ['my-group', -1906497762],
    ['grüppe', -1233264812],
    ['\u{1F600}', 1772899], // a surrogate pair: hashed as two UTF-16 code units
    ['polygenelubricants', -2147483648],
  ];

  it.each(vectors)('hashCode(%j) = %d', (s, h) => {
    expect(javaStringHashCode(s)).toBe(h);
  });

  it('maps Integer.MIN_VALUE to 0 like Utils.abs', () => {
    expect(kafkaAbs(-2147483648)).toBe(0);
    expect(kafkaAbs(-5)).toBe(5);
    expect(partitionForGroup('polygenelubricants', 50)).toBe(0);
  });

  it('picks the partitions Kafka picks with 50 partitions', () => {
    expect(partitionForGroup('', 50)).toBe(0);
    expect(partitionForGroup('a', 50)).toBe(47);
    expect(partitionForGroup('group-1', 50)).toBe(49);
    expect(partitionForGroup('my-group', 50)).toBe(12);
    expect(partitionForGroup('grüppe', 50)).toBe(12);
    expect(partitionForGroup('console-consumer-12345', 50)).toBe(6);
  });
});
