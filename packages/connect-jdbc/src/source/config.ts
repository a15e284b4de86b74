/**
 * `JdbcSourceConnectorConfig` / `JdbcSourceTaskConfig`: Confluent's keys,
 * defaults, groups and messages.
 */
import {
  AbstractConfig,
  ConfigDef,
  ConfigException,
  ConfigType,
  Importance,
  LambdaValidator,
  Range,
  ValidString,
  Width,
  type Password,
  type Recommender,
} from '@nagare/connect-api';
import { zoneFor, type Zone } from '../util/datetime';
import type { NumericMapping, TimestampGranularity } from './schema-mapping';

export const CONNECTION_URL_CONFIG = 'connection.url';
export const CONNECTION_USER_CONFIG = 'connection.user';
export const CONNECTION_PASSWORD_CONFIG = 'connection.password';
export const CONNECTION_ATTEMPTS_CONFIG = 'connection.attempts';
export const CONNECTION_BACKOFF_CONFIG = 'connection.backoff.ms';
export const POLL_INTERVAL_MS_CONFIG = 'poll.interval.ms';
export const BATCH_MAX_ROWS_CONFIG = 'batch.max.rows';
export const MAX_BUFFER_SIZE_CONFIG = 'max.buffer.size';
export const POLL_LINGER_MS_CONFIG = 'poll.linger.ms';
export const NUMERIC_PRECISION_MAPPING_CONFIG = 'numeric.precision.mapping';
export const NUMERIC_MAPPING_CONFIG = 'numeric.mapping';
export const DIALECT_NAME_CONFIG = 'dialect.name';
export const MODE_CONFIG = 'mode';
export const MODE_UNSPECIFIED = '';
export const MODE_BULK = 'bulk';
export const MODE_TIMESTAMP = 'timestamp';
export const MODE_INCREMENTING = 'incrementing';
export const MODE_TIMESTAMP_INCREMENTING = 'timestamp+incrementing';
export const INCREMENTING_COLUMN_NAME_CONFIG = 'incrementing.column.name';
export const TIMESTAMP_COLUMN_NAME_CONFIG = 'timestamp.column.name';
export const TIMESTAMP_COLUMN_MAPPING_CONFIG = 'timestamp.columns.mapping';
export const INCREMENTING_COLUMN_MAPPING_CONFIG = 'incrementing.column.mapping';
export const TIMESTAMP_INITIAL_CONFIG = 'timestamp.initial';
export const TIMESTAMP_INITIAL_CURRENT = -1;
export const TIMESTAMP_GRANULARITY_CONFIG = 'timestamp.granularity';
export const TABLE_MONITORING_STARTUP_POLLING_LIMIT_MS_CONFIG = 'table.monitoring.startup.polling.limit.ms';
export const TABLE_POLL_INTERVAL_MS_CONFIG = 'table.poll.interval.ms';
export const TABLE_WHITELIST_CONFIG = 'table.whitelist';
export const TABLE_BLACKLIST_CONFIG = 'table.blacklist';
export const TABLE_INCLUDE_LIST_CONFIG = 'table.include.list';
export const TABLE_EXCLUDE_LIST_CONFIG = 'table.exclude.list';
export const SCHEMA_PATTERN_CONFIG = 'schema.pattern';
export const CATALOG_PATTERN_CONFIG = 'catalog.pattern';
export const QUERY_CONFIG = 'query';
export const QUERY_MASKED_CONFIG = 'query.masked';
export const TOPIC_PREFIX_CONFIG = 'topic.prefix';
export const VALIDATE_NON_NULL_CONFIG = 'validate.non.null';
export const DATE_CALENDAR_SYSTEM_CONFIG = 'date.calendar.system';
export const TIMESTAMP_DELAY_INTERVAL_MS_CONFIG = 'timestamp.delay.interval.ms';
export const DB_TIMEZONE_CONFIG = 'db.timezone';
export const QUOTE_SQL_IDENTIFIERS_CONFIG = 'quote.sql.identifiers';
export const QUERY_SUFFIX_CONFIG = 'query.suffix';
export const QUERY_RETRIES_CONFIG = 'query.retry.attempts';
export const TABLE_TYPE_CONFIG = 'table.types';
export const TRANSACTION_ISOLATION_MODE_CONFIG = 'transaction.isolation.mode';
/** Task-only keys (`JdbcSourceTaskConfig`). */
export const TABLES_CONFIG = 'tables';
export const TABLES_FETCHED = 'tables.fetched';

const DATABASE_GROUP = 'Database';
const MODE_GROUP = 'Mode';
const CONNECTOR_GROUP = 'Connector';

export const NUMERIC_MAPPINGS: NumericMapping[] = ['none', 'precision_only', 'best_fit', 'best_fit_eager_double'];
export const TIMESTAMP_GRANULARITIES: TimestampGranularity[] = [
  'connect_logical',
  'micros_long',
  'micros_string',
  'micros_iso_datetime_string',
  'nanos_long',
  'nanos_string',
  'nanos_iso_datetime_string',
];
export const TRANSACTION_ISOLATION_MODES = ['DEFAULT', 'READ_UNCOMMITTED', 'READ_COMMITTED', 'REPEATABLE_READ', 'SERIALIZABLE', 'SQL_SERVER_SNAPSHOT'];

/** `EnumRecommender`: valid values listed; case-insensitive validation with Confluent's message. */
export function enumValidator(values: readonly string[], allowNull = false): LambdaValidator {
  return LambdaValidator.with(
    (name, value) => {
      if (value === null || value === undefined) {
        if (allowNull) return;
        throw new ConfigException(name, value, `Value must be one of: ${values.join(', ')}`);
      }
      if (!values.some((v) => v.toLowerCase() === String(value).toLowerCase())) throw new ConfigException(name, value, `Value must be one of: ${values.join(', ')}`);
    },
    () => `[${values.join(', ')}]`,
  );
}

export function enumRecommender(values: readonly string[]): Recommender {
  return { validValues: () => [...values], visible: () => true };
}

const regexListValidator = LambdaValidator.with(
  (name, value) => {
    for (const r of (value as string[] | null) ?? []) {
      try {
        new RegExp(r.trim());
      } catch (e) {
        throw new ConfigException(name, value, `Must be a valid comma-separated list of regular expression patterns: ${(e as Error).message}`);
      }
    }
  },
  () => 'a valid comma-separated list of Java regular expressions',
);

const timeZoneValidator = LambdaValidator.with(
  (name, value) => {
    if (value === null || value === undefined) return;
    try {
      zoneFor(String(value));
    } catch {
      throw new ConfigException(name, value, 'Invalid time zone identifier');
    }
  },
  () => 'Any valid JDK time zone',
);

const INVALID_TOPIC_CHARS = /[^a-zA-Z0-9._-]/;
const topicPrefixValidator = LambdaValidator.with(
  (name, value) => {
    if (value === null || value === undefined) throw new ConfigException(name, value, 'Topic prefix must not be null.');
    const t = String(value).trim();
    if (t.length > 249) throw new ConfigException(name, value, 'Topic prefix length must not exceed max topic name length, 249 chars');
    if (INVALID_TOPIC_CHARS.test(t)) throw new ConfigException(name, value, "Topic prefix must not contain any character other than ASCII alphanumerics, '.', '_' and '-'.");
  },
  () => '',
);

function mappingValidator(multi: boolean): LambdaValidator {
  return LambdaValidator.with(
    (name, value) => {
      for (const raw of (value as string[] | null) ?? []) {
        const mapping = raw.trim();
        const parts = mapping.split(':');
        if (parts.length !== 2) throw new ConfigException(name, mapping, multi ? "Invalid format. Expected 'regex:[col1|col2|...]'" : "Invalid format. Expected 'regex:columnName'");
        const regex = parts[0].trim();
        try {
          new RegExp(regex);
        } catch (e) {
          throw new ConfigException(name, regex, `Invalid regular expression: ${(e as Error).message}`);
        }
        const cols = parts[1].trim();
        if (multi) {
          if (!cols.startsWith('[') || !cols.endsWith(']')) throw new ConfigException(name, cols, 'Columns list must be enclosed in square brackets');
          const content = cols.slice(1, -1);
          if (content.trim() === '') throw new ConfigException(name, cols, 'Columns list cannot be empty');
          if (content.split('|').some((c) => c.trim() === '')) throw new ConfigException(name, cols, 'Every column name should be non-empty string');
        } else if (cols === '') throw new ConfigException(name, cols, 'Column name cannot be empty');
      }
    },
    () => (multi ? "a list of mappings in the format 'regex:[col1|col2|...]'" : "a list of mappings in the format 'regex:columnName'"),
  );
}

let order = 0;
const db = (): { group: string; orderInGroup: number } => ({ group: DATABASE_GROUP, orderInGroup: ++order });

function build(): ConfigDef {
  const d = new ConfigDef();
  order = 0;
  d.define({ name: CONNECTION_URL_CONFIG, type: ConfigType.STRING, defaultValue: '', importance: Importance.HIGH, documentation: 'JDBC connection URL. For example: ``jdbc:postgresql://localhost:5432/db_name``', ...db(), width: Width.LONG, displayName: 'JDBC URL', dependents: [TABLE_WHITELIST_CONFIG, TABLE_BLACKLIST_CONFIG] })
    .define({ name: CONNECTION_USER_CONFIG, type: ConfigType.STRING, defaultValue: null, importance: Importance.HIGH, documentation: 'JDBC connection user.', ...db(), width: Width.LONG, displayName: 'JDBC User' })
    .define({ name: CONNECTION_PASSWORD_CONFIG, type: ConfigType.PASSWORD, defaultValue: null, importance: Importance.HIGH, documentation: 'JDBC connection password.', ...db(), width: Width.SHORT, displayName: 'JDBC Password' })
    .define({ name: CONNECTION_ATTEMPTS_CONFIG, type: ConfigType.INT, defaultValue: 3, validator: Range.atLeast(1), importance: Importance.LOW, documentation: 'Maximum number of attempts to retrieve a valid JDBC connection. Must be a positive integer.', ...db(), width: Width.SHORT, displayName: 'JDBC connection attempts' })
    .define({ name: CONNECTION_BACKOFF_CONFIG, type: ConfigType.LONG, defaultValue: 10000, importance: Importance.LOW, documentation: 'Backoff time in milliseconds between connection attempts.', ...db(), width: Width.SHORT, displayName: 'JDBC connection backoff in milliseconds' })
    .define({ name: TABLE_WHITELIST_CONFIG, type: ConfigType.LIST, defaultValue: '', importance: Importance.MEDIUM, documentation: 'List of tables to include in copying. If specified, ``table.blacklist`` may not be set.', ...db(), width: Width.LONG, displayName: 'Table Whitelist' })
    .define({ name: TABLE_BLACKLIST_CONFIG, type: ConfigType.LIST, defaultValue: '', importance: Importance.MEDIUM, documentation: 'List of tables to exclude from copying. If specified, ``table.whitelist`` may not be set.', ...db(), width: Width.LONG, displayName: 'Table Blacklist' })
    .define({ name: TABLE_INCLUDE_LIST_CONFIG, type: ConfigType.LIST, defaultValue: [], validator: regexListValidator, importance: Importance.MEDIUM, documentation: 'A comma-separated list of regular expressions that match the fully-qualified names of tables to be copied.', ...db(), width: Width.LONG, displayName: 'Tables Included (Regex)' })
    .define({ name: TABLE_EXCLUDE_LIST_CONFIG, type: ConfigType.LIST, defaultValue: [], validator: regexListValidator, importance: Importance.MEDIUM, documentation: 'A comma-separated list of regular expressions that match the fully-qualified names of tables not to be copied. REQUIRES ``table.include.list``.', ...db(), width: Width.LONG, displayName: 'Tables Excluded (Regex)' })
    .define({ name: CATALOG_PATTERN_CONFIG, type: ConfigType.STRING, defaultValue: null, importance: Importance.MEDIUM, documentation: 'Catalog pattern to fetch table metadata from the database.', ...db(), width: Width.SHORT, displayName: 'Schema pattern' })
    .define({ name: SCHEMA_PATTERN_CONFIG, type: ConfigType.STRING, defaultValue: null, importance: Importance.HIGH, documentation: 'Schema pattern to fetch table metadata from the database. null (default) fetches tables of every schema.', ...db(), width: Width.SHORT, displayName: 'Schema pattern' })
    .define({ name: NUMERIC_PRECISION_MAPPING_CONFIG, type: ConfigType.BOOLEAN, defaultValue: false, importance: Importance.LOW, documentation: 'Whether or not to attempt mapping NUMERIC values by precision to integral types. Deprecated: use ``numeric.mapping``.', ...db(), width: Width.SHORT, displayName: 'Map Numeric Values By Precision (deprecated)' })
    .define({ name: NUMERIC_MAPPING_CONFIG, type: ConfigType.STRING, defaultValue: null, validator: enumValidator(NUMERIC_MAPPINGS, true), recommender: enumRecommender(NUMERIC_MAPPINGS), importance: Importance.LOW, documentation: 'Map NUMERIC values by precision and optionally scale to integral or decimal types: none, best_fit, best_fit_eager_double, precision_only.', ...db(), width: Width.SHORT, displayName: 'Map Numeric Values, Integral or Decimal, By Precision and Scale' })
    .define({ name: DIALECT_NAME_CONFIG, type: ConfigType.STRING, defaultValue: '', validator: enumValidator(['', 'PostgreSqlDatabaseDialect'], true), recommender: enumRecommender(['', 'PostgreSqlDatabaseDialect']), importance: Importance.LOW, documentation: 'The name of the database dialect that should be used for this connector (PostgreSqlDatabaseDialect).', ...db(), width: Width.LONG, displayName: 'Database Dialect' })
    .define({ name: DATE_CALENDAR_SYSTEM_CONFIG, type: ConfigType.STRING, defaultValue: 'LEGACY', validator: ValidString.in('LEGACY', 'PROLEPTIC_GREGORIAN'), importance: Importance.LOW, documentation: 'The calendar used to interpret DATE and TIMESTAMP values (nagare uses the proleptic Gregorian calendar for both; they differ only before 1582).', ...db(), width: Width.MEDIUM, displayName: 'Date Calendar System' });
  order = 0;
  const mode = (): { group: string; orderInGroup: number } => ({ group: MODE_GROUP, orderInGroup: ++order });
  d.define({
    name: MODE_CONFIG,
    type: ConfigType.STRING,
    defaultValue: MODE_UNSPECIFIED,
    validator: ValidString.in(MODE_UNSPECIFIED, MODE_BULK, MODE_TIMESTAMP, MODE_INCREMENTING, MODE_TIMESTAMP_INCREMENTING),
    importance: Importance.HIGH,
    documentation: 'The mode for updating a table each time it is polled: bulk, incrementing, timestamp, timestamp+incrementing.',
    ...mode(),
    width: Width.MEDIUM,
    displayName: 'Table Loading Mode',
    dependents: [INCREMENTING_COLUMN_NAME_CONFIG, TIMESTAMP_COLUMN_NAME_CONFIG, INCREMENTING_COLUMN_MAPPING_CONFIG, TIMESTAMP_COLUMN_MAPPING_CONFIG, VALIDATE_NON_NULL_CONFIG],
  })
    .define({ name: INCREMENTING_COLUMN_NAME_CONFIG, type: ConfigType.STRING, defaultValue: '', importance: Importance.MEDIUM, documentation: 'The name of the strictly incrementing column to use to detect new rows. Any empty value indicates the column should be autodetected by looking for an auto-incrementing column. This column may not be nullable.', ...mode(), width: Width.MEDIUM, displayName: 'Incrementing Column Name' })
    .define({ name: TIMESTAMP_COLUMN_NAME_CONFIG, type: ConfigType.LIST, defaultValue: '', importance: Importance.MEDIUM, documentation: 'Comma separated list of one or more timestamp columns to detect new or modified rows using the COALESCE SQL function.', ...mode(), width: Width.MEDIUM, displayName: 'Timestamp Column Name' })
    .define({ name: TIMESTAMP_COLUMN_MAPPING_CONFIG, type: ConfigType.LIST, defaultValue: [], validator: mappingValidator(true), importance: Importance.MEDIUM, documentation: 'A comma separated list of table regex to timestamp columns mappings: ``regex1:[col1|col2],regex2:[col3]``.', ...mode(), width: Width.LONG, displayName: 'Table to timestamp columns mappings' })
    .define({ name: INCREMENTING_COLUMN_MAPPING_CONFIG, type: ConfigType.LIST, defaultValue: [], validator: mappingValidator(false), importance: Importance.MEDIUM, documentation: 'A comma separated list of table regex to incrementing column mappings: ``regex1:col2,regex2:col1``.', ...mode(), width: Width.LONG, displayName: 'Table to incrementing column mappings' })
    .define({ name: TIMESTAMP_INITIAL_CONFIG, type: ConfigType.LONG, defaultValue: null, importance: Importance.LOW, documentation: 'The epoch timestamp used for initial queries that use timestamp criteria. Use -1 to use the current time. If not specified, all data will be retrieved.', ...mode(), width: Width.MEDIUM, displayName: 'Unix time value of initial timestamp' })
    .define({ name: VALIDATE_NON_NULL_CONFIG, type: ConfigType.BOOLEAN, defaultValue: true, importance: Importance.LOW, documentation: 'By default, the JDBC connector will validate that all incrementing and timestamp tables have NOT NULL set for the columns being used as their ID/timestamp.', ...mode(), width: Width.SHORT, displayName: 'Validate Non Null' })
    .define({ name: QUERY_CONFIG, type: ConfigType.STRING, defaultValue: '', importance: Importance.MEDIUM, documentation: 'If specified, the query to perform to select new or updated rows. It must be possible to append a WHERE clause to this query.', ...mode(), width: Width.SHORT, displayName: 'Query' })
    .define({ name: QUERY_MASKED_CONFIG, type: ConfigType.PASSWORD, defaultValue: '', importance: Importance.MEDIUM, documentation: "Same as 'query' configuration but the query string is masked.", ...mode(), width: Width.SHORT, displayName: 'Query (Masked)', recommender: { validValues: () => [], visible: () => false } })
    .define({ name: QUOTE_SQL_IDENTIFIERS_CONFIG, type: ConfigType.STRING, defaultValue: 'ALWAYS', validator: enumValidator(['ALWAYS', 'NEVER']), recommender: enumRecommender(['always', 'never']), importance: Importance.MEDIUM, documentation: 'When to quote table names, column names, and other identifiers in SQL statements. For backward compatibility, the default is ``always``.', ...mode(), width: Width.MEDIUM, displayName: 'Quote Identifiers' })
    .define({ name: QUERY_SUFFIX_CONFIG, type: ConfigType.STRING, defaultValue: '', importance: Importance.LOW, documentation: 'Suffix to append at the end of the generated query.', ...mode(), width: Width.MEDIUM, displayName: 'Query suffix' })
    .define({ name: TRANSACTION_ISOLATION_MODE_CONFIG, type: ConfigType.STRING, defaultValue: 'DEFAULT', validator: enumValidator(TRANSACTION_ISOLATION_MODES), recommender: enumRecommender(TRANSACTION_ISOLATION_MODES), importance: Importance.LOW, documentation: 'Mode to control which transaction isolation level is used when running queries against the database.', ...mode(), width: Width.MEDIUM, displayName: 'Transaction Isolation Mode' })
    .define({ name: QUERY_RETRIES_CONFIG, type: ConfigType.INT, defaultValue: -1, importance: Importance.LOW, documentation: 'Number of times to retry SQL exceptions encountered when executing queries.', ...mode(), width: Width.MEDIUM, displayName: 'Query Retry Attempts' });
  order = 0;
  const conn = (): { group: string; orderInGroup: number } => ({ group: CONNECTOR_GROUP, orderInGroup: ++order });
  d.define({ name: TABLE_TYPE_CONFIG, type: ConfigType.LIST, defaultValue: 'TABLE', importance: Importance.LOW, documentation: 'The table types to extract: TABLE, VIEW, PARTITIONED TABLE, ...', ...conn(), width: Width.MEDIUM, displayName: 'Table Types' })
    .define({ name: POLL_INTERVAL_MS_CONFIG, type: ConfigType.INT, defaultValue: 5000, importance: Importance.HIGH, documentation: 'Frequency in ms to poll for new data in each table.', ...conn(), width: Width.SHORT, displayName: 'Poll Interval (ms)' })
    .define({ name: BATCH_MAX_ROWS_CONFIG, type: ConfigType.INT, defaultValue: 1000, importance: Importance.LOW, documentation: 'Maximum number of rows to include in a single batch when polling for new data.', ...conn(), width: Width.SHORT, displayName: 'Max Rows Per Batch' })
    .define({ name: MAX_BUFFER_SIZE_CONFIG, type: ConfigType.INT, defaultValue: 0, importance: Importance.LOW, documentation: 'The maximum number of records from the source database that can be buffered into memory. The default of 0 means a buffer size will be based on the maximum batch size.', ...conn(), width: Width.SHORT, displayName: 'Maximum Buffer Size' })
    .define({ name: POLL_LINGER_MS_CONFIG, type: ConfigType.LONG, defaultValue: 5000, importance: Importance.LOW, documentation: 'The maximum time to wait for a record before returning an empty batch. The default is 5 seconds.', ...conn(), width: Width.SHORT, displayName: 'Poll Linger Milliseconds' })
    .defineInternal(TABLE_MONITORING_STARTUP_POLLING_LIMIT_MS_CONFIG, ConfigType.LONG, 10000, Importance.LOW)
    .define({ name: TABLE_POLL_INTERVAL_MS_CONFIG, type: ConfigType.LONG, defaultValue: 60000, importance: Importance.LOW, documentation: 'Frequency in ms to poll for new or removed tables, which may result in updated task configurations to start polling for data in added tables or stop polling for data in removed tables.', ...conn(), width: Width.SHORT, displayName: 'Metadata Change Monitoring Interval (ms)' })
    .define({ name: TOPIC_PREFIX_CONFIG, type: ConfigType.STRING, defaultValue: '', validator: topicPrefixValidator, importance: Importance.HIGH, documentation: 'Prefix to prepend to table names to generate the name of the Kafka topic to publish data to, or in the case of a custom query, the full name of the topic to publish to.', ...conn(), width: Width.MEDIUM, displayName: 'Topic Prefix' })
    .define({ name: TIMESTAMP_DELAY_INTERVAL_MS_CONFIG, type: ConfigType.LONG, defaultValue: 0, importance: Importance.HIGH, documentation: 'How long to wait after a row with certain timestamp appears before we include it in the result.', ...conn(), width: Width.MEDIUM, displayName: 'Delay Interval (ms)' })
    .define({ name: DB_TIMEZONE_CONFIG, type: ConfigType.STRING, defaultValue: 'UTC', validator: timeZoneValidator, importance: Importance.MEDIUM, documentation: 'Name of the JDBC timezone used in the connector when querying with time-based criteria. Defaults to UTC.', ...conn(), width: Width.MEDIUM, displayName: 'DB time zone' })
    .define({ name: TIMESTAMP_GRANULARITY_CONFIG, type: ConfigType.STRING, defaultValue: 'connect_logical', validator: enumValidator(TIMESTAMP_GRANULARITIES), recommender: enumRecommender(TIMESTAMP_GRANULARITIES), importance: Importance.LOW, documentation: 'Define the granularity of the Timestamp column: connect_logical (default), micros_long, micros_string, micros_iso_datetime_string, nanos_long, nanos_string, nanos_iso_datetime_string.', ...conn(), width: Width.MEDIUM, displayName: 'Timestamp granularity for timestamp columns' });
  return d;
}

export const SOURCE_CONFIG_DEF = build();

/** The task's definition: the connector's plus `tables` and `tables.fetched`. */
export const SOURCE_TASK_CONFIG_DEF = new ConfigDef(SOURCE_CONFIG_DEF)
  .define(TABLES_CONFIG, ConfigType.LIST, '', Importance.HIGH, 'List of tables for this task to watch for changes.')
  .define(TABLES_FETCHED, ConfigType.BOOLEAN, false, Importance.HIGH, 'Whether the connector had read the list of tables when it generated this configuration.');

export class JdbcSourceConfig extends AbstractConfig {
  constructor(props: Record<string, unknown>, def: ConfigDef = SOURCE_CONFIG_DEF) {
    super(def, props);
  }
  get url(): string {
    return this.getString(CONNECTION_URL_CONFIG) ?? '';
  }
  get user(): string | null {
    return this.getString(CONNECTION_USER_CONFIG);
  }
  get password(): string | null {
    return (this.getPassword(CONNECTION_PASSWORD_CONFIG) as Password | null)?.value() ?? null;
  }
  get mode(): string {
    return this.getString(MODE_CONFIG) ?? '';
  }
  /** `query` or `query.masked`, or undefined. */
  get query(): string | undefined {
    const q = this.getString(QUERY_CONFIG) ?? '';
    if (q.trim() !== '') return q;
    const masked = (this.getPassword(QUERY_MASKED_CONFIG) as Password | null)?.value() ?? '';
    return masked.trim() !== '' ? masked : undefined;
  }
  get queryMasked(): boolean {
    return ((this.getPassword(QUERY_MASKED_CONFIG) as Password | null)?.value() ?? '').trim() !== '';
  }
  get topicPrefix(): string {
    return (this.getString(TOPIC_PREFIX_CONFIG) ?? '').trim();
  }
  get zone(): Zone {
    return zoneFor(this.getString(DB_TIMEZONE_CONFIG) ?? 'UTC');
  }
  get timeZoneId(): string {
    return this.getString(DB_TIMEZONE_CONFIG) ?? 'UTC';
  }
  get quote(): 'always' | 'never' {
    return (this.getString(QUOTE_SQL_IDENTIFIERS_CONFIG) ?? 'ALWAYS').toLowerCase() === 'never' ? 'never' : 'always';
  }
  get numericMapping(): NumericMapping {
    const m = this.getString(NUMERIC_MAPPING_CONFIG);
    if (m !== null && m !== '') return m.toLowerCase() as NumericMapping;
    return this.getBoolean(NUMERIC_PRECISION_MAPPING_CONFIG) ? 'precision_only' : 'none';
  }
  get granularity(): TimestampGranularity {
    return (this.getString(TIMESTAMP_GRANULARITY_CONFIG) ?? 'connect_logical').toLowerCase() as TimestampGranularity;
  }
  get includeList(): string[] {
    return (this.getList(TABLE_INCLUDE_LIST_CONFIG) ?? []).map((s) => s.trim()).filter((s) => s !== '');
  }
  get excludeList(): string[] {
    return (this.getList(TABLE_EXCLUDE_LIST_CONFIG) ?? []).map((s) => s.trim()).filter((s) => s !== '');
  }
  get whitelist(): string[] {
    return (this.getList(TABLE_WHITELIST_CONFIG) ?? []).filter((s) => s !== '');
  }
  get blacklist(): string[] {
    return (this.getList(TABLE_BLACKLIST_CONFIG) ?? []).filter((s) => s !== '');
  }
  modeUsesTimestampColumn(): boolean {
    return this.mode === MODE_TIMESTAMP || this.mode === MODE_TIMESTAMP_INCREMENTING;
  }
  modeUsesIncrementingColumn(): boolean {
    return this.mode === MODE_INCREMENTING || this.mode === MODE_TIMESTAMP_INCREMENTING;
  }
}
