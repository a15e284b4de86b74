/**
 * `PostgresConnectorConfig` (with `CommonConnectorConfig` and
 * `RelationalDatabaseConnectorConfig`): Debezium's keys and defaults for
 * what this connector implements. Unknown keys are ignored, as Debezium
 * ignores them. Validation messages follow Debezium's
 * `The '<key>' value is invalid: <problem>`.
 */
import { AbstractConfig, ConfigDef, ConfigException, ConfigType, Importance, LambdaValidator, type Password, type ConfigValue } from '@nagare/connect-api';
import type { BinaryMode, DecimalMode, IntervalMode, TemporalMode, TypeConfig } from './schema/types';

export const SNAPSHOT_MODES = ['always', 'initial', 'initial_only', 'no_data', 'never', 'when_needed', 'configuration_based', 'custom', 'exported'] as const;
export type SnapshotMode = 'always' | 'initial' | 'initial_only' | 'no_data' | 'when_needed';
export const PUBLICATION_AUTOCREATE_MODES = ['all_tables', 'disabled', 'filtered', 'no_tables'] as const;
export type PublicationAutocreateMode = (typeof PUBLICATION_AUTOCREATE_MODES)[number];

function invalid(name: string, problem: string, value?: unknown): ConfigException {
  void value;
  return new ConfigException(`The '${name}' value is invalid: ${problem}`);
}

function oneOf(values: readonly string[]): LambdaValidator {
  return LambdaValidator.with(
    (name, value) => {
      if (value === null || value === undefined) return;
      if (!values.includes(String(value).trim().toLowerCase())) throw invalid(name, `Value must be one of ${values.join(', ')}`, value);
    },
    () => values.join(', '),
  );
}

/** Keys Debezium requires (checked by the connector, with Debezium's message, not by ConfigDef). */
export const REQUIRED_KEYS = ['database.hostname', 'database.user', 'database.dbname', 'topic.prefix'];

/** Debezium-style problems with the required keys and the topic prefix. */
function requiredProblems(get: (k: string) => unknown): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const k of REQUIRED_KEYS) {
    const v = get(k);
    if (v === null || v === undefined || String(v).trim() === '') out.push([k, `The '${k}' value is invalid: A value is required`]);
  }
  const prefix = get('topic.prefix');
  if (prefix !== null && prefix !== undefined && String(prefix).trim() !== '' && !/^[a-zA-Z0-9._-]+$/.test(String(prefix))) {
    out.push(['topic.prefix', `The 'topic.prefix' value is invalid: Topic prefix ${String(prefix)} has invalid format (only the underscore, hyphen, dot and alphanumeric characters are allowed)`]);
  }
  return out;
}

const positive = LambdaValidator.with(
  (name, value) => {
    if (value !== null && value !== undefined && Number(value) <= 0) throw invalid(name, 'A positive integer is expected');
  },
  () => 'positive',
);

const regexList = LambdaValidator.with(
  (name, value) => {
    if (value === null || value === undefined) return;
    for (const r of splitRegexList(String(value))) {
      try {
        new RegExp(r);
      } catch (e) {
        throw invalid(name, `A comma-separated list of valid regular expressions is expected, but ${(e as Error).message}`);
      }
    }
  },
  () => 'comma-separated regular expressions',
);

/** Debezium splits regex lists on commas not escaped with a backslash. */
export function splitRegexList(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && s[i + 1] === ',') {
      cur += ',';
      i++;
    } else if (s[i] === ',') {
      out.push(cur.trim());
      cur = '';
    } else cur += s[i];
  }
  out.push(cur.trim());
  return out.filter((x) => x !== '');
}

type Def = [name: string, type: ConfigType, defaultValue: unknown, importance: Importance, doc: string, validator?: LambdaValidator];

const DEFS: Def[] = [
  ['database.hostname', ConfigType.STRING, null, Importance.HIGH, 'Resolvable hostname or IP address of the database server.'],
  ['database.port', ConfigType.INT, 5432, Importance.HIGH, 'Port of the database server.'],
  ['database.user', ConfigType.STRING, null, Importance.HIGH, 'Name of the database user to be used when connecting to the database.'],
  ['database.password', ConfigType.PASSWORD, null, Importance.HIGH, 'Password of the database user to be used when connecting to the database.'],
  ['database.dbname', ConfigType.STRING, null, Importance.HIGH, 'The name of the database from which the connector should capture changes'],
  ['database.sslmode', ConfigType.STRING, 'prefer', Importance.MEDIUM, 'Whether to use an encrypted connection to Postgres: disable, allow, prefer, require, verify-ca, verify-full.', oneOf(['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'])],
  ['database.connectTimeout', ConfigType.INT, 30000, Importance.LOW, 'Maximum time to wait for a connection (ms).'],
  ['database.initial.statements', ConfigType.STRING, null, Importance.LOW, 'A semicolon separated list of SQL statements to be executed when a JDBC connection (not the replication connection) is established.'],
  ['topic.prefix', ConfigType.STRING, null, Importance.HIGH, 'Topic prefix that identifies and provides a namespace for the particular database server/cluster is capturing changes.'],
  ['topic.delimiter', ConfigType.STRING, '.', Importance.LOW, 'Specify the delimiter for topic name.'],
  ['topic.heartbeat.prefix', ConfigType.STRING, '__debezium-heartbeat', Importance.LOW, 'Specify the heartbeat topic name. Defaults to __debezium-heartbeat.${topic.prefix}'],
  ['plugin.name', ConfigType.STRING, 'decoderbufs', Importance.MEDIUM, 'The name of the Postgres logical decoding plugin installed on the server: decoderbufs or pgoutput (nagare implements pgoutput).', oneOf(['decoderbufs', 'pgoutput'])],
  ['slot.name', ConfigType.STRING, 'debezium', Importance.MEDIUM, 'The name of the Postgres logical decoding slot created for streaming changes from a plugin.'],
  ['slot.drop.on.stop', ConfigType.BOOLEAN, false, Importance.MEDIUM, 'Whether or not to drop the logical replication slot when the connector finishes orderly.'],
  ['slot.max.retries', ConfigType.INT, 6, Importance.LOW, 'How many times to retry connecting to a replication slot when an attempt fails.', positive],
  ['slot.retry.delay.ms', ConfigType.LONG, 10000, Importance.LOW, 'Time to wait between retry attempts when the connector fails to connect to a replication slot, in milliseconds.'],
  ['slot.stream.params', ConfigType.STRING, null, Importance.LOW, 'Any optional parameters used by logical decoding plugin, separated by ;.'],
  ['publication.name', ConfigType.STRING, 'dbz_publication', Importance.MEDIUM, 'The name of the Postgres 10+ publication used for streaming changes from a plugin.'],
  ['publication.autocreate.mode', ConfigType.STRING, 'all_tables', Importance.MEDIUM, 'Applies only when streaming changes using pgoutput: all_tables, disabled, filtered, no_tables.', oneOf(PUBLICATION_AUTOCREATE_MODES)],
  ['publish.via.partition.root', ConfigType.BOOLEAN, false, Importance.LOW, 'Set publish_via_partition_root on the publication Debezium creates.'],
  ['replica.identity.autoset.values', ConfigType.STRING, null, Importance.LOW, "Set REPLICA IDENTITY of tables at start: 'regex:FULL|DEFAULT|NOTHING|INDEX name', comma separated."],
  ['snapshot.mode', ConfigType.STRING, 'initial', Importance.LOW, 'The criteria for running a snapshot upon startup of the connector: always, initial, initial_only, no_data (never), when_needed.', oneOf(SNAPSHOT_MODES)],
  ['snapshot.fetch.size', ConfigType.INT, 10240, Importance.MEDIUM, 'The maximum number of records that should be loaded into memory while performing a snapshot.'],
  ['snapshot.delay.ms', ConfigType.LONG, 0, Importance.LOW, 'A delay period before a snapshot will begin, given in milliseconds.'],
  ['snapshot.include.collection.list', ConfigType.STRING, null, Importance.MEDIUM, 'This setting must be set to specify a list of tables/collections whose snapshot must be taken on creating or restarting the connector.', regexList],
  ['snapshot.select.statement.overrides', ConfigType.STRING, null, Importance.MEDIUM, 'This property contains a comma-separated list of fully-qualified tables (DB_NAME.TABLE_NAME) whose snapshot select statement is overridden by snapshot.select.statement.overrides.<table>.'],
  ['snapshot.isolation.mode', ConfigType.STRING, 'serializable', Importance.LOW, 'Transaction isolation of the snapshot: serializable, repeatable_read, read_committed, read_uncommitted.', oneOf(['serializable', 'repeatable_read', 'read_committed', 'read_uncommitted'])],
  ['schema.include.list', ConfigType.STRING, null, Importance.HIGH, 'The schemas for which events should be captured', regexList],
  ['schema.exclude.list', ConfigType.STRING, null, Importance.MEDIUM, 'The schemas for which events must not be captured', regexList],
  ['table.include.list', ConfigType.STRING, null, Importance.HIGH, 'The tables for which changes are to be captured', regexList],
  ['table.exclude.list', ConfigType.STRING, null, Importance.MEDIUM, 'A comma-separated list of regular expressions that match the fully-qualified names of tables to be excluded from monitoring', regexList],
  ['column.include.list', ConfigType.STRING, null, Importance.MEDIUM, 'Regular expressions matching columns to include in change events', regexList],
  ['column.exclude.list', ConfigType.STRING, null, Importance.MEDIUM, 'Regular expressions matching columns to exclude from change events', regexList],
  ['message.key.columns', ConfigType.STRING, null, Importance.MEDIUM, 'A semicolon-separated list of expressions that match fully-qualified tables and column(s) to be used as message key: <schema>.<table>:<col>[,<col>...]'],
  ['decimal.handling.mode', ConfigType.STRING, 'precise', Importance.MEDIUM, 'Specify how DECIMAL and NUMERIC columns should be represented in change events: precise, string, double.', oneOf(['precise', 'string', 'double'])],
  ['time.precision.mode', ConfigType.STRING, 'adaptive', Importance.MEDIUM, 'Time, date, and timestamps can be represented with different kinds of precisions: adaptive, adaptive_time_microseconds, connect, isostring, microseconds, nanoseconds.', oneOf(['adaptive', 'adaptive_time_microseconds', 'connect', 'isostring', 'microseconds', 'nanoseconds'])],
  ['binary.handling.mode', ConfigType.STRING, 'bytes', Importance.LOW, 'Specify how binary (blob, binary, etc.) columns should be represented in change events: bytes, base64, base64-url-safe, hex.', oneOf(['bytes', 'base64', 'base64-url-safe', 'hex'])],
  ['interval.handling.mode', ConfigType.STRING, 'numeric', Importance.MEDIUM, 'Specify how INTERVAL columns should be represented in change events: numeric, string.', oneOf(['numeric', 'string'])],
  ['hstore.handling.mode', ConfigType.STRING, 'json', Importance.LOW, 'Specify how HSTORE columns should be represented in change events: json, map.', oneOf(['json', 'map'])],
  ['money.fraction.digits', ConfigType.SHORT, 2, Importance.LOW, 'Number of fractional digits when money type is converted to precise decimal number.'],
  ['include.unknown.datatypes', ConfigType.BOOLEAN, false, Importance.LOW, 'Specify whether the fields of data type not supported by Debezium should be processed: false to omit them, true to pass them as binary.'],
  ['unavailable.value.placeholder', ConfigType.STRING, '__debezium_unavailable_value', Importance.MEDIUM, 'Specify the constant that will be provided by Debezium to indicate that the original value is unavailable and not provided by the database.'],
  ['tombstones.on.delete', ConfigType.BOOLEAN, true, Importance.MEDIUM, 'Whether delete operations should be represented by a delete event and a subsequent tombstone event (true) or only by a delete event (false).'],
  ['skipped.operations', ConfigType.STRING, 't', Importance.LOW, "The comma-separated list of operations to skip during streaming: c, u, d, t; 'none' to skip nothing."],
  ['provide.transaction.metadata', ConfigType.BOOLEAN, false, Importance.LOW, 'Enables transaction metadata extraction together with event counting'],
  ['heartbeat.interval.ms', ConfigType.INT, 0, Importance.MEDIUM, 'Length of an interval in milli-seconds in in which the connector periodically sends heartbeat messages to a heartbeat topic. Use 0 to disable heartbeat messages.'],
  ['heartbeat.action.query', ConfigType.STRING, null, Importance.LOW, 'The query executed with every heartbeat.'],
  ['max.batch.size', ConfigType.INT, 2048, Importance.MEDIUM, 'Maximum size of each batch of source records.', positive],
  ['max.queue.size', ConfigType.INT, 8192, Importance.MEDIUM, 'Maximum size of the queue for change events read from the database log but not yet recorded or forwarded.', positive],
  ['poll.interval.ms', ConfigType.LONG, 500, Importance.MEDIUM, 'Time to wait for new change events to appear after receiving no events, given in milliseconds.', positive],
  ['status.update.interval.ms', ConfigType.INT, 10000, Importance.MEDIUM, 'Frequency for sending replication connection status updates to the server, given in milliseconds.'],
  ['flush.lsn.source', ConfigType.BOOLEAN, true, Importance.LOW, 'Boolean to determine if Debezium should flush LSN in the source postgres database. If set to false, user will have to flush the LSN manually outside Debezium.'],
  ['xmin.fetch.interval.ms', ConfigType.LONG, 0, Importance.LOW, 'Specify how often (in ms) the xmin will be fetched from the replication slot (0: never).'],
  ['schema.name.adjustment.mode', ConfigType.STRING, 'none', Importance.LOW, 'Specify how schema names should be adjusted for compatibility with the message converter: none, avro, avro_unicode.', oneOf(['none', 'avro', 'avro_unicode'])],
  ['field.name.adjustment.mode', ConfigType.STRING, 'none', Importance.LOW, 'Specify how field names should be adjusted: none, avro, avro_unicode.', oneOf(['none', 'avro', 'avro_unicode'])],
  ['event.processing.failure.handling.mode', ConfigType.STRING, 'fail', Importance.MEDIUM, 'Specify how failures during processing of events should be handled: fail, warn, skip.', oneOf(['fail', 'warn', 'skip', 'ignore'])],
];

export const POSTGRES_CONFIG_DEF: ConfigDef = (() => {
  const d = new ConfigDef();
  for (const [name, type, defaultValue, importance, documentation, validator] of DEFS) d.define({ name, type, defaultValue, importance, documentation, validator: validator ?? null });
  return d;
})();

export interface CaptureFilters {
  schemaInclude: RegExp[];
  schemaExclude: RegExp[];
  tableInclude: RegExp[];
  tableExclude: RegExp[];
  columnInclude: RegExp[];
  columnExclude: RegExp[];
}

const anchored = (s: string | null): RegExp[] => (s === null ? [] : splitRegexList(s).map((r) => new RegExp(`^(?:${r})$`, 'i')));

export class PostgresConnectorConfig extends AbstractConfig {
  constructor(props: Record<string, unknown>) {
    super(POSTGRES_CONFIG_DEF, props);
    const problems = requiredProblems((k) => this.get(k));
    if (problems.length > 0) throw new ConfigException(problems.map((p) => p[1]).join('; '));
  }
  str(k: string): string | null {
    return this.getString(k);
  }
  get hostname(): string {
    return this.str('database.hostname')!;
  }
  get port(): number {
    return this.getInt('database.port')!;
  }
  get user(): string {
    return this.str('database.user')!;
  }
  get password(): string | undefined {
    return (this.getPassword('database.password') as Password | null)?.value() ?? undefined;
  }
  get dbname(): string {
    return this.str('database.dbname')!;
  }
  get topicPrefix(): string {
    return this.str('topic.prefix')!;
  }
  get delimiter(): string {
    return this.str('topic.delimiter') ?? '.';
  }
  get slotName(): string {
    return this.str('slot.name')!;
  }
  get publicationName(): string {
    return this.str('publication.name')!;
  }
  get publicationMode(): PublicationAutocreateMode {
    return this.str('publication.autocreate.mode')!.toLowerCase() as PublicationAutocreateMode;
  }
  get snapshotMode(): SnapshotMode {
    const m = this.str('snapshot.mode')!.toLowerCase();
    if (m === 'never') return 'no_data';
    if (m === 'exported') return 'initial';
    return m as SnapshotMode;
  }
  get filters(): CaptureFilters {
    return {
      schemaInclude: anchored(this.str('schema.include.list')),
      schemaExclude: anchored(this.str('schema.exclude.list')),
      tableInclude: anchored(this.str('table.include.list')),
      tableExclude: anchored(this.str('table.exclude.list')),
      columnInclude: anchored(this.str('column.include.list')),
      columnExclude: anchored(this.str('column.exclude.list')),
    };
  }
  get typeConfig(): TypeConfig {
    return {
      decimalMode: this.str('decimal.handling.mode')!.toLowerCase() as DecimalMode,
      temporalMode: this.str('time.precision.mode')!.toLowerCase() as TemporalMode,
      binaryMode: this.str('binary.handling.mode')!.toLowerCase() as BinaryMode,
      intervalMode: this.str('interval.handling.mode')!.toLowerCase() as IntervalMode,
      moneyFractionDigits: this.getShort('money.fraction.digits')!,
      includeUnknownDatatypes: this.getBoolean('include.unknown.datatypes')!,
      unavailableValuePlaceholder: this.str('unavailable.value.placeholder')!,
    };
  }
  /** Operations not emitted while streaming (`skipped.operations`, default `t`). */
  private skipped: Set<string> | undefined;
  /** `skipped.operations` (read once: it is consulted for every change). */
  get skippedOperations(): Set<string> {
    if (this.skipped === undefined) {
      const v = (this.str('skipped.operations') ?? '').trim();
      this.skipped = v === '' || v.toLowerCase() === 'none' ? new Set() : new Set(v.split(',').map((s) => s.trim().toLowerCase()));
    }
    return this.skipped;
  }
  /** `message.key.columns`: `schema.table:col1,col2;schema2.t2:c` (table part a regex). */
  get messageKeyColumns(): Array<{ table: RegExp; columns: string[] }> {
    const v = this.str('message.key.columns');
    if (!v) return [];
    return v
      .split(';')
      .map((s) => s.trim())
      .filter((s) => s !== '')
      .map((s) => {
        const i = s.lastIndexOf(':');
        return { table: new RegExp(`^(?:${s.slice(0, i)})$`), columns: s.slice(i + 1).split(',').map((c) => c.trim()) };
      });
  }
}

/** Debezium's cross-key checks (what `PostgresConnector.validate` adds to ConfigDef's). */
export function validatePostgresConfig(props: Record<string, string>, values: ConfigValue[]): void {
  const byName = new Map(values.map((v) => [v.name, v]));
  const add = (k: string, msg: string): void => byName.get(k)?.addErrorMessage(msg);
  const has = (k: string): boolean => (props[k] ?? '').trim() !== '';
  for (const [k, msg] of requiredProblems((k) => props[k])) add(k, msg);
  if (has('schema.include.list') && has('schema.exclude.list')) add('schema.exclude.list', "The 'schema.exclude.list' value is invalid: Schema include and exclude lists are mutually exclusive: use only one of them");
  if (has('table.include.list') && has('table.exclude.list')) add('table.exclude.list', "The 'table.exclude.list' value is invalid: Table include and exclude lists are mutually exclusive: use only one of them");
  if (has('column.include.list') && has('column.exclude.list')) add('column.exclude.list', "The 'column.exclude.list' value is invalid: Column include and exclude lists are mutually exclusive: use only one of them");
  const mode = (props['snapshot.mode'] ?? 'initial').trim().toLowerCase();
  if (mode === 'configuration_based' || mode === 'custom') add('snapshot.mode', `The 'snapshot.mode' value is invalid: snapshot mode '${mode}' is not supported by nagare's PostgreSQL connector (supported: always, initial, initial_only, no_data, when_needed)`);
  if ((props['plugin.name'] ?? 'decoderbufs').trim().toLowerCase() !== 'pgoutput') {
    add('plugin.name', "The 'plugin.name' value is invalid: nagare's PostgreSQL connector decodes the built-in pgoutput plugin only: set plugin.name=pgoutput (decoderbufs needs a server extension)");
  }
}
