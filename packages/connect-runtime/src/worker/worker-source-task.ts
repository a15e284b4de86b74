/**
 * `AbstractWorkerSourceTask` / `WorkerSourceTask` (at-least-once mode):
 * poll the task, transform, convert, produce with an idempotent producer;
 * each record's source offset becomes committable once the producer
 * acknowledged it *and every earlier record of the same source partition*
 * (`SubmittedRecords`). Every `offset.flush.interval.ms` the committable
 * offsets are written to the offset store and `SourceTask.commit()` is
 * called; a last commit happens on shutdown. On a crash the records produced
 * after the last commit are produced again on restart (at-least-once).
 */
import { ConnectException, type HeaderConverter, type SourceRecord, type SourceTask } from '@nagare/connect-api';
import type { Admin, Producer, RecordMetadata } from '@nagare/client';
import type { Logger } from '@nagare/common';
import type { OffsetBackingStore } from '../storage/file-offset-store';
import { offsetKey, offsetStorageReader } from '../storage/offset-storage';
import { TopicCreation } from './topic-creation';
import type { Stage } from '../errors/retry-with-tolerance';
import { pluginClassName } from '../plugins/plugins';
import { WorkerTask, type TaskPipeline, type TaskStatusListener } from './worker-task';
import type { ConnectorTaskId } from '../herder/status';

interface Submitted {
  offset: Record<string, unknown> | null;
  acked: boolean;
}

/** `SubmittedRecords`: per source partition, the in-order deque of records sent and not yet committable. */
export class SubmittedRecords {
  private readonly byPartition = new Map<string, { partition: Record<string, unknown> | null; queue: Submitted[] }>();
  private outstanding = 0;
  private waiters: Array<() => void> = [];

  /** The last partition object seen and its entry: tasks usually reuse one object per partition, so no JSON per record. */
  private lastPartition: Record<string, unknown> | null | undefined = undefined;
  private lastEntry: { partition: Record<string, unknown> | null; queue: Submitted[] } | undefined;

  submit(record: SourceRecord): Submitted {
    const p = record.sourcePartition();
    let e = p === this.lastPartition ? this.lastEntry : undefined;
    if (!e) {
      const key = JSON.stringify(p);
      e = this.byPartition.get(key);
      if (!e) this.byPartition.set(key, (e = { partition: p, queue: [] }));
      this.lastPartition = p;
      this.lastEntry = e;
    }
    const s: Submitted = { offset: record.sourceOffset(), acked: false };
    e.queue.push(s);
    this.outstanding++;
    return s;
  }

  ack(s: Submitted): void {
    if (s.acked) return;
    s.acked = true;
    this.outstanding--;
    if (this.waiters.length > 0) for (const w of this.waiters.splice(0)) w();
  }

  get pending(): number {
    return this.outstanding;
  }

  /** Resolves once fewer than `max` records are unacknowledged. */
  async awaitBelow(max: number): Promise<void> {
    while (this.outstanding >= max) await new Promise<void>((r) => this.waiters.push(r));
  }

  /** Resolves when every record is acknowledged, or after `timeoutMs`; true when all were. */
  async awaitAllAcked(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.outstanding > 0) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      let t: NodeJS.Timeout | undefined;
      await Promise.race([new Promise<void>((r) => this.waiters.push(r)), new Promise<void>((r) => (t = setTimeout(r, left)))]);
      clearTimeout(t);
    }
    return true;
  }

  /** Removes the acknowledged prefix of each partition and returns the latest committable offset per partition. */
  committableOffsets(): Array<{ partition: Record<string, unknown> | null; offset: Record<string, unknown> | null }> {
    const out: Array<{ partition: Record<string, unknown> | null; offset: Record<string, unknown> | null }> = [];
    for (const [key, e] of this.byPartition) {
      let i = 0;
      while (i < e.queue.length && e.queue[i].acked) i++;
      if (i === 0) continue;
      out.push({ partition: e.partition, offset: e.queue[i - 1].offset });
      e.queue.splice(0, i);
      if (e.queue.length === 0) {
        this.byPartition.delete(key);
        if (this.lastEntry === e) {
          this.lastEntry = undefined;
          this.lastPartition = undefined;
        }
      }
    }
    return out;
  }
}

export interface SourceTaskOptions {
  connectorName: string;
  task: SourceTask;
  taskConfig: Record<string, string>;
  connectorConfig: Readonly<Record<string, string>>;
  producer: Producer;
  admin: Admin | null;
  offsetStore: OffsetBackingStore;
  offsetFlushIntervalMs: number;
  offsetFlushTimeoutMs: number;
  topicCreationEnabled: boolean;
  /** Unacknowledged records at which polling waits (backpressure). */
  maxOutstanding?: number;
  /** How long the first record of a topic waits for its metadata (the producer's max.block.ms). */
  maxBlockMs?: number;
  /** Called once per topic the task writes to (topic tracking, KIP-558). */
  onTopic?: (topic: string) => void;
}

export class WorkerSourceTask extends WorkerTask {
  private readonly submitted = new SubmittedRecords();
  private lastCommit = Date.now();
  private producerError: Error | null = null;
  protected readonly topicCreation: TopicCreation | null;
  private commitInProgress: Promise<void> | null = null;
  protected readonly knownTopics = new Set<string>();

  constructor(
    id: ConnectorTaskId,
    listener: TaskStatusListener,
    pipeline: TaskPipeline,
    logger: Logger,
    initialPaused: boolean,
    protected readonly o: SourceTaskOptions,
  ) {
    super(id, listener, pipeline, logger, initialPaused);
    this.topicCreation = o.topicCreationEnabled && o.admin ? TopicCreation.fromConfig(o.connectorConfig, o.admin) : null;
  }

  protected override onStop(): void {
    // SourceTask.stop() is called as soon as the worker asks (Kafka calls it from the herder thread), so a poll() waiting on input ends.
    Promise.resolve()
      .then(() => this.o.task.stop())
      .catch((e: unknown) => this.logger.warn({ err: e }, `${this.idString} Task threw an exception while stopping`));
  }

  protected async execute(): Promise<void> {
    const task = this.o.task;
    task.initialize({
      configs: () => ({ ...this.o.taskConfig }),
      offsetStorageReader: () => this.reader(),
    });
    await task.start(this.o.taskConfig);
    this.logger.info(`${this.idString} Source task finished initialization and start`);
    this.listener.onStartup(this.id);
    if (this.paused) this.listener.onPause(this.id);
    const max = this.o.maxOutstanding ?? 20000;
    try {
      while (!this.stopping) {
        if (this.paused) {
          await this.awaitUnpaused();
          continue;
        }
        if (this.producerError) throw this.producerError;
        await this.maybeCommit();
        const records = await this.pipeline.operator.execute('TASK_POLL', pluginClassName(task), null, () => task.poll());
        if (this.stopping) {
          if (records && records.length) await this.sendRecords(records);
          break;
        }
        if (!records || records.length === 0) continue;
        this.metrics.recordsIn += records.length;
        await this.sendRecords(records);
        if (this.submitted.pending >= max) await this.submitted.awaitBelow(max);
      }
    } finally {
      await this.finalCommit();
    }
    if (this.producerError) throw this.producerError;
  }

  protected reader(): import('@nagare/connect-api').OffsetStorageReader {
    return offsetStorageReader(this.o.offsetStore, this.o.connectorName);
  }

  /**
   * Transforms, converts and hands each record to the producer. The
   * per-record work is synchronous (`prepare`); a promise appears only when a
   * stage failed and the error handler retries, reports or fails (`prepareSlow`),
   * or when `commitRecord` of a dropped record returns one.
   */
  private async sendRecords(records: SourceRecord[]): Promise<void> {
    for (let i = 0; i < records.length; i++) {
      const original = records[i];
      let prepared = this.prepare(original);
      if (prepared instanceof Promise) prepared = await prepared;
      if (prepared === null) {
        // dropped by a transform (or a tolerated failure): nothing to produce, the offset is committable
        this.submitted.ack(this.submitted.submit(original));
        const c = this.o.task.commitRecord(original, null);
        if (c instanceof Promise) await c;
        continue;
      }
      if (this.topicCreation) await this.topicCreation.ensure(prepared.topic);
      if (!this.knownTopics.has(prepared.topic)) {
        await this.awaitMetadata(prepared.topic);
        this.o.onTopic?.(prepared.topic);
      }
      this.produce(original, prepared);
    }
  }

  /**
   * Waits for the topic's metadata before its first record, as the Java
   * producer's send() blocks for it (max.block.ms): records then go straight
   * into batches instead of queueing behind the metadata request. A failure
   * here is left to the send, which reports it through its callback.
   */
  protected async awaitMetadata(topic: string): Promise<void> {
    try {
      if (this.o.producer.cluster.topic(topic) === undefined) await this.o.producer.cluster.waitForTopics([topic], this.o.maxBlockMs ?? 60000, false);
      this.knownTopics.add(topic);
    } catch {
      // the send fails with the producer's own error
    }
  }

  /** The record after the chain and the converters, or null when dropped; a promise only after a failure. */
  protected prepare(original: SourceRecord): Prepared | null | Promise<Prepared | null> {
    const stages = this.pipeline.chain.stages;
    let record: SourceRecord = original;
    for (let i = 0; i < stages.length; i++) {
      let r: SourceRecord | null;
      try {
        r = stages[i].apply(record);
      } catch (e) {
        return this.prepareSlow(original, record, i, e);
      }
      if (r === null || r === undefined) return null;
      record = r;
    }
    return this.convert(original, record, stages.length);
  }

  /** Converts key, value and headers (steps: the stages, then key, value, headers; `step` counts for the slow path). */
  private convert(original: SourceRecord, rec: SourceRecord, step: number): Prepared | null | Promise<Prepared | null> {
    const { keyConverter, valueConverter, headerConverter } = this.pipeline;
    const topic = rec.topic();
    let key: Uint8Array | null;
    let value: Uint8Array | null;
    let headers: Array<{ key: string; value: Buffer | null }> | undefined;
    try {
      key = keyConverter.fromConnectData(topic, rec.keySchema(), rec.key());
      step++;
      value = valueConverter.fromConnectData(topic, rec.valueSchema(), rec.value());
      step++;
      headers = convertHeaders(headerConverter, topic, rec);
    } catch (e) {
      return this.prepareSlow(original, rec, step, e);
    }
    return { topic, rec, key, value, headers };
  }

  /** The error-handled path from step `step` on, which failed with `error` on its first attempt. */
  private async prepareSlow(original: SourceRecord, record: SourceRecord, step: number, error: unknown): Promise<Prepared | null> {
    const { chain, operator, keyConverter, valueConverter, headerConverter } = this.pipeline;
    const stages = chain.stages;
    let rec: SourceRecord = record;
    let firstError: unknown = error;
    const run = <T>(stage: Stage, cls: string, fn: () => T): T | Promise<T | undefined> => {
      if (firstError === undefined) return operator.executeSync(stage, cls, null, fn, original);
      const e = firstError;
      firstError = undefined;
      return operator.recover(stage, cls, null, fn, e, original);
    };
    for (let i = step; i < stages.length; i++) {
      const stage = stages[i];
      const r: SourceRecord = rec;
      const out = await run('TRANSFORMATION', stage.className, () => stage.apply(r));
      if (out === null || out === undefined) return null;
      rec = out;
    }
    const topic = rec.topic();
    const fin: SourceRecord = rec;
    let key: Uint8Array | null | undefined = null;
    if (step <= stages.length) {
      key = await run('KEY_CONVERTER', pluginClassName(keyConverter), () => keyConverter.fromConnectData(topic, fin.keySchema(), fin.key()));
      if (key === undefined) return null;
    } else key = keyConverter.fromConnectData(topic, fin.keySchema(), fin.key());
    let value: Uint8Array | null | undefined = null;
    if (step <= stages.length + 1) {
      value = await run('VALUE_CONVERTER', pluginClassName(valueConverter), () => valueConverter.fromConnectData(topic, fin.valueSchema(), fin.value()));
      if (value === undefined) return null;
    } else value = valueConverter.fromConnectData(topic, fin.valueSchema(), fin.value());
    const headers = await run('HEADER_CONVERTER', pluginClassName(headerConverter), () => convertHeaders(headerConverter, topic, fin) ?? null);
    if (headers === undefined) return null;
    return { topic, rec: fin, key, value, headers: headers ?? undefined };
  }

  private produce(original: SourceRecord, p: Prepared): void {
    const s = this.submitted.submit(original);
    const ts = p.rec.timestamp();
    const task = this.o.task;
    const topic = p.topic;
    this.o.producer.send(
      {
        topic,
        partition: p.rec.kafkaPartition() ?? undefined,
        key: p.key === null ? null : toBuf(p.key),
        value: p.value === null ? null : toBuf(p.value),
        headers: p.headers,
        timestamp: ts === null || ts < 0 ? undefined : ts,
      },
      (err: Error | null, md: RecordMetadata | null) => {
        if (err) {
          if (this.pipeline.operator.config.tolerance === 'all') {
            this.logger.error({ err }, `${this.idString} failed to send record to ${topic}: ignoring it (errors.tolerance=all)`);
            this.submitted.ack(s);
            Promise.resolve(task.commitRecord(original, null)).catch(() => undefined);
          } else if (!this.producerError) {
            this.producerError = new ConnectException(`Unrecoverable exception from producer send callback`, { cause: err });
            this.stop();
          }
          return;
        }
        this.submitted.ack(s);
        this.metrics.recordsOut++;
        try {
          const c = task.commitRecord(original, md);
          if (c instanceof Promise) c.catch((e: unknown) => this.logger.warn({ err: e }, `${this.idString} Exception thrown while calling task.commitRecord()`));
        } catch (e) {
          this.logger.warn({ err: e }, `${this.idString} Exception thrown while calling task.commitRecord()`);
        }
      },
    );
  }

  private async maybeCommit(): Promise<void> {
    if (Date.now() - this.lastCommit < this.o.offsetFlushIntervalMs) return;
    await this.commitOffsets();
  }

  /** Writes the committable offsets (records acknowledged in order) and calls SourceTask.commit(). */
  async commitOffsets(): Promise<void> {
    if (this.commitInProgress) return this.commitInProgress;
    this.commitInProgress = (async () => {
      this.lastCommit = Date.now();
      const offsets = this.submitted.committableOffsets();
      if (offsets.length > 0) {
        const entries = new Map<string, string | null>();
        for (const { partition, offset } of offsets) {
          if (partition === null) continue;
          entries.set(offsetKey(this.o.connectorName, partition), offset === null ? null : JSON.stringify(offset));
        }
        try {
          await this.o.offsetStore.set(entries);
          this.metrics.offsetCommitSuccess++;
        } catch (e) {
          this.metrics.offsetCommitFailure++;
          this.logger.error({ err: e }, `${this.idString} Failed to commit offsets`);
          return;
        }
      }
      try {
        await this.o.task.commit();
      } catch (e) {
        this.logger.error({ err: e }, `${this.idString} Exception thrown while calling task.commit()`);
      }
    })().finally(() => {
      this.commitInProgress = null;
    });
    return this.commitInProgress;
  }

  private async finalCommit(): Promise<void> {
    try {
      await this.o.producer.flush();
    } catch {
      // failures reach the send callbacks
    }
    await this.submitted.awaitAllAcked(this.o.offsetFlushTimeoutMs);
    await this.commitOffsets();
  }
}

export interface Prepared {
  topic: string;
  rec: SourceRecord;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: Array<{ key: string; value: Buffer | null }> | undefined;
}

/** The record's headers as bytes (undefined when it has none). */
function convertHeaders(headerConverter: HeaderConverter, topic: string, rec: SourceRecord): Array<{ key: string; value: Buffer | null }> | undefined {
  if (!rec.hasHeaders()) return undefined;
  const hs = rec.headers();
  const out: Array<{ key: string; value: Buffer | null }> = [];
  for (const h of hs) {
    const b = headerConverter.fromConnectHeader(topic, h.key(), h.schema(), h.value());
    out.push({ key: h.key(), value: b === null ? null : toBuf(b) });
  }
  return out;
}

export function toBuf(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}
