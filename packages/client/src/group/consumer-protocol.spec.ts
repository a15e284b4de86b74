import fc from 'fast-check';
import { decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription } from './consumer-protocol';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('consumer protocol: golden bytes', () => {
  const sub = {
    topics: ['t1'],
    userData: Buffer.from([0xab]),
    ownedPartitions: [
      { topic: 't1', partition: 0 },
      { topic: 't1', partition: 2 },
    ],
    generationId: 7,
    rackId: 'r1',
  };
  const v0 = '0000' + '00000001 0002 7431' + '00000001 ab';
  const owned = '00000001 0002 7431 00000002 00000000 00000002';

  test('subscription v0-v3', () => {
    expect(encodeSubscription(sub, 0)).toEqual(hex(v0));
    expect(encodeSubscription(sub, 1)).toEqual(hex('0001' + v0.slice(4) + owned));
    expect(encodeSubscription(sub, 2)).toEqual(hex('0002' + v0.slice(4) + owned + '00000007'));
    expect(encodeSubscription(sub, 3)).toEqual(hex('0003' + v0.slice(4) + owned + '00000007' + '0002 7231'));
    // Null user data and rack.
    expect(encodeSubscription({ ...sub, userData: null, rackId: null, ownedPartitions: [] }, 3)).toEqual(
      hex('0003 00000001 0002 7431 ffffffff 00000000 00000007 ffff'),
    );
  });

  test('assignment v0-v3 (the same layout at every version)', () => {
    const a = { partitions: [{ topic: 'a', partition: 1 }, { topic: 'b', partition: 0 }, { topic: 'a', partition: 3 }], userData: null };
    const body = '00000002 0001 61 00000002 00000001 00000003 0001 62 00000001 00000000 ffffffff';
    for (const v of [0, 1, 2, 3]) expect(encodeAssignment(a, v)).toEqual(hex(`000${v}` + body));
    expect(decodeAssignment(hex('0003' + body)).partitions).toEqual([
      { topic: 'a', partition: 1 },
      { topic: 'a', partition: 3 },
      { topic: 'b', partition: 0 },
    ]);
  });

  test('decodes each version, newer versions as the newest known (extra fields ignored)', () => {
    for (const v of [0, 1, 2, 3]) {
      const d = decodeSubscription(encodeSubscription(sub, v));
      expect(d.version).toBe(v);
      expect(d.topics).toEqual(['t1']);
      expect(d.ownedPartitions).toEqual(v >= 1 ? sub.ownedPartitions : []);
      expect(d.generationId).toBe(v >= 2 ? 7 : -1);
      expect(d.rackId).toBe(v >= 3 ? 'r1' : null);
    }
    const v5 = Buffer.concat([hex('0005'), encodeSubscription(sub, 3).subarray(2), hex('deadbeef')]);
    const d = decodeSubscription(v5);
    expect(d.version).toBe(3);
    expect(d.rackId).toBe('r1');
    expect(decodeAssignment(Buffer.alloc(0))).toEqual({ version: 0, partitions: [], userData: null });
    expect(() => decodeSubscription(hex('00'))).toThrow(/no version/);
    expect(() => decodeSubscription(hex('0001 0000'))).toThrow(/malformed subscription/);
  });

  test('round trip (property)', () => {
    const tp = fc.record({ topic: fc.string({ minLength: 1, maxLength: 8 }), partition: fc.integer({ min: 0, max: 1000 }) });
    fc.assert(
      fc.property(
        fc.array(fc.string({ maxLength: 10 }), { maxLength: 5 }),
        fc.option(fc.uint8Array({ maxLength: 8 }).map((b) => Buffer.from(b)), { nil: null }),
        fc.array(tp, { maxLength: 10 }),
        fc.integer({ min: -1, max: 1e6 }),
        (topics, userData, parts, gen) => {
          const d = decodeSubscription(encodeSubscription({ topics, userData, ownedPartitions: parts, generationId: gen, rackId: null }));
          const grouped = [...new Set(parts.map((p) => p.topic))].flatMap((t) => parts.filter((p) => p.topic === t));
          return JSON.stringify(d.topics) === JSON.stringify(topics) && JSON.stringify(d.ownedPartitions) === JSON.stringify(grouped) && d.generationId === gen;
        },
      ),
    );
  });
});
