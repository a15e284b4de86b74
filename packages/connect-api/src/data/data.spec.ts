import { BigDecimal } from './big-decimal';
import { ConnectDate, ConnectTime, ConnectTimestamp, Decimal, bigIntToTwosComplement, twosComplementToBigInt } from './logical';
import { ConnectSchema, Schema, SchemaType, Struct, schemaEquals } from './schema';
import { SchemaBuilder } from './schema-builder';
import { SchemaProjector } from './schema-projector';
import { DataException, SchemaBuilderException } from '../errors/errors';

const FLAT = SchemaBuilder.struct()
  .field('int8', SchemaBuilder.int8().defaultValue(2).build())
  .field('int32', Schema.INT32_SCHEMA)
  .field('int64', Schema.INT64_SCHEMA)
  .field('string', Schema.STRING_SCHEMA)
  .field('bytes', Schema.BYTES_SCHEMA)
  .field('optional', Schema.OPTIONAL_STRING_SCHEMA)
  .build();

describe('Struct (StructTest cases)', () => {
  it('puts and gets by name, falling back to the field default', () => {
    const s = new Struct(FLAT).put('int32', 12).put('int64', 12n).put('string', 'foo').put('bytes', Buffer.from('x'));
    expect(s.getInt32('int32')).toBe(12);
    expect(s.getInt64('int64')).toBe(12n);
    expect(s.get('int8')).toBe(2);
    expect(s.getWithoutDefault('int8')).toBeNull();
    expect(s.getString('optional')).toBeNull();
    s.validate();
  });

  it('rejects values of the wrong type with Kafka-like messages', () => {
    const s = new Struct(FLAT);
    expect(() => s.put('int32', 'x')).toThrow(new DataException('Invalid Java object for schema with type INT32: class java.lang.String for field: "int32"'));
    expect(() => s.put('int8', 300)).toThrow(DataException);
    expect(() => s.put('int32', 1.5)).toThrow(DataException);
    expect(() => s.put('string', null)).toThrow('Invalid value: null used for required field: "string", schema type: STRING');
    expect(() => s.put('nope', 1)).toThrow('nope is not a valid field name');
    expect(() => s.getString('int32')).toThrow("Field 'int32' is not of type STRING");
  });

  it('validate() reports missing required fields but not defaulted/optional ones', () => {
    const s = new Struct(FLAT).put('int32', 1).put('int64', 1).put('bytes', new Uint8Array(1));
    expect(() => s.validate()).toThrow('Invalid value: null used for required field: "string", schema type: STRING');
    s.put('string', 'a');
    expect(() => s.validate()).not.toThrow();
  });

  it('validates nested structs, arrays and maps element by element', () => {
    const inner = SchemaBuilder.struct().field('a', Schema.INT32_SCHEMA).build();
    const schema = SchemaBuilder.struct()
      .field('inner', inner)
      .field('arr', SchemaBuilder.array(Schema.STRING_SCHEMA).build())
      .field('map', SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT32_SCHEMA).build())
      .build();
    const s = new Struct(schema);
    expect(() => s.put('arr', ['a', 1])).toThrow('for element of array field: "arr"');
    expect(() => s.put('map', new Map([['k', 'v']]))).toThrow('for value of map field: "map"');
    expect(() => s.put('map', { k: 1 })).not.toThrow();
    const other = SchemaBuilder.struct().field('b', Schema.INT32_SCHEMA).build();
    expect(() => s.put('inner', new Struct(other).put('b', 1))).toThrow('Struct schemas do not match.');
    expect(() => s.put('inner', new Struct(inner))).toThrow('Invalid value: null used for required field: "a"');
    s.put('inner', new Struct(inner).put('a', 1));
  });

  it('equals compares schema and values deeply, toString reads like Kafka', () => {
    const a = new Struct(FLAT).put('int32', 1).put('bytes', Buffer.from([1, 2]));
    const b = new Struct(FLAT).put('int32', 1).put('bytes', new Uint8Array([1, 2]));
    expect(a.equals(b)).toBe(true);
    b.put('string', 'x');
    expect(a.equals(b)).toBe(false);
    expect(new Struct(FLAT).put('int32', 5).put('string', 'x').toString()).toBe('Struct{int32=5,string=x}');
  });

  it('refuses non-struct schemas', () => {
    expect(() => new Struct(Schema.INT32_SCHEMA)).toThrow('Not a struct schema: Schema{INT32}');
  });
});

describe('SchemaBuilder', () => {
  it('builds all types and keeps metadata', () => {
    const s = SchemaBuilder.struct().name('n').version(2).doc('d').parameter('p', 'v').optional().field('f', Schema.BOOLEAN_SCHEMA).build();
    expect([s.type(), s.name(), s.version(), s.doc(), s.isOptional()]).toEqual([SchemaType.STRUCT, 'n', 2, 'd', true]);
    expect(s.parameters()).toEqual({ p: 'v' });
    expect(s.field('f')!.index()).toBe(0);
    const m = SchemaBuilder.map(Schema.STRING_SCHEMA, SchemaBuilder.array(Schema.FLOAT64_SCHEMA).build()).build();
    expect(m.keySchema()!.type()).toBe(SchemaType.STRING);
    expect(m.valueSchema()!.valueSchema()!.type()).toBe(SchemaType.FLOAT64);
    for (const t of Object.values(SchemaType)) if (t !== SchemaType.ARRAY && t !== SchemaType.MAP) expect(SchemaBuilder.type(t).build().type()).toBe(t);
  });

  it('rejects setting a property twice, bad defaults and field misuse', () => {
    expect(() => SchemaBuilder.int8().name('a').name('b')).toThrow(new SchemaBuilderException('Invalid SchemaBuilder call: name has already been set.'));
    expect(() => SchemaBuilder.int8().defaultValue('x')).toThrow('Invalid default value');
    expect(() => SchemaBuilder.int8().field('a', Schema.INT8_SCHEMA)).toThrow('Cannot create fields on type INT8');
    expect(() => SchemaBuilder.struct().field('a', Schema.INT8_SCHEMA).field('a', Schema.INT8_SCHEMA)).toThrow('Cannot create field because of field name duplication a');
    expect(() => Schema.INT8_SCHEMA.fields()).toThrow('Cannot list fields on non-struct type');
    expect(() => Schema.INT8_SCHEMA.valueSchema()).toThrow('Cannot look up value schema on non-array and non-map type');
  });

  it('schema equality is structural', () => {
    const a = SchemaBuilder.struct().field('x', Schema.INT32_SCHEMA).build();
    const b = SchemaBuilder.struct().field('x', Schema.INT32_SCHEMA).build();
    expect(a.equals(b)).toBe(true);
    expect(schemaEquals(a, SchemaBuilder.struct().field('x', Schema.INT64_SCHEMA).build())).toBe(false);
    expect(new ConnectSchema(SchemaType.INT32).equals(Schema.INT32_SCHEMA)).toBe(true);
  });
});

describe('logical types', () => {
  it('Decimal: two-complement bytes of the unscaled value, scale from the schema', () => {
    const schema = Decimal.schema(2);
    expect(schema.name()).toBe('org.apache.kafka.connect.data.Decimal');
    expect(schema.parameters()).toEqual({ scale: '2' });
    expect(schema.version()).toBe(1);
    // Kafka DecimalTest: 156 unscaled -> [0, -100] i.e. 0x00 0x9c
    expect([...Decimal.fromLogical(schema, new BigDecimal(156n, 2))]).toEqual([0x00, 0x9c]);
    expect([...Decimal.fromLogical(schema, new BigDecimal(-156n, 2))]).toEqual([0xff, 0x64]);
    expect(Decimal.toLogical(schema, new Uint8Array([0x00, 0x9c])).toString()).toBe('1.56');
    expect(Decimal.toLogical(schema, new Uint8Array([0xff, 0x64])).toString()).toBe('-1.56');
    expect(() => Decimal.fromLogical(schema, new BigDecimal(1n, 3))).toThrow('BigDecimal has mismatching scale value for given Decimal schema');
    expect(() => Decimal.scale(Schema.BYTES_SCHEMA)).toThrow('Invalid Decimal schema: scale parameter not found.');
    for (const n of [0n, 1n, -1n, 127n, 128n, -128n, -129n, 2n ** 70n, -(2n ** 70n)]) expect(twosComplementToBigInt(bigIntToTwosComplement(n))).toBe(n);
    expect([...bigIntToTwosComplement(128n)]).toEqual([0, 128]);
  });

  it('Date: days since epoch, midnight only', () => {
    expect(ConnectDate.fromLogical(ConnectDate.SCHEMA, new Date(Date.UTC(1970, 0, 1)))).toBe(0);
    expect(ConnectDate.fromLogical(ConnectDate.SCHEMA, new Date(Date.UTC(1970, 0, 11)))).toBe(10);
    expect(ConnectDate.fromLogical(ConnectDate.SCHEMA, new Date(Date.UTC(1969, 11, 31)))).toBe(-1);
    expect(() => ConnectDate.fromLogical(ConnectDate.SCHEMA, new Date(1))).toThrow('Kafka Connect Date type should not have any time fields set to non-zero values.');
    expect(() => ConnectDate.fromLogical(Schema.INT32_SCHEMA, new Date(0))).toThrow('Requested conversion of Date object but the schema does not match.');
    expect(ConnectDate.toLogical(ConnectDate.SCHEMA, 10).toISOString()).toBe('1970-01-11T00:00:00.000Z');
  });

  it('Time: millis since midnight on 1970-01-01', () => {
    expect(ConnectTime.fromLogical(ConnectTime.SCHEMA, new Date(10_000))).toBe(10_000);
    expect(() => ConnectTime.fromLogical(ConnectTime.SCHEMA, new Date(86_400_001))).toThrow('Kafka Connect Time type should not have any date fields set to non-zero values.');
    expect(() => ConnectTime.toLogical(ConnectTime.SCHEMA, -1)).toThrow('Time values must use number of milliseconds greater than 0 and less than 86400000');
  });

  it('Timestamp: millis since epoch', () => {
    expect(ConnectTimestamp.fromLogical(ConnectTimestamp.SCHEMA, new Date(1_700_000_000_123))).toBe(1_700_000_000_123);
    expect(ConnectTimestamp.toLogical(ConnectTimestamp.SCHEMA, 5n).getTime()).toBe(5);
    expect(ConnectTimestamp.SCHEMA.type()).toBe(SchemaType.INT64);
  });

  it('logical schemas validate JS Dates and BigDecimals, not the physical type', () => {
    expect(() => ConnectSchema.validateValue(ConnectDate.SCHEMA, 1)).toThrow('Invalid Java object for schema "org.apache.kafka.connect.data.Date" with type INT32: class java.lang.Integer for value');
    expect(() => ConnectSchema.validateValue(ConnectDate.SCHEMA, new Date(0))).not.toThrow();
    expect(() => ConnectSchema.validateValue(Decimal.schema(1), new BigDecimal(1n, 1))).not.toThrow();
  });
});

describe('BigDecimal', () => {
  it('parses and prints like java.math.BigDecimal', () => {
    expect(BigDecimal.fromString('-12.340').toString()).toBe('-12.340');
    expect(BigDecimal.fromString('-12.340').scale).toBe(3);
    expect(BigDecimal.fromString('1E+3').toString()).toBe('1E+3');
    expect(BigDecimal.fromString('1E+3').toPlainString()).toBe('1000');
    expect(new BigDecimal(1n, 10).toString()).toBe('1E-10');
    expect(new BigDecimal(123n, 5).toString()).toBe('0.00123');
    expect(new BigDecimal(15n, 1).setScale(0).toString()).toBe('2');
    expect(new BigDecimal(-15n, 1).setScale(0).toString()).toBe('-2');
    expect(new BigDecimal(20n, 1).equals(new BigDecimal(200n, 2))).toBe(false);
    expect(new BigDecimal(20n, 1).compareTo(new BigDecimal(200n, 2))).toBe(0);
  });
});

describe('SchemaProjector', () => {
  it('adds defaulted fields, drops removed ones and widens numbers', () => {
    const src = SchemaBuilder.struct().field('a', Schema.INT32_SCHEMA).field('gone', Schema.STRING_SCHEMA).build();
    const tgt = SchemaBuilder.struct().field('a', Schema.INT64_SCHEMA).field('b', SchemaBuilder.string().defaultValue('d').build()).build();
    const out = SchemaProjector.project(src, new Struct(src).put('a', 1).put('gone', 'x'), tgt) as Struct;
    expect(out.get('a')).toBe(1);
    expect(out.get('b')).toBe('d');
    expect(() => SchemaProjector.project(Schema.STRING_SCHEMA, 'x', Schema.INT32_SCHEMA)).toThrow('Schema type mismatch. source type: STRING and target type: INT32');
  });
});
