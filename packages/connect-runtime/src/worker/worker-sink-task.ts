/**
 * `WorkerSinkTask`: a consumer in group `connect-<connector>` (auto commit
 * off, `auto.offset.reset=earliest` as Kafka's worker sets them) feeds
 * converted and transformed SinkRecords to `SinkTask.put`. Offsets are
 * committed every `offset.flush.interval.ms` (or on `requestCommit`, on
 * partition revocation and on shutdown) with what `SinkTask.preCommit`
 * returns (by default: after `flush`), so a record's offset is committed
 * only after the task made it durable: at-least-once delivery.
 *
 * A record whose conversion or transformation fails goes, with
 * `errors.tolerance=all`, to the error reporters (log, dead letter queue)
 * and is skipped; with `none` the task fails with the cause in its trace.
 * `put` throwing RetriableException redelivers the same batch after
 * `context.timeout(ms)` (partitions paused meanwhile); any other exception
 * fails the task.
 */
import {
  ConnectHeaders,
  ConnectException,
  RetriableException,
  SinkRecord,
  topicPartitionKey,
  type ErrantRecordReporter,
  type HeaderConverter,
  type OffsetAndMetadata,
  type PartitionOffsets,
  type SinkTask,
  type TopicPartition,
} from '@nagare/connect-api';
import type { Consumer, ConsumerRecord } from '@nagare/client';
import type { Logger } from '@nagare/common';
import { ToleranceExceededError, type ConsumedRecord, type Stage } from '../errors/retry-with-tolerance';
import type { ConnectorTaskId } from '../herder/status';
import { pluginClassName } from '../plugins/plugins';
import { WorkerTask, type TaskPipeline, type TaskStatusListener } from './worker-task';

export interface SinkTaskOptions {
  connectorName: string;
  task: SinkTask;
  taskConfig: Record<string, string>;
  consumer: Consumer;
  offsetFlushIntervalMs: number;
  pollTimeoutMs?: number;
  /** Called once per topic the task reads from (topic tracking, KIP-558). */
  onTopic?: (topic: string) => void;
}

export class WorkerSinkTask extends WorkerTask {
  private readonly currentOffsets: PartitionOffsets = new Map();
  private lastCommitted = new Map<string, number>();
  private lastCommit = Date.now();
  private commitRequested = false;
  private timeoutMs = -1;
  private readonly rewinds = new Map<string, { tp: TopicPartition; offset: number }>();
  private assigned: TopicPartition[] = [];
  private readonly userPaused = new Map<string, TopicPartition>();
  private listenerError: Error | null = null;

  constructor(
    id: ConnectorTaskId,
    listener: TaskStatusListener,
    pipeline: TaskPipeline,
    logger: Logger,
    initialPaused: boolean,
    private readonly o: SinkTaskOptions,
  ) {
    super(id, listener, pipeline, logger, initialPaused);
  }

  private get consumer(): Consumer {
    return this.o.consumer;
  }

  protected async execute(): Promise<void> {
    const task = this.o.task;
    const reporter: ErrantRecordReporter = {
      report: async (record, error) => {
        const raw: ConsumedRecord = {
          topic: record.originalTopic(),
          partition: record.originalKafkaPartition() ?? record.kafkaPartition() ?? 0,
          offset: record.originalKafkaOffset(),
          timestamp: record.timestamp() ?? -1,
          key: this.rawOf(record.originalTopic(), record.keySchema(), record.key(), true),
          value: this.rawOf(record.originalTopic(), record.valueSchema(), record.value(), false),
          headers: [],
        };
        await this.pipeline.operator.execute('TASK_PUT', pluginClassName(task), raw, () => {
          throw error;
        });
      },
    };
    task.initialize({
      configs: () => ({ ...this.o.taskConfig }),
      offset: (a: ReadonlyMap<TopicPartition, number> | TopicPartition, off?: number) => {
        if (a instanceof Map) for (const [tp, o] of a) this.rewinds.set(topicPartitionKey(tp), { tp, offset: o });
        else this.rewinds.set(topicPartitionKey(a as TopicPartition), { tp: a as TopicPartition, offset: off! });
      },
      timeout: (ms: number) => {
        this.timeoutMs = ms;
      },
      assignment: () => [...this.assigned],
      pause: (...tps: TopicPartition[]) => {
        for (const tp of tps) this.userPaused.set(topicPartitionKey(tp), tp);
        this.consumer.pause(tps);
      },
      resume: (...tps: TopicPartition[]) => {
        for (const tp of tps) this.userPaused.delete(topicPartitionKey(tp));
        if (!this.paused) this.consumer.resume(tps);
      },
      requestCommit: () => {
        this.commitRequested = true;
      },
      errantRecordReporter: () => reporter,
    });
    await task.start(this.o.taskConfig);
    this.logger.info(`${this.idString} Sink task finished initialization and start`);
    const topics = (this.o.taskConfig['topics'] ?? '').trim();
    const regex = (this.o.taskConfig['topics.regex'] ?? '').trim();
    const rebalance = {
      onPartitionsAssigned: async (tps: TopicPartition[]) => {
        try {
          this.assigned.push(...tps);
          for (const tp of tps) {
            const pos = await this.consumer.position(tp);
            this.lastCommitted.set(topicPartitionKey(tp), pos);
            this.currentOffsets.set(topicPartitionKey(tp), { topic: tp.topic, partition: tp.partition, offset: pos });
          }
          if (this.paused) this.consumer.pause(tps);
          await task.open(tps);
          // offsets the task asked for in open() apply before any record of these partitions is fetched (Kafka rewinds here too)
          this.applyRewinds();
        } catch (e) {
          this.listenerError = e as Error;
        }
      },
      onPartitionsRevoked: async (tps: TopicPartition[]) => {
        try {
          if (tps.length === 0) return;
          await this.commitOffsets(true);
          await task.close(tps);
          const gone = new Set(tps.map(topicPartitionKey));
          this.assigned = this.assigned.filter((tp) => !gone.has(topicPartitionKey(tp)));
          for (const k of gone) {
            this.currentOffsets.delete(k);
            this.lastCommitted.delete(k);
          }
        } catch (e) {
          this.listenerError = e as Error;
        }
      },
    };
    if (regex !== '') this.consumer.subscribe(new RegExp(regex), rebalance);
    else this.consumer.subscribe(topics.split(/\s*,\s*/).filter((t) => t !== ''), rebalance);
    this.listener.onStartup(this.id);
    if (this.paused) this.listener.onPause(this.id);
    let wasPaused = false;
    try {
      while (!this.stopping) {
        if (this.paused !== wasPaused) {
          wasPaused = this.paused;
          const tps = this.consumer.assignment();
          if (this.paused) this.consumer.pause(tps);
          else this.consumer.resume(tps.filter((tp) => !this.userPaused.has(topicPartitionKey(tp))));
        }
        await this.iteration();
        if (this.listenerError) throw this.listenerError;
      }
      await this.commitOffsets(true);
      if (this.assigned.length) await task.close([...this.assigned]);
    } finally {
      try {
        await task.stop();
      } catch (e) {
        this.logger.warn({ err: e }, `${this.idString} Task threw an exception while stopping`);
      }
      await this.consumer.close().catch(() => undefined);
    }
  }

  private rawOf(topic: string, schema: import('@nagare/connect-api').Schema | null, value: unknown, isKey: boolean): Buffer | null {
    try {
      const b = (isKey ? this.pipeline.keyConverter : this.pipeline.valueConverter).fromConnectData(topic, schema, value);
      return b === null ? null : Buffer.from(b);
    } catch {
      return null;
    }
  }

  /** Seeks to the offsets the task set with `context.offset(...)`. */
  private applyRewinds(): void {
    if (this.rewinds.size === 0) return;
    for (const { tp, offset } of this.rewinds.values()) {
      this.consumer.seek(tp, offset);
      this.currentOffsets.set(topicPartitionKey(tp), { topic: tp.topic, partition: tp.partition, offset });
    }
    this.rewinds.clear();
  }

  private async iteration(): Promise<void> {
    if (Date.now() - this.lastCommit >= this.o.offsetFlushIntervalMs || this.commitRequested) {
      this.commitRequested = false;
      await this.commitOffsets(false);
    }
    this.applyRewinds();
    const msgs = await this.consumer.poll(this.o.pollTimeoutMs ?? 500);
    if (this.stopping && msgs.length === 0) return;
    if (msgs.length === 0) {
      // an empty batch still goes to put (Kafka does this so tasks can flush on time)
      if (!this.paused) await this.deliver([]);
      return;
    }
    this.metrics.recordsIn += msgs.length;
    const batch: SinkRecord[] = [];
    for (let i = 0; i < msgs.length; i++) {
      let r = this.convertAndTransform(msgs[i]);
      if (r instanceof Promise) r = await r;
      if (r !== null) batch.push(r);
    }
    await this.deliver(batch);
    // the next offset of each partition, set once per partition run (records arrive grouped by partition)
    let last = msgs[0];
    this.track(last.topic);
    for (let i = 1; i < msgs.length; i++) {
      const m = msgs[i];
      if (m.partition !== last.partition || m.topic !== last.topic) {
        this.currentOffsets.set(`${last.topic}-${last.partition}`, { topic: last.topic, partition: last.partition, offset: last.offset + 1 });
        this.track(m.topic);
      }
      last = m;
    }
    this.currentOffsets.set(`${last.topic}-${last.partition}`, { topic: last.topic, partition: last.partition, offset: last.offset + 1 });
  }

  private readonly seenTopics = new Set<string>();

  private track(topic: string): void {
    if (this.o.onTopic === undefined || this.seenTopics.has(topic)) return;
    this.seenTopics.add(topic);
    this.o.onTopic(topic);
  }

  private async deliver(batch: SinkRecord[]): Promise<void> {
    for (;;) {
      try {
        await this.o.task.put(batch);
        this.metrics.recordsOut += batch.length;
        return;
      } catch (e) {
        if (e instanceof RetriableException) {
          this.logger.error({ err: e }, `${this.idString} RetriableException from SinkTask: redelivering the batch`);
          const tps = this.consumer.assignment();
          this.consumer.pause(tps);
          await this.sleep(this.timeoutMs > 0 ? this.timeoutMs : 0);
          this.timeoutMs = -1;
          if (!this.paused) this.consumer.resume(tps.filter((tp) => !this.userPaused.has(topicPartitionKey(tp))));
          if (this.stopping) return;
          continue;
        }
        if (e instanceof ToleranceExceededError) throw e;
        this.logger.error({ err: e }, `${this.idString} Task threw an uncaught and unrecoverable exception. Task is being killed and will not recover until manually restarted. Error: ${(e as Error).message}`);
        throw new ConnectException('Exiting WorkerSinkTask due to unrecoverable exception.', { cause: e });
      }
    }
  }

  /**
   * Converts and transforms one consumed record: synchronous unless a stage
   * fails, then the error handler's path (`convertSlow`) from that stage on.
   * Null when dropped by a transform or skipped with errors.tolerance=all.
   */
  private convertAndTransform(m: ConsumerRecord): SinkRecord | null | Promise<SinkRecord | null> {
    const { keyConverter, valueConverter, headerConverter, chain } = this.pipeline;
    let step = 0;
    let record: SinkRecord;
    try {
      const key = keyConverter.toConnectData(m.topic, m.key);
      step = 1;
      const value = valueConverter.toConnectData(m.topic, m.value);
      step = 2;
      const headers = toConnectHeaders(headerConverter, m);
      step = 3;
      record = new SinkRecord(m.topic, m.partition, key.schema(), key.value(), value.schema(), value.value(), m.offset, m.timestamp, m.timestampType, headers);
    } catch (e) {
      return this.convertSlow(m, step, null, e);
    }
    const stages = chain.stages;
    for (let i = 0; i < stages.length; i++) {
      let r: SinkRecord | null;
      try {
        r = stages[i].apply(record);
      } catch (e) {
        return this.convertSlow(m, 3 + i, record, e);
      }
      if (r === null || r === undefined) return null;
      record = r;
    }
    return record;
  }

  /** The error-handled path from step `step` (key, value, headers, then each stage) whose first attempt threw `error`. */
  private async convertSlow(m: ConsumerRecord, step: number, record: SinkRecord | null, error: unknown): Promise<SinkRecord | null> {
    const { operator, keyConverter, valueConverter, headerConverter, chain } = this.pipeline;
    const raw: ConsumedRecord = m;
    let firstError: unknown = error;
    const run = <T>(stage: Stage, cls: string, fn: () => T): T | Promise<T | undefined> => {
      if (firstError === undefined) return operator.executeSync(stage, cls, raw, fn);
      const e = firstError;
      firstError = undefined;
      return operator.recover(stage, cls, raw, fn, e);
    };
    let rec: SinkRecord;
    if (record !== null) rec = record;
    else {
      const key = step <= 0 ? await run('KEY_CONVERTER', pluginClassName(keyConverter), () => keyConverter.toConnectData(m.topic, m.key)) : keyConverter.toConnectData(m.topic, m.key);
      if (key === undefined) return null;
      const value = step <= 1 ? await run('VALUE_CONVERTER', pluginClassName(valueConverter), () => valueConverter.toConnectData(m.topic, m.value)) : valueConverter.toConnectData(m.topic, m.value);
      if (value === undefined) return null;
      const headers = await run('HEADER_CONVERTER', pluginClassName(headerConverter), () => toConnectHeaders(headerConverter, m));
      if (headers === undefined) return null;
      rec = new SinkRecord(m.topic, m.partition, key.schema(), key.value(), value.schema(), value.value(), m.offset, m.timestamp, m.timestampType, headers);
      step = 3;
    }
    const stages = chain.stages;
    for (let i = step - 3; i < stages.length; i++) {
      const stage = stages[i];
      const r: SinkRecord = rec;
      const out = await run('TRANSFORMATION', stage.className, () => stage.apply(r));
      if (out === null || out === undefined) return null;
      rec = out;
    }
    return rec;
  }

  /** preCommit with the offsets consumed so far, then commitSync of what it returns (only partitions that moved). */
  private async commitOffsets(closing: boolean): Promise<void> {
    this.lastCommit = Date.now();
    if (this.currentOffsets.size === 0) return;
    let committable: PartitionOffsets;
    try {
      committable = await this.o.task.preCommit(new Map(this.currentOffsets));
    } catch (e) {
      this.metrics.offsetCommitFailure++;
      this.logger.error({ err: e }, `${this.idString} Offset commit failed, rewinding to last committed offsets`);
      for (const [k, off] of this.lastCommitted) {
        const cur = this.currentOffsets.get(k);
        if (cur) {
          this.consumer.seek(cur, off);
          this.currentOffsets.set(k, { ...cur, offset: off });
        }
      }
      return;
    }
    const toCommit: OffsetAndMetadata[] = [];
    for (const [k, o] of committable) {
      if (!this.currentOffsets.has(k) && !this.assigned.some((tp) => topicPartitionKey(tp) === k)) continue; // not ours any more
      if (this.lastCommitted.get(k) === o.offset) continue;
      toCommit.push(o);
    }
    if (toCommit.length === 0) return;
    try {
      await this.consumer.commitSync(toCommit.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset, metadata: o.metadata ?? '' })));
      for (const o of toCommit) this.lastCommitted.set(topicPartitionKey(o), o.offset);
      this.metrics.offsetCommitSuccess++;
    } catch (e) {
      this.metrics.offsetCommitFailure++;
      this.logger.error({ err: e }, `${this.idString} Commit of offsets threw an unexpected exception${closing ? ' while closing' : ''}`);
    }
  }
}

/** The consumed record's headers as Connect headers (null when it has none: the record makes an empty set if asked). */
function toConnectHeaders(headerConverter: HeaderConverter, m: ConsumerRecord): ConnectHeaders | null {
  if (m.headers.length === 0) return null;
  const hs = new ConnectHeaders();
  for (const h of m.headers) hs.add(h.key, headerConverter.toConnectHeader(m.topic, h.key, h.value));
  return hs;
}
