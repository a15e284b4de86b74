/**
 * The coordinator runtime (Kafka's CoordinatorRuntime, KIP-848's
 * "coordinator-common"): one shard per partition of a coordinator's topic,
 * loaded when this broker becomes the partition's leader and unloaded when it
 * stops being it.
 *
 * Every operation runs against one shard and returns records plus a
 * response. The records are appended to the partition as one batch, then
 * replayed into the shard at the offsets the log gave them: replay is the
 * only way state changes, live or while loading, so a shard rebuilt from the
 * log on another broker equals the one that wrote it. The response completes
 * once the partition's high watermark has passed every record the shard had
 * written when the operation ran (its own included), so no caller sees state
 * that could still be lost; an operation without records waits for the
 * writes before it the same way. Reads are operations without records.
 *
 * JavaScript runs one event at a time, so operations need no queue: each
 * runs to completion when scheduled, and appends happen in call order. A
 * shard's timers run as operations on it and die with it.
 *
 * States of a shard: loading (requests get COORDINATOR_LOAD_IN_PROGRESS),
 * active, failed (its load failed: COORDINATOR_NOT_AVAILABLE), and gone
 * (unloaded or never loaded: NOT_COORDINATOR). Leader epochs order loads and
 * unloads as in Kafka: a load with an epoch no newer than the shard's is
 * ignored, and so is an unload with an epoch that is not newer.
 */
import type { Clock, Logger, ScheduledTask, Scheduler } from '@nagare/common';
import { silentLogger } from '@nagare/common';
import { EMPTY_IMAGE, type MetadataImage } from '@nagare/metadata';
import { ErrorCode } from '@nagare/protocol';
import {
  CoordinatorError,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  type CoordinatorLoader,
  type CoordinatorResult,
  type LoadVisitor,
  type CoordinatorShard,
  type CoordinatorTimer,
  type PartitionWriter,
  type RecordSerde,
  type ShardContext,
  type TimerHandle,
  type TransactionResult,
} from './types';

export type ShardState = 'loading' | 'active' | 'failed';

export interface CoordinatorRuntimeOptions<S extends CoordinatorShard<R>, R> {
  /** For logs: "group coordinator", "transaction coordinator". */
  name: string;
  writer: PartitionWriter;
  loader: CoordinatorLoader;
  serde: RecordSerde<R>;
  buildShard(ctx: ShardContext<R>): S;
  clock: Clock;
  scheduler: Scheduler;
  logger?: Logger;
  /** How much of the log one loading step reads before letting other work run (default 4 MiB). */
  loadChunkBytes?: number;
  /** Lets other work run between loading steps (default: the next turn of the event loop). */
  yieldToEventLoop?: () => Promise<void>;
}

interface Deferred {
  /** Completes when the high watermark reaches this offset. */
  offset: number;
  complete(errorCode: number): void;
}

/** One partition's shard and its bookkeeping (Kafka's CoordinatorContext). */
class ShardEntry<S, R> {
  state: ShardState = 'loading';
  shard: S | null = null;
  /** The offset after the last record written or loaded. */
  lastWrittenOffset = 0;
  /** The partition's high watermark as last told. */
  committedOffset = 0;
  readonly deferred: Deferred[] = [];
  readonly timer: ShardTimer<R>;
  loadStartedMs = 0;

  constructor(
    readonly partition: number,
    public epoch: number,
    timer: (entry: ShardEntry<S, R>) => ShardTimer<R>,
  ) {
    this.timer = timer(this);
  }
}

/** A shard's timers: keyed, each firing as a write operation on the shard while it lives. */
class ShardTimer<R> implements CoordinatorTimer<R> {
  private readonly tasks = new Map<string, { task: ScheduledTask }>();

  constructor(
    private readonly scheduler: Scheduler,
    private readonly fire: (key: string, op: () => CoordinatorResult<unknown, R>) => void,
  ) {}

  schedule(key: string, delayMs: number, op: () => CoordinatorResult<unknown, R>): TimerHandle {
    this.cancel(key);
    const slot = { task: null as unknown as ScheduledTask };
    slot.task = this.scheduler.schedule(Math.max(0, delayMs), () => {
      if (this.tasks.get(key) !== slot) return;
      this.tasks.delete(key);
      this.fire(key, op);
    });
    this.tasks.set(key, slot);
    return {
      cancel: () => {
        if (this.tasks.get(key) !== slot) return;
        slot.task.cancel();
        this.tasks.delete(key);
      },
    };
  }

  scheduleIfAbsent(key: string, delayMs: number, op: () => CoordinatorResult<unknown, R>): void {
    if (!this.tasks.has(key)) this.schedule(key, delayMs, op);
  }

  cancel(key: string): void {
    const slot = this.tasks.get(key);
    if (!slot) return;
    slot.task.cancel();
    this.tasks.delete(key);
  }

  isScheduled(key: string): boolean {
    return this.tasks.has(key);
  }

  size(): number {
    return this.tasks.size;
  }

  cancelAll(): void {
    for (const slot of this.tasks.values()) slot.task.cancel();
    this.tasks.clear();
  }
}

const DEFAULT_LOAD_CHUNK = 4 * 1024 * 1024;
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export class CoordinatorRuntime<S extends CoordinatorShard<R>, R> {
  private readonly shards = new Map<number, ShardEntry<S, R>>();
  private readonly logger: Logger;
  private image: MetadataImage = EMPTY_IMAGE;
  private readonly unsubscribe: () => void;
  private closed = false;

  constructor(private readonly opts: CoordinatorRuntimeOptions<S, R>) {
    this.logger = opts.logger ?? silentLogger;
    this.unsubscribe = opts.writer.onHighWatermark((p, hw) => this.onHighWatermark(p, hw));
  }

  // ================================================================ leadership

  /**
   * This broker became the leader of `partition` at `epoch`: build its shard
   * by replaying the partition from its log start. Resolves when it is
   * active (or when the load was superseded or failed).
   */
  async scheduleLoadOperation(partition: number, epoch: number): Promise<void> {
    if (this.closed) return;
    const existing = this.shards.get(partition);
    if (existing) {
      if (existing.epoch >= epoch) {
        this.logger.info({ partition, epoch, current: existing.epoch }, `${this.opts.name}: ignored a load: the shard's epoch is not older`);
        return;
      }
      existing.epoch = epoch;
      if (existing.state !== 'failed') {
        this.logger.info({ partition, epoch, state: existing.state }, `${this.opts.name}: shard already ${existing.state}`);
        return;
      }
      this.shards.delete(partition);
    }
    const entry = new ShardEntry<S, R>(partition, epoch, (e) => new ShardTimer<R>(this.opts.scheduler, (key, op) => this.fireTimer(e, key, op)));
    this.shards.set(partition, entry);
    entry.loadStartedMs = this.opts.clock.monotonicMs();
    const yieldNow = this.opts.yieldToEventLoop ?? nextTurn;
    try {
      await yieldNow();
      if (this.shards.get(partition) !== entry) return;
      const shard = this.opts.buildShard({ partition, timer: entry.timer, image: this.image });
      entry.shard = shard;
      const loader = this.opts.loader;
      const chunk = this.opts.loadChunkBytes ?? DEFAULT_LOAD_CHUNK;
      let offset = loader.logStartOffset(partition);
      const visitor = this.loadVisitor(entry, shard);
      for (;;) {
        const read = loader.read(partition, offset, chunk, visitor);
        const progressed = read.nextOffset > offset;
        offset = Math.max(offset, read.nextOffset);
        if (offset >= read.logEndOffset || !progressed) {
          offset = Math.max(offset, read.logEndOffset);
          break;
        }
        await yieldNow();
        if (this.shards.get(partition) !== entry) return;
      }
      entry.lastWrittenOffset = offset;
      entry.committedOffset = this.opts.writer.highWatermark(partition);
      entry.state = 'active';
      shard.onLoaded(this.image);
      this.logger.info(
        { partition, epoch, records: visitor.records, endOffset: offset, ms: this.opts.clock.monotonicMs() - entry.loadStartedMs },
        `${this.opts.name}: loaded shard`,
      );
    } catch (e) {
      if (this.shards.get(partition) === entry) entry.state = 'failed';
      this.logger.error({ partition, epoch, err: (e as Error).stack }, `${this.opts.name}: loading the shard failed`);
    }
  }

  /** Replays what the loader reads: records through the serde (unknown and malformed ones skipped), markers as they are. */
  private loadVisitor(entry: ShardEntry<S, R>, shard: S): LoadVisitor & { records: number } {
    const serde = this.opts.serde;
    const logger = this.logger;
    const name = this.opts.name;
    return {
      records: 0,
      record(offset, key, value, producerId, producerEpoch) {
        this.records++;
        if (key === null) return;
        let record: R | null;
        try {
          record = serde.deserialize(key, value);
        } catch (e) {
          logger.error({ partition: entry.partition, offset, err: (e as Error).message }, `${name}: skipping a malformed record`);
          return;
        }
        if (record === null) {
          logger.debug({ partition: entry.partition, offset }, `${name}: skipping a record of an unknown type`);
          return;
        }
        shard.replay(offset, producerId, producerEpoch, record);
      },
      marker(producerId, producerEpoch, result) {
        shard.replayEndTransactionMarker(producerId, producerEpoch, result);
      },
    };
  }

  /**
   * This broker is no longer the leader of `partition` (at `epoch`; absent:
   * unconditionally, as at shutdown): the shard's timers stop, its parked
   * requests and the operations waiting for the high watermark get
   * NOT_COORDINATOR, and its state is dropped.
   */
  scheduleUnloadOperation(partition: number, epoch?: number): void {
    const entry = this.shards.get(partition);
    if (!entry) return;
    if (epoch !== undefined && entry.epoch >= epoch) {
      this.logger.info({ partition, epoch, current: entry.epoch }, `${this.opts.name}: ignored an unload: the shard's epoch is not older`);
      return;
    }
    this.shards.delete(partition);
    entry.timer.cancelAll();
    const wasActive = entry.state === 'active';
    entry.state = 'failed';
    if (wasActive && entry.shard) {
      try {
        entry.shard.onUnloaded();
      } catch (e) {
        this.logger.error({ partition, err: (e as Error).stack }, `${this.opts.name}: unloading the shard failed`);
      }
    }
    const waiting = entry.deferred.splice(0);
    for (const d of waiting) d.complete(ErrorCode.NOT_COORDINATOR);
    this.logger.info({ partition, epoch: epoch ?? entry.epoch }, `${this.opts.name}: unloaded shard`);
  }

  /** Unloads every shard and stops listening to the writer. */
  close(): void {
    this.closed = true;
    for (const p of [...this.shards.keys()]) this.scheduleUnloadOperation(p);
    this.unsubscribe();
  }

  onNewMetadataImage(image: MetadataImage, previous: MetadataImage): void {
    this.image = image;
    for (const entry of this.shards.values()) {
      if (entry.state !== 'active' || !entry.shard) continue;
      try {
        entry.shard.onNewMetadataImage(image, previous);
      } catch (e) {
        this.logger.error({ partition: entry.partition, err: (e as Error).stack }, `${this.opts.name}: applying a metadata image failed`);
      }
    }
  }

  /** Sets the image loads start from (before any onNewMetadataImage). */
  setMetadataImage(image: MetadataImage): void {
    this.image = image;
  }

  // ================================================================ operations

  /**
   * Runs `op` on the partition's shard now. Its records are appended and
   * replayed; the returned promise settles when they are committed. Fails
   * with a CoordinatorError: NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS,
   * COORDINATOR_NOT_AVAILABLE, the error the operation threw, or the
   * storage's error code when the append failed.
   */
  scheduleWriteOperation<T>(name: string, partition: number, op: (shard: S) => CoordinatorResult<T, R>): Promise<T> {
    let entry: ShardEntry<S, R>;
    try {
      entry = this.activeEntry(partition);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.execute(entry, name, op);
  }

  /**
   * The end of a producer's transaction on this partition (WriteTxnMarkers
   * for a coordinator partition, Kafka's scheduleTransactionCompletion): the
   * marker is appended and replayed into the shard (its transactional
   * records become visible or are dropped); resolves once it is committed.
   */
  scheduleTransactionCompletion(name: string, partition: number, producerId: bigint, producerEpoch: number, coordinatorEpoch: number, result: TransactionResult): Promise<void> {
    let entry: ShardEntry<S, R>;
    try {
      entry = this.activeEntry(partition);
    } catch (e) {
      return Promise.reject(e);
    }
    let written: { errorCode: number; offset: number };
    try {
      written = this.opts.writer.appendEndTxnMarker(partition, producerId, producerEpoch, coordinatorEpoch, result, this.opts.clock.now());
    } catch (e) {
      this.logger.error({ partition, op: name, err: (e as Error).stack }, `${this.opts.name}: writing a transaction marker failed`);
      return Promise.reject(new CoordinatorError(ErrorCode.UNKNOWN_SERVER_ERROR));
    }
    if (written.errorCode !== ErrorCode.NONE) return Promise.reject(new CoordinatorError(written.errorCode));
    try {
      entry.shard!.replayEndTransactionMarker(producerId, producerEpoch, result);
    } catch (e) {
      this.logger.error({ partition, op: name, err: (e as Error).stack }, `${this.opts.name}: replaying a transaction marker failed`);
    }
    entry.lastWrittenOffset = Math.max(entry.lastWrittenOffset, written.offset + 1);
    return this.execute(entry, name, () => ({ records: [], response: undefined }));
  }

  /** A read: `op` sees the shard's state now; the answer is released once what it saw is committed. */
  scheduleReadOperation<T>(name: string, partition: number, op: (shard: S) => T): Promise<T> {
    return this.scheduleWriteOperation(name, partition, (shard) => ({ records: [], response: op(shard) }));
  }

  /** The shard's state: undefined when this broker does not host it. */
  state(partition: number): ShardState | undefined {
    return this.shards.get(partition)?.state;
  }

  /** The leader epoch a partition's shard was loaded at (the coordinator epoch of the transaction coordinator); undefined when not hosted. */
  epochOf(partition: number): number | undefined {
    return this.shards.get(partition)?.epoch;
  }

  /** The active shard of a partition, for introspection (undefined when not active). */
  shard(partition: number): S | undefined {
    const e = this.shards.get(partition);
    return e && e.state === 'active' && e.shard ? e.shard : undefined;
  }

  /** Active shards by partition. */
  activeShards(): Array<{ partition: number; shard: S }> {
    const out: Array<{ partition: number; shard: S }> = [];
    for (const e of this.shards.values()) if (e.state === 'active' && e.shard) out.push({ partition: e.partition, shard: e.shard });
    return out.sort((a, b) => a.partition - b.partition);
  }

  partitions(): number[] {
    return [...this.shards.keys()].sort((a, b) => a - b);
  }

  /** Pending timers of a partition's shard (for tests). */
  timerCount(partition: number): number {
    return this.shards.get(partition)?.timer.size() ?? 0;
  }

  /** Where a shard stands (for tests and tools). */
  offsets(partition: number): { lastWrittenOffset: number; committedOffset: number; waiting: number } | undefined {
    const e = this.shards.get(partition);
    return e && { lastWrittenOffset: e.lastWrittenOffset, committedOffset: e.committedOffset, waiting: e.deferred.length };
  }

  private activeEntry(partition: number): ShardEntry<S, R> {
    const e = this.shards.get(partition);
    if (!e) throw new CoordinatorError(ErrorCode.NOT_COORDINATOR);
    if (e.state === 'loading') throw new CoordinatorError(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    if (e.state === 'failed' || !e.shard) throw new CoordinatorError(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    return e;
  }

  private execute<T>(entry: ShardEntry<S, R>, name: string, op: (shard: S) => CoordinatorResult<T, R>): Promise<T> {
    const shard = entry.shard!;
    let res: CoordinatorResult<T, R>;
    try {
      res = op(shard);
    } catch (e) {
      return Promise.reject(e);
    }
    let target = entry.lastWrittenOffset;
    if (res.records.length > 0) {
      const errorCode = this.append(entry, name, res);
      if (errorCode !== ErrorCode.NONE) {
        if (res.onCommitted) {
          res.onCommitted(errorCode);
          return Promise.resolve(res.response);
        }
        return Promise.reject(new CoordinatorError(errorCode));
      }
      target = entry.lastWrittenOffset;
    }
    return new Promise<T>((resolve, reject) => {
      const complete = (errorCode: number) => {
        if (errorCode === ErrorCode.NONE) {
          res.onCommitted?.(ErrorCode.NONE);
          resolve(res.response);
        } else if (res.onCommitted) {
          resolve(res.response);
        } else {
          reject(new CoordinatorError(errorCode));
        }
      };
      if (entry.committedOffset >= target) complete(ErrorCode.NONE);
      else entry.deferred.push({ offset: target, complete });
    });
  }

  /** Appends an operation's records and replays them; the storage's error code (0 on success). */
  private append(entry: ShardEntry<S, R>, name: string, res: CoordinatorResult<unknown, R>): number {
    const producerId = res.producerId ?? NO_PRODUCER_ID;
    const producerEpoch = res.producerEpoch ?? NO_PRODUCER_EPOCH;
    let written: ReturnType<PartitionWriter['append']>;
    try {
      const serialized = res.records.map((r) => this.opts.serde.serialize(r));
      written = this.opts.writer.append(entry.partition, serialized, {
        timestampMs: this.opts.clock.now(),
        producerId,
        producerEpoch,
        transactional: producerId !== NO_PRODUCER_ID,
        verificationGuard: res.verificationGuard,
      });
    } catch (e) {
      this.logger.error({ partition: entry.partition, op: name, err: (e as Error).stack }, `${this.opts.name}: writing records failed`);
      return ErrorCode.UNKNOWN_SERVER_ERROR;
    }
    if (written.errorCode !== ErrorCode.NONE) {
      this.logger.warn({ partition: entry.partition, op: name, error: written.errorCode }, `${this.opts.name}: append failed`);
      return written.errorCode;
    }
    if (written.baseOffset !== entry.lastWrittenOffset) {
      this.logger.warn({ partition: entry.partition, expected: entry.lastWrittenOffset, got: written.baseOffset }, `${this.opts.name}: records were written to the partition by someone else`);
    }
    let offset = written.baseOffset;
    for (const r of res.records) {
      try {
        entry.shard!.replay(offset, producerId, producerEpoch, r);
      } catch (e) {
        this.logger.error({ partition: entry.partition, offset, op: name, err: (e as Error).stack }, `${this.opts.name}: replaying a written record failed`);
      }
      offset++;
    }
    entry.lastWrittenOffset = written.nextOffset;
    if (res.onAppended) {
      try {
        res.onAppended();
      } catch (e) {
        this.logger.error({ partition: entry.partition, op: name, err: (e as Error).stack }, `${this.opts.name}: work after an append failed`);
      }
    }
    return ErrorCode.NONE;
  }

  private fireTimer(entry: ShardEntry<S, R>, key: string, op: () => CoordinatorResult<unknown, R>): void {
    if (this.shards.get(entry.partition) !== entry || entry.state !== 'active') return;
    this.execute(entry, `timer ${key}`, () => op()).catch((e) => {
      this.logger.warn({ partition: entry.partition, timer: key, err: (e as Error).message }, `${this.opts.name}: timer operation failed`);
    });
  }

  /** The partition's high watermark moved: complete what it has passed. */
  onHighWatermark(partition: number, highWatermark: number): void {
    const entry = this.shards.get(partition);
    if (!entry || highWatermark <= entry.committedOffset) return;
    entry.committedOffset = highWatermark;
    if (entry.deferred.length === 0) return;
    // Completed on the next microtask: never inside the append that moved the watermark.
    queueMicrotask(() => {
      if (this.shards.get(partition) !== entry) return;
      let n = 0;
      while (n < entry.deferred.length && entry.deferred[n].offset <= entry.committedOffset) n++;
      for (const d of entry.deferred.splice(0, n)) d.complete(ErrorCode.NONE);
    });
  }
}
