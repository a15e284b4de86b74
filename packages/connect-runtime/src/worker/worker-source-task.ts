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
import { ConnectException, SourceRecord, type SourceTask } from '@nagare/connect-api';
import type { Admin, Producer, RecordMetadata } from '@nagare/client';
import type { Logger } from '@nagare/common';
import type { OffsetBackingStore } from '../storage/file-offset-store';
import { offsetKey } from '../storage/offset-storage';
import { TopicCreation } from './topic-creation';
import { TransformationChain } from './transformation-chain';
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

  submit(record: SourceRecord): Submitted {
    const p = record.sourcePartition();
    const key = JSON.stringify(p);
    let e = this.byPartition.get(key);
    if (!e) this.byPartition.set(key, (e = { partition: p, queue: [] }));
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
      if (e.queue.length === 0) this.byPartition.delete(key);
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
}

export class WorkerSourceTask extends WorkerTask {
  private readonly submitted = new SubmittedRecords();
  private lastCommit = Date.now();
  private producerError: Error | null = null;
  private readonly topicCreation: TopicCreation | null;
  private commitInProgress: Promise<void> | null = null;

  constructor(
    id: ConnectorTaskId,
    listener: TaskStatusListener,
    pipeline: TaskPipeline,
    logger: Logger,
    initialPaused: boolean,
    private readonly o: SourceTaskOptions,
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

  private reader(): import('@nagare/connect-api').OffsetStorageReader {
    const store = this.o.offsetStore;
    const name = this.o.connectorName;
    const read = (p: Record<string, unknown>): Record<string, unknown> | null => {
      const v = store.get([offsetKey(name, p)]).values().next().value;
      return v === null || v === undefined ? null : (JSON.parse(v) as Record<string, unknown>);
    };
    return {
      offset: async (p) => read(p),
      offsets: async (ps) => new Map(ps.map((p) => [p, read(p)])),
    };
  }

  private async sendRecords(records: SourceRecord[]): Promise<void> {
    const { chain, operator, keyConverter, valueConverter, headerConverter } = this.pipeline;
    const task = this.o.task;
    for (const original of records) {
      let record: SourceRecord | null | undefined = original;
      for (const stage of chain.stages) {
        const r: SourceRecord = record;
        record = await operator.executeSync('TRANSFORMATION', stage.className, null, () => TransformationChain.applyStage(stage, r), String(original));
        if (record === null || record === undefined) break;
      }
      if (record === null || record === undefined) {
        // dropped by a transform (or tolerated failure): nothing to produce, the offset is committable
        this.submitted.ack(this.submitted.submit(original));
        await task.commitRecord(original, null);
        continue;
      }
      const rec: SourceRecord = record;
      const topic = rec.topic();
      const key = await operator.executeSync('KEY_CONVERTER', pluginClassName(keyConverter), null, () => keyConverter.fromConnectData(topic, rec.keySchema(), rec.key()), String(original));
      if (key === undefined) {
        this.submitted.ack(this.submitted.submit(original));
        await task.commitRecord(original, null);
        continue;
      }
      const value = await operator.executeSync('VALUE_CONVERTER', pluginClassName(valueConverter), null, () => valueConverter.fromConnectData(topic, rec.valueSchema(), rec.value()), String(original));
      if (value === undefined) {
        this.submitted.ack(this.submitted.submit(original));
        await task.commitRecord(original, null);
        continue;
      }
      const headers = await operator.executeSync(
        'HEADER_CONVERTER',
        pluginClassName(headerConverter),
        null,
        () => {
          const hs = rec.headers();
          if (hs.isEmpty()) return undefined as unknown as Array<{ key: string; value: Buffer | null }>;
          const out: Array<{ key: string; value: Buffer | null }> = [];
          for (const h of hs) {
            const b = headerConverter.fromConnectHeader(topic, h.key(), h.schema(), h.value());
            out.push({ key: h.key(), value: b === null ? null : Buffer.from(b) });
          }
          return out;
        },
        String(original),
      );
      if (this.topicCreation) await this.topicCreation.ensure(topic);
      const s = this.submitted.submit(original);
      const ts = rec.timestamp();
      this.o.producer.send(
        {
          topic,
          partition: rec.kafkaPartition() ?? undefined,
          key: key === null ? null : toBuf(key),
          value: value === null ? null : toBuf(value),
          headers: headers ?? undefined,
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
          Promise.resolve(task.commitRecord(original, md)).catch((e: unknown) => this.logger.warn({ err: e }, `${this.idString} Exception thrown while calling task.commitRecord()`));
        },
      );
    }
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

function toBuf(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}
