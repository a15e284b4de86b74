/** File and directory names of the on-disk layout (Kafka's). */

export const LOG_SUFFIX = '.log';
export const INDEX_SUFFIX = '.index';
export const TIME_INDEX_SUFFIX = '.timeindex';
export const TXN_INDEX_SUFFIX = '.txnindex';
export const SNAPSHOT_SUFFIX = '.snapshot';
/** Files of a deleted segment waiting for file.delete.delay.ms. */
export const DELETED_SUFFIX = '.deleted';
/** Output of a compaction pass being written. */
export const CLEANED_SUFFIX = '.cleaned';
/** Compaction output ready to replace the segments it was made from. */
export const SWAP_SUFFIX = '.swap';
export const TMP_SUFFIX = '.tmp';

export const LOCK_FILE = '.lock';
export const CLEAN_SHUTDOWN_FILE = '.kafka_cleanshutdown';
export const RECOVERY_POINT_CHECKPOINT = 'recovery-point-offset-checkpoint';
export const LOG_START_OFFSET_CHECKPOINT = 'log-start-offset-checkpoint';
export const REPLICATION_OFFSET_CHECKPOINT = 'replication-offset-checkpoint';
export const CLEANER_OFFSET_CHECKPOINT = 'cleaner-offset-checkpoint';
export const LEADER_EPOCH_CHECKPOINT = 'leader-epoch-checkpoint';
export const PARTITION_METADATA_FILE = 'partition.metadata';

export const SEGMENT_SUFFIXES = [LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX, TXN_INDEX_SUFFIX] as const;

/** The 20-digit, zero-padded offset that names segment and snapshot files. */
export function offsetPrefix(offset: number): string {
  return String(offset).padStart(20, '0');
}

/** The base offset in a file name like `00000000000000001234.log` (NaN if it has none). */
export function offsetFromFileName(name: string): number {
  const m = /^(\d{20})\./.exec(name);
  return m ? Number(m[1]) : NaN;
}

export function partitionDirName(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

/** `<topic>-<partition>.<32 hex>-delete`: a deleted partition awaiting removal. */
export const DELETE_DIR_RE = /\.[0-9a-f]{32}-delete$/;

/** Parses `<topic>-<partition>`; null for anything else (deleted, future, stray or foreign directories). */
export function parsePartitionDir(name: string): { topic: string; partition: number } | null {
  if (DELETE_DIR_RE.test(name) || name.endsWith('-future') || name.endsWith('-stray')) return null;
  const m = /^(.+)-(0|[1-9]\d{0,9})$/.exec(name);
  if (!m) return null;
  const partition = Number(m[2]);
  if (partition > 0x7fffffff) return null;
  return { topic: m[1], partition };
}
