/**
 * Text checkpoint files (Kafka's formats, version 0), always replaced
 * atomically (temp file, fsync, rename, directory fsync):
 *
 *   recovery-point-offset-checkpoint, log-start-offset-checkpoint,
 *   replication-offset-checkpoint, cleaner-offset-checkpoint (per log dir):
 *     0                       <- version
 *     <n>                     <- number of entries
 *     <topic> <partition> <offset>   (n lines)
 *
 *   leader-epoch-checkpoint (per partition):
 *     0
 *     <n>
 *     <epoch> <startOffset>   (n lines, epochs and offsets increasing)
 *
 *   partition.metadata (per partition):
 *     version: 0
 *     topic_id: <topic id>
 *
 *   .kafka_cleanshutdown (per log dir, present only after a clean shutdown):
 *     {"version":0,"brokerEpoch":<n>}
 */
import * as nodePath from 'node:path';
import { NagareError } from '@nagare/common';
import { FileSystem, errnoCode } from './fs/file-system';

export const CHECKPOINT_VERSION = 0;

export interface TopicPartitionOffset {
  topic: string;
  partition: number;
  offset: number;
}

function malformed(path: string, why: string): NagareError {
  return new NagareError('UNKNOWN_FILE_FORMAT', `malformed checkpoint file ${path}: ${why}`);
}

function parseLines(path: string, text: string, fields: number): string[][] {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length < 2) throw malformed(path, 'missing version or count line');
  if (lines[0].trim() !== String(CHECKPOINT_VERSION)) throw malformed(path, `unsupported version ${JSON.stringify(lines[0])}`);
  const n = Number(lines[1].trim());
  if (!Number.isSafeInteger(n) || n < 0) throw malformed(path, `bad entry count ${JSON.stringify(lines[1])}`);
  if (lines.length - 2 !== n) throw malformed(path, `expected ${n} entries, found ${lines.length - 2}`);
  return lines.slice(2).map((l, i) => {
    const parts = l.trim().split(/\s+/);
    if (parts.length !== fields) throw malformed(path, `line ${i + 3} has ${parts.length} fields, expected ${fields}`);
    return parts;
  });
}

function parseOffset(path: string, s: string): number {
  if (!/^-?\d+$/.test(s)) throw malformed(path, `not an offset: ${JSON.stringify(s)}`);
  const n = Number(s);
  if (!Number.isSafeInteger(n)) throw malformed(path, `offset out of the safe-integer range: ${s}`);
  return n;
}

/** A file's text, or null when it does not exist. */
function readTextIfExists(fs: FileSystem, path: string): string | null {
  try {
    return fs.readFile(path).toString('utf8');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return null;
    throw e;
  }
}

/** Reads an offset checkpoint; an absent file is empty. Throws UNKNOWN_FILE_FORMAT for a malformed one. */
export function readOffsetCheckpoint(fs: FileSystem, path: string): TopicPartitionOffset[] {
  const text = readTextIfExists(fs, path);
  if (text === null) return [];
  return parseLines(path, text, 3).map(([topic, p, o]) => ({ topic, partition: Number(parseOffset(path, p)), offset: parseOffset(path, o) }));
}

export function writeOffsetCheckpoint(fs: FileSystem, path: string, entries: readonly TopicPartitionOffset[]): void {
  const lines = [String(CHECKPOINT_VERSION), String(entries.length), ...entries.map((e) => `${e.topic} ${e.partition} ${e.offset}`)];
  fs.writeFileAtomic(path, Buffer.from(lines.join('\n') + '\n', 'utf8'));
}

export interface EpochEntry {
  epoch: number;
  startOffset: number;
}

export function readEpochCheckpoint(fs: FileSystem, path: string): EpochEntry[] {
  const text = readTextIfExists(fs, path);
  if (text === null) return [];
  return parseLines(path, text, 2).map(([e, o]) => ({ epoch: parseOffset(path, e), startOffset: parseOffset(path, o) }));
}

export function writeEpochCheckpoint(fs: FileSystem, path: string, entries: readonly EpochEntry[]): void {
  const lines = [String(CHECKPOINT_VERSION), String(entries.length), ...entries.map((e) => `${e.epoch} ${e.startOffset}`)];
  fs.writeFileAtomic(path, Buffer.from(lines.join('\n') + '\n', 'utf8'));
}

export function readPartitionMetadata(fs: FileSystem, path: string): { topicId: string } | null {
  const text = readTextIfExists(fs, path);
  if (text === null) return null;
  const m = /^version: (\d+)\ntopic_id: (\S+)\n?$/.exec(text);
  if (!m) throw malformed(path, 'expected "version: 0" and "topic_id: <id>" lines');
  if (Number(m[1]) !== 0) throw malformed(path, `unsupported version ${m[1]}`);
  return { topicId: m[2] };
}

export function writePartitionMetadata(fs: FileSystem, path: string, topicId: string): void {
  if (!/^\S+$/.test(topicId)) throw new NagareError('INVALID_CONFIG', `topic id ${JSON.stringify(topicId)} must be one word`);
  fs.writeFileAtomic(path, Buffer.from(`version: 0\ntopic_id: ${topicId}\n`, 'utf8'));
}

export function writeCleanShutdownMarker(fs: FileSystem, path: string, brokerEpoch = -1): void {
  fs.writeFileAtomic(path, Buffer.from(JSON.stringify({ version: 0, brokerEpoch }), 'utf8'));
}

/** The directory part of a path (posix). */
export const dirname = nodePath.posix.dirname;
