/**
 * `FileStreamSourceConnector` / `FileStreamSourceTask`: each line of a file
 * (or of standard input when `file` is not set) becomes a record on `topic`
 * with a STRING value schema, no key and the current time as timestamp.
 * Source partition `{"filename": <file>}`, offset `{"position": <byte
 * offset after the line>}`: on restart the task resumes after the last
 * committed line. Always one task.
 *
 * Positions count bytes (Kafka counts characters but skips bytes on resume,
 * which only agree for ASCII); lines end at `\n`, `\r\n` or `\r`.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { ConfigDef, ConfigException, ConfigType, ConnectException, Importance, NonEmptyString, Schemas, SourceConnector, SourceRecord, SourceTask, type ExactlyOnceSupport, type TaskClass } from '@nagare/connect-api';
import { CONNECT_FILE_VERSION } from './version';

export const FILE_CONFIG = 'file';
export const TOPIC_CONFIG = 'topic';
export const TASK_BATCH_SIZE_CONFIG = 'batch.size';
export const DEFAULT_TASK_BATCH_SIZE = 2000;
const READ_CHUNK = 1 << 20;
export const FILENAME_FIELD = 'filename';
export const POSITION_FIELD = 'position';

const CONFIG_DEF = new ConfigDef()
  .define(FILE_CONFIG, ConfigType.STRING, null, Importance.HIGH, 'Source filename. If not specified, the standard input will be used')
  .define(TOPIC_CONFIG, ConfigType.STRING, ConfigDef.NO_DEFAULT_VALUE, new NonEmptyString(), Importance.HIGH, 'The topic to publish data to')
  .define(TASK_BATCH_SIZE_CONFIG, ConfigType.INT, DEFAULT_TASK_BATCH_SIZE, Importance.LOW, 'The maximum number of records the source task can read from the file each time it is polled');

export class FileStreamSourceConnector extends SourceConnector {
  static readonly className = 'org.apache.kafka.connect.file.FileStreamSourceConnector';
  private props: Record<string, string> = {};

  version(): string {
    return CONNECT_FILE_VERSION;
  }
  start(props: Record<string, string>): void {
    const parsed = CONFIG_DEF.parse(props);
    void parsed;
    this.props = { ...props };
  }
  taskClass(): TaskClass {
    return FileStreamSourceTask;
  }
  taskConfigs(maxTasks: number): Array<Record<string, string>> {
    void maxTasks;
    // Only one input stream makes sense.
    const c: Record<string, string> = { [TOPIC_CONFIG]: this.props[TOPIC_CONFIG], [TASK_BATCH_SIZE_CONFIG]: this.props[TASK_BATCH_SIZE_CONFIG] ?? String(DEFAULT_TASK_BATCH_SIZE) };
    if (this.props[FILE_CONFIG] !== undefined) c[FILE_CONFIG] = this.props[FILE_CONFIG];
    return [c];
  }
  stop(): void {}
  config(): ConfigDef {
    return CONFIG_DEF;
  }
  override exactlyOnceSupport(props: Record<string, string>): ExactlyOnceSupport {
    // Reading from stdin cannot be resumed at a position.
    return props[FILE_CONFIG] ? 'SUPPORTED' : 'UNSUPPORTED';
  }
  override alterOffsets(config: Record<string, string>, offsets: ReadonlyMap<Record<string, unknown>, Record<string, unknown> | null>): boolean {
    void config;
    for (const [partition, offset] of offsets) {
      if (offset === null) continue;
      if (!partition || !(FILENAME_FIELD in partition)) throw new ConnectException(`Partition objects should contain the key '${FILENAME_FIELD}'`);
      if (!(POSITION_FIELD in offset)) throw new ConnectException(`Offset objects should either be null or contain the key '${POSITION_FIELD}'`);
      const p = offset[POSITION_FIELD];
      if (typeof p !== 'number' || !Number.isInteger(p)) throw new ConnectException(`The value for the '${POSITION_FIELD}' key in the offset is expected to be a Long value`);
      if (p < 0) throw new ConnectException(`The value for the '${POSITION_FIELD}' key in the offset should be a non-negative value`);
    }
    return true;
  }
}

export class FileStreamSourceTask extends SourceTask {
  static readonly className = 'org.apache.kafka.connect.file.FileStreamSourceTask';
  private filename: string | null = null;
  private topic = '';
  private batchSize = DEFAULT_TASK_BATCH_SIZE;
  private fd: number | null = null;
  private position = 0;
  private buffer = Buffer.alloc(0);
  /** Where the unread bytes of `buffer` start. */
  private bufOff = 0;
  /** The index in `buffer` of the next \r at or after `bufOff`, or -1 when it has none. */
  private nextCr = -1;
  private stopped = false;
  private wake: (() => void) | null = null;
  private stdinChunks: Buffer[] = [];
  private stdinEnded = false;
  private partition: Record<string, unknown> = {};

  version(): string {
    return CONNECT_FILE_VERSION;
  }

  start(props: Record<string, string>): void {
    this.filename = props[FILE_CONFIG] && props[FILE_CONFIG].trim() !== '' ? props[FILE_CONFIG] : null;
    this.topic = props[TOPIC_CONFIG];
    if (!this.topic) throw new ConfigException(`Missing required configuration "${TOPIC_CONFIG}" which has no default value.`);
    this.batchSize = Number(props[TASK_BATCH_SIZE_CONFIG] ?? DEFAULT_TASK_BATCH_SIZE);
    this.partition = { [FILENAME_FIELD]: this.filename };
    if (this.filename === null) {
      process.stdin.on('data', (d: Buffer) => {
        this.stdinChunks.push(d);
        this.wake?.();
      });
      process.stdin.on('end', () => {
        this.stdinEnded = true;
        this.wake?.();
      });
    }
  }

  private async openFile(): Promise<boolean> {
    if (this.fd !== null) return true;
    try {
      this.fd = openSync(this.filename!, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false; // wait for it to be created
      throw new ConnectException(`Error while trying to open file ${this.filename}`, { cause: e });
    }
    const offset = await this.context.offsetStorageReader().offset(this.partition);
    if (offset) {
      const p = offset[POSITION_FIELD];
      if (typeof p !== 'number') throw new ConnectException('Offset position is the incorrect type');
      this.position = p;
    } else this.position = 0;
    this.buffer = Buffer.alloc(0);
    this.bufOff = 0;
    this.nextCr = -1;
    return true;
  }

  private idle(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((r) => {
      let t: NodeJS.Timeout | undefined = undefined;
      const done = (): void => {
        clearTimeout(t);
        this.wake = null;
        r();
      };
      t = setTimeout(done, ms);
      this.wake = done;
    });
  }

  async poll(): Promise<SourceRecord[] | null> {
    if (this.stopped) return null;
    if (this.filename === null) return this.pollStdin();
    if (!(await this.openFile())) {
      await this.idle(1000);
      return null;
    }
    const records = this.readLines();
    if (records.length === 0) await this.idle(1000);
    return records.length ? records : null;
  }

  /**
   * Reads whole lines from the file at `position` (+ what is buffered), at
   * most batch.size. `this.buffer[this.bufOff..]` holds the bytes from
   * `position` on; lines are found with native indexOf (a `\r` is looked for
   * only when the chunk has one, so the common `\n`-only file is one scan).
   */
  private readLines(): SourceRecord[] {
    const out: SourceRecord[] = [];
    const now = Date.now();
    for (;;) {
      const buf = this.buffer;
      let off = this.bufOff;
      while (out.length < this.batchSize) {
        let nl = buf.indexOf(0x0a, off);
        if (this.nextCr !== -1 && this.nextCr < off) this.nextCr = buf.indexOf(0x0d, off);
        let end: number;
        if (this.nextCr !== -1 && (nl === -1 || this.nextCr < nl)) {
          // a \r ends the line, together with a following \n
          nl = this.nextCr;
          if (nl + 1 >= buf.length) break; // need the next byte to know whether it is \r\n
          end = buf[nl + 1] === 0x0a ? nl + 2 : nl + 1;
          this.nextCr = buf.indexOf(0x0d, end);
        } else if (nl === -1) break;
        else end = nl + 1;
        const line = buf.toString('utf8', off, nl);
        this.position += end - off;
        off = end;
        out.push(new SourceRecord(this.partition, { [POSITION_FIELD]: this.position }, this.topic, null, null, null, Schemas.STRING_SCHEMA, line, now));
      }
      this.bufOff = off;
      if (out.length >= this.batchSize) break;
      const left = buf.length - off;
      const chunk = Buffer.allocUnsafe(Math.max(READ_CHUNK, left * 2));
      buf.copy(chunk, 0, off);
      const n = readSync(this.fd!, chunk, left, chunk.length - left, this.position + left);
      if (n <= 0) break;
      this.buffer = chunk.subarray(0, left + n);
      this.bufOff = 0;
      this.nextCr = this.buffer.indexOf(0x0d);
    }
    return out;
  }

  private async pollStdin(): Promise<SourceRecord[] | null> {
    if (this.stdinChunks.length === 0) {
      if (this.stdinEnded) {
        await this.idle(1000);
        return null;
      }
      await this.idle(1000);
    }
    if (this.stdinChunks.length > 0) {
      this.buffer = Buffer.concat([this.buffer, ...this.stdinChunks.splice(0)]);
    }
    const out: SourceRecord[] = [];
    while (out.length < this.batchSize) {
      const nl = this.buffer.indexOf(0x0a);
      if (nl < 0) break;
      const line = this.buffer.toString('utf8', 0, nl > 0 && this.buffer[nl - 1] === 0x0d ? nl - 1 : nl);
      this.buffer = this.buffer.subarray(nl + 1);
      out.push(new SourceRecord(this.partition, null, this.topic, null, null, null, Schemas.STRING_SCHEMA, line, Date.now()));
    }
    return out.length ? out : null;
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
    if (this.fd !== null) {
      try {
        closeSync(this.fd);
      } catch {
        // already closed
      }
      this.fd = null;
    }
  }
}
