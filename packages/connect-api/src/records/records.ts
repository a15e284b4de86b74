/**
 * Connect records (`ConnectRecord`, `SourceRecord`, `SinkRecord`): immutable
 * except for their headers, copied with `newRecord(...)` by transforms.
 */
import type { Schema } from '../data/schema';
import { ConnectHeaders, type Header, type Headers } from '../header/headers';

/** Kafka's `TimestampType` names. */
export type TimestampType = 'NoTimestampType' | 'CreateTime' | 'LogAppendTime';

/** `org.apache.kafka.connect.connector.ConnectRecord<R>`. */
export abstract class ConnectRecord<R extends ConnectRecord<R> = ConnectRecord<any>> {
  /** Made on first use (most records of a busy pipeline never look at their headers). */
  private _headers: Headers | null;
  private _headersInit: Iterable<Header> | null;

  constructor(
    private readonly _topic: string,
    private readonly _kafkaPartition: number | null,
    private readonly _keySchema: Schema | null,
    private readonly _key: unknown,
    private readonly _valueSchema: Schema | null,
    private readonly _value: unknown,
    private readonly _timestamp: number | null,
    headers?: Iterable<Header> | null,
  ) {
    if (headers instanceof ConnectHeaders) {
      this._headers = headers;
      this._headersInit = null;
    } else {
      this._headers = null;
      this._headersInit = headers ?? null;
    }
  }

  topic(): string {
    return this._topic;
  }
  kafkaPartition(): number | null {
    return this._kafkaPartition;
  }
  key(): unknown {
    return this._key;
  }
  keySchema(): Schema | null {
    return this._keySchema;
  }
  value(): unknown {
    return this._value;
  }
  valueSchema(): Schema | null {
    return this._valueSchema;
  }
  /** Milliseconds since the epoch, or null. */
  timestamp(): number | null {
    return this._timestamp;
  }
  headers(): Headers {
    if (this._headers === null) {
      this._headers = new ConnectHeaders(this._headersInit);
      this._headersInit = null;
    }
    return this._headers;
  }

  /** What a copy made by newRecord starts from: a duplicate of the headers, or the not yet materialized input (copied when made). */
  protected headersForCopy(): Iterable<Header> | null {
    return this._headers !== null ? this._headers.duplicate() : this._headersInit;
  }

  /** Whether the record has any header, without making the Headers object (a nagare addition for hot paths). */
  hasHeaders(): boolean {
    if (this._headers !== null) return !this._headers.isEmpty();
    const init = this._headersInit;
    if (init === null) return false;
    if (Array.isArray(init)) return init.length > 0;
    return !init[Symbol.iterator]().next().done;
  }

  /**
   * A copy with these fields (and the other, type-specific fields kept).
   * Without `headers` the copy gets a duplicate of this record's headers.
   */
  abstract newRecord(
    topic: string,
    kafkaPartition: number | null,
    keySchema: Schema | null,
    key: unknown,
    valueSchema: Schema | null,
    value: unknown,
    timestamp: number | null,
    headers?: Iterable<Header> | null,
  ): R;

  toString(): string {
    return `ConnectRecord{topic='${this._topic}', kafkaPartition=${this._kafkaPartition}, key=${String(this._key)}, keySchema=${String(this._keySchema)}, value=${String(this._value)}, valueSchema=${String(this._valueSchema)}, timestamp=${this._timestamp}, headers=${String(this.headers())}}`;
  }
}

/** Source partition / offset maps: JSON-able objects (Kafka's `Map<String, ?>`). */
export type SourceMap = Record<string, unknown>;

/** `org.apache.kafka.connect.source.SourceRecord`. */
export class SourceRecord extends ConnectRecord<SourceRecord> {
  constructor(
    private readonly _sourcePartition: SourceMap | null,
    private readonly _sourceOffset: SourceMap | null,
    topic: string,
    kafkaPartition: number | null,
    keySchema: Schema | null,
    key: unknown,
    valueSchema: Schema | null,
    value: unknown,
    timestamp: number | null = null,
    headers?: Iterable<Header> | null,
  ) {
    super(topic, kafkaPartition, keySchema, key, valueSchema, value, timestamp, headers);
  }

  /** Shorthand of Kafka's `SourceRecord(partition, offset, topic, valueSchema, value)`. */
  static of(sourcePartition: SourceMap | null, sourceOffset: SourceMap | null, topic: string, valueSchema: Schema | null, value: unknown): SourceRecord {
    return new SourceRecord(sourcePartition, sourceOffset, topic, null, null, null, valueSchema, value);
  }

  sourcePartition(): SourceMap | null {
    return this._sourcePartition;
  }
  sourceOffset(): SourceMap | null {
    return this._sourceOffset;
  }

  newRecord(
    topic: string,
    kafkaPartition: number | null,
    keySchema: Schema | null,
    key: unknown,
    valueSchema: Schema | null,
    value: unknown,
    timestamp: number | null,
    headers?: Iterable<Header> | null,
  ): SourceRecord {
    return new SourceRecord(this._sourcePartition, this._sourceOffset, topic, kafkaPartition, keySchema, key, valueSchema, value, timestamp, headers ?? this.headersForCopy());
  }

  override toString(): string {
    return `SourceRecord{sourcePartition=${JSON.stringify(this._sourcePartition)}, sourceOffset=${JSON.stringify(this._sourceOffset)}} ${super.toString()}`;
  }
}

/** `org.apache.kafka.connect.sink.SinkRecord` (with the original topic/partition/offset of KIP-793). */
export class SinkRecord extends ConnectRecord<SinkRecord> {
  private readonly _originalTopic: string;
  private readonly _originalKafkaPartition: number | null;
  private readonly _originalKafkaOffset: number;

  constructor(
    topic: string,
    partition: number,
    keySchema: Schema | null,
    key: unknown,
    valueSchema: Schema | null,
    value: unknown,
    private readonly _kafkaOffset: number,
    timestamp: number | null = null,
    private readonly _timestampType: TimestampType = 'NoTimestampType',
    headers?: Iterable<Header> | null,
    original?: { topic: string; kafkaPartition: number | null; kafkaOffset: number },
  ) {
    super(topic, partition, keySchema, key, valueSchema, value, timestamp, headers);
    this._originalTopic = original?.topic ?? topic;
    this._originalKafkaPartition = original ? original.kafkaPartition : partition;
    this._originalKafkaOffset = original?.kafkaOffset ?? _kafkaOffset;
  }

  kafkaOffset(): number {
    return this._kafkaOffset;
  }
  timestampType(): TimestampType {
    return this._timestampType;
  }
  /** The topic this record was consumed from, before any transform (KIP-793). */
  originalTopic(): string {
    return this._originalTopic;
  }
  originalKafkaPartition(): number | null {
    return this._originalKafkaPartition;
  }
  originalKafkaOffset(): number {
    return this._originalKafkaOffset;
  }

  newRecord(
    topic: string,
    kafkaPartition: number | null,
    keySchema: Schema | null,
    key: unknown,
    valueSchema: Schema | null,
    value: unknown,
    timestamp: number | null,
    headers?: Iterable<Header> | null,
  ): SinkRecord {
    return new SinkRecord(topic, kafkaPartition as number, keySchema, key, valueSchema, value, this._kafkaOffset, timestamp, this._timestampType, headers ?? this.headersForCopy(), {
      topic: this._originalTopic,
      kafkaPartition: this._originalKafkaPartition,
      kafkaOffset: this._originalKafkaOffset,
    });
  }

  override toString(): string {
    return `SinkRecord{kafkaOffset=${this._kafkaOffset}, timestampType=${this._timestampType}, originalTopic=${this._originalTopic}, originalKafkaPartition=${this._originalKafkaPartition}, originalKafkaOffset=${this._originalKafkaOffset}} ${super.toString()}`;
  }
}
