/**
 * `io.confluent.connect.jdbc.source.JdbcSourceTask`: polls its tables (or
 * the custom query) in turn, each at most every `poll.interval.ms`, and
 * returns at most `batch.max.rows` records per poll, resuming from the
 * offsets the worker stored for each table.
 */
import type { Client } from 'pg';
import { ConfigException, ConnectException, SourceTask, type SourceRecord } from '@nagare/connect-api';
import { describeTable, currentTimestampText } from '../util/catalog';
import { connectWithRetry } from '../util/connection';
import { microsToMs, parseTimestampMicros } from '../util/datetime';
import { parseTableIdentifier, type TableId } from '../util/identifiers';
import { logger } from '../util/log';
import { PgTypeRegistry } from '../util/pg-types';
import { CONNECT_JDBC_VERSION } from '../version';
import {
  BATCH_MAX_ROWS_CONFIG,
  CONNECTION_ATTEMPTS_CONFIG,
  CONNECTION_BACKOFF_CONFIG,
  INCREMENTING_COLUMN_MAPPING_CONFIG,
  INCREMENTING_COLUMN_NAME_CONFIG,
  JdbcSourceConfig,
  MODE_BULK,
  MODE_INCREMENTING,
  MODE_TIMESTAMP,
  MODE_TIMESTAMP_INCREMENTING,
  POLL_INTERVAL_MS_CONFIG,
  QUERY_RETRIES_CONFIG,
  QUERY_SUFFIX_CONFIG,
  SOURCE_TASK_CONFIG_DEF,
  TABLES_CONFIG,
  TABLES_FETCHED,
  TABLE_TYPE_CONFIG,
  TIMESTAMP_COLUMN_MAPPING_CONFIG,
  TIMESTAMP_COLUMN_NAME_CONFIG,
  TIMESTAMP_DELAY_INTERVAL_MS_CONFIG,
  TIMESTAMP_INITIAL_CONFIG,
  TIMESTAMP_INITIAL_CURRENT,
  TRANSACTION_ISOLATION_MODE_CONFIG,
  VALIDATE_NON_NULL_CONFIG,
} from './config';
import { QUERY_PARTITION, sourcePartitionV0, sourcePartitionV1, TableQuerier, TIMESTAMP_FIELD, type LoadMode } from './querier';

const log = logger('io.confluent.connect.jdbc.source.JdbcSourceTask');

/** SQLSTATE classes worth retrying with a fresh connection (connection, resources, operator intervention, serialization). */
export function isConnectionError(e: unknown): boolean {
  const code = (e as { code?: string }).code;
  if (typeof code !== 'string') return true; // socket-level failures carry no SQLSTATE
  return /^(08|53|57|40)/.test(code);
}

export class JdbcSourceTask extends SourceTask {
  static readonly className = 'io.confluent.connect.jdbc.source.JdbcSourceTask';
  private config!: JdbcSourceConfig;
  private client: Client | null = null;
  private queriers: TableQuerier[] = [];
  private stopped = false;
  private wake: (() => void) | null = null;
  private idleOnly = false;
  private readonly types = new PgTypeRegistry();

  version(): string {
    return CONNECT_JDBC_VERSION;
  }

  async start(props: Record<string, string>): Promise<void> {
    log('info', 'Starting JDBC source task');
    try {
      this.config = new JdbcSourceConfig(props, SOURCE_TASK_CONFIG_DEF);
    } catch (e) {
      throw new ConfigException(`Couldn't start JdbcSourceTask due to configuration error: ${(e as Error).message}`);
    }
    const c = this.config;
    const tables = (c.getList(TABLES_CONFIG) ?? []).filter((t) => t !== '');
    const query = c.query;
    if (tables.length === 0 && query === undefined) {
      if (!c.getBoolean(TABLES_FETCHED)) {
        log('info', 'Started JDBC source task. Waiting for DB tables to be fetched.');
        this.idleOnly = true;
        return;
      }
      throw new ConfigException(
        'Task is being killed because it was not assigned a table nor a query to execute. If run in table mode please make sure that the tables exist on the database. If the table does exist on the database, we recommend using the fully qualified table name.',
      );
    }
    if (tables.length > 0 && query !== undefined) throw new ConfigException('Invalid configuration: a JdbcSourceTask cannot have both a table and a query assigned to it');
    const mode = c.mode === '' ? MODE_BULK : c.mode;
    this.client = await this.connect();
    const client = this.client;
    const queryMode = query !== undefined ? 'QUERY' : 'TABLE';
    const tableIds = tables.map((t) => parseTableIdentifier(t, c.quote));
    // offsets: protocol 1 first, then protocol 0 (upgrades)
    let offsets = new Map<Record<string, unknown>, Record<string, unknown> | null>();
    const candidates = new Map<string, Array<Record<string, unknown>>>();
    if (mode !== MODE_BULK) {
      const partitions: Array<Record<string, unknown>> = [];
      if (queryMode === 'TABLE') {
        for (const id of tableIds) {
          const ps = [sourcePartitionV1(id), sourcePartitionV0(id)];
          candidates.set(id.toUnquotedString(), ps);
          partitions.push(...ps);
        }
      } else {
        partitions.push(QUERY_PARTITION);
        candidates.set('query', [QUERY_PARTITION]);
      }
      offsets = await this.context.offsetStorageReader().offsets(partitions);
    }
    const tsMappings = c.modeUsesTimestampColumn() ? (c.getList(TIMESTAMP_COLUMN_MAPPING_CONFIG) ?? []) : [];
    const incMappings = c.modeUsesIncrementingColumn() ? (c.getList(INCREMENTING_COLUMN_MAPPING_CONFIG) ?? []) : [];
    const useMappings = c.includeList.length > 0;
    const incrementingFor = (id: TableId | null): string => {
      if (useMappings && id) {
        for (const m of incMappings) {
          const [re, col] = splitMapping(m);
          if (new RegExp(`^(?:${re})$`).test(id.toUnquotedString())) return col.trim();
        }
        return '';
      }
      return c.getString(INCREMENTING_COLUMN_NAME_CONFIG) ?? '';
    };
    const timestampsFor = (id: TableId | null): string[] => {
      if (useMappings && id) {
        for (const m of tsMappings) {
          const [re, cols] = splitMapping(m);
          if (new RegExp(`^(?:${re})$`).test(id.toUnquotedString())) return cols.trim().slice(1, -1).split('|').map((s) => s.trim());
        }
        return [];
      }
      return (c.getList(TIMESTAMP_COLUMN_NAME_CONFIG) ?? []).filter((s) => s !== '');
    };
    if (useMappings && queryMode === 'TABLE') {
      for (const [what, maps] of [['timestamp', tsMappings], ['incrementing', incMappings]] as const) {
        if (maps.length === 0) continue;
        for (const id of tableIds) {
          const n = maps.filter((m) => new RegExp(`^(?:${splitMapping(m)[0]})$`).test(id.toUnquotedString())).length;
          if (n !== 1) throw new ConnectException(`Error while validating ${what} column mappings: table ${id.toUnquotedString()} matches ${n} of the mappings; every table must match exactly one`);
        }
      }
    }
    const tableTypes = c.getList(TABLE_TYPE_CONFIG) ?? ['TABLE'];
    void tableTypes;
    if (queryMode === 'TABLE') {
      for (const id of tableIds) {
        await this.validateColumns(client, mode, id, incrementingFor(id), timestampsFor(id), c.getBoolean(VALIDATE_NON_NULL_CONFIG) ?? true);
      }
    }
    const targets: Array<TableId | null> = queryMode === 'TABLE' ? tableIds : [null];
    for (const id of targets) {
      let offset: Record<string, unknown> | null = null;
      for (const p of candidates.get(id ? id.toUnquotedString() : 'query') ?? []) {
        const o = offsets.get(p);
        if (o) {
          log('info', `Found offset ${JSON.stringify(o)} for partition ${JSON.stringify(p)}`);
          offset = o;
          break;
        }
      }
      if (offset === null) offset = await this.initialOffset(client);
      this.queriers.push(
        new TableQuerier({
          mode: mode as LoadMode,
          queryMode,
          table: id,
          query: query ?? null,
          topicPrefix: c.topicPrefix,
          suffix: (c.getString(QUERY_SUFFIX_CONFIG) ?? '').trim(),
          incrementingColumn: mode === MODE_INCREMENTING || mode === MODE_TIMESTAMP_INCREMENTING ? incrementingFor(id) : '',
          timestampColumns: mode === MODE_TIMESTAMP || mode === MODE_TIMESTAMP_INCREMENTING ? timestampsFor(id) : [],
          offset,
          timestampDelayMs: c.getLong(TIMESTAMP_DELAY_INTERVAL_MS_CONFIG) ?? 0,
          zone: c.zone,
          quote: c.quote,
          mapping: { numericMapping: c.numericMapping, granularity: c.granularity, zone: c.zone, warn: (m) => log('warn', m) },
          types: this.types,
          isolation: c.getString(TRANSACTION_ISOLATION_MODE_CONFIG) ?? 'DEFAULT',
          masked: c.queryMasked,
          log: (level, m) => log(level, m),
        }),
      );
    }
    log('info', 'Started JDBC source task');
  }

  private connect(): Promise<Client> {
    const c = this.config;
    return connectWithRetry({
      url: c.url,
      user: c.user,
      password: c.password,
      attempts: c.getInt(CONNECTION_ATTEMPTS_CONFIG) ?? 3,
      backoffMs: c.getLong(CONNECTION_BACKOFF_CONFIG) ?? 10000,
      timeZone: c.timeZoneId,
      onRetry: (m) => log('info', m),
      stopped: () => this.stopped,
    });
  }

  /** `computeInitialOffset`: timestamp.initial (-1 = the database's now), else none. */
  private async initialOffset(client: Client): Promise<Record<string, unknown> | null> {
    let initial = this.config.getLong(TIMESTAMP_INITIAL_CONFIG);
    if (initial === null || initial === undefined) return null;
    if (initial === TIMESTAMP_INITIAL_CURRENT) initial = microsToMs(parseTimestampMicros(await currentTimestampText(client), this.config.zone));
    return { [TIMESTAMP_FIELD]: initial };
  }

  private async validateColumns(client: Client, mode: string, id: TableId, incrementing: string, timestamps: string[], validateNonNull: boolean): Promise<void> {
    const defn = await describeTable(client, id);
    if (defn === null) throw new ConnectException(`Failed trying to validate that columns used for offsets exist: table ${id.toString()} does not exist`);
    const names = new Map([...defn.columns.values()].map((col) => [col.name.toLowerCase(), col]));
    if ((mode === MODE_INCREMENTING || mode === MODE_TIMESTAMP_INCREMENTING) && incrementing !== '' && !names.has(incrementing.toLowerCase())) {
      throw new ConfigException(`Incrementing column: ${incrementing} does not exist in table '${id.toUnquotedString()}'`);
    }
    if (mode === MODE_TIMESTAMP || mode === MODE_TIMESTAMP_INCREMENTING) {
      const missing = timestamps.filter((t) => !names.has(t.toLowerCase()));
      if (missing.length > 0) throw new ConfigException(`Timestamp columns: ${missing.join(', ')} do not exist in table '${id.toUnquotedString()}'`);
    }
    if (!validateNonNull) return;
    const incCol = incrementing === '' ? undefined : [...defn.columns.values()].find((col) => col.name.toLowerCase() === incrementing.toLowerCase());
    if ((mode === MODE_INCREMENTING || mode === MODE_TIMESTAMP_INCREMENTING) && incCol && !incCol.notNull) {
      throw new ConnectException(`Cannot make incremental queries using incrementing column ${incrementing} on ${id.toString()} because this column is nullable.`);
    }
    if (mode === MODE_TIMESTAMP || mode === MODE_TIMESTAMP_INCREMENTING) {
      const lower = new Set(timestamps.map((t) => t.toLowerCase()));
      const anyNotNull = [...defn.columns.values()].some((col) => lower.has(col.name.toLowerCase()) && col.notNull);
      if (!anyNotNull) throw new ConnectException(`Cannot make incremental queries using timestamp columns ${timestamps.join(',')} on ${id.toString()} because all of these columns are nullable.`);
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopped || ms <= 0) return Promise.resolve();
    return new Promise((r) => {
      const t = setTimeout(done, ms);
      const self = this;
      function done(): void {
        clearTimeout(t);
        self.wake = null;
        r();
      }
      this.wake = done;
    });
  }

  async poll(): Promise<SourceRecord[] | null> {
    if (this.idleOnly) {
      await this.sleep(1000);
      return null;
    }
    const c = this.config;
    const pollInterval = c.getInt(POLL_INTERVAL_MS_CONFIG) ?? 5000;
    const batchMaxRows = c.getInt(BATCH_MAX_ROWS_CONFIG) ?? 1000;
    const maxRetries = c.getInt(QUERY_RETRIES_CONFIG) ?? -1;
    const deadline = Date.now() + 1000;
    while (!this.stopped) {
      this.queriers.sort((a, b) => a.compareTo(b));
      const querier = this.queriers[0];
      if (!querier.querying()) {
        const wait = querier.lastUpdate + pollInterval - Date.now();
        if (wait > 0) {
          // return to the worker at least every second (commits, stop)
          const left = deadline - Date.now();
          if (left <= 0) return null;
          await this.sleep(Math.min(wait, left));
          continue;
        }
      }
      try {
        if (this.client === null) this.client = await this.connect();
        await querier.maybeStartQuery(this.client);
        const { records, done } = await querier.next(batchMaxRows);
        querier.attemptedRetries = 0;
        if (done) await querier.reset(Date.now(), false);
        if (records.length === 0) continue;
        return records;
      } catch (e) {
        if (this.stopped) return null;
        if (e instanceof ConnectException || e instanceof ConfigException) {
          await querier.reset(Date.now(), true).catch(() => undefined);
          throw e;
        }
        log('error', `SQL exception while running query for ${querier.describe()}: ${(e as Error).message}. Attempting retry ${querier.attemptedRetries + 1} of ${maxRetries} attempts.`, e);
        if (isConnectionError(e) || this.client === null) {
          querier.abandon(Date.now());
          const cl = this.client;
          this.client = null;
          await cl?.end().catch(() => undefined);
        } else {
          await querier.reset(Date.now(), true).catch(() => undefined);
        }
        if (maxRetries > 0 && querier.attemptedRetries + 1 >= maxRetries) {
          throw new ConnectException(`Failed to query table after retries: ${(e as Error).message}`, { cause: e });
        }
        querier.attemptedRetries++;
        return null;
      }
    }
    return null;
  }

  async stop(): Promise<void> {
    log('info', 'Stopping JDBC source task');
    this.stopped = true;
    this.wake?.();
    const client = this.client;
    this.client = null;
    for (const q of this.queriers) q.abandon(Date.now());
    await client?.end().catch(() => undefined);
  }
}

function splitMapping(m: string): [string, string] {
  const i = m.indexOf(':');
  return [m.slice(0, i).trim(), m.slice(i + 1)];
}
