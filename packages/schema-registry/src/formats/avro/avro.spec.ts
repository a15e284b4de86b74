/**
 * Avro: the canonical form Avro's Java `Schema.toString()` prints (what the
 * JVM registry stores), parse errors, normalization, and every rule of the
 * spec's Schema Resolution as Avro's `SchemaCompatibility` applies them
 * (Confluent's AvroCompatibilityTest cases).
 */
import { InvalidSchemaError } from '../types';
import { AvroParsedSchema, AvroSchemaProvider } from './provider';

const p = new AvroSchemaProvider();
const parse = (s: unknown, isNew = true): AvroParsedSchema => p.parse(typeof s === 'string' ? s : JSON.stringify(s), [], { isNew });
const canon = (s: unknown): string => parse(s).canonicalString();

describe('canonical form (Schema.toString)', () => {
  it('primitives, with and without properties', () => {
    expect(canon('"int"')).toBe('"int"');
    expect(canon({ type: 'int' })).toBe('"int"');
    expect(canon({ type: 'string', 'avro.java.string': 'String' })).toBe('{"type":"string","avro.java.string":"String"}');
    expect(canon({ type: 'bytes', logicalType: 'decimal', precision: 4, scale: 2 })).toBe('{"type":"bytes","logicalType":"decimal","precision":4,"scale":2}');
  });

  it('records: key order type, name, namespace, doc, fields, props, aliases; fields: name, type, doc, default, order, aliases, props', () => {
    const s = {
      fields: [{ aliases: ['n'], order: 'descending', default: 'x', doc: 'the name', type: 'string', name: 'name', custom: true }],
      doc: 'a user',
      aliases: ['com.old.U'],
      name: 'User',
      namespace: 'com.example',
      type: 'record',
      extra: { b: 1, a: [2] },
    };
    expect(canon(s)).toBe(
      '{"type":"record","name":"User","namespace":"com.example","doc":"a user","fields":[{"name":"name","type":"string","doc":"the name","default":"x","order":"descending","aliases":["n"],"custom":true}],"extra":{"b":1,"a":[2]},"aliases":["com.old.U"]}',
    );
  });

  it('namespaces: dotted names, inherited namespaces and named types printed once', () => {
    const s = {
      type: 'record',
      name: 'com.example.Outer',
      namespace: 'ignored.when.dotted',
      fields: [
        { name: 'a', type: { type: 'record', name: 'Inner', fields: [{ name: 'x', type: 'int' }] } },
        { name: 'b', type: 'Inner' },
        { name: 'c', type: { type: 'enum', name: 'other.E', symbols: ['A', 'B'], default: 'A' } },
        { name: 'd', type: ['null', 'other.E'] },
        { name: 'e', type: { type: 'fixed', name: 'F', size: 4 } },
        { name: 'f', type: { type: 'record', name: 'NoNs', namespace: '', fields: [] } },
      ],
    };
    expect(canon(s)).toBe(
      '{"type":"record","name":"Outer","namespace":"com.example","fields":[' +
        '{"name":"a","type":{"type":"record","name":"Inner","fields":[{"name":"x","type":"int"}]}},' +
        '{"name":"b","type":"Inner"},' +
        '{"name":"c","type":{"type":"enum","name":"E","namespace":"other","symbols":["A","B"],"default":"A"}},' +
        '{"name":"d","type":["null","other.E"]},' +
        '{"name":"e","type":{"type":"fixed","name":"F","size":4}},' +
        '{"name":"f","type":{"type":"record","name":"NoNs","namespace":"","fields":[]}}]}',
    );
  });

  it('defaults keep their JSON, numbers as Jackson writes them', () => {
    const s = { type: 'record', name: 'R', fields: [
      { name: 'a', type: 'double', default: 1e10 },
      { name: 'b', type: 'double', default: 1.5 },
      { name: 'c', type: 'long', default: 9007199254740993 },
      { name: 'd', type: { type: 'map', values: 'int' }, default: { z: 1, a: 2 } },
      { name: 'e', type: ['null', 'int'], default: null },
    ] };
    const text = JSON.stringify(s).replace('9007199254740992', '9007199254740993').replace('10000000000', '1e10');
    expect(parse(text).canonicalString()).toBe(
      '{"type":"record","name":"R","fields":[{"name":"a","type":"double","default":1.0E10},{"name":"b","type":"double","default":1.5},{"name":"c","type":"long","default":9007199254740993},{"name":"d","type":{"type":"map","values":"int"},"default":{"z":1,"a":2}},{"name":"e","type":["null","int"],"default":null}]}',
    );
  });

  it('recursive records', () => {
    const s = { type: 'record', name: 'Node', fields: [{ name: 'next', type: ['null', 'Node'], default: null }] };
    expect(canon(s)).toBe('{"type":"record","name":"Node","fields":[{"name":"next","type":["null","Node"],"default":null}]}');
  });

  it('normalization sorts properties and aliases and canonicalizes decimals', () => {
    const a = parse({ type: 'record', name: 'R', aliases: ['z', 'a'], fields: [{ name: 'f', type: { type: 'bytes', scale: 0, precision: 5, logicalType: 'decimal', x: 1 } }] }).normalize();
    expect(a.canonicalString()).toBe('{"type":"record","name":"R","fields":[{"name":"f","type":{"type":"bytes","logicalType":"decimal","precision":5,"x":1}}],"aliases":["a","z"]}');
  });
});

describe('parse errors', () => {
  const err = (s: unknown, isNew = true): string => {
    try {
      parse(s, isNew);
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidSchemaError);
      return (e as Error).message;
    }
    throw new Error('parsed');
  };
  it('reads like Avro Java', () => {
    expect(err({ type: 'record', fields: [] })).toBe('No name in schema: {"type":"record","fields":[]}');
    expect(err({ type: 'record', name: 'R' })).toBe('Record has no fields: {"type":"record","name":"R"}');
    expect(err({ type: 'record', name: '1R', fields: [] })).toBe('Illegal initial character: 1R');
    expect(err({ type: 'record', name: 'R-x', fields: [] })).toBe('Illegal character in: R-x');
    expect(err('"Nope"')).toBe('Undefined name: "Nope"');
    expect(err({ type: 'record', name: 'R', fields: [{ name: 'a', type: 'Nope' }] })).toBe('"Nope" is not a defined name. The type of the "a" field must be a defined name or a {"type": ...} expression.');
    expect(err({ type: 'enum', name: 'E', symbols: ['A', 'A'] })).toBe('Duplicate enum symbol: A');
    expect(err({ type: 'enum', name: 'E', symbols: ['A'], default: 'B' })).toBe('The Enum Default: B is not in the enum symbol set: [A]');
    expect(err({ type: 'fixed', name: 'F' })).toBe('Invalid or no size: {"type":"fixed","name":"F"}');
    expect(err({ type: 'array' })).toBe('Array has no items type: {"type":"array"}');
    expect(err(['null', ['int']])).toBe('Nested union: ["null",["int"]]');
    expect(err(['int', 'int'])).toBe('Duplicate in union:int');
    expect(err({ type: 'record', name: 'R', fields: [{ name: 'a', type: 'int' }, { name: 'a', type: 'long' }] })).toMatch(/^Duplicate field a in record R: /);
    expect(err({ type: 'record', name: 'R', fields: [{ name: 'a', type: 'int', default: 'x' }] })).toBe('Invalid default for field a: "x" not a "int"');
    expect(err({ type: 'record', name: 'R', fields: [{ name: 'a', type: ['null', 'int'], default: 'x' }] })).toBe('Invalid default for field a: "x" not a ["null","int"]');
    expect(err({ type: 'record', name: 'R', fields: [{ name: 'a', type: 'int', order: 'sideways' }] })).toBe('No enum constant org.apache.avro.Schema.Field.Order.SIDEWAYS');
    expect(err({ type: 'record', name: 'R', fields: [{ name: 'r', type: { type: 'record', name: 'R', fields: [] } }] })).toBe("Can't redefine: R");
    expect(err({})).toBe('No type: {}');
    expect(err('{"type":"record"')).toMatch(/^Unexpected end-of-input/);
  });
  it('defaults are validated only for new schemas (as Confluent parses stored ones)', () => {
    expect(() => parse({ type: 'record', name: 'R', fields: [{ name: 'a', type: 'int', default: 'x' }] }, false)).not.toThrow();
  });
});

describe('reader/writer compatibility (Schema Resolution)', () => {
  const reads = (reader: unknown, writer: unknown): string[] => parse(reader).isBackwardCompatible(parse(writer));
  const ok = (reader: unknown, writer: unknown) => expect(reads(reader, writer)).toEqual([]);
  const rec = (fields: unknown[], name = 'R') => ({ type: 'record', name, fields });

  it('promotions: int->long/float/double, long->float/double, float->double, string<->bytes', () => {
    for (const [r, w] of [['long', 'int'], ['float', 'int'], ['double', 'int'], ['float', 'long'], ['double', 'long'], ['double', 'float'], ['bytes', 'string'], ['string', 'bytes']]) ok(`"${r}"`, `"${w}"`);
    expect(reads('"int"', '"long"')).toEqual(["{errorType:'TYPE_MISMATCH', description:'The type (path '/') of a field in the %s schema does not match with the %s schema', additionalInfo:'reader type: INT not compatible with writer type: LONG'}"]);
    expect(reads('"boolean"', '"string"')).toHaveLength(1);
  });

  it('a reader field missing in the writer needs a default', () => {
    ok(rec([{ name: 'a', type: 'int' }, { name: 'b', type: 'int', default: 0 }]), rec([{ name: 'a', type: 'int' }]));
    expect(reads(rec([{ name: 'a', type: 'int' }, { name: 'b', type: 'int' }]), rec([{ name: 'a', type: 'int' }]))).toEqual([
      "{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'b' at path '/fields/1' in the %s schema has no default value and is missing in the %s schema', additionalInfo:'b'}",
    ]);
    // a writer field unknown to the reader is skipped
    ok(rec([{ name: 'a', type: 'int' }]), rec([{ name: 'a', type: 'int' }, { name: 'z', type: 'string' }]));
  });

  it('field aliases match writer fields', () => {
    ok(rec([{ name: 'b', type: 'int', aliases: ['a'] }]), rec([{ name: 'a', type: 'int' }]));
  });

  it('enums: writer symbols must be readable, or the reader has a default', () => {
    const e = (symbols: string[], extra: object = {}) => ({ type: 'enum', name: 'E', symbols, ...extra });
    ok(e(['A', 'B', 'C']), e(['A', 'B']));
    expect(reads(e(['A']), e(['A', 'B', 'C']))).toEqual(["{errorType:'MISSING_ENUM_SYMBOLS', description:'The %s schema is missing enum symbols '[B, C]' at path '/symbols' in the %s schema', additionalInfo:'[B, C]'}"]);
    ok(e(['A', 'U'], { default: 'U' }), e(['A', 'B']));
  });

  it('named types match by unqualified name or reader alias', () => {
    ok(rec([], 'a.R'), rec([], 'b.R'));
    expect(reads(rec([], 'X'), rec([], 'R'))).toEqual(["{errorType:'NAME_MISMATCH', description:'The name of the schema has changed (path '/name')', additionalInfo:'expected: R'}"]);
    ok({ ...rec([], 'X'), aliases: ['R'] }, rec([], 'R'));
  });

  it('fixed sizes must match', () => {
    expect(reads({ type: 'fixed', name: 'F', size: 4 }, { type: 'fixed', name: 'F', size: 8 })).toEqual([
      "{errorType:'FIXED_SIZE_MISMATCH', description:'The size of FIXED type field at path '/size' in the %s schema does not match with the %s schema', additionalInfo:'expected: 8, found: 4'}",
    ]);
  });

  it('unions: each writer branch must be readable; a reader union needs a matching branch', () => {
    ok(['null', 'int', 'string'], ['null', 'int']);
    ok(['null', 'long'], '"int"');
    expect(reads(['null', 'int'], ['null', 'int', 'string'])).toEqual([
      "{errorType:'MISSING_UNION_BRANCH', description:'The %s schema is missing a type inside a union field at path '/2' in the %s schema', additionalInfo:'reader union lacking writer type: STRING'}",
    ]);
    expect(reads(['null', 'int'], '"string"')).toEqual([
      "{errorType:'MISSING_UNION_BRANCH', description:'The %s schema is missing a type inside a union field at path '/' in the %s schema', additionalInfo:'reader union lacking writer type: STRING'}",
    ]);
    ok('"long"', ['int', 'long']);
    expect(reads('"int"', ['int', 'string'])).toHaveLength(1);
  });

  it('arrays and maps compare their items and values', () => {
    ok({ type: 'array', items: 'long' }, { type: 'array', items: 'int' });
    expect(reads({ type: 'map', values: 'int' }, { type: 'map', values: 'string' })[0]).toContain("path '/values'");
    expect(reads({ type: 'array', items: 'int' }, { type: 'map', values: 'int' })[0]).toContain('reader type: ARRAY not compatible with writer type: MAP');
  });

  it('recursive schemas terminate', () => {
    const n = { type: 'record', name: 'Node', fields: [{ name: 'v', type: 'int' }, { name: 'next', type: ['null', 'Node'], default: null }] };
    ok(n, n);
  });
});

/**
 * A differential check against avsc, the Avro library @nagare/serdes encodes
 * with: for pairs where the spec's resolution rules leave no room, our verdict
 * (Java's SchemaCompatibility) agrees with whether avsc can build a resolver,
 * and data written with the writer reads with the reader.
 */
describe('agrees with avsc resolution', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const avsc = require('avsc') as typeof import('avsc');
  const rec = (fields: unknown[], name = 'R') => ({ type: 'record', name, fields });
  const e = (symbols: string[], extra: object = {}) => ({ type: 'enum', name: 'E', symbols, ...extra });
  const PAIRS: Array<[reader: unknown, writer: unknown, sample: unknown]> = [
    ['long', 'int', 7], ['double', 'float', 1.5], ['float', 'long', 3], ['int', 'long', 3], ['boolean', 'string', 'x'],
    ['string', 'bytes', Buffer.from('hi')], ['bytes', 'string', 'hi'],
    [rec([{ name: 'a', type: 'int' }, { name: 'b', type: 'int', default: 0 }]), rec([{ name: 'a', type: 'int' }]), { a: 1 }],
    [rec([{ name: 'a', type: 'int' }, { name: 'b', type: 'int' }]), rec([{ name: 'a', type: 'int' }]), { a: 1 }],
    [rec([{ name: 'a', type: 'int' }]), rec([{ name: 'a', type: 'int' }, { name: 'z', type: 'string' }]), { a: 1, z: 'z' }],
    [rec([{ name: 'b', type: 'int', aliases: ['a'] }]), rec([{ name: 'a', type: 'int' }]), { a: 4 }],
    [e(['A', 'B', 'C']), e(['A', 'B']), 'B'],
    [e(['A', 'U'], { default: 'U' }), e(['A', 'B']), 'A'],
    [{ type: 'fixed', name: 'F', size: 4 }, { type: 'fixed', name: 'F', size: 8 }, Buffer.alloc(8)],
    [['null', 'int', 'string'], ['null', 'int'], 3],
    [['null', 'long'], 'int', 3],
    [['null', 'int'], 'string', 'x'],
    ['bytes', ['string', 'bytes'], 'x'], ['int', ['int', 'string'], 1],
    [{ type: 'array', items: 'long' }, { type: 'array', items: 'int' }, [1, 2]],
    [{ type: 'map', values: 'int' }, { type: 'map', values: 'string' }, { k: 'v' }],
    [{ type: 'array', items: 'int' }, { type: 'map', values: 'int' }, { k: 1 }],
  ];
  it.each(PAIRS.map((p, i) => [i, ...p] as const))('pair %i', (_i, reader, writer, sample) => {
    const ours = parse(typeof reader === 'string' ? JSON.stringify(reader) : reader).isBackwardCompatible(parse(typeof writer === 'string' ? JSON.stringify(writer) : writer));
    const rt = avsc.Type.forSchema(reader as never, { wrapUnions: false });
    const wt = avsc.Type.forSchema(writer as never, { wrapUnions: false });
    let resolver: ReturnType<typeof rt.createResolver> | undefined;
    try {
      resolver = rt.createResolver(wt);
    } catch {
      resolver = undefined;
    }
    expect(ours.length === 0).toBe(resolver !== undefined);
    if (resolver) expect(() => rt.fromBuffer(wt.toBuffer(sample), resolver)).not.toThrow();
  });
});
