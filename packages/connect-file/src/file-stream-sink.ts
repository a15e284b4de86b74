/**
 * `FileStreamSinkConnector` / `FileStreamSinkTask`: writes each record's
 * value (its string form, `null` for none) as a line to `file` (appending)
 * or to standard output. Lines reach the OS in `put` (one write per batch)
 * and are fsynced in `flush`, which runs before the worker commits the
 * consumed offsets: a crash loses no line, but lines written after the last
 * commit are written again on restart (at-least-once).
 */
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { ConfigDef, ConfigType, ConnectException, Importance, SinkConnector, SinkTask, valueToString, type PartitionOffsets, type SinkRecord, type TaskClass } from '@nagare/connect-api';
import { CONNECT_FILE_VERSION } from './version';

export const SINK_FILE_CONFIG = 'file';

const CONFIG_DEF = new ConfigDef().define(SINK_FILE_CONFIG, ConfigType.STRING, null, Importance.HIGH, 'Destination filename. If not specified, the standard output will be used');

export class FileStreamSinkConnector extends SinkConnector {
  static readonly className = 'org.apache.kafka.connect.file.FileStreamSinkConnector';
  private props: Record<string, string> = {};
  version(): string {
    return CONNECT_FILE_VERSION;
  }
  start(props: Record<string, string>): void {
    CONFIG_DEF.parse(props);
    this.props = { ...props };
  }
  taskClass(): TaskClass {
    return FileStreamSinkTask;
  }
  taskConfigs(maxTasks: number): Array<Record<string, string>> {
    const out: Array<Record<string, string>> = [];
    for (let i = 0; i < maxTasks; i++) out.push(this.props[SINK_FILE_CONFIG] !== undefined ? { [SINK_FILE_CONFIG]: this.props[SINK_FILE_CONFIG] } : {});
    return out;
  }
  stop(): void {}
  config(): ConfigDef {
    return CONFIG_DEF;
  }
  override alterOffsets(): boolean {
    // Nothing to do: the consumer group's offsets are all this connector has.
    return true;
  }
}

export class FileStreamSinkTask extends SinkTask {
  static readonly className = 'org.apache.kafka.connect.file.FileStreamSinkTask';
  private filename: string | null = null;
  private fd: number | null = null;
  private dirty = false;

  version(): string {
    return CONNECT_FILE_VERSION;
  }

  start(props: Record<string, string>): void {
    this.filename = props[SINK_FILE_CONFIG] && props[SINK_FILE_CONFIG].trim() !== '' ? props[SINK_FILE_CONFIG] : null;
    if (this.filename !== null) {
      try {
        this.fd = openSync(this.filename, 'a');
      } catch (e) {
        throw new ConnectException(`Couldn't find or create file '${this.filename}' for FileStreamSinkTask`, { cause: e });
      }
    }
  }

  put(records: SinkRecord[]): void {
    if (records.length === 0) return;
    let text = '';
    for (const r of records) {
      const v = r.value();
      text += (typeof v === 'string' ? v : v === null || v === undefined ? 'null' : valueToString(v)) + '\n';
    }
    if (this.fd !== null) {
      const b = Buffer.from(text, 'utf8');
      let off = 0;
      while (off < b.length) off += writeSync(this.fd, b, off);
      this.dirty = true;
    } else process.stdout.write(text);
  }

  override flush(currentOffsets: PartitionOffsets): void {
    void currentOffsets;
    if (this.fd !== null && this.dirty) {
      fsyncSync(this.fd);
      this.dirty = false;
    }
  }

  stop(): void {
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
