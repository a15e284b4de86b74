/**
 * `io.confluent.connect.jdbc.JdbcSourceConnector`: finds the tables to copy
 * (`table.whitelist`/`table.blacklist`, or the regexes of
 * `table.include.list`/`table.exclude.list`, among `table.types` in
 * `schema.pattern`), re-reads them every `table.poll.interval.ms` and asks
 * for new task configurations when they change, and spreads them over
 * `tasks.max` tasks (Kafka's `ConnectorUtils.groupPartitions`). With
 * `query` there is exactly one task.
 */
import type { Client } from 'pg';
import { ConfigDef, ConfigValue, ConnectException, SourceConnector, type ExactlyOnceSupport, type TaskClass } from '@nagare/connect-api';
import { listTables } from '../util/catalog';
import { connectWithRetry } from '../util/connection';
import { TableId, type QuoteMethod } from '../util/identifiers';
import { logger } from '../util/log';
import { CONNECT_JDBC_VERSION } from '../version';
import {
  CONNECTION_ATTEMPTS_CONFIG,
  CONNECTION_BACKOFF_CONFIG,
  INCREMENTING_COLUMN_MAPPING_CONFIG,
  INCREMENTING_COLUMN_NAME_CONFIG,
  JdbcSourceConfig,
  MODE_CONFIG,
  MODE_INCREMENTING,
  MODE_TIMESTAMP,
  MODE_TIMESTAMP_INCREMENTING,
  QUERY_CONFIG,
  QUERY_MASKED_CONFIG,
  SCHEMA_PATTERN_CONFIG,
  SOURCE_CONFIG_DEF,
  TABLES_CONFIG,
  TABLES_FETCHED,
  TABLE_BLACKLIST_CONFIG,
  TABLE_EXCLUDE_LIST_CONFIG,
  TABLE_INCLUDE_LIST_CONFIG,
  TABLE_MONITORING_STARTUP_POLLING_LIMIT_MS_CONFIG,
  TABLE_POLL_INTERVAL_MS_CONFIG,
  TABLE_TYPE_CONFIG,
  TABLE_WHITELIST_CONFIG,
  TIMESTAMP_COLUMN_MAPPING_CONFIG,
  TIMESTAMP_COLUMN_NAME_CONFIG,
} from './config';
import { JdbcSourceTask } from './task';

const log = logger('io.confluent.connect.jdbc.JdbcSourceConnector');

/** Kafka's `ConnectorUtils.groupPartitions`: contiguous groups, the first ones one larger. */
export function groupPartitions<T>(elements: readonly T[], numGroups: number): T[][] {
  if (numGroups <= 0) throw new Error('Number of groups must be positive.');
  const result: T[][] = [];
  const perGroup = Math.floor(elements.length / numGroups);
  const leftover = elements.length - numGroups * perGroup;
  let assigned = 0;
  for (let group = 0; group < numGroups; group++) {
    const size = group < leftover ? perGroup + 1 : perGroup;
    result.push(elements.slice(assigned, assigned + size));
    assigned += size;
  }
  return result;
}

/** Legacy (whitelist/blacklist) and regex (include/exclude) table filtering (`TableMonitorThread`). */
export function filterTables(all: readonly TableId[], o: { whitelist: string[]; blacklist: string[]; include: string[]; exclude: string[] }): TableId[] {
  const names = (t: TableId): string[] => [t.toUnquotedString(), t.toSql('always'), t.tableName];
  if (o.include.length > 0) {
    const inc = o.include.map((r) => new RegExp(`^(?:${r})$`));
    const exc = o.exclude.map((r) => new RegExp(`^(?:${r})$`));
    return all.filter((t) => inc.some((r) => r.test(t.toUnquotedString())) && !exc.some((r) => r.test(t.toUnquotedString())));
  }
  if (o.whitelist.length > 0) return all.filter((t) => names(t).some((n) => o.whitelist.includes(n)));
  if (o.blacklist.length > 0) return all.filter((t) => !names(t).some((n) => o.blacklist.includes(n)));
  return [...all];
}

export class JdbcSourceConnector extends SourceConnector {
  static readonly className = 'io.confluent.connect.jdbc.JdbcSourceConnector';
  private props: Record<string, string> = {};
  private cfg!: JdbcSourceConfig;
  private client: Client | null = null;
  private tables: TableId[] | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private monitoring: Promise<void> | null = null;

  version(): string {
    return CONNECT_JDBC_VERSION;
  }

  config(): ConfigDef {
    return SOURCE_CONFIG_DEF;
  }

  override validate(connectorConfigs: Record<string, string>): ConfigValue[] {
    const values = SOURCE_CONFIG_DEF.validate(connectorConfigs);
    const byName = new Map(values.map((v) => [v.name, v]));
    const has = (k: string): boolean => (connectorConfigs[k] ?? '').trim() !== '';
    const add = (k: string, msg: string): void => byName.get(k)?.addErrorMessage(msg);
    const legacy = [TABLE_WHITELIST_CONFIG, TABLE_BLACKLIST_CONFIG, TIMESTAMP_COLUMN_NAME_CONFIG, INCREMENTING_COLUMN_NAME_CONFIG].filter(has);
    const modern = [TABLE_INCLUDE_LIST_CONFIG, TABLE_EXCLUDE_LIST_CONFIG, TIMESTAMP_COLUMN_MAPPING_CONFIG, INCREMENTING_COLUMN_MAPPING_CONFIG].filter(has);
    if (legacy.length > 0 && modern.length > 0) {
      const msg =
        'Cannot mix legacy and new configuration approaches. Legacy configurations (table.whitelist, table.blacklist, timestamp.column.name, incrementing.column.name) cannot be used together with new configurations (table.include.list, table.exclude.list, timestamp.columns.mapping, incrementing.column.mapping). Please choose one approach: either use all legacy configurations or all new configurations.';
      for (const k of [...legacy, ...modern]) add(k, msg);
    }
    if (has(TABLE_WHITELIST_CONFIG) && has(TABLE_BLACKLIST_CONFIG)) {
      add(TABLE_WHITELIST_CONFIG, 'table.whitelist and table.blacklist are mutually exclusive.');
      add(TABLE_BLACKLIST_CONFIG, 'table.whitelist and table.blacklist are mutually exclusive.');
    }
    if (has(TABLE_EXCLUDE_LIST_CONFIG) && !has(TABLE_INCLUDE_LIST_CONFIG)) {
      add(TABLE_EXCLUDE_LIST_CONFIG, `${TABLE_EXCLUDE_LIST_CONFIG} cannot be used without ${TABLE_INCLUDE_LIST_CONFIG}. Exclude list only applies to tables that match the include list.`);
    }
    if (has(QUERY_CONFIG) && has(QUERY_MASKED_CONFIG)) {
      const msg = "Both 'query' and 'query.masked' configs cannot be set at the same time. Please use only one of them.";
      add(QUERY_CONFIG, msg);
      add(QUERY_MASKED_CONFIG, msg);
    }
    if ((has(QUERY_CONFIG) || has(QUERY_MASKED_CONFIG)) && [TABLE_WHITELIST_CONFIG, TABLE_BLACKLIST_CONFIG, TABLE_INCLUDE_LIST_CONFIG, TABLE_EXCLUDE_LIST_CONFIG].some(has)) {
      add(QUERY_CONFIG, 'Do not specify table filtering configs with \'query\'. Remove table.whitelist / table.blacklist / table.include.list / table.exclude.list when using query mode or \'query\' when using table filtering mode.');
    }
    const mode = connectorConfigs[MODE_CONFIG] ?? '';
    const usesTs = mode === MODE_TIMESTAMP || mode === MODE_TIMESTAMP_INCREMENTING;
    const usesInc = mode === MODE_INCREMENTING || mode === MODE_TIMESTAMP_INCREMENTING;
    if (usesTs && !has(TIMESTAMP_COLUMN_NAME_CONFIG) && !has(TIMESTAMP_COLUMN_MAPPING_CONFIG)) {
      add(TIMESTAMP_COLUMN_NAME_CONFIG, `Timestamp column configuration must be provided when using mode '${MODE_TIMESTAMP}' or '${MODE_TIMESTAMP_INCREMENTING}'.`);
    }
    if (usesInc && (has(QUERY_CONFIG) || has(QUERY_MASKED_CONFIG)) && !has(INCREMENTING_COLUMN_NAME_CONFIG)) {
      add(
        INCREMENTING_COLUMN_NAME_CONFIG,
        `'${INCREMENTING_COLUMN_NAME_CONFIG}' must be provided when using mode '${MODE_INCREMENTING}' or '${MODE_TIMESTAMP_INCREMENTING}' with a custom query. The incrementing column cannot be auto-discovered in query mode because there is no table to inspect.`,
      );
    }
    return values;
  }

  async start(props: Record<string, string>): Promise<void> {
    log('info', 'Starting JDBC Source Connector');
    this.stopped = false;
    try {
      this.props = { ...props };
      this.cfg = new JdbcSourceConfig(props);
    } catch (e) {
      throw new ConnectException(`Couldn't start JdbcSourceConnector due to configuration error: ${(e as Error).message}`, { cause: e });
    }
    const c = this.cfg;
    const filters = [c.whitelist, c.blacklist, c.includeList, c.excludeList].some((l) => l.length > 0);
    if (c.query !== undefined && filters) throw new ConnectException(`${QUERY_CONFIG} may not be combined with whole-table copying settings.`);
    if (c.whitelist.length > 0 && c.blacklist.length > 0) throw new ConnectException('table.whitelist and table.blacklist are mutually exclusive.');
    log('info', 'Initial connection attempt with the database.');
    this.client = await connectWithRetry({
      url: c.url,
      user: c.user,
      password: c.password,
      attempts: c.getInt(CONNECTION_ATTEMPTS_CONFIG) ?? 3,
      backoffMs: c.getLong(CONNECTION_BACKOFF_CONFIG) ?? 10000,
      timeZone: c.timeZoneId,
      onRetry: (m) => log('info', m),
      stopped: () => this.stopped,
    });
    if (c.query === undefined) {
      // the first table list before task configs are asked for (TABLE_MONITORING_STARTUP_POLLING_LIMIT_MS)
      const limit = c.getLong(TABLE_MONITORING_STARTUP_POLLING_LIMIT_MS_CONFIG) ?? 10000;
      await Promise.race([this.updateTables(), new Promise((r) => setTimeout(r, limit).unref())]);
      this.schedule();
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    const ms = this.cfg.getLong(TABLE_POLL_INTERVAL_MS_CONFIG) ?? 60000;
    this.timer = setTimeout(() => {
      this.monitoring = this.updateTables()
        .then((changed) => {
          if (changed && !this.stopped) {
            log('info', 'Detected changes to the set of tables to read: requesting task reconfiguration');
            this.context.requestTaskReconfiguration();
          }
        })
        .catch((e: unknown) => log('error', 'Error while trying to get updated table list, ignoring and waiting for next table poll interval', e))
        .finally(() => {
          this.monitoring = null;
          this.schedule();
        });
    }, ms);
  }

  /** Re-reads the table list; true when it changed. */
  private async updateTables(): Promise<boolean> {
    const c = this.cfg;
    if (this.client === null) return false;
    const all = await listTables(this.client, c.getList(TABLE_TYPE_CONFIG) ?? ['TABLE'], c.getString(SCHEMA_PATTERN_CONFIG));
    const filtered = filterTables(all, { whitelist: c.whitelist, blacklist: c.blacklist, include: c.includeList, exclude: c.excludeList });
    const prior = this.tables;
    this.tables = filtered;
    const changed = prior === null || prior.length !== filtered.length || prior.some((t, i) => !t.equals(filtered[i]));
    if (prior === null || changed) log('info', `Based on the supplied filtering rules, the tables available to read from include: ${filtered.map((t) => t.toString()).join(',')}`);
    return prior !== null && changed;
  }

  taskClass(): TaskClass {
    return JdbcSourceTask;
  }

  taskConfigs(maxTasks: number): Array<Record<string, string>> {
    const c = this.cfg;
    if (c.query !== undefined) return [{ ...this.props, [TABLES_CONFIG]: '', [TABLES_FETCHED]: 'true' }];
    const tables = this.tables;
    if (tables === null || tables.length === 0) {
      if (tables === null) log('warn', 'The connector has not been able to read the list of tables from the database yet.');
      else log('warn', 'No tables were found so there\'s no work to be done.');
      return [{ ...this.props, [TABLES_CONFIG]: '', [TABLES_FETCHED]: tables === null ? 'false' : 'true' }];
    }
    const dup = new Map<string, TableId[]>();
    for (const t of tables) dup.set(t.tableName, [...(dup.get(t.tableName) ?? []), t]);
    const duplicates = [...dup.values()].filter((l) => l.length > 1);
    if (duplicates.length > 0) {
      const configText = c.whitelist.length > 0 ? `'${TABLE_WHITELIST_CONFIG}'` : c.blacklist.length > 0 ? `'${TABLE_BLACKLIST_CONFIG}'` : `'${TABLE_WHITELIST_CONFIG}' or '${TABLE_BLACKLIST_CONFIG}'`;
      const err = new ConnectException(
        `The connector uses the unqualified table name as the topic name and has detected duplicate unqualified table names. This could lead to mixed data types in the topic and downstream processing errors. To prevent such processing errors, the JDBC Source connector fails to start when it detects duplicate table name configurations. Update the connector's ${configText} config to include exactly one table in each of the tables listed below.\n\t[${duplicates.map((l) => '[' + l.map((t) => t.toString()).join(', ') + ']').join(', ')}]`,
      );
      this.context.raiseError(err);
      throw err;
    }
    const quote: QuoteMethod = c.quote;
    return groupPartitions(tables, Math.min(tables.length, maxTasks)).map((group) => ({
      ...this.props,
      [TABLES_CONFIG]: group.map((t) => t.toSql(quote)).join(','),
      [TABLES_FETCHED]: 'true',
    }));
  }

  async stop(): Promise<void> {
    log('info', 'Stopping table monitoring thread');
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.monitoring?.catch(() => undefined);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  override exactlyOnceSupport(): ExactlyOnceSupport | null {
    return null;
  }

  override alterOffsets(config: Record<string, string>, offsets: ReadonlyMap<Record<string, unknown>, Record<string, unknown> | null>): boolean {
    void config;
    for (const [partition, offset] of offsets) {
      if (!partition || (!('table' in partition) && !('query' in partition))) throw new ConnectException("Partition objects should contain the key 'table' or 'query'");
      if (offset === null) continue;
      for (const k of ['incrementing', 'timestamp', 'timestamp_nanos']) {
        const v = offset[k];
        if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v))) throw new ConnectException(`The value for the '${k}' key in the offset is expected to be a Long value`);
      }
    }
    return true;
  }
}

