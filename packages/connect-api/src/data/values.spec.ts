/**
 * The cases of Kafka's `ValuesTest` (connect/api/src/test/.../data/ValuesTest.java, Kafka 3.8+ parser).
 * Java's boxed number types (Byte/Short/Integer/...) are all `number` here: values are compared,
 * and schemas where the parser (not inference from a JS value) chose them.
 */
import { BigDecimal } from './big-decimal';
import { ConnectDate, ConnectTime, ConnectTimestamp, Decimal } from './logical';
import { Schema, SchemaType, Struct, schemaEquals } from './schema';
import { SchemaAndValue } from './schema-and-value';
import { SchemaBuilder } from './schema-builder';
import { DataException } from '../errors/errors';
import { Values, ValuesTokenizer } from './values';

const MILLIS_PER_DAY = 86_400_000;
const WHITESPACE = '\n \t \t\n';

const parse = (s: string) => Values.parseString(s)!;
const asString = (s: string) => {
  const r = parse(s);
  expect(r.schema()!.type()).toBe(SchemaType.STRING);
  expect(r.value()).toBe(s);
};

describe('Values.parseString: literals and strings', () => {
  it('parses null input to a null SchemaAndValue and "" to an empty STRING', () => {
    const n = Values.parseString(null)!;
    expect([n.schema(), n.value()]).toEqual([null, null]);
    expect([parse('').schema(), parse('').value()]).toEqual([Schema.STRING_SCHEMA, '']);
  });
  it('does not loop forever on U+FFFF (KAFKA-10574)', () => {
    const s = Buffer.from([0xef, 0xbf, 0xbf]).toString('utf8');
    asString(s);
  });
  it.each(['{foo: 3}', '{3: foo}', '[foo]', 'null=', 'true}', 'false]', '{6:9 4:20}', '[0 1 2]', '{null: 3}', '[1, 2, 3,,,]', '[1, null]', '[null, 1]'])(
    'keeps %j a STRING',
    (s) => asString(s),
  );
  it('parses true/false surrounded by whitespace, and null to null', () => {
    expect(parse(WHITESPACE + 'true' + WHITESPACE).value()).toBe(true);
    expect(parse(WHITESPACE + 'false' + WHITESPACE).value()).toBe(false);
    expect(parse(WHITESPACE + 'false' + WHITESPACE).schema()!.type()).toBe(SchemaType.BOOLEAN);
    expect(Values.parseString(WHITESPACE + 'null' + WHITESPACE)).toBeNull();
    expect(Values.parseString('null')).toBeNull();
  });
  it('escapes quotes and backslashes', () => {
    expect(Values.escape('three"blind\\"mice')).toBe('three\\"blind\\\\\\"mice');
  });
});

describe('Values.parseString: arrays and maps', () => {
  it('parses boolean literals in arrays and maps', () => {
    const a = parse('[true, false]');
    expect(a.schema()!.type()).toBe(SchemaType.ARRAY);
    expect(a.schema()!.valueSchema()!.type()).toBe(SchemaType.BOOLEAN);
    expect(a.value()).toEqual([true, false]);
    const m = parse('{true: false, false: true}');
    expect(m.schema()!.keySchema()!.type()).toBe(SchemaType.BOOLEAN);
    expect(m.schema()!.valueSchema()!.type()).toBe(SchemaType.BOOLEAN);
    expect(m.value()).toEqual(new Map([[true, false], [false, true]]));
  });
  it('parses empty maps and arrays, and nulls in them', () => {
    expect(parse('{}').schema()!.type()).toBe(SchemaType.MAP);
    expect(parse('{}').value()).toEqual(new Map());
    expect(parse('[]').schema()!.type()).toBe(SchemaType.ARRAY);
    expect(parse('[]').value()).toEqual([]);
    const m = parse('{3: null}');
    expect(m.schema()!.keySchema()!.type()).toBe(SchemaType.INT8);
    expect(m.value()).toEqual(new Map([[3, null]]));
    const a = parse('[null]');
    expect(a.schema()!.type()).toBe(SchemaType.ARRAY);
    expect(a.schema()!.valueSchema()).toBeNull();
    expect(a.value()).toEqual([null]);
  });
  it('widens numbers to the largest element type', () => {
    const l = Values.convertToList(Schema.STRING_SCHEMA, `[1, 2, ${32767 + 1}]`);
    expect(l).toEqual([1, 2, 32768]);
    const f = parse(`[1, 2, 3.4028235E38]`);
    expect(f.schema()!.valueSchema()!.type()).toBe(SchemaType.FLOAT32);
    expect(f.value()).toEqual([1, 2, Math.fround(3.4028235e38)]);
    const d = parse(`[1, 2, 1.7976931348623157E308]`);
    expect(d.schema()!.valueSchema()!.type()).toBe(SchemaType.FLOAT64);
    expect(d.value()).toEqual([1, 2, 1.7976931348623157e308]);
  });
  it.each([
    ['[1, 2, 300, "four"]', [1, 2, 300, 'four']],
    ['[2, 300, "four", 1]', [2, 300, 'four', 1]],
    ['[300, "four", 1, 2]', [300, 'four', 1, 2]],
    ['["four", 1, 2, 300]', ['four', 1, 2, 300]],
  ])('gives %s of mixed element types an array schema with no element schema', (s, expected) => {
    const r = parse(s);
    expect(r.schema()!.type()).toBe(SchemaType.ARRAY);
    expect(r.schema()!.valueSchema()).toBeNull();
    expect(r.value()).toEqual(expected);
  });
  it.each(['{1:1, 2:1, 300:300, "four":1}', '{2:1, 300:300, "four":1, 1:1}', '{300:300, "four":1, 1:1, 2:1}', '{"four":1, 1:1, 2:1, 300:300}'])(
    'gives %s of mixed key types a map schema with neither key nor value schema',
    (s) => {
      const r = parse(s);
      expect(r.schema()!.type()).toBe(SchemaType.MAP);
      expect(r.schema()!.keySchema()).toBeNull();
      expect(r.schema()!.valueSchema()).toBeNull();
      expect(r.value()).toEqual(new Map<unknown, unknown>([[1, 1], [2, 1], [300, 300], ['four', 1]]));
    },
  );
  it.each(['{1:1, 2:1, 300:300, 4:"four"}', '{2:1, 300:300, 4:"four", 1:1}', '{300:300, 4:"four", 1:1, 2:1}', '{4:"four", 1:1, 2:1, 300:300}'])(
    'gives %s of mixed value types a map schema with the key schema only',
    (s) => {
      const r = parse(s);
      expect(r.schema()!.keySchema()!.type()).toBe(SchemaType.INT16);
      expect(r.schema()!.valueSchema()).toBeNull();
      expect(r.value()).toEqual(new Map<unknown, unknown>([[1, 1], [2, 1], [300, 300], [4, 'four']]));
    },
  );
  it('parses nested arrays and maps', () => {
    expect(parse('[[]]').schema()!.valueSchema()!.type()).toBe(SchemaType.ARRAY);
    expect(parse('[{}]').schema()!.valueSchema()!.type()).toBe(SchemaType.MAP);
    expect(parse('{"a":{}}').schema()!.valueSchema()!.type()).toBe(SchemaType.MAP);
    expect(parse('{"a":[]}').schema()!.valueSchema()!.type()).toBe(SchemaType.ARRAY);
  });
  it('parses maps of strings, shorts and ints with and without whitespace', () => {
    const strMap = SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.STRING_SCHEMA).build();
    for (const s of ['{"foo":"123","bar":"baz"}', '{ "foo" : "123", \n"bar" : "baz" } ']) {
      const r = parse(s);
      expect(schemaEquals(r.schema(), strMap)).toBe(true);
      expect(r.value()).toEqual(new Map([['foo', '123'], ['bar', 'baz']]));
    }
    for (const s of ['{"foo":12345,"bar":0,"baz":-4321}', ' { "foo" :  12345 , "bar" : 0,  "baz" : -4321 }  ']) {
      const r = parse(s);
      expect(schemaEquals(r.schema(), SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT16_SCHEMA).build())).toBe(true);
      expect(r.value()).toEqual(new Map([['foo', 12345], ['bar', 0], ['baz', -4321]]));
    }
    for (const s of ['{"foo":1234567890,"bar":0,"baz":-987654321}', ' { "foo" :  1234567890 , "bar" : 0,  "baz" : -987654321 }  ']) {
      const r = parse(s);
      expect(schemaEquals(r.schema(), SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT32_SCHEMA).build())).toBe(true);
      expect(r.value()).toEqual(new Map([['foo', 1234567890], ['bar', 0], ['baz', -987654321]]));
    }
  });
  it('does not turn quoted numbers into numbers; huge integers are Decimals', () => {
    const max1 = new BigDecimal(2n ** 63n, 0);
    const min1 = new BigDecimal(-(2n ** 63n) - 1n, 0);
    const r = parse(`["1.0", ${max1}, ${min1}, 1, 1]`);
    expect(r.schema()!.valueSchema()).toBeNull();
    expect(r.value()).toEqual(['1.0', max1, min1, 1, 1]);
    const d = parse(`[${max1}, ${min1}]`);
    expect(schemaEquals(d.schema()!.valueSchema(), Decimal.schema(0))).toBe(true);
    expect((d.value() as BigDecimal[]).map(String)).toEqual([max1.toString(), min1.toString()]);
  });
  it('refuses malformed lists and maps when converting', () => {
    expect(() => Values.convertToList(Schema.STRING_SCHEMA, '[1, 2, 3,,,]')).toThrow(DataException);
    expect(() => Values.convertToList(Schema.STRING_SCHEMA, '[1, 2, 3, "four",,,]')).toThrow(DataException);
    expect(() => Values.convertToMap(Schema.STRING_SCHEMA, ' { "foo" :  1234567890 ,, "bar" : 0,  "baz" : -987654321 }  ')).toThrow(DataException);
    expect(() => Values.convertToMap(Schema.STRING_SCHEMA, ' { "foo" :  1234567890 , "a", "bar" : 0,  "baz" : -987654321 }  ')).toThrow(DataException);
    expect(() => Values.convertToMap(Schema.STRING_SCHEMA, ' { ,,  , , }  ')).toThrow(DataException);
    expect(() => Values.convertToMap(Schema.STRING_SCHEMA, ' { "foo" :  "1234567890" ,, "bar" : "0",  "baz" : "boz" }  ')).toThrow(DataException);
  });
});

describe('Values.parseString: temporals and numbers', () => {
  const ts = new Date(Date.UTC(2019, 7, 23, 14, 34, 54, 346));
  const date = new Date(Date.UTC(2019, 7, 23));
  const time = new Date(Date.UTC(1970, 0, 1, 14, 34, 54, 346));
  it.each<[string, Schema, Date]>([
    ['2019-08-23T14:34:54.346Z', ConnectTimestamp.SCHEMA, ts],
    ['2019-08-23', ConnectDate.SCHEMA, date],
    ['14:34:54.346Z', ConnectTime.SCHEMA, time],
    ['2019-08-23T14\\:34\\:54.346Z', ConnectTimestamp.SCHEMA, ts],
    ['14\\:34\\:54.346Z', ConnectTime.SCHEMA, time],
  ])('parses %s', (s, schema, expected) => {
    const r = parse(s);
    expect(r.schema()).toBe(schema);
    expect(r.value()).toEqual(expected);
  });
  it('parses temporals in arrays and maps, quoted or not', () => {
    for (const [s, schema, v] of [
      ['[2019-08-23]', ConnectDate.SCHEMA, date],
      ['[14:34:54.346Z]', ConnectTime.SCHEMA, time],
      ['[2019-08-23T14:34:54.346Z]', ConnectTimestamp.SCHEMA, ts],
    ] as const) {
      const r = parse(s);
      expect(r.schema()!.valueSchema()!.name()).toBe(schema.name());
      expect(r.value()).toEqual([v]);
    }
    const many = parse('[2019-08-23T14:34:54.346Z,2019-01-23T15:12:34.567Z,   2019-04-23T19:12:34.567Z]');
    expect(many.schema()!.valueSchema()!.name()).toBe(ConnectTimestamp.LOGICAL_NAME);
    expect(many.value()).toEqual([ts, new Date(Date.UTC(2019, 0, 23, 15, 12, 34, 567)), new Date(Date.UTC(2019, 3, 23, 19, 12, 34, 567))]);
    for (const s of ['{"k1":"14:34:54.346Z"}', '{"k1":14:34:54.346Z}']) {
      const m = parse(s);
      expect(m.schema()!.keySchema()!.type()).toBe(SchemaType.STRING);
      expect(m.schema()!.valueSchema()!.name()).toBe(ConnectTime.LOGICAL_NAME);
      expect(m.value()).toEqual(new Map([['k1', time]]));
    }
  });
  it.each<[string, Schema, number | bigint]>([
    ['127', Schema.INT8_SCHEMA, 127],
    ['-128', Schema.INT8_SCHEMA, -128],
    ['32767', Schema.INT16_SCHEMA, 32767],
    ['-32768', Schema.INT16_SCHEMA, -32768],
    ['2147483647', Schema.INT32_SCHEMA, 2147483647],
    ['-2147483648', Schema.INT32_SCHEMA, -2147483648],
    ['9223372036854775807', Schema.INT64_SCHEMA, 9223372036854775807n],
    ['-9223372036854775808', Schema.INT64_SCHEMA, -9223372036854775808n],
    ['3.4028235E38', Schema.FLOAT32_SCHEMA, Math.fround(3.4028235e38)],
    ['-3.4028235E38', Schema.FLOAT32_SCHEMA, Math.fround(-3.4028235e38)],
    ['1.7976931348623157E308', Schema.FLOAT64_SCHEMA, 1.7976931348623157e308],
    ['-1.7976931348623157E308', Schema.FLOAT64_SCHEMA, -1.7976931348623157e308],
    ['1.0', Schema.INT8_SCHEMA, 1],
    ['1.1', Schema.FLOAT32_SCHEMA, Math.fround(1.1)],
    ['300.0', Schema.INT16_SCHEMA, 300],
    ['300.01', Schema.FLOAT32_SCHEMA, Math.fround(300.01)],
    ['66000.0', Schema.INT32_SCHEMA, 66000],
    ['66000.0008', Schema.FLOAT32_SCHEMA, Math.fround(66000.0008)],
  ])('parses %s as the narrowest type', (s, schema, v) => {
    const r = parse(s);
    expect(r.schema()).toBe(schema);
    expect(r.value()).toBe(v);
  });
  it('parses integers beyond int64 as Decimals with scale 0', () => {
    for (const n of [2n ** 63n, -(2n ** 63n) - 1n]) {
      const r = parse(String(n));
      expect(schemaEquals(r.schema(), Decimal.schema(0))).toBe(true);
      expect((r.value() as BigDecimal).unscaled).toBe(n);
    }
  });
});

describe('Values conversions', () => {
  it('converts booleans, including "0"/"1" and numbers', () => {
    expect(Values.convertToBoolean(Schema.STRING_SCHEMA, 'false')).toBe(false);
    expect(Values.convertToBoolean(Schema.STRING_SCHEMA, '0')).toBe(false);
    expect(Values.convertToBoolean(Schema.STRING_SCHEMA, 'true')).toBe(true);
    expect(Values.convertToBoolean(Schema.STRING_SCHEMA, '1')).toBe(true);
    expect(Values.convertToBoolean(Schema.BOOLEAN_SCHEMA, true)).toBe(true);
    expect(() => Values.convertToBoolean(Schema.STRING_SCHEMA, '"green"')).toThrow(DataException);
  });
  it('converts numbers and nulls like Java casts', () => {
    for (const f of [Values.convertToByte, Values.convertToShort, Values.convertToInteger, Values.convertToLong, Values.convertToFloat, Values.convertToDouble, Values.convertToBoolean]) {
      expect(f(Schema.STRING_SCHEMA, null)).toBeNull();
    }
    expect(Values.convertToString(Schema.STRING_SCHEMA, null)).toBeNull();
    expect(Values.convertToByte(null, 300)).toBe(44);
    expect(Values.convertToInteger(null, '12')).toBe(12);
    expect(Values.convertToLong(Schema.INT64_SCHEMA, 1)).toBe(1);
    expect(Values.convertToFloat(Schema.FLOAT32_SCHEMA, 1)).toBe(1);
    expect(Values.convertToLong(ConnectTimestamp.SCHEMA, new Date(42))).toBe(42);
    expect(() => Values.convertToInteger(null, 'abc')).toThrow('Unable to convert abc (class java.lang.String) to a number');
  });
  it('converts structs only from structs', () => {
    const struct = new Struct(SchemaBuilder.struct().build());
    expect(() => Values.convertToStruct(struct.schema(), null)).toThrow(DataException);
    expect(() => Values.convertToStruct(struct.schema(), '')).toThrow(DataException);
    expect(Values.convertToStruct(struct.schema(), struct)).toBe(struct);
  });
  it('round-trips strings, maps and lists through their string form', () => {
    for (const s of ['simple', '', 'null', 'three"blind\\"mice', "string with delimiters: <>?,./\\=+-!@#$%^&*(){}[]|;':"]) {
      expect(Values.convertToString(Schema.STRING_SCHEMA, Values.convertToString(Schema.STRING_SCHEMA, s))).toBe(s);
    }
    const strMap = new Map([['foo', '123'], ['bar', 'baz']]);
    expect(Values.convertToMap(Schema.STRING_SCHEMA, Values.convertToString(null, strMap))).toEqual(strMap);
    const shortMap = new Map([['foo', 12345], ['bar', 0], ['baz', -4321]]);
    expect(Values.convertToMap(Schema.STRING_SCHEMA, Values.convertToString(null, shortMap))).toEqual(shortMap);
    expect(Values.convertToList(Schema.STRING_SCHEMA, Values.convertToString(null, ['foo', 'bar']))).toEqual(['foo', 'bar']);
    expect(Values.convertToList(Schema.STRING_SCHEMA, Values.convertToString(null, [1234567890, -987654321]))).toEqual([1234567890, -987654321]);
    expect(Values.convertToString(null, new Map([['k', 'v"q']]))).toBe('{"k":"v\\"q"}');
    expect(Values.convertToString(null, Buffer.from('hi'))).toBe('aGk=');
    expect(Values.convertToString(Schema.FLOAT32_SCHEMA, 1)).toBe('1.0');
    expect(Values.convertToString(Schema.FLOAT64_SCHEMA, 1e21)).toBe('1.0E21');
  });
  it('converts times, dates and timestamps', () => {
    const current = new Date(1_700_000_123_456);
    const millis = current.getTime() % MILLIS_PER_DAY;
    const days = Math.floor(current.getTime() / MILLIS_PER_DAY);
    const currentDate = new Date(current.getTime() - millis);
    expect(Values.convertToTime(ConnectTime.SCHEMA, current)).toEqual(current);
    expect(Values.convertToTime(ConnectTimestamp.SCHEMA, current)).toEqual(new Date(millis));
    expect(Values.convertToTime(ConnectTime.SCHEMA, String(millis)).getTime()).toBe(millis);
    expect(Values.convertToTime(ConnectTime.SCHEMA, millis).getTime()).toBe(millis);
    expect(Values.convertToDate(ConnectDate.SCHEMA, current)).toEqual(current);
    expect(Values.convertToDate(ConnectTimestamp.SCHEMA, currentDate)).toEqual(currentDate);
    expect(Values.convertToDate(ConnectDate.SCHEMA, String(days))).toEqual(currentDate);
    expect(Values.convertToDate(ConnectDate.SCHEMA, days)).toEqual(currentDate);
    expect(Values.convertToTimestamp(ConnectTimestamp.SCHEMA, current)).toEqual(current);
    expect(Values.convertToTimestamp(ConnectDate.SCHEMA, currentDate)).toEqual(currentDate);
    expect(Values.convertToTimestamp(ConnectTime.SCHEMA, millis)).toEqual(new Date(millis));
    expect(Values.convertToTimestamp(ConnectTimestamp.SCHEMA, String(current.getTime()))).toEqual(current);
    expect(Values.convertToTimestamp(ConnectTimestamp.SCHEMA, current.getTime())).toEqual(current);
    expect(() => Values.convertToTime(null, null)).toThrow(DataException);
    expect(() => Values.convertToDate(null, null)).toThrow(DataException);
    expect(() => Values.convertToTimestamp(null, null)).toThrow(DataException);
    expect(Values.dateFormatFor(new Date(-1000))).toBe('23:59:59.000Z');
  });
  it('converts decimals from numbers, strings, decimals and bytes', () => {
    const value = BigDecimal.fromString('1.0');
    const bytes = Decimal.fromLogical(Decimal.schema(1), value);
    for (const input of [1.5 - 0.5, '1.0', value, bytes]) expect(Values.convertToDecimal(null, input, 1).equals(value)).toBe(input === 1 ? false : true);
    expect(Values.convertToDecimal(null, 1, 1).compareTo(value)).toBe(0);
    expect(() => Values.convertToDecimal(null, null, 1)).toThrow(DataException);
  });
  it('infers schemas', () => {
    expect(Values.inferSchema(new Uint8Array(1))).toBe(Schema.BYTES_SCHEMA);
    const struct = new Struct(SchemaBuilder.struct().build());
    expect(Values.inferSchema(struct)).toBe(struct.schema());
    expect(Values.inferSchema([])).toBeNull();
    expect(Values.inferSchema([Symbol('x')])).toBeNull();
    expect(Values.inferSchema(new Map())).toBeNull();
    expect(Values.inferSchema(new Map([[Symbol('k'), Symbol('v')]]))).toBeNull();
    expect(Values.inferSchema([1, 2])!.valueSchema()!.type()).toBe(SchemaType.INT32);
    expect(Values.inferSchema([1, 2 ** 40])!.valueSchema()!.type()).toBe(SchemaType.INT64);
    expect(Values.inferSchema([1, null])!.valueSchema()!.isOptional()).toBe(true);
  });
  it('keeps SchemaAndValue equality for parsed results', () => {
    expect(parse('1').equals(new SchemaAndValue(Schema.INT8_SCHEMA, 1))).toBe(true);
  });
});

describe('ValuesTokenizer (Values.Parser)', () => {
  it('consumes several tokens at once, or none when too few remain', () => {
    const p = new ValuesTokenizer('a:b:c:d:e:f:g:h');
    expect(p.nextN(5)).toBe('a:b:c');
    expect(p.next()).toBe(':');
    expect(p.next()).toBe('d');
    expect(p.next()).toBe(':');
    expect(p.nextN(8)).toBeNull();
    expect(p.next()).toBe('e');
  });

  function assertParsed(input: string, ...expected: string[]): void {
    if (expected.length === 0) expected = [input];
    let p = new ValuesTokenizer(input);
    for (const token of expected) {
      expect(p.hasNext()).toBe(true);
      const position = p.mark();
      expect(p.next()).toBe(token);
      expect(p.position()).toBe(position + token.length);
      expect(p.previous()).toBe(token);
      p.rewindTo(position);
      expect(p.position()).toBe(position);
      expect(p.next()).toBe(token);
      expect(p.mark()).toBe(position + token.length);
    }
    expect(p.hasNext()).toBe(false);
    const consumable = (t: ValuesTokenizer) => {
      for (const token of expected) {
        if (token.trim() === '') continue;
        const position = t.mark();
        expect(t.canConsume(token.trim())).toBe(true);
        t.rewindTo(position);
        expect(t.canConsume(token.trim(), true)).toBe(true);
        t.rewindTo(position);
        expect(t.canConsume(token, false)).toBe(true);
      }
    };
    p.rewindTo(0);
    consumable(p);
    p = new ValuesTokenizer(input);
    consumable(p);
  }

  it.each(['  ', 'simple', 'simple string', 'simple \n\t\bstring', "'simple' string", 'si\\mple', 'si\\\\mple'])('keeps %j one token', (s) => assertParsed(s));
  it.each(['si\\"mple', 'si\\{mple', 'si\\}mple', 'si\\]mple', 'si\\[mple', 'si\\:mple', 'si\\,mple'])('keeps %j with an escaped delimiter one token', (s) => assertParsed(s));
  it.each<[string, string[]]>([
    ['a{b', ['a', '{', 'b']],
    ['a}b', ['a', '}', 'b']],
    ['a[b', ['a', '[', 'b']],
    ['a]b', ['a', ']', 'b']],
    ['a:b', ['a', ':', 'b']],
    ['a,b', ['a', ',', 'b']],
    ['a"b', ['a', '"', 'b']],
    ['{b', ['{', 'b']],
    ['}b', ['}', 'b']],
    ['[b', ['[', 'b']],
    [']b', [']', 'b']],
    [':b', [':', 'b']],
    [',b', [',', 'b']],
    ['"b', ['"', 'b']],
    ['{', ['{']],
    ['}', ['}']],
    ['[', ['[']],
    [']', [']']],
    [':', [':']],
    [',', [',']],
    ['"', ['"']],
    ['"simple" string', ['"', 'simple', '"', ' string']],
    ['a{bc}d', ['a', '{', 'bc', '}', 'd']],
    ['a { b c } d', ['a ', '{', ' b c ', '}', ' d']],
  ])('splits %j at delimiters', (s, tokens) => assertParsed(s, ...tokens));
});
