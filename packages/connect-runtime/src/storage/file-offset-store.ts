/**
 * The standalone worker's source offsets (`offset.storage.file.filename`).
 *
 * Kafka's FileOffsetBackingStore writes a Java-serialized HashMap<byte[],byte[]>,
 * which nothing outside the JVM reads. This store keeps the same key/value
 * bytes Kafka writes to the `connect-offsets` topic (JSON produced by a
 * JsonConverter with schemas.enable=false: key `["<connector>",{<partition>}]`,
 * value `{<offset>}`), in a documented JSON file:
 *
 *     {"format":"nagare-connect-offsets","version":1,
 *      "offsets":[{"key":"[\"local-file-source\",{\"filename\":\"test.txt\"}]","value":"{\"position\":42}"}]}
 *
 * Writes go to `<file>.tmp`, are fsynced and renamed over the file, so a
 * crash leaves either the previous or the new complete file.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { ConnectException } from '@nagare/connect-api';

export const OFFSET_FILE_FORMAT = 'nagare-connect-offsets';

export interface OffsetBackingStore {
  start(): void;
  stop(): void;
  /** Serialized key -> serialized value (null when absent or deleted). */
  get(keys: readonly string[]): Map<string, string | null>;
  /** Stores (value null deletes) and persists before resolving. */
  set(entries: ReadonlyMap<string, string | null>): Promise<void>;
  /** Every stored entry (for the offsets REST endpoint). */
  entries(): Map<string, string>;
  /** Catches up with writes made elsewhere (the Kafka-backed store); readers call it before `get`. */
  readToEnd?(): Promise<void>;
}

/** In memory only (tests, and the base of the file store). */
export class MemoryOffsetBackingStore implements OffsetBackingStore {
  protected data = new Map<string, string>();
  start(): void {}
  stop(): void {}
  get(keys: readonly string[]): Map<string, string | null> {
    const out = new Map<string, string | null>();
    for (const k of keys) out.set(k, this.data.get(k) ?? null);
    return out;
  }
  async set(entries: ReadonlyMap<string, string | null>): Promise<void> {
    for (const [k, v] of entries) {
      if (v === null) this.data.delete(k);
      else this.data.set(k, v);
    }
    this.save();
  }
  entries(): Map<string, string> {
    return new Map(this.data);
  }
  protected save(): void {}
}

export class FileOffsetBackingStore extends MemoryOffsetBackingStore {
  constructor(readonly file: string) {
    super();
  }

  override start(): void {
    this.data = new Map();
    if (!existsSync(this.file)) return;
    const text = readFileSync(this.file, 'utf8');
    if (text.trim() === '') return;
    let doc: { format?: string; version?: number; offsets?: Array<{ key: string; value: string }> };
    try {
      doc = JSON.parse(text);
    } catch (e) {
      throw new ConnectException(`Failed to read offsets file ${this.file}: ${(e as Error).message}`);
    }
    if (doc.format !== OFFSET_FILE_FORMAT || !Array.isArray(doc.offsets)) throw new ConnectException(`${this.file} is not a nagare offsets file (expected "format":"${OFFSET_FILE_FORMAT}")`);
    for (const e of doc.offsets) if (typeof e.key === 'string' && typeof e.value === 'string') this.data.set(e.key, e.value);
  }

  protected override save(): void {
    const doc = { format: OFFSET_FILE_FORMAT, version: 1, offsets: [...this.data].map(([key, value]) => ({ key, value })) };
    const tmp = `${this.file}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, JSON.stringify(doc) + '\n');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.file);
  }
}
