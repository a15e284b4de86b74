/**
 * `ElasticsearchClient` with its `BulkProcessor`, on @elastic/elasticsearch:
 * records buffer until `batch.size` operations or `bulk.size.bytes` bytes
 * (or `linger.ms` passed), then go out as one `_bulk` request with at most
 * `max.in.flight.requests` in flight; `max.buffered.records` bounds what is
 * buffered or in flight (put waits up to `flush.timeout.ms` for room).
 * Requests that fail with a connection error, a timeout, 429 or 5xx are
 * retried `max.retries` times with randomized exponential backoff from
 * `retry.backoff.ms` (Confluent's `RetryUtil`). Per-item results: success
 * and external-version conflicts (an older replay) mark the record
 * processed; malformed documents follow `behavior.on.malformed.documents`;
 * other failures go to the errant record reporter and fail the task.
 */
import { Client, errors, type ClientOptions } from '@elastic/elasticsearch';
import { ConnectException, type ErrantRecordReporter, type Schema, type SinkRecord } from '@nagare/connect-api';
import type { ElasticsearchSinkConnectorConfig } from './config';
import type { BulkItem } from './data-converter';
import { buildMapping } from './mapping';
import type { Log } from './util/log';

const VERSION_CONFLICT_EXCEPTION = 'version_conflict_engine_exception';
const RESOURCE_ALREADY_EXISTS_EXCEPTION = 'resource_already_exists_exception';
const MALFORMED_DOC_ERRORS = ['strict_dynamic_mapping_exception', 'mapper_parsing_exception', 'illegal_argument_exception', 'action_request_validation_exception', 'document_parsing_exception'];
export const MAX_RETRY_TIME_MS = 24 * 3600 * 1000;

export interface OffsetState {
  markProcessed(): void;
}

interface Pending {
  item: BulkItem;
  record: SinkRecord;
  state: OffsetState;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** `RetryUtil.computeRetryWaitTimeInMillis`: backoff * 2^attempt, capped at 24 h. */
export function retryWaitMs(attempt: number, initial: number): number {
  if (initial < 0) return 0;
  if (attempt <= 0) return initial;
  const r = initial * 2 ** attempt;
  return !Number.isFinite(r) || r < 0 ? MAX_RETRY_TIME_MS : Math.min(MAX_RETRY_TIME_MS, r);
}

/** `computeRandomRetryWaitTimeInMillis`: uniform in [0, wait). */
export function randomRetryWaitMs(attempt: number, initial: number, random: () => number = Math.random): number {
  if (initial < 0) return 0;
  if (attempt < 0) return initial;
  return Math.floor(random() * retryWaitMs(attempt, initial));
}

function retriable(e: unknown): boolean {
  if (e instanceof errors.ConnectionError || e instanceof errors.TimeoutError || e instanceof errors.NoLivingConnectionsError) return true;
  if (e instanceof errors.ResponseError) {
    const s = e.statusCode ?? 0;
    return s === 408 || s === 429 || s >= 500;
  }
  return false;
}

export function createEsClient(config: ElasticsearchSinkConnectorConfig, extra: Partial<ClientOptions> = {}): Client {
  const username = config.username;
  const password = config.password;
  return new Client({
    node: config.urls,
    auth: username !== null && password !== null ? { username, password } : undefined,
    compression: config.getBoolean('connection.compression') ?? false,
    requestTimeout: config.getInt('read.timeout.ms') ?? 3000,
    maxRetries: 0, // retries are the connector's (max.retries, retry.backoff.ms)
    ...extra,
  });
}

export class ElasticsearchClient {
  private buffer: Pending[] = [];
  private bufferBytes = 0;
  private lingerTimer: NodeJS.Timeout | null = null;
  private inFlight = 0;
  private readonly inFlightDone = new Set<Promise<void>>();
  private numBuffered = 0;
  private error: ConnectException | null = null;
  private waiters: Array<() => void> = [];
  private closed = false;
  esVersion = 'Unknown';

  constructor(
    private readonly config: ElasticsearchSinkConnectorConfig,
    readonly client: Client,
    private readonly reporter: ErrantRecordReporter | null,
    private readonly afterBulk: () => void,
    private readonly log: Log,
    private readonly random: () => number = Math.random,
  ) {}

  async init(): Promise<void> {
    try {
      const info = await this.client.info();
      this.esVersion = info.version?.number ?? 'Unknown';
    } catch (e) {
      this.log('warn', 'Failed to get ES server version', e);
    }
  }

  /** `callWithRetries`: maxRetries + 1 attempts. */
  async callWithRetries<T>(description: string, fn: () => Promise<T>): Promise<T> {
    const attempts = this.config.maxRetries + 1;
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (e) {
        if (!retriable(e) || attempt >= attempts || this.closed) {
          if (retriable(e)) this.log('error', `Failed to ${description} due to ${describe(e)} after total of ${attempt} attempt(s)`);
          throw e;
        }
        const backoff = randomRetryWaitMs(attempt, this.config.retryBackoffMs, this.random);
        this.log('warn', `Failed to ${description} due to ${describe(e)}. Retrying attempt (${attempt}/${attempts}) after backoff of ${backoff} ms`);
        await sleep(backoff);
      }
    }
  }

  async indexExists(index: string): Promise<boolean> {
    return this.callWithRetries(`check if index ${index} exists`, () => this.client.indices.exists({ index }));
  }

  /** Creates the index (or data stream); false when it existed. */
  async createIndexOrDataStream(name: string): Promise<boolean> {
    if (await this.indexExists(name)) return false;
    const dataStream = this.config.isDataStream();
    return this.callWithRetries(`create ${dataStream ? 'data stream' : 'index'} ${name}`, async () => {
      try {
        if (dataStream) await this.client.indices.createDataStream({ name });
        else await this.client.indices.create({ index: name });
        return true;
      } catch (e) {
        if (e instanceof errors.ResponseError && JSON.stringify(e.body ?? '').includes(RESOURCE_ALREADY_EXISTS_EXCEPTION)) return false;
        throw e;
      }
    });
  }

  async hasMapping(index: string): Promise<boolean> {
    const r = await this.callWithRetries(`get mapping for index ${index}`, () => this.client.indices.getMapping({ index }));
    const m = (r as Record<string, { mappings?: Record<string, unknown> }>)[index]?.mappings;
    return m !== undefined && Object.keys(m).length > 0;
  }

  async createMapping(index: string, schema: Schema | null): Promise<void> {
    const mapping = buildMapping(schema);
    await this.callWithRetries(`create mapping for resource ${index} with schema ${String(schema)}`, () =>
      this.client.transport.request({ method: 'PUT', path: `/${encodeURIComponent(index)}/_mapping`, body: mapping }, { headers: { 'content-type': 'application/json' } }),
    );
  }

  throwIfFailed(): void {
    if (this.error) throw this.error;
  }

  isFailed(): boolean {
    return this.error !== null;
  }

  /** Adds an operation; waits while `max.buffered.records` are buffered or in flight. */
  async index(record: SinkRecord, item: BulkItem, state: OffsetState): Promise<void> {
    this.throwIfFailed();
    const deadline = Date.now() + this.config.flushTimeoutMs;
    while (this.numBuffered >= this.config.maxBufferedRecords) {
      if (Date.now() > deadline) throw new ConnectException(`Could not make space in the internal buffer fast enough. Consider increasing flush.timeout.ms or max.buffered.records.`);
      await this.waitForChange(Math.max(1, deadline - Date.now()));
      this.throwIfFailed();
    }
    this.buffer.push({ item, record, state });
    this.bufferBytes += item.bytes;
    this.numBuffered++;
    const bulkSize = this.config.bulkSizeBytes;
    if (this.buffer.length >= this.config.batchSize || (bulkSize !== -1 && this.bufferBytes >= bulkSize)) await this.dispatch();
    else if (this.lingerTimer === null) {
      this.lingerTimer = setTimeout(() => {
        this.lingerTimer = null;
        this.dispatch().catch((e: unknown) => this.setError(e));
      }, this.config.lingerMs);
    }
  }

  /** Sends what is buffered (without waiting for the responses). */
  async flush(): Promise<void> {
    await this.dispatch();
  }

  private async dispatch(): Promise<void> {
    if (this.lingerTimer) {
      clearTimeout(this.lingerTimer);
      this.lingerTimer = null;
    }
    while (this.buffer.length > 0) {
      while (this.inFlight >= this.config.maxInFlightRequests) await this.waitForChange(1000);
      if (this.buffer.length === 0) return;
      const batch = this.buffer;
      this.buffer = [];
      this.bufferBytes = 0;
      this.inFlight++;
      const p = this.execute(batch).finally(() => {
        this.inFlight--;
        this.numBuffered -= batch.length;
        this.inFlightDone.delete(p);
        this.wake();
      });
      this.inFlightDone.add(p);
    }
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  private waitForChange(ms: number): Promise<void> {
    return new Promise((r) => {
      const t = setTimeout(done, ms);
      const self = this;
      function done(): void {
        clearTimeout(t);
        const i = self.waiters.indexOf(done);
        if (i >= 0) self.waiters.splice(i, 1);
        r();
      }
      this.waiters.push(done);
    });
  }

  private setError(e: unknown): void {
    if (this.error === null) this.error = e instanceof ConnectException ? e : new ConnectException('Bulk request failed', { cause: e });
    this.wake();
  }

  private async execute(batch: Pending[]): Promise<void> {
    let body = '';
    for (const p of batch) body += p.item.lines;
    let response: { errors?: boolean; items?: Array<Record<string, { status: number; error?: { type?: string; reason?: string }; _index?: string; _id?: string }>> };
    try {
      response = (await this.callWithRetries('execute bulk request', () =>
        this.client.transport.request({ method: 'POST', path: '/_bulk', bulkBody: body }, { headers: { 'content-type': 'application/x-ndjson' } }),
      )) as typeof response;
    } catch (e) {
      this.log('warn', `Bulk request failed`, e);
      this.setError(new ConnectException(`Bulk request failed: ${describe(e)}`, { cause: e }));
      return;
    }
    const items = response.items ?? [];
    for (let i = 0; i < batch.length; i++) {
      const p = batch[i];
      const entry = items[i];
      const result = entry ? Object.values(entry)[0] : undefined;
      if (result === undefined) {
        this.setError(new ConnectException(`Bulk response has no result for ${p.item.op} #${i}`));
        continue;
      }
      // an item failed when it carries an error (a delete of a missing document is a 404 "not_found" result, not a failure)
      const failed = result.error !== undefined;
      if (!failed) {
        p.state.markProcessed();
        continue;
      }
      if (!(await this.handleFailure(p, result))) p.state.markProcessed();
    }
    this.afterBulk();
  }

  /** `handleResponse` for a failed item: true when the item stays unprocessed (task failure). */
  private async handleFailure(p: Pending, result: { status: number; error?: { type?: string; reason?: string }; _index?: string; _id?: string }): Promise<boolean> {
    const type = result.error?.type ?? `status ${result.status}`;
    const message = `[${result._index ?? ''}/${result._id ?? ''}] ElasticsearchException[Elasticsearch exception [type=${type}, reason=${result.error?.reason ?? ''}]]`;
    if (MALFORMED_DOC_ERRORS.some((m) => message.includes(m))) {
      await this.report(p.record, message);
      switch (this.config.behaviorOnMalformedDoc) {
        case 'IGNORE':
          this.log('debug', 'Encountered an illegal document error. Ignoring and will not index record. Please check DLQ topic for errors.');
          return false;
        case 'WARN':
          this.log('warn', 'Encountered an illegal document error. Ignoring and will not index record. Please check DLQ topic for errors.');
          return false;
        default:
          this.log('error', "Encountered an illegal document error. Please check DLQ topic for errors. To ignore future records like this, change the configuration 'behavior.on.malformed.documents' to 'IGNORE'.");
          this.setError(new ConnectException('Indexing record failed. Please check DLQ topic for errors.'));
          return true;
      }
    }
    if (message.includes(VERSION_CONFLICT_EXCEPTION)) {
      if (!p.item.externalVersion) {
        this.log('warn', `${p.item.op} version conflict in index '${result._index ?? ''}'.`);
        await this.report(p.record, message);
      } else {
        this.log('debug', `Ignoring EXTERNAL version conflict for operation ${p.item.op} in index '${result._index ?? ''}'.`);
      }
      return false;
    }
    await this.report(p.record, message);
    this.setError(new ConnectException('Indexing record failed. Please check DLQ topic for errors.'));
    return true;
  }

  private async report(record: SinkRecord, message: string): Promise<void> {
    if (this.config.isDataStream() && message.includes(VERSION_CONFLICT_EXCEPTION)) return;
    if (this.reporter === null) return;
    try {
      await this.reporter.report(record, new ConnectException(`Indexing failed: ${message}`));
    } catch (e) {
      this.setError(e);
    }
  }

  /** Waits for every in-flight request (and sends what is buffered first). */
  async waitForInFlightRequests(timeoutMs: number): Promise<boolean> {
    await this.dispatch();
    const deadline = Date.now() + timeoutMs;
    while (this.inFlightDone.size > 0) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      let t: NodeJS.Timeout | undefined;
      await Promise.race([Promise.all([...this.inFlightDone]), new Promise<void>((r) => (t = setTimeout(r, left)))]);
      clearTimeout(t);
    }
    return true;
  }

  async close(): Promise<void> {
    const done = await this.waitForInFlightRequests(this.config.flushTimeoutMs).catch(() => false);
    this.closed = true;
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    await this.client.close().catch(() => undefined);
    if (!done) throw new ConnectException('Failed to process outstanding requests in time while closing the ElasticsearchClient.');
  }
}

function describe(e: unknown): string {
  if (e instanceof errors.ResponseError) return `${e.name} (status ${e.statusCode}): ${e.message}`;
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}
