/**
 * Connect's error handling (KIP-298): `RetryWithToleranceOperator`,
 * `LogReporter`, `DeadLetterQueueReporter`.
 *
 * Every stage of a record's way (conversion, transformation, put, produce)
 * runs through `execute`: RetriableExceptions are retried with exponential
 * backoff (300 ms doubling, capped at `errors.retry.delay.max.ms`) until
 * `errors.retry.timeout` (0 = no retry, -1 = forever); then, or on any
 * other error, `errors.tolerance=none` fails the task with
 * "Tolerance exceeded in error handler" (the cause in the trace) and
 * `errors.tolerance=all` reports the record (log, DLQ) and skips it.
 */
import { ConnectException, RetriableException } from '@nagare/connect-api';
import type { Logger } from '@nagare/common';

export type Stage = 'KEY_CONVERTER' | 'VALUE_CONVERTER' | 'HEADER_CONVERTER' | 'TRANSFORMATION' | 'TASK_PUT' | 'TASK_POLL' | 'KAFKA_PRODUCE' | 'KAFKA_CONSUME';

/** The consumed record of a failure (sinks), raw as it came from Kafka. */
export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Array<{ key: string; value: Buffer | null }>;
}

export interface ErrorContext {
  stage: Stage;
  /** The plugin class running the stage. */
  executingClass: string;
  consumed: ConsumedRecord | null;
  /** The source record (sources), described with String() only when reported. */
  sourceRecord?: unknown;
  error: Error;
}

export interface ErrorReporter {
  report(ctx: ErrorContext): Promise<void>;
}

export interface ErrorHandlingConfig {
  retryTimeoutMs: number;
  retryDelayMaxMs: number;
  tolerance: 'none' | 'all';
  logEnable: boolean;
  logIncludeMessages: boolean;
}

export function errorHandlingConfig(props: Readonly<Record<string, string>>): ErrorHandlingConfig {
  return {
    retryTimeoutMs: Number(props['errors.retry.timeout'] ?? 0),
    retryDelayMaxMs: Number(props['errors.retry.delay.max.ms'] ?? 60000),
    tolerance: (props['errors.tolerance'] ?? 'none').trim().toLowerCase() === 'all' ? 'all' : 'none',
    logEnable: (props['errors.log.enable'] ?? 'false').trim().toLowerCase() === 'true',
    logIncludeMessages: (props['errors.log.include.messages'] ?? 'false').trim().toLowerCase() === 'true',
  };
}

const RETRIES_DELAY_MIN_MS = 300;

export class ToleranceExceededError extends ConnectException {
  constructor(cause: Error) {
    super('Tolerance exceeded in error handler', { cause });
  }
}

export interface ErrorMetrics {
  recordProcessingFailures: number;
  recordProcessingErrors: number;
  recordsSkipped: number;
  totalRetries: number;
  totalErrorsLogged: number;
  deadletterqueueProduceRequests: number;
  deadletterqueueProduceFailures: number;
}

export class RetryWithToleranceOperator {
  readonly metrics: ErrorMetrics = {
    recordProcessingFailures: 0,
    recordProcessingErrors: 0,
    recordsSkipped: 0,
    totalRetries: 0,
    totalErrorsLogged: 0,
    deadletterqueueProduceRequests: 0,
    deadletterqueueProduceFailures: 0,
  };
  private readonly reporters: ErrorReporter[] = [];
  /** Set when stopping: retries end early. */
  stopping = false;

  constructor(
    readonly config: ErrorHandlingConfig,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
    private readonly now: () => number = () => Date.now(),
  ) {}

  addReporter(r: ErrorReporter): void {
    this.reporters.push(r);
  }

  /**
   * Runs `fn` for a record; returns its result, or `undefined` when the
   * failure was tolerated (the record is skipped). Throws
   * ToleranceExceededError when not tolerated.
   */
  async execute<T>(stage: Stage, executingClass: string, consumed: ConsumedRecord | null, fn: () => T | Promise<T>, sourceRecord?: unknown): Promise<T | undefined> {
    const deadline = this.config.retryTimeoutMs < 0 ? Infinity : this.now() + this.config.retryTimeoutMs;
    let delay = RETRIES_DELAY_MIN_MS;
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (e) {
        const err = e instanceof Error ? e : new Error(String(e));
        if (err instanceof RetriableException && !this.stopping && this.now() < deadline) {
          this.metrics.totalRetries++;
          const wait = Math.min(delay, this.config.retryDelayMaxMs, deadline - this.now());
          delay *= 2;
          if (wait > 0) await this.sleep(wait);
          continue;
        }
        return this.fail({ stage, executingClass, consumed, error: err, sourceRecord });
      }
    }
  }

  /**
   * Same as execute, for synchronous stages: returns fn's result directly
   * (no promise, no microtask) unless it throws; then the result of
   * `recover`. Hot paths call it and await only when they get a promise.
   */
  executeSync<T>(stage: Stage, executingClass: string, consumed: ConsumedRecord | null, fn: () => T, sourceRecord?: unknown): T | Promise<T | undefined> {
    try {
      return fn();
    } catch (e) {
      return this.recover(stage, executingClass, consumed, fn, e, sourceRecord);
    }
  }

  /**
   * Handles `error`, thrown by a first attempt of `fn` that the caller made
   * itself: retries a RetriableException (backing off first) within
   * errors.retry.timeout, then fails or tolerates as execute does.
   */
  async recover<T>(stage: Stage, executingClass: string, consumed: ConsumedRecord | null, fn: () => T | Promise<T>, error: unknown, sourceRecord?: unknown): Promise<T | undefined> {
    let err = error instanceof Error ? error : new Error(String(error));
    const deadline = this.config.retryTimeoutMs < 0 ? Infinity : this.now() + this.config.retryTimeoutMs;
    let delay = RETRIES_DELAY_MIN_MS;
    while (err instanceof RetriableException && !this.stopping && this.now() < deadline) {
      this.metrics.totalRetries++;
      const wait = Math.min(delay, this.config.retryDelayMaxMs, deadline - this.now());
      delay *= 2;
      if (wait > 0) await this.sleep(wait);
      try {
        return await fn();
      } catch (e) {
        err = e instanceof Error ? e : new Error(String(e));
      }
    }
    return this.fail({ stage, executingClass, consumed, error: err, sourceRecord });
  }

  private async fail(ctx: ErrorContext): Promise<undefined> {
    this.metrics.recordProcessingFailures++;
    this.metrics.recordProcessingErrors++;
    if (this.config.tolerance === 'none') {
      for (const r of this.reporters) await r.report(ctx).catch(() => undefined);
      throw new ToleranceExceededError(ctx.error);
    }
    this.metrics.recordsSkipped++;
    for (const r of this.reporters) await r.report(ctx);
    return undefined;
  }
}

/** `LogReporter`: `errors.log.enable` writes one error line per failure (with the record when `errors.log.include.messages`). */
export class LogReporter implements ErrorReporter {
  constructor(
    private readonly taskId: string,
    private readonly config: ErrorHandlingConfig,
    private readonly logger: Logger,
    private readonly metrics: ErrorMetrics,
  ) {}

  async report(ctx: ErrorContext): Promise<void> {
    if (!this.config.logEnable) return;
    this.metrics.totalErrorsLogged++;
    this.logger.error({ err: ctx.error }, this.message(ctx));
  }

  message(ctx: ErrorContext): string {
    let s = `Error encountered in task ${this.taskId}. Executing stage '${ctx.stage}' with class '${ctx.executingClass}'`;
    if (ctx.consumed) {
      const c = ctx.consumed;
      s += this.config.logIncludeMessages
        ? `, where consumed record is {topic='${c.topic}', partition=${c.partition}, offset=${c.offset}, timestamp=${c.timestamp}, timestampType=CreateTime}`
        : `, where consumed record is {topic='${c.topic}', partition=${c.partition}, offset=${c.offset}}`;
    } else if (ctx.sourceRecord && this.config.logIncludeMessages) {
      s += `, where source record is = ${ctx.sourceRecord}`;
    }
    return s + '.';
  }
}

export const DLQ_HEADER_PREFIX = '__connect.errors.';
export const ERROR_HEADER_ORIG_TOPIC = DLQ_HEADER_PREFIX + 'topic';
export const ERROR_HEADER_ORIG_PARTITION = DLQ_HEADER_PREFIX + 'partition';
export const ERROR_HEADER_ORIG_OFFSET = DLQ_HEADER_PREFIX + 'offset';
export const ERROR_HEADER_CONNECTOR_NAME = DLQ_HEADER_PREFIX + 'connector.name';
export const ERROR_HEADER_TASK_ID = DLQ_HEADER_PREFIX + 'task.id';
export const ERROR_HEADER_STAGE = DLQ_HEADER_PREFIX + 'stage';
export const ERROR_HEADER_EXECUTING_CLASS = DLQ_HEADER_PREFIX + 'class.name';
export const ERROR_HEADER_EXCEPTION = DLQ_HEADER_PREFIX + 'exception.class.name';
export const ERROR_HEADER_EXCEPTION_MESSAGE = DLQ_HEADER_PREFIX + 'exception.message';
export const ERROR_HEADER_EXCEPTION_STACK_TRACE = DLQ_HEADER_PREFIX + 'exception.stacktrace';

export interface DlqProducer {
  send(record: { topic: string; key: Buffer | null; value: Buffer | null; headers: Array<{ key: string; value: Buffer | null }>; timestamp?: number }): Promise<unknown>;
}

/**
 * `DeadLetterQueueReporter`: the original consumed record (key, value and
 * headers as bytes) to `errors.deadletterqueue.topic.name`, plus with
 * `errors.deadletterqueue.context.headers.enable` the `__connect.errors.*`
 * headers (UTF-8 strings) saying where it came from and what failed.
 */
export class DeadLetterQueueReporter implements ErrorReporter {
  constructor(
    private readonly topic: string,
    private readonly contextHeaders: boolean,
    private readonly connectorName: string,
    private readonly taskNumber: number,
    private readonly producer: DlqProducer,
    private readonly metrics: ErrorMetrics,
    private readonly trace: (e: unknown) => string,
  ) {}

  async report(ctx: ErrorContext): Promise<void> {
    const c = ctx.consumed;
    if (!c) return; // source records have no DLQ (Kafka: sink connectors only)
    const headers = [...c.headers];
    if (this.contextHeaders) {
      const e = ctx.error;
      const h = (k: string, v: string | null): void => {
        headers.push({ key: k, value: v === null ? null : Buffer.from(v, 'utf8') });
      };
      h(ERROR_HEADER_ORIG_TOPIC, c.topic);
      h(ERROR_HEADER_ORIG_PARTITION, String(c.partition));
      h(ERROR_HEADER_ORIG_OFFSET, String(c.offset));
      h(ERROR_HEADER_CONNECTOR_NAME, this.connectorName);
      h(ERROR_HEADER_TASK_ID, String(this.taskNumber));
      h(ERROR_HEADER_STAGE, ctx.stage);
      h(ERROR_HEADER_EXECUTING_CLASS, ctx.executingClass);
      h(ERROR_HEADER_EXCEPTION, (e as { kafkaClass?: string }).kafkaClass ?? e.name);
      h(ERROR_HEADER_EXCEPTION_MESSAGE, e.message);
      h(ERROR_HEADER_EXCEPTION_STACK_TRACE, this.trace(e));
    }
    this.metrics.deadletterqueueProduceRequests++;
    try {
      await this.producer.send({ topic: this.topic, key: c.key, value: c.value, headers, timestamp: c.timestamp >= 0 ? c.timestamp : undefined });
    } catch (e) {
      this.metrics.deadletterqueueProduceFailures++;
      throw new ConnectException(`Could not produce message to dead letter queue. topic=${this.topic}`, { cause: e });
    }
  }
}
