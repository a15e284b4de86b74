/**
 * @nagare/storage: the partition log storage engine. Segments, indexes,
 * crash recovery, retention, compaction, producer state, and the per-broker
 * log manager, over an injected FileSystem.
 */
export type { FileSystem, FileHandle, FileStat, FileLock, OpenMode, FsError } from './fs/file-system';
export { writeFully, readFully } from './fs/file-system';
export { NodeFileSystem } from './fs/node-fs';
export { MemoryFileSystem, CrashError, Rng } from './fs/memory-fs';
export type { FaultSpec, Fault, FsOp, CrashMode, CrashOptions, MemoryFileSystemOptions } from './fs/memory-fs';
export { DEFAULT_LOG_CONFIG, LOG_CONFIG_KEYS, logConfigFromProperties, validateLogConfig, isCompacted, hasDeletePolicy } from './config';
export type { LogConfig, CleanupPolicy, MessageTimestampType } from './config';
export {
  PartitionLog,
  LATEST_TIMESTAMP,
  EARLIEST_TIMESTAMP,
  MAX_TIMESTAMP,
  EARLIEST_LOCAL_TIMESTAMP,
  DEFAULT_PRODUCER_ID_EXPIRATION_MS,
} from './partition-log';
export type {
  PartitionLogOptions,
  AppendResult,
  AppendOptions,
  ReadOptions,
  ReadResult,
  TimestampOffset,
  ProducerStateInfo,
  SegmentInfo,
} from './partition-log';
export { LogManager } from './log-manager';
export type { LogManagerOptions, LogDirDescription } from './log-manager';
export { LogCleaner, cleanableRange, DEFAULT_CLEANER_BYTES_PER_CALL } from './cleaner';
export type { CleanerRunResult, CleanableInfo, LogCleanerOptions } from './cleaner';
export { LeaderEpochCache, UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET } from './leader-epoch-cache';
export type { AppendOrigin, VerificationState } from './producer-state';
export { VerificationGuard } from './producer-state';
export type { EpochEntry, TopicPartitionOffset } from './checkpoints';
export type { AbortedTxn } from './indexes';
export * as fileNames from './names';
export { setMaxOpenSegmentFiles, openInactiveSegmentFiles } from './segment';
