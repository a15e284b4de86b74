/**
 * What the API families of the group coordinator share inside one shard:
 * its groups and offsets, the configuration, the shard's timers, and the
 * way an operation hands records to the runtime (`emit`). The shard
 * (shard.ts) implements it; join/sync, heartbeat/leave, offsets, admin and
 * the consumer group protocol each take it.
 */
import type { Clock, Logger } from '@nagare/common';
import type { MetadataImage } from '@nagare/metadata';
import type { TimerHandle } from '../coordinator';
import type { ClassicGroup } from './classic/classic-group';
import type { ConsumerGroup } from './consumer/consumer-group';
import type { GroupConfig } from './config';
import type { GroupRecord } from './group-records';
import type { OffsetStore } from './offset-store';

export type Group = ClassicGroup | ConsumerGroup;

export interface GroupShardContext {
  readonly partition: number;
  readonly config: GroupConfig;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly groups: Map<string, Group>;
  readonly offsets: OffsetStore;
  /** True while the shard replays its partition (before onLoaded). */
  readonly loading: boolean;
  image(): MetadataImage;
  /** The random part of a classic member id. */
  newMemberIdSuffix(): string;
  /** A KIP-848 member id (a UUID, as Kafka's Uuid.randomUuid().toString()). */
  newConsumerMemberId(): string;
  /**
   * Adds records to the operation that is running; `onCommitted` runs when
   * they are committed (0) or failed to append (the storage's error code);
   * `afterAppend` runs once they are appended and replayed.
   */
  emit(records: GroupRecord[], onCommitted?: (errorCode: number) => void, afterAppend?: () => void): void;
  /** A shard timer: `fn` runs as an operation of its own (what it emits is written). Same key replaces. */
  schedule(key: string, delayMs: number, fn: () => void): TimerHandle;
  cancelTimer(key: string): void;
  isTimerScheduled(key: string): boolean;
}
