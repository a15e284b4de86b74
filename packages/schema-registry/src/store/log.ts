/**
 * The log the registry keeps its state in. `KafkaSchemaLog` is the
 * `_schemas` topic; `MemorySchemaLog` keeps the same records in memory (for
 * tests and for a registry without Kafka). Either way every record goes
 * through the Confluent JSON serialization and is applied to the state as
 * read back, so both behave the same.
 */
import { StoreKey, StoreValue, deserializeKey, deserializeValue, serializeKey, serializeValue } from './records';
import { RegistryState } from './state';

export interface SchemaLog {
  readonly state: RegistryState;
  /** Appends a record; resolves once it has been read back and applied (read-your-writes). */
  put(key: StoreKey, value: StoreValue | null): Promise<void>;
  /** Resolves once every record in the log at call time has been applied. */
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** The raw records, as they would be in the topic. */
export interface RawRecord {
  key: Buffer;
  value: Buffer | null;
}

export class MemorySchemaLog implements SchemaLog {
  readonly state = new RegistryState();
  readonly records: RawRecord[] = [];
  /** Largest value accepted, like the producer's max.request.size. */
  maxRecordBytes = 1048576;

  constructor(initial: readonly RawRecord[] = []) {
    for (const r of initial) this.append(r);
  }

  private append(r: RawRecord): void {
    this.records.push(r);
    const k = deserializeKey(r.key);
    if (k) this.state.apply(k, deserializeValue(k, r.value));
  }

  async put(key: StoreKey, value: StoreValue | null): Promise<void> {
    const v = serializeValue(key, value);
    if (v !== null && v.length > this.maxRecordBytes) throw new RecordTooLargeError(`The message is ${v.length} bytes when serialized which is larger than ${this.maxRecordBytes}`);
    this.append({ key: serializeKey(key), value: v });
  }

  async sync(): Promise<void> {}
  async close(): Promise<void> {}
}

export class RecordTooLargeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecordTooLargeError';
  }
}

export class StoreTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreTimeoutError';
  }
}
