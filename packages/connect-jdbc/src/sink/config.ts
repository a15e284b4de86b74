/** `JdbcSinkConfig`: Confluent's keys, defaults and messages. */
import { AbstractConfig, ConfigDef, ConfigException, ConfigType, Importance, LambdaValidator, Range, ValidString, Width, type Password } from '@nagare/connect-api';
import { zoneFor, UTC_ZONE, type Zone } from '../util/datetime';
import { enumRecommender } from '../source/config';

export type InsertMode = 'insert' | 'upsert' | 'update';
export type PrimaryKeyMode = 'none' | 'kafka' | 'record_key' | 'record_value';

export const DEFAULT_KAFKA_PK_NAMES = ['__connect_topic', '__connect_partition', '__connect_offset'];

export const CONNECTION_URL = 'connection.url';
export const CONNECTION_USER = 'connection.user';
export const CONNECTION_PASSWORD = 'connection.password';
export const CONNECTION_ATTEMPTS = 'connection.attempts';
export const CONNECTION_BACKOFF = 'connection.backoff.ms';
export const TABLE_NAME_FORMAT = 'table.name.format';
export const MAX_RETRIES = 'max.retries';
export const RETRY_BACKOFF_MS = 'retry.backoff.ms';
export const BATCH_SIZE = 'batch.size';
export const DELETE_ENABLED = 'delete.enabled';
export const REPLACE_NULL_WITH_DEFAULT = 'replace.null.with.default';
export const AUTO_CREATE = 'auto.create';
export const AUTO_EVOLVE = 'auto.evolve';
export const INSERT_MODE = 'insert.mode';
export const PK_FIELDS = 'pk.fields';
export const PK_MODE = 'pk.mode';
export const FIELDS_WHITELIST = 'fields.whitelist';
export const DIALECT_NAME_CONFIG = 'dialect.name';
export const STRING_OUTPUT_VALUE_COLUMN_NAME = 'string.output.value.column.name';
export const DB_TIMEZONE_CONFIG = 'db.timezone';
export const DATE_TIMEZONE_CONFIG = 'date.timezone';
export const TIMESTAMP_PRECISION_MODE_CONFIG = 'timestamp.precision.mode';
export const TIMESTAMP_FIELDS_LIST = 'timestamp.fields.list';
export const QUOTE_SQL_IDENTIFIERS_CONFIG = 'quote.sql.identifiers';
export const TABLE_TYPES_CONFIG = 'table.types';
export const TRIM_SENSITIVE_LOG_ENABLED = 'trim.sensitive.log';
export const DATE_CALENDAR_SYSTEM_CONFIG = 'date.calendar.system';
export const MSSQL_USE_MERGE_HOLDLOCK = 'mssql.use.merge.holdlock';

/** `JdbcSinkConfig.EnumValidator`: case-insensitive, "Invalid enumerator". */
function enumValidator(values: readonly string[]): LambdaValidator {
  return LambdaValidator.with(
    (name, value) => {
      if (value === null || value === undefined) return;
      if (!values.some((v) => v.toLowerCase() === String(value).toLowerCase())) throw new ConfigException(name, value, 'Invalid enumerator');
    },
    () => `[${values.join(', ')}]`,
  );
}

function listEnumValidator(values: readonly string[]): LambdaValidator {
  return LambdaValidator.with(
    (name, value) => {
      for (const v of (value as string[] | null) ?? []) if (!values.some((x) => x.toLowerCase() === v.toLowerCase())) throw new ConfigException(name, value, 'Invalid enumerator');
    },
    () => `[${values.join(', ')}]`,
  );
}

const timeZoneValidator = LambdaValidator.with(
  (name, value) => {
    try {
      zoneFor(String(value));
    } catch {
      throw new ConfigException(name, value, 'Invalid time zone identifier');
    }
  },
  () => 'Any valid JDK time zone',
);

const g = (group: string, orderInGroup: number): { group: string; orderInGroup: number } => ({ group, orderInGroup });

export const SINK_CONFIG_DEF = new ConfigDef()
  .define({ name: CONNECTION_URL, type: ConfigType.STRING, importance: Importance.HIGH, documentation: 'JDBC connection URL. For example: ``jdbc:postgresql://localhost:5432/db_name``', ...g('Connection', 1), width: Width.LONG, displayName: 'JDBC URL' })
  .define({ name: CONNECTION_USER, type: ConfigType.STRING, defaultValue: null, importance: Importance.HIGH, documentation: 'JDBC connection user.', ...g('Connection', 2), width: Width.MEDIUM, displayName: 'JDBC User' })
  .define({ name: CONNECTION_PASSWORD, type: ConfigType.PASSWORD, defaultValue: null, importance: Importance.HIGH, documentation: 'JDBC connection password.', ...g('Connection', 3), width: Width.MEDIUM, displayName: 'JDBC Password' })
  .define({ name: CONNECTION_ATTEMPTS, type: ConfigType.INT, defaultValue: 3, validator: Range.atLeast(1), importance: Importance.LOW, documentation: 'Maximum number of attempts to retrieve a valid JDBC connection. Must be a positive integer.', ...g('Connection', 4), width: Width.SHORT, displayName: 'JDBC connection attempts' })
  .define({ name: CONNECTION_BACKOFF, type: ConfigType.LONG, defaultValue: 10000, importance: Importance.LOW, documentation: 'Backoff time in milliseconds between connection attempts.', ...g('Connection', 5), width: Width.SHORT, displayName: 'JDBC connection backoff in milliseconds' })
  .define({ name: DIALECT_NAME_CONFIG, type: ConfigType.STRING, defaultValue: '', validator: LambdaValidator.with((n, v) => { if (v !== '' && v !== 'PostgreSqlDatabaseDialect' && v !== null) throw new ConfigException(n, v, 'Invalid value'); }, () => '[, PostgreSqlDatabaseDialect]'), importance: Importance.LOW, documentation: 'The name of the database dialect that should be used for this connector.', ...g('Connection', 6), width: Width.LONG, displayName: 'Database Dialect' })
  .define({ name: INSERT_MODE, type: ConfigType.STRING, defaultValue: 'insert', validator: enumValidator(['insert', 'upsert', 'update']), recommender: enumRecommender(['insert', 'upsert', 'update']), importance: Importance.HIGH, documentation: 'The insertion mode to use: insert, upsert, update.', ...g('Writes', 1), width: Width.MEDIUM, displayName: 'Insert Mode' })
  .define({ name: BATCH_SIZE, type: ConfigType.INT, defaultValue: 3000, validator: Range.atLeast(0), importance: Importance.MEDIUM, documentation: 'Specifies how many records to attempt to batch together for insertion into the destination table, when possible.', ...g('Writes', 2), width: Width.SHORT, displayName: 'Batch Size' })
  .define({ name: DELETE_ENABLED, type: ConfigType.BOOLEAN, defaultValue: 'false', importance: Importance.MEDIUM, documentation: 'Whether to treat ``null`` record values as deletes. Requires ``pk.mode`` to be ``record_key``.', ...g('Writes', 3), width: Width.SHORT, displayName: 'Enable deletes' })
  .define({ name: REPLACE_NULL_WITH_DEFAULT, type: ConfigType.BOOLEAN, defaultValue: 'true', importance: Importance.MEDIUM, documentation: 'Whether to replace ``null`` value with default value', ...g('Writes', 4), width: Width.SHORT, displayName: 'Replace null value with default value' })
  .define({ name: TABLE_TYPES_CONFIG, type: ConfigType.LIST, defaultValue: 'TABLE', validator: listEnumValidator(['TABLE', 'VIEW', 'PARTITIONED_TABLE']), recommender: enumRecommender(['TABLE', 'VIEW', 'PARTITIONED_TABLE']), importance: Importance.LOW, documentation: 'The comma-separated types of database tables to which the sink connector can write.', ...g('Writes', 5), width: Width.SHORT, displayName: 'Table Types' })
  .define({ name: TABLE_NAME_FORMAT, type: ConfigType.STRING, defaultValue: '${topic}', importance: Importance.MEDIUM, documentation: "A format string for the destination table name, which may contain '${topic}' as a placeholder for the originating topic name.", ...g('Data Mapping', 1), width: Width.LONG, displayName: 'Table Name Format' })
  .define({ name: PK_MODE, type: ConfigType.STRING, defaultValue: 'none', validator: enumValidator(['none', 'kafka', 'record_key', 'record_value']), recommender: enumRecommender(['none', 'kafka', 'record_key', 'record_value']), importance: Importance.HIGH, documentation: 'The primary key mode: none, kafka, record_key, record_value.', ...g('Data Mapping', 2), width: Width.MEDIUM, displayName: 'Primary Key Mode' })
  .define({ name: PK_FIELDS, type: ConfigType.LIST, defaultValue: '', importance: Importance.MEDIUM, documentation: 'List of comma-separated primary key field names; interpreted by ``pk.mode``.', ...g('Data Mapping', 3), width: Width.LONG, displayName: 'Primary Key Fields' })
  .define({ name: FIELDS_WHITELIST, type: ConfigType.LIST, defaultValue: '', importance: Importance.MEDIUM, documentation: 'List of comma-separated record value field names. If empty, all fields from the record value are utilized.', ...g('Data Mapping', 4), width: Width.LONG, displayName: 'Fields Whitelist' })
  .define({ name: STRING_OUTPUT_VALUE_COLUMN_NAME, type: ConfigType.STRING, defaultValue: 'record_value', importance: Importance.LOW, documentation: 'When the Kafka record value uses the String schema, the connector writes the value into a single column with this name.', ...g('Data Mapping', 5), width: Width.MEDIUM, displayName: 'String Value Column Name' })
  .define({ name: DB_TIMEZONE_CONFIG, type: ConfigType.STRING, defaultValue: 'UTC', validator: timeZoneValidator, importance: Importance.MEDIUM, documentation: 'Name of the JDBC timezone that should be used in the connector when inserting time-based values. Defaults to UTC.', ...g('Data Mapping', 6), width: Width.MEDIUM, displayName: 'DB Time Zone' })
  .define({ name: DATE_TIMEZONE_CONFIG, type: ConfigType.STRING, defaultValue: 'DB_TIMEZONE', validator: enumValidator(['DB_TIMEZONE', 'UTC']), recommender: enumRecommender(['DB_TIMEZONE', 'UTC']), importance: Importance.MEDIUM, documentation: 'Name of the JDBC timezone that should be used in the connector when inserting DATE type values.', ...g('Data Mapping', 7), width: Width.MEDIUM, displayName: 'Time Zone used for Date' })
  .define({ name: TIMESTAMP_PRECISION_MODE_CONFIG, type: ConfigType.STRING, defaultValue: 'MICROSECONDS', validator: enumValidator(['MICROSECONDS', 'NANOSECONDS']), recommender: enumRecommender(['MICROSECONDS', 'NANOSECONDS']), importance: Importance.MEDIUM, documentation: 'Convert the Timestamp with precision (microseconds or nanoseconds).', ...g('Data Mapping', 8), width: Width.MEDIUM, displayName: 'Sink Timestamp Precision mode' })
  .define({ name: TIMESTAMP_FIELDS_LIST, type: ConfigType.LIST, defaultValue: '', importance: Importance.MEDIUM, documentation: 'List of comma-separated record value timestamp field names (Long or String, epoch micros or nanos by timestamp.precision.mode) that should be converted to timestamps.', ...g('Data Mapping', 9), width: Width.LONG, displayName: 'Timestamp Fields Whitelist' })
  .define({ name: DATE_CALENDAR_SYSTEM_CONFIG, type: ConfigType.STRING, defaultValue: 'LEGACY', validator: ValidString.in('LEGACY', 'PROLEPTIC_GREGORIAN'), importance: Importance.LOW, documentation: 'Conversion of time since epoch value to DATE or TIMESTAMP (nagare uses the proleptic Gregorian calendar).', ...g('Data Mapping', 10), width: Width.MEDIUM, displayName: 'Date Calendar System' })
  .define({ name: AUTO_CREATE, type: ConfigType.BOOLEAN, defaultValue: 'false', importance: Importance.MEDIUM, documentation: 'Whether to automatically create the destination table based on record schema if it is found to be missing by issuing ``CREATE``.', ...g('DDL Support', 1), width: Width.SHORT, displayName: 'Auto-Create' })
  .define({ name: AUTO_EVOLVE, type: ConfigType.BOOLEAN, defaultValue: 'false', importance: Importance.MEDIUM, documentation: 'Whether to automatically add columns in the table schema when found to be missing relative to the record schema by issuing ``ALTER``.', ...g('DDL Support', 2), width: Width.SHORT, displayName: 'Auto-Evolve' })
  .define({ name: QUOTE_SQL_IDENTIFIERS_CONFIG, type: ConfigType.STRING, defaultValue: 'ALWAYS', validator: enumValidator(['ALWAYS', 'NEVER']), recommender: enumRecommender(['always', 'never']), importance: Importance.MEDIUM, documentation: 'When to quote table names, column names, and other identifiers in SQL statements. For backward compatibility, the default is ``always``.', ...g('DDL Support', 3), width: Width.MEDIUM, displayName: 'Quote Identifiers' })
  .define({ name: MSSQL_USE_MERGE_HOLDLOCK, type: ConfigType.BOOLEAN, defaultValue: 'true', importance: Importance.LOW, documentation: 'Whether to use HOLDLOCK when performing a MERGE INTO upsert statement (SQL Server only).', ...g('DML Support', 1), width: Width.SHORT, displayName: 'SQL Server - Use HOLDLOCK in MERGE' })
  .define({ name: MAX_RETRIES, type: ConfigType.INT, defaultValue: 10, validator: Range.atLeast(0), importance: Importance.MEDIUM, documentation: 'The maximum number of times to retry on errors before failing the task.', ...g('Retries', 1), width: Width.SHORT, displayName: 'Maximum Retries' })
  .define({ name: RETRY_BACKOFF_MS, type: ConfigType.INT, defaultValue: 3000, validator: Range.atLeast(0), importance: Importance.MEDIUM, documentation: 'The time in milliseconds to wait following an error before a retry attempt is made.', ...g('Retries', 2), width: Width.SHORT, displayName: 'Retry Backoff (millis)' })
  .define({ name: TRIM_SENSITIVE_LOG_ENABLED, type: ConfigType.BOOLEAN, defaultValue: 'false', importance: Importance.LOW, documentation: 'Enable trimming of sensitive information in logs.', ...g('Retries', 3), width: Width.SHORT, displayName: 'Trim sensitive log' });

export class JdbcSinkConfig extends AbstractConfig {
  readonly connectorName: string;
  readonly url: string;
  readonly user: string | null;
  readonly password: string | null;
  readonly connectionAttempts: number;
  readonly connectionBackoffMs: number;
  readonly tableNameFormat: string;
  readonly batchSize: number;
  readonly deleteEnabled: boolean;
  readonly replaceNullWithDefault: boolean;
  readonly maxRetries: number;
  readonly retryBackoffMs: number;
  readonly timestampFieldsList: Set<string>;
  readonly autoCreate: boolean;
  readonly autoEvolve: boolean;
  readonly insertMode: InsertMode;
  readonly pkMode: PrimaryKeyMode;
  readonly pkFields: string[];
  readonly fieldsWhitelist: Set<string>;
  readonly stringOutputValueColumnName: string;
  readonly zone: Zone;
  readonly timeZoneId: string;
  readonly dateZone: Zone;
  readonly timestampPrecisionNanos: boolean;
  readonly quote: 'always' | 'never';
  readonly tableTypes: string[];

  constructor(props: Record<string, unknown>) {
    super(SINK_CONFIG_DEF, props);
    this.connectorName = String(props.name ?? '');
    this.url = this.getString(CONNECTION_URL)!;
    this.user = this.getString(CONNECTION_USER);
    this.password = (this.getPassword(CONNECTION_PASSWORD) as Password | null)?.value() ?? null;
    this.connectionAttempts = this.getInt(CONNECTION_ATTEMPTS)!;
    this.connectionBackoffMs = this.getLong(CONNECTION_BACKOFF)!;
    this.tableNameFormat = this.getString(TABLE_NAME_FORMAT)!.trim();
    this.batchSize = this.getInt(BATCH_SIZE)!;
    this.deleteEnabled = this.getBoolean(DELETE_ENABLED)!;
    this.replaceNullWithDefault = this.getBoolean(REPLACE_NULL_WITH_DEFAULT)!;
    this.maxRetries = this.getInt(MAX_RETRIES)!;
    this.retryBackoffMs = this.getInt(RETRY_BACKOFF_MS)!;
    this.timestampFieldsList = new Set(this.getList(TIMESTAMP_FIELDS_LIST)!);
    this.autoCreate = this.getBoolean(AUTO_CREATE)!;
    this.autoEvolve = this.getBoolean(AUTO_EVOLVE)!;
    this.insertMode = this.getString(INSERT_MODE)!.toLowerCase() as InsertMode;
    this.pkMode = this.getString(PK_MODE)!.toLowerCase() as PrimaryKeyMode;
    this.pkFields = this.getList(PK_FIELDS)!;
    this.fieldsWhitelist = new Set(this.getList(FIELDS_WHITELIST)!);
    this.stringOutputValueColumnName = this.getString(STRING_OUTPUT_VALUE_COLUMN_NAME)!;
    this.timeZoneId = this.getString(DB_TIMEZONE_CONFIG)!;
    this.zone = zoneFor(this.timeZoneId);
    this.dateZone = this.getString(DATE_TIMEZONE_CONFIG)!.toUpperCase() === 'UTC' ? UTC_ZONE : this.zone;
    this.timestampPrecisionNanos = this.getString(TIMESTAMP_PRECISION_MODE_CONFIG)!.toUpperCase() === 'NANOSECONDS';
    this.quote = this.getString(QUOTE_SQL_IDENTIFIERS_CONFIG)!.toLowerCase() === 'never' ? 'never' : 'always';
    this.tableTypes = this.getList(TABLE_TYPES_CONFIG)!.map((t) => t.toUpperCase());
    if (this.deleteEnabled && this.pkMode !== 'record_key') throw new ConfigException("Primary key mode must be 'record_key' when delete support is enabled");
  }
}
