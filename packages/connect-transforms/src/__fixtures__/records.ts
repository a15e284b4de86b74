/** Test support for the SMT specs: record equality as Kafka's tests assert it (`assertEquals` on each part). */
import { ConnectHeaders, SourceRecord, schemaEquals, valueToString, valuesEqual, type ConnectRecord, type Schema } from '@nagare/connect-api';

function describeSchema(s: Schema | null): string {
  if (s === null) return 'null';
  const t = s.type();
  if (t === 'STRUCT') return `struct${s.isOptional() ? '?' : ''}{${s.fields().map((f) => `${f.name()}:${describeSchema(f.schema())}`).join(',')}}`;
  return `${String(s)}${s.isOptional() ? '?' : ''}`;
}

export function expectSchema(actual: Schema | null, expected: Schema | null): void {
  if (!schemaEquals(actual, expected) && !(actual === null && expected === null)) {
    throw new Error(`schemas differ:\n  expected ${describeSchema(expected)}\n  actual   ${describeSchema(actual)}`);
  }
}

export function expectValue(actual: unknown, expected: unknown): void {
  if (!valuesEqual(actual, expected)) throw new Error(`values differ:\n  expected ${valueToString(expected)}\n  actual   ${valueToString(actual)}`);
}

/** Every part of the two records is equal (schemas structurally, values deeply, headers in order). */
export function expectSameRecord(actual: ConnectRecord, expected: ConnectRecord): void {
  expect(actual.topic()).toBe(expected.topic());
  expect(actual.kafkaPartition()).toBe(expected.kafkaPartition());
  expectSchema(actual.keySchema(), expected.keySchema());
  expectValue(actual.key(), expected.key());
  expectSchema(actual.valueSchema(), expected.valueSchema());
  expectValue(actual.value(), expected.value());
  expect(actual.timestamp()).toBe(expected.timestamp());
  if (actual instanceof SourceRecord && expected instanceof SourceRecord) {
    expect(actual.sourcePartition()).toEqual(expected.sourcePartition());
    expect(actual.sourceOffset()).toEqual(expected.sourceOffset());
  }
  const ah = actual.headers() as ConnectHeaders;
  const eh = expected.headers() as ConnectHeaders;
  if (!ah.equals(eh)) throw new Error(`headers differ:\n  expected ${String(eh)}\n  actual   ${String(ah)}`);
}

/** Kafka's tests' `sourceRecord(headers)`: partition {foo:bar}, offset {baz:quxx}, topic "topic", key "key", value "value". */
export function sourceRecordWithHeaders(headers: ConnectHeaders): SourceRecord {
  return new SourceRecord({ foo: 'bar' }, { baz: 'quxx' }, 'topic', 0, null, 'key', null, 'value', 0, headers);
}
