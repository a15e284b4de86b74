import { Reader } from './reader';
import { Writer, sizeOfUvarint, sizeOfVarint, sizeOfVarlong } from './writer';

function bytes(hex: string): Buffer {
  return Buffer.from(hex.replace(/\s+/g, ''), 'hex');
}

describe('varints', () => {
  const unsigned: Array<[number, string]> = [
    [0, '00'],
    [1, '01'],
    [127, '7f'],
    [128, '8001'],
    [300, 'ac02'],
    [16383, 'ff7f'],
    [16384, '808001'],
    [2 ** 31 - 1, 'ffffffff07'],
    [2 ** 32 - 1, 'ffffffff0f'],
  ];
  it.each(unsigned)('unsigned %d <-> %s', (n, hex) => {
    const w = new Writer(sizeOfUvarint(n));
    w.uvarint(n);
    expect(w.finish()[0].toString('hex')).toBe(hex);
    const r = new Reader(bytes(hex));
    expect(r.uvarint('x')).toBe(n);
    expect(r.failed).toBe(false);
  });

  const signed: Array<[number, string]> = [
    [0, '00'],
    [-1, '01'],
    [1, '02'],
    [-64, '7f'],
    [64, '8001'],
    [2 ** 31 - 1, 'feffffff0f'],
    [-(2 ** 31), 'ffffffff0f'],
  ];
  it.each(signed)('zig-zag %d <-> %s', (n, hex) => {
    const w = new Writer(sizeOfVarint(n));
    w.varint(n);
    expect(w.finish()[0].toString('hex')).toBe(hex);
    expect(new Reader(bytes(hex)).varint('x')).toBe(n);
  });

  const longs: Array<[bigint, string]> = [
    [0n, '00'],
    [-1n, '01'],
    [1n, '02'],
    [2n ** 63n - 1n, 'feffffffffffffffff01'],
    [-(2n ** 63n), 'ffffffffffffffffff01'],
  ];
  it.each(longs)('varlong %s <-> %s', (n, hex) => {
    const w = new Writer(sizeOfVarlong(n));
    w.varlong(n);
    expect(w.finish()[0].toString('hex')).toBe(hex);
    expect(new Reader(bytes(hex)).varlong('x')).toBe(n);
  });

  it('rejects varints that are too long or overflow, naming the field', () => {
    const r = new Reader(bytes('ffffffffff01'));
    expect(r.uvarint('count')).toBe(0);
    expect(r).toMatchObject({ failed: true, errField: 'count' });
    expect(new Reader(bytes('ffffffff1f')).uvarint('n')).toBe(0);
    const t = new Reader(bytes('8080'));
    t.uvarint('n');
    expect(t.errReason).toMatch(/truncated/);
    const l = new Reader(bytes('ffffffffffffffffff7f'));
    l.varlong('v');
    expect(l.failed).toBe(true);
  });
});

describe('Reader', () => {
  it('keeps the first error and stops advancing', () => {
    const r = new Reader(bytes('0001 41 00'));
    expect(r.string('name')).toBe('A');
    expect(r.int32('count')).toBe(0);
    expect(r).toMatchObject({ failed: true, errField: 'count', errOffset: 3 });
    expect(r.int8('later')).toBe(0);
    expect(r.errField).toBe('count');
    expect(r.remaining()).toBe(0);
  });

  it('refuses array and string lengths beyond the bytes present, before allocating', () => {
    const r = new Reader(bytes('7fffffff 00'));
    expect(r.arrayLength('items', false)).toBe(-1);
    expect(r.errReason).toMatch(/exceeds the 1 bytes remaining/);
    const s = new Reader(bytes('7fff 41'));
    expect(s.string('name')).toBe('');
    expect(s.errReason).toMatch(/needs 32767 bytes/);
    const b = new Reader(bytes('7ffffff0'));
    expect(b.bytes('data').length).toBe(0);
    expect(b.failed).toBe(true);
  });

  it('distinguishes null from empty and rejects null where not allowed', () => {
    expect(new Reader(bytes('ffff')).nullableString('s')).toBeNull();
    expect(new Reader(bytes('0000')).nullableString('s')).toBe('');
    expect(new Reader(bytes('00')).compactNullableString('s')).toBeNull();
    expect(new Reader(bytes('01')).compactNullableString('s')).toBe('');
    const r = new Reader(bytes('ffff'));
    r.string('s');
    expect(r.errReason).toMatch(/non-nullable/);
    const a = new Reader(bytes('00'));
    expect(a.compactArrayLength('arr', true)).toBe(-1);
    expect(a.failed).toBe(false);
    const b = new Reader(bytes('00'));
    b.compactArrayLength('arr', false);
    expect(b.failed).toBe(true);
  });

  it('returns byte fields as views of the input (no copy)', () => {
    const input = bytes('00000003 010203');
    const v = new Reader(input).bytes('b');
    expect(v.buffer).toBe(input.buffer);
    expect(v.byteOffset).toBe(input.byteOffset + 4);
  });
});

describe('Writer', () => {
  it('passes large byte fields through as their own chunk', () => {
    const big = Buffer.alloc(10_000, 7);
    const w = new Writer(4 + 2);
    w.bytes(big);
    w.int16(5);
    const chunks = w.finish();
    expect(chunks.length).toBe(3);
    expect(chunks[1]).toBe(big);
    expect(Buffer.concat(chunks).length).toBe(4 + 10_000 + 2);
  });

  it('fails loudly when the size pass and the write pass disagree', () => {
    const w = new Writer(5);
    w.int32(1);
    expect(() => w.finish()).toThrow(/wrote 4 bytes into a buffer sized 5/);
  });
});
