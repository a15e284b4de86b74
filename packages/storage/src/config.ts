/**
 * Per-topic log configuration: Kafka's topic config keys and defaults.
 */
import { NagareError } from '@nagare/common';

export type CleanupPolicy = 'delete' | 'compact' | 'compact,delete';
export type MessageTimestampType = 'CreateTime' | 'LogAppendTime';

export interface LogConfig {
  /** segment.bytes: roll the active segment when it would grow past this (default 1 GiB). */
  segmentBytes: number;
  /** segment.ms: roll when the active segment's first batch is this old (default 7 days). */
  segmentMs: number;
  /** segment.index.bytes: size cap of a segment's offset index; a full index rolls the segment (default 10 MiB). */
  segmentIndexBytes: number;
  /** index.interval.bytes: bytes of log between offset index entries (default 4096). */
  indexIntervalBytes: number;
  /** flush.messages: fsync after this many appended messages (default: never, rely on the OS). */
  flushMessages: number;
  /** flush.ms: fsync when the last flush is this old (default: never). Checked on append and by LogManager.flushDirtyLogs. */
  flushMs: number;
  /** retention.ms: delete segments whose newest record is older (default 7 days; -1 infinite). */
  retentionMs: number;
  /** retention.bytes: delete oldest segments while the log is bigger (default -1, infinite). */
  retentionBytes: number;
  /** cleanup.policy. */
  cleanupPolicy: CleanupPolicy;
  /** delete.retention.ms: how long tombstones and transaction markers survive compaction (default 1 day). */
  deleteRetentionMs: number;
  /** min.cleanable.dirty.ratio (default 0.5). */
  minCleanableDirtyRatio: number;
  /** min.compaction.lag.ms (default 0). */
  minCompactionLagMs: number;
  /** max.compaction.lag.ms (default Long.MAX, here MAX_SAFE_INTEGER). */
  maxCompactionLagMs: number;
  /** max.message.bytes: largest batch accepted (default 1048588). */
  maxMessageBytes: number;
  /** message.timestamp.type. */
  messageTimestampType: MessageTimestampType;
  /** file.delete.delay.ms: delay before files of deleted segments are removed (default 60000). */
  fileDeleteDelayMs: number;
  /**
   * message.timestamp.before.max.ms / message.timestamp.after.max.ms (KIP-937):
   * how far a CreateTime timestamp may lie before/after the broker's time
   * (default: unlimited). Enforced per record by the log (record-validator.ts).
   */
  messageTimestampBeforeMaxMs: number;
  messageTimestampAfterMaxMs: number;
}

const DAY = 24 * 60 * 60 * 1000;

export const DEFAULT_LOG_CONFIG: Readonly<LogConfig> = Object.freeze({
  segmentBytes: 1024 * 1024 * 1024,
  segmentMs: 7 * DAY,
  segmentIndexBytes: 10 * 1024 * 1024,
  indexIntervalBytes: 4096,
  flushMessages: Number.MAX_SAFE_INTEGER,
  flushMs: Number.MAX_SAFE_INTEGER,
  retentionMs: 7 * DAY,
  retentionBytes: -1,
  cleanupPolicy: 'delete',
  deleteRetentionMs: DAY,
  minCleanableDirtyRatio: 0.5,
  minCompactionLagMs: 0,
  maxCompactionLagMs: Number.MAX_SAFE_INTEGER,
  maxMessageBytes: 1024 * 1024 + 12,
  messageTimestampType: 'CreateTime',
  fileDeleteDelayMs: 60000,
  messageTimestampBeforeMaxMs: Number.MAX_SAFE_INTEGER,
  messageTimestampAfterMaxMs: Number.MAX_SAFE_INTEGER,
});

const INT_MAX = 0x7fffffff;
const LONG_MAX = Number.MAX_SAFE_INTEGER;

type Kind = 'int' | 'long' | 'double' | 'policy' | 'tstype';
interface KeyDef {
  field: keyof LogConfig;
  kind: Kind;
  min?: number;
  max?: number;
}

/** The topic config keys storage understands, with Kafka's validation ranges. */
export const LOG_CONFIG_KEYS: Readonly<Record<string, KeyDef>> = {
  'segment.bytes': { field: 'segmentBytes', kind: 'int', min: 14 },
  'segment.ms': { field: 'segmentMs', kind: 'long', min: 1 },
  'segment.index.bytes': { field: 'segmentIndexBytes', kind: 'int', min: 8 },
  'index.interval.bytes': { field: 'indexIntervalBytes', kind: 'int', min: 0 },
  'flush.messages': { field: 'flushMessages', kind: 'long', min: 1 },
  'flush.ms': { field: 'flushMs', kind: 'long', min: 0 },
  'retention.ms': { field: 'retentionMs', kind: 'long', min: -1 },
  'retention.bytes': { field: 'retentionBytes', kind: 'long' },
  'cleanup.policy': { field: 'cleanupPolicy', kind: 'policy' },
  'delete.retention.ms': { field: 'deleteRetentionMs', kind: 'long', min: 0 },
  'min.cleanable.dirty.ratio': { field: 'minCleanableDirtyRatio', kind: 'double', min: 0, max: 1 },
  'min.compaction.lag.ms': { field: 'minCompactionLagMs', kind: 'long', min: 0 },
  'max.compaction.lag.ms': { field: 'maxCompactionLagMs', kind: 'long', min: 1 },
  'max.message.bytes': { field: 'maxMessageBytes', kind: 'int', min: 0 },
  'message.timestamp.type': { field: 'messageTimestampType', kind: 'tstype' },
  'file.delete.delay.ms': { field: 'fileDeleteDelayMs', kind: 'long', min: 0 },
  'message.timestamp.before.max.ms': { field: 'messageTimestampBeforeMaxMs', kind: 'long', min: 0 },
  'message.timestamp.after.max.ms': { field: 'messageTimestampAfterMaxMs', kind: 'long', min: 0 },
};

/** Deprecated (KIP-937): sets both bounds when they are not given explicitly. */
const TIMESTAMP_DIFFERENCE_KEY = 'message.timestamp.difference.max.ms';

function invalid(key: string, value: string, why: string): NagareError {
  return new NagareError('INVALID_CONFIG', `Invalid value ${JSON.stringify(value)} for configuration ${key}: ${why}`);
}

function parseValue(key: string, def: KeyDef, raw: string): number | string {
  const value = raw.trim();
  switch (def.kind) {
    case 'int':
    case 'long': {
      if (!/^[+-]?\d+$/.test(value)) throw invalid(key, raw, 'not a number');
      let n = Number(value);
      const max = def.max ?? (def.kind === 'int' ? INT_MAX : LONG_MAX);
      // Kafka's Long.MAX_VALUE ("never") and anything else past 2^53 mean "never" here.
      if (def.kind === 'long' && n > LONG_MAX) n = LONG_MAX;
      if (!Number.isSafeInteger(n) || n > max) throw invalid(key, raw, `must be at most ${max}`);
      if (def.kind === 'int' && n < -INT_MAX - 1) throw invalid(key, raw, 'out of int range');
      if (def.min !== undefined && n < def.min) throw invalid(key, raw, `must be at least ${def.min}`);
      return n;
    }
    case 'double': {
      if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(value)) throw invalid(key, raw, 'not a number');
      const n = Number(value);
      if (def.min !== undefined && n < def.min) throw invalid(key, raw, `must be at least ${def.min}`);
      if (def.max !== undefined && n > def.max) throw invalid(key, raw, `must be at most ${def.max}`);
      return n;
    }
    case 'policy': {
      const parts = value
        .split(',')
        .map((s) => s.trim().toLowerCase())
        .filter((s) => s !== '');
      if (parts.length === 0 || parts.some((p) => p !== 'delete' && p !== 'compact')) {
        throw invalid(key, raw, 'must be a list of "delete" and "compact"');
      }
      const compact = parts.includes('compact');
      const del = parts.includes('delete');
      return compact && del ? 'compact,delete' : compact ? 'compact' : 'delete';
    }
    case 'tstype':
      if (value !== 'CreateTime' && value !== 'LogAppendTime') throw invalid(key, raw, 'must be CreateTime or LogAppendTime');
      return value;
  }
}

/**
 * Builds a LogConfig from Kafka topic config properties over `defaults`
 * (default: Kafka's defaults). Keys storage does not use (compression.type,
 * min.insync.replicas, ...) are ignored: they belong to the broker. Throws
 * NagareError('INVALID_CONFIG') naming the key for a bad value.
 */
export function logConfigFromProperties(props: Record<string, string>, defaults: Partial<LogConfig> = DEFAULT_LOG_CONFIG): LogConfig {
  const cfg: LogConfig = { ...DEFAULT_LOG_CONFIG, ...defaults };
  const diff = props[TIMESTAMP_DIFFERENCE_KEY];
  if (diff !== undefined) {
    const n = parseValue(TIMESTAMP_DIFFERENCE_KEY, { field: 'messageTimestampBeforeMaxMs', kind: 'long', min: 0 }, diff) as number;
    if (props['message.timestamp.before.max.ms'] === undefined) cfg.messageTimestampBeforeMaxMs = n;
    if (props['message.timestamp.after.max.ms'] === undefined) cfg.messageTimestampAfterMaxMs = n;
  }
  for (const [key, raw] of Object.entries(props)) {
    const def = LOG_CONFIG_KEYS[key];
    if (def === undefined) continue;
    if (typeof raw !== 'string') throw invalid(key, String(raw), 'must be a string');
    (cfg as unknown as Record<string, unknown>)[def.field] = parseValue(key, def, raw);
  }
  validateLogConfig(cfg);
  return cfg;
}

/** Checks a LogConfig built in code (same ranges as the properties). */
export function validateLogConfig(cfg: LogConfig): LogConfig {
  for (const [key, def] of Object.entries(LOG_CONFIG_KEYS)) {
    const v = cfg[def.field];
    if (def.kind === 'policy') {
      if (v !== 'delete' && v !== 'compact' && v !== 'compact,delete') throw invalid(key, String(v), 'unknown cleanup policy');
      continue;
    }
    if (def.kind === 'tstype') {
      if (v !== 'CreateTime' && v !== 'LogAppendTime') throw invalid(key, String(v), 'must be CreateTime or LogAppendTime');
      continue;
    }
    if (typeof v !== 'number' || Number.isNaN(v)) throw invalid(key, String(v), 'not a number');
    if (def.kind !== 'double' && !Number.isSafeInteger(v)) throw invalid(key, String(v), 'must be an integer');
    if (def.min !== undefined && v < def.min) throw invalid(key, String(v), `must be at least ${def.min}`);
    const max = def.max ?? (def.kind === 'int' ? INT_MAX : def.kind === 'double' ? Infinity : LONG_MAX);
    if (v > max) throw invalid(key, String(v), `must be at most ${max}`);
  }
  if (cfg.minCompactionLagMs > cfg.maxCompactionLagMs) {
    throw invalid('min.compaction.lag.ms', String(cfg.minCompactionLagMs), 'must not exceed max.compaction.lag.ms');
  }
  return cfg;
}

export function isCompacted(cfg: LogConfig): boolean {
  return cfg.cleanupPolicy !== 'delete';
}

export function hasDeletePolicy(cfg: LogConfig): boolean {
  return cfg.cleanupPolicy !== 'compact';
}
