/**
 * What WorkerSourceTask and WorkerSinkTask share (`WorkerTask`): the
 * target state (running / paused), the stop signal, the status listener
 * (RUNNING, PAUSED, FAILED with the trace, UNASSIGNED on shutdown), and the
 * record pipeline pieces (converters, transformation chain, error handling).
 */
import type { Converter, HeaderConverter } from '@nagare/connect-api';
import type { Logger } from '@nagare/common';
import type { ConnectorTaskId } from '../herder/status';
import type { RetryWithToleranceOperator } from '../errors/retry-with-tolerance';
import type { TransformationChain } from '@nagare/connect-transforms';

export interface TaskStatusListener {
  onStartup(id: ConnectorTaskId): void;
  onPause(id: ConnectorTaskId): void;
  onResume(id: ConnectorTaskId): void;
  onFailure(id: ConnectorTaskId, error: Error): void;
  onShutdown(id: ConnectorTaskId): void;
}

export interface TaskPipeline {
  keyConverter: Converter;
  valueConverter: Converter;
  headerConverter: HeaderConverter;
  chain: TransformationChain<any>;
  operator: RetryWithToleranceOperator;
}

export interface TaskMetrics {
  /** source-record-poll-total / sink-record-read-total */
  recordsIn: number;
  /** source-record-write-total / sink-record-send-total */
  recordsOut: number;
  offsetCommitSuccess: number;
  offsetCommitFailure: number;
}

export abstract class WorkerTask {
  protected stopping = false;
  protected paused = false;
  private resumeWaiters: Array<() => void> = [];
  private stopWaiters: Array<() => void> = [];
  /** Resolves when the task's loop has ended (after its clean-up). */
  done: Promise<void> = Promise.resolve();
  failed: Error | null = null;
  readonly metrics: TaskMetrics = { recordsIn: 0, recordsOut: 0, offsetCommitSuccess: 0, offsetCommitFailure: 0 };

  constructor(
    readonly id: ConnectorTaskId,
    protected readonly listener: TaskStatusListener,
    protected readonly pipeline: TaskPipeline,
    protected readonly logger: Logger,
    initialPaused: boolean,
  ) {
    this.paused = initialPaused;
  }

  /** Starts the loop in the background. */
  run(): void {
    this.done = this.execute().then(
      () => undefined,
      (e: unknown) => {
        const err = e instanceof Error ? e : new Error(String(e));
        this.failed = err;
        this.logger.error({ err }, `${this.idString} Task threw an uncaught and unrecoverable exception. Task is being killed and will not recover until manually restarted`);
        this.listener.onFailure(this.id, err);
      },
    );
  }

  get idString(): string {
    return `${this.id.connector}-${this.id.task}`;
  }

  protected abstract execute(): Promise<void>;

  /** Asks the task to stop; `done` resolves when it has. */
  stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    this.pipeline.operator.stopping = true;
    for (const w of this.resumeWaiters.splice(0)) w();
    for (const w of this.stopWaiters.splice(0)) w();
    this.onStop();
  }

  protected onStop(): void {}

  /** Waits up to `timeoutMs` for the loop to end; false when it did not (Kafka then "cancels" the task). */
  async awaitStop(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const t = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), timeoutMs)));
    const ok = await Promise.race([this.done.then(() => true), t]);
    clearTimeout(timer);
    return ok;
  }

  transitionTo(state: 'STARTED' | 'PAUSED'): void {
    const pause = state === 'PAUSED';
    if (pause === this.paused) return;
    this.paused = pause;
    if (pause) this.listener.onPause(this.id);
    else {
      this.listener.onResume(this.id);
      for (const w of this.resumeWaiters.splice(0)) w();
    }
  }

  /** Resolves when resumed or stopping. */
  protected awaitUnpaused(): Promise<void> {
    if (!this.paused || this.stopping) return Promise.resolve();
    return new Promise((r) => this.resumeWaiters.push(r));
  }

  /** Waits for `p`, or until stop() is called (then resolves with undefined; `p` is left to finish on its own). */
  protected raceStop<T>(p: Promise<T>): Promise<T | undefined> {
    if (this.stopping) {
      p.catch(() => undefined);
      return Promise.resolve(undefined);
    }
    return new Promise<T | undefined>((resolve, reject) => {
      const onStop = (): void => resolve(undefined);
      this.stopWaiters.push(onStop);
      const off = (): void => {
        const i = this.stopWaiters.indexOf(onStop);
        if (i >= 0) this.stopWaiters.splice(i, 1);
      };
      p.then(
        (v) => {
          off();
          resolve(v);
        },
        (e: unknown) => {
          off();
          reject(e);
        },
      );
    });
  }

  /** Sleeps `ms`, cut short by stop(). */
  protected sleep(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((r) => {
      const t = setTimeout(done, ms);
      const self = this.stopWaiters;
      function done(): void {
        clearTimeout(t);
        const i = self.indexOf(done);
        if (i >= 0) self.splice(i, 1);
        r();
      }
      self.push(done);
    });
  }
}
