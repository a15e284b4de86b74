/**
 * The fixed-format converters against the bytes Kafka's serializers write
 * (IntegerSerializer & co. are big-endian two's complement / IEEE 754,
 * BooleanSerializer one byte, StringSerializer UTF-8), both directions.
 */
import { DataException, Schemas, SchemaType } from '@nagare/connect-api';
import { BooleanConverter, ByteArrayConverter, DoubleConverter, FloatConverter, IntegerConverter, LongConverter, ShortConverter, SimpleHeaderConverter, StringConverter } from './simple-converters';

const hex = (b: Uint8Array | null) => (b === null ? null : Buffer.from(b).toString('hex'));

test.each([
  [new IntegerConverter(), 42, '0000002a', SchemaType.INT32],
  [new IntegerConverter(), -1, 'ffffffff', SchemaType.INT32],
  [new LongConverter(), 4398046511104, '0000040000000000', SchemaType.INT64],
  [new LongConverter(), -9223372036854775808n, '8000000000000000', SchemaType.INT64],
  [new ShortConverter(), 258, '0102', SchemaType.INT16],
  [new FloatConverter(), 1.5, '3fc00000', SchemaType.FLOAT32],
  [new DoubleConverter(), 12.34, '4028ae147ae147ae', SchemaType.FLOAT64],
  [new BooleanConverter(), true, '01', SchemaType.BOOLEAN],
  [new BooleanConverter(), false, '00', SchemaType.BOOLEAN],
] as const)('%p %p <-> %s', (c, value, bytes, type) => {
  c.configure({}, false);
  expect(hex(c.fromConnectData('t', null, value))).toBe(bytes);
  const back = c.toConnectData('t', Buffer.from(bytes, 'hex'));
  expect(back.schema()!.type()).toBe(type);
  expect(back.schema()!.isOptional()).toBe(true);
  expect(back.value()).toBe(value);
  expect(c.fromConnectData('t', null, null)).toBeNull();
  expect(c.toConnectData('t', null).value()).toBeNull();
});

test('number converters reject wrong sizes and types like Kafka', () => {
  expect(() => new IntegerConverter().toConnectData('t', Buffer.from('0001', 'hex'))).toThrow('Failed to deserialize integer: ');
  expect(() => new IntegerConverter().fromConnectData('t', null, 'x')).toThrow('Failed to serialize to integer (was class java.lang.String): ');
  expect(() => new BooleanConverter().toConnectData('t', Buffer.from('02', 'hex'))).toThrow(DataException);
  expect(() => new BooleanConverter().fromConnectData('t', Schemas.INT32_SCHEMA, 1)).toThrow('Invalid schema type for BooleanConverter: INT32');
});

test('StringConverter writes UTF-8 (or converter.encoding) and reads an optional string', () => {
  const c = new StringConverter();
  c.configure({}, false);
  expect(hex(c.fromConnectData('t', Schemas.STRING_SCHEMA, 'é'))).toBe('c3a9');
  expect(c.fromConnectData('t', null, 12)!.toString()).toBe('12');
  expect(c.toConnectData('t', Buffer.from('c3a9', 'hex')).value()).toBe('é');
  const l = new StringConverter();
  l.configure({ 'converter.encoding': 'ISO-8859-1' }, false);
  expect(hex(l.fromConnectData('t', null, 'é'))).toBe('e9');
});

test('ByteArrayConverter passes bytes through and refuses other schemas', () => {
  const c = new ByteArrayConverter();
  expect(hex(c.fromConnectData('t', Schemas.BYTES_SCHEMA, Buffer.from('0102', 'hex')))).toBe('0102');
  expect(() => c.fromConnectData('t', Schemas.STRING_SCHEMA, 'x')).toThrow('Invalid schema type for ByteArrayConverter: STRING');
  expect(() => c.fromConnectData('t', null, 'x')).toThrow('ByteArrayConverter is not compatible with objects of type class java.lang.String');
});

test('SimpleHeaderConverter: values as strings, parsed back by what they look like', () => {
  const c = new SimpleHeaderConverter();
  expect(c.fromConnectHeader('t', 'h', Schemas.INT32_SCHEMA, 42)!.toString()).toBe('42');
  expect(c.fromConnectHeader('t', 'h', Schemas.BOOLEAN_SCHEMA, true)!.toString()).toBe('true');
  expect(c.fromConnectHeader('t', 'h', Schemas.FLOAT64_SCHEMA, 1)!.toString()).toBe('1.0');
  const r = (s: string) => c.toConnectHeader('t', 'h', Buffer.from(s));
  expect([r('12').schema()!.type(), r('12').value()]).toEqual([SchemaType.INT8, 12]);
  expect([r('70000').schema()!.type(), r('70000').value()]).toEqual([SchemaType.INT32, 70000]);
  expect([r('true').schema()!.type(), r('true').value()]).toEqual([SchemaType.BOOLEAN, true]);
  expect([r('hello').schema()!.type(), r('hello').value()]).toEqual([SchemaType.STRING, 'hello']);
  expect(c.toConnectHeader('t', 'h', null).value()).toBeNull();
});
