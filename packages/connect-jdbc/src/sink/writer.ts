/**
 * `JdbcDbWriter` / `BufferedRecords` / `DbStructure`: records grouped by
 * destination table (`table.name.format`), buffered per table until
 * `batch.size` or a schema change, then written in one transaction per
 * `put`: inserts/upserts as multi-row statements, updates and deletes
 * per record, deletes after the writes they follow (Confluent's order:
 * a write after a delete flushes first). Missing tables are created
 * (`auto.create`), missing columns added (`auto.evolve`).
 */
import type { Client } from 'pg';
import { ConnectException, isPrimitiveType, schemaEquals, SchemaType, Struct, type Schema, type SinkRecord } from '@nagare/connect-api';
import { describeTable, type TableDefinition } from '../util/catalog';
import { parseTableIdentifier, TableId } from '../util/identifiers';
import type { Log } from '../util/log';
import type { JdbcSinkConfig } from './config';
import type { PostgresSinkDialect } from './dialect';
import { extractFieldsMetadata, type FieldsMetadata, type SinkRecordField } from './fields-metadata';

/** A missing table/column that configuration forbids creating (`TableAlterOrCreateException`). */
export class TableAlterOrCreateException extends ConnectException {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options, 'CONNECT', 'io.confluent.connect.jdbc.sink.TableAlterOrCreateException');
  }
}

const MAX_PARAMS = 65535;

export class DbStructure {
  private readonly defns = new Map<string, TableDefinition | null>();

  constructor(
    private readonly dialect: PostgresSinkDialect,
    private readonly log: Log,
  ) {}

  /** Forgets what was read (after a rolled-back transaction). */
  clear(): void {
    this.defns.clear();
  }

  async tableDefinition(client: Client, table: TableId): Promise<TableDefinition | null> {
    const key = table.toUnquotedString();
    if (this.defns.has(key)) return this.defns.get(key)!;
    return this.refresh(client, table);
  }

  async refresh(client: Client, table: TableId): Promise<TableDefinition | null> {
    const d = await describeTable(client, table);
    this.defns.set(table.toUnquotedString(), d);
    return d;
  }

  /** Creates or amends the table when needed; true when it was altered. */
  async createOrAmendIfNecessary(config: JdbcSinkConfig, client: Client, table: TableId, fields: FieldsMetadata): Promise<boolean> {
    if ((await this.tableDefinition(client, table)) === null) {
      if (!config.autoCreate) throw new TableAlterOrCreateException(`Table ${table.toString()} is missing and auto-creation is disabled`);
      const sql = this.dialect.createTable(table, fields.allFields.values());
      this.log('info', `Creating table with sql: ${sql}`);
      try {
        await applyDdl(client, [sql]);
      } catch (e) {
        this.log('warn', 'Create failed, will attempt amend if table already exists', e);
        if ((await this.refresh(client, table)) === null) throw e;
      }
      await this.refresh(client, table);
    }
    return this.amendIfNecessary(config, client, table, fields, config.maxRetries);
  }

  private async amendIfNecessary(config: JdbcSinkConfig, client: Client, table: TableId, fields: FieldsMetadata, retries: number): Promise<boolean> {
    const defn = (await this.tableDefinition(client, table))!;
    const lower = new Set([...defn.columns.keys()].map((c) => c.toLowerCase()));
    const missing: SinkRecordField[] = [...fields.allFields.values()].filter((f) => !defn.columns.has(f.name) && !lower.has(f.name.toLowerCase()));
    if (missing.length === 0) return false;
    const type = defn.kind === 'v' ? 'VIEW' : 'TABLE';
    const cap = type === 'VIEW' ? 'View' : 'Table';
    if (type === 'VIEW') throw new TableAlterOrCreateException(`${cap} ${table.toString()} is missing fields (${missing.map(String).join(', ')}) and ALTER ${type} is unsupported`);
    for (const f of missing) {
      if (!f.isOptional() && (f.defaultValue() === null || f.defaultValue() === undefined)) {
        throw new TableAlterOrCreateException(`Cannot ALTER ${type} ${table.toString()} to add missing field ${String(f)}, as the field is not optional and does not have a default value`);
      }
    }
    if (!config.autoEvolve) throw new TableAlterOrCreateException(`${cap} ${table.toString()} is missing fields (${missing.map(String).join(', ')}) and auto-evolution is disabled`);
    const sql = this.dialect.alterTable(table, missing);
    this.log('info', `Amending ${type} to add missing fields:[${missing.map(String).join(', ')}] maxRetries:${retries} with SQL: [${sql.join(', ')}]`);
    try {
      await applyDdl(client, sql);
    } catch (e) {
      if (retries <= 0) throw new TableAlterOrCreateException(`Failed to amend ${type} '${table.toString()}' to add missing fields: [${missing.map(String).join(', ')}]`, { cause: e });
      this.log('warn', 'Amend failed, re-attempting', e);
      await this.refresh(client, table);
      return this.amendIfNecessary(config, client, table, fields, retries - 1);
    }
    await this.refresh(client, table);
    return true;
  }
}

/** DDL inside the writer's transaction, behind a savepoint so a failed CREATE does not abort the batch. */
async function applyDdl(client: Client, statements: string[]): Promise<void> {
  await client.query('SAVEPOINT nagare_ddl');
  try {
    for (const s of statements) await client.query(s);
    await client.query('RELEASE SAVEPOINT nagare_ddl');
  } catch (e) {
    await client.query('ROLLBACK TO SAVEPOINT nagare_ddl');
    throw e;
  }
}

function valueTypeOrNull(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (v instanceof Struct) return 'Struct';
  if (typeof v === 'string') return 'String';
  if (typeof v === 'number') return Number.isInteger(v) ? 'Integer' : 'Double';
  if (typeof v === 'bigint') return 'Long';
  if (typeof v === 'boolean') return 'Boolean';
  return 'Object';
}

/** `RecordValidator.create`. */
export function validateRecord(config: JdbcSinkConfig, record: SinkRecord): void {
  const requiresValue = (): void => {
    const vs = record.valueSchema();
    if (record.value() !== null && record.value() !== undefined && vs !== null && (vs.type() === SchemaType.STRUCT || vs.type() === SchemaType.STRING)) {
      if (vs.type() === SchemaType.STRING) {
        const conflicting = [config.fieldsWhitelist.size > 0 ? 'fields.whitelist' : null, config.timestampFieldsList.size > 0 ? 'timestamp.fields.list' : null].filter((x) => x !== null);
        if (conflicting.length > 0) {
          throw new ConnectException(
            `Sink connector '${config.connectorName}' is configured with field-level options that are not applicable to String values: ${conflicting.join(', ')}. Remove these options, or have the upstream producer emit Struct values instead.`,
          );
        }
      }
      return;
    }
    throw new ConnectException(
      `Sink connector '${config.connectorName}' is configured with 'delete.enabled=${config.deleteEnabled}' and 'pk.mode=${config.pkMode}' and therefore requires records with a non-null Struct or String value and non-null Struct or String schema, but found record at (topic='${record.topic()}',partition=${record.kafkaPartition()},offset=${record.kafkaOffset()},timestamp=${record.timestamp()}) with a ${valueTypeOrNull(record.value())} value and ${vs === null ? 'null' : vs.type()} value schema.`,
    );
  };
  const requiresKey = (): void => {
    const ks = record.keySchema();
    if (record.key() !== null && record.key() !== undefined && ks !== null && (ks.type() === SchemaType.STRUCT || isPrimitiveType(ks.type()))) return;
    throw new ConnectException(
      `Sink connector '${config.connectorName}' is configured with 'delete.enabled=${config.deleteEnabled}' and 'pk.mode=${config.pkMode}' and therefore requires records with a non-null key and non-null Struct or primitive key schema, but found record at (topic='${record.topic()}',partition=${record.kafkaPartition()},offset=${record.kafkaOffset()},timestamp=${record.timestamp()}) with a ${valueTypeOrNull(record.key())} key and ${ks === null ? 'null' : ks.type()} key schema.`,
    );
  };
  if (config.pkMode === 'record_key') requiresKey();
  if (config.pkMode === 'record_value' || config.pkMode === 'none') requiresValue();
  if (config.deleteEnabled) requiresKey();
  else requiresValue();
}

/** `BufferedRecords`: one destination table's pending records. */
class BufferedRecords {
  private records: SinkRecord[] = [];
  private keySchema: Schema | null | undefined = undefined;
  private valueSchema: Schema | null | undefined = undefined;
  private fields: FieldsMetadata | null = null;
  private defn: TableDefinition | null = null;
  private deletesInBatch = false;
  private keyed: ((r: SinkRecord) => unknown[]) | null = null;
  private nonKeyed: ((r: SinkRecord) => unknown[]) | null = null;

  constructor(
    private readonly config: JdbcSinkConfig,
    private readonly table: TableId,
    private readonly dialect: PostgresSinkDialect,
    private readonly structure: DbStructure,
    private readonly client: Client,
  ) {}

  async add(record: SinkRecord): Promise<void> {
    validateRecord(this.config, record);
    let schemaChanged = false;
    if (this.keySchema === undefined || !schemaEquals(this.keySchema, record.keySchema())) {
      this.keySchema = record.keySchema();
      schemaChanged = true;
    }
    if (record.valueSchema() === null) {
      if (this.config.deleteEnabled) this.deletesInBatch = true;
    } else if (this.valueSchema !== undefined && schemaEquals(this.valueSchema, record.valueSchema())) {
      if (this.config.deleteEnabled && this.deletesInBatch) await this.flush();
    } else {
      this.valueSchema = record.valueSchema();
      schemaChanged = true;
    }
    if (schemaChanged || this.fields === null) {
      await this.flush();
      this.fields = extractFieldsMetadata(this.table.tableName, this.config.pkMode, this.config.pkFields, this.config.fieldsWhitelist, this.config.stringOutputValueColumnName, record.keySchema(), record.valueSchema());
      await this.structure.createOrAmendIfNecessary(this.config, this.client, this.table, this.fields);
      this.defn = await this.structure.tableDefinition(this.client, this.table);
      if (this.config.insertMode === 'upsert' && this.fields.keyFieldNames.length === 0) {
        throw new ConnectException(`Write to table '${this.table.toString()}' in UPSERT mode requires key field names to be known, check the primary key configuration`);
      }
      if (this.config.deleteEnabled && this.fields.keyFieldNames.length === 0) throw new ConnectException('Require primary keys to support delete');
      this.prepareBinders(record.keySchema(), record.valueSchema());
    }
    if ((record.value() === null || record.value() === undefined) && this.config.deleteEnabled) this.deletesInBatch = true;
    this.records.push(record);
    if (this.records.length >= this.config.batchSize) await this.flush();
  }

  private prepareBinders(keySchema: Schema | null, valueSchema: Schema | null): void {
    const f = this.fields!;
    const d = this.dialect;
    const col = (n: string): import('../util/catalog').ColumnDefinition | undefined => this.defn?.columns.get(n);
    const replace = this.config.replaceNullWithDefault;
    switch (this.config.pkMode) {
      case 'none':
        this.keyed = () => [];
        break;
      case 'kafka':
        this.keyed = (r) => [r.topic(), String(r.kafkaPartition()), String(r.kafkaOffset())];
        break;
      case 'record_key':
        if (keySchema !== null && isPrimitiveType(keySchema.type())) {
          const name = f.keyFieldNames[0];
          this.keyed = (r) => [d.bindValue(keySchema, r.key(), name, col(name))];
        } else {
          const ks = keySchema!;
          const fs = f.keyFieldNames.map((n) => ks.field(n)!);
          this.keyed = (r) => fs.map((fl) => d.bindValue(fl.schema(), (r.key() as Struct).get(fl), fl.name(), col(fl.name())));
        }
        break;
      case 'record_value': {
        const vs = valueSchema!;
        const fs = f.keyFieldNames.map((n) => vs.field(n)!);
        this.keyed = (r) => fs.map((fl) => d.bindValue(fl.schema(), (r.value() as Struct).get(fl), fl.name(), col(fl.name())));
        break;
      }
    }
    if (valueSchema === null) this.nonKeyed = () => f.nonKeyFieldNames.map(() => null);
    else if (valueSchema.type() === SchemaType.STRING) this.nonKeyed = (r) => f.nonKeyFieldNames.map((n) => d.bindValue(valueSchema, r.value(), n, col(n)));
    else {
      const fs = f.nonKeyFieldNames.map((n) => valueSchema.field(n)!);
      this.nonKeyed = (r) => {
        const s = r.value() as Struct;
        return fs.map((fl) => d.bindValue(fl.schema(), replace ? s.get(fl) : s.getWithoutDefault(fl.name()), fl.name(), col(fl.name())));
      };
    }
  }

  /** Writes what is buffered: inserts/upserts/updates first, then deletes. */
  async flush(): Promise<void> {
    if (this.records.length === 0) return;
    const f = this.fields!;
    const writes: SinkRecord[] = [];
    const deletes: SinkRecord[] = [];
    for (const r of this.records) (r.value() === null && this.config.deleteEnabled ? deletes : writes).push(r);
    this.records = [];
    this.deletesInBatch = false;
    if (writes.length > 0) {
      if (this.config.insertMode === 'update') {
        const sql = this.dialect.update(this.table, f.keyFieldNames, f.nonKeyFieldNames, this.defn);
        for (const r of writes) await this.client.query(sql, [...this.nonKeyed!(r), ...this.keyed!(r)]);
      } else {
        await this.writeMultiRow(writes, this.config.insertMode === 'upsert');
      }
    }
    if (deletes.length > 0) {
      const sql = this.dialect.delete(this.table, f.keyFieldNames);
      for (const r of deletes) await this.client.query(sql, this.keyed!(r));
    }
  }

  private async writeMultiRow(records: SinkRecord[], upsert: boolean): Promise<void> {
    const f = this.fields!;
    const ncols = f.keyFieldNames.length + f.nonKeyFieldNames.length;
    const maxRows = Math.max(1, Math.floor(MAX_PARAMS / Math.max(1, ncols)));
    let params: unknown[] = [];
    let rows = 0;
    let seen = new Set<string>();
    const send = async (): Promise<void> => {
      if (rows === 0) return;
      await this.client.query(this.dialect.insert(this.table, f.keyFieldNames, f.nonKeyFieldNames, this.defn, rows, upsert), params);
      params = [];
      rows = 0;
      seen = new Set();
    };
    for (const r of records) {
      const key = this.keyed!(r);
      if (upsert) {
        // one statement may not touch a row twice (ON CONFLICT DO UPDATE): a repeated key starts a new statement
        const id = JSON.stringify(key, (_k, v) => (typeof v === 'bigint' ? v.toString() : Buffer.isBuffer(v) ? v.toString('hex') : v));
        if (seen.has(id)) await send();
        seen.add(id);
      }
      params.push(...key, ...this.nonKeyed!(r));
      if (++rows >= maxRows) await send();
    }
    await send();
  }
}

export class JdbcDbWriter {
  private client: Client | null = null;
  private currentSchema: string | null = null;
  readonly structure: DbStructure;

  constructor(
    private readonly config: JdbcSinkConfig,
    private readonly dialect: PostgresSinkDialect,
    private readonly connect: () => Promise<Client>,
    log: Log,
  ) {
    this.structure = new DbStructure(dialect, log);
  }

  private async connection(): Promise<Client> {
    if (this.client === null) {
      this.client = await this.connect();
      this.currentSchema = (await this.client.query<{ s: string | null }>('SELECT current_schema() AS s')).rows[0].s;
    }
    return this.client;
  }

  /** `destinationTable`: table.name.format with ${topic}, in the connection's schema unless qualified. */
  destinationTable(topic: string): TableId {
    const name = this.config.tableNameFormat.replace(/\$\{topic\}/g, topic);
    if (name === '') throw new ConnectException(`Destination table name for topic '${topic}' is empty using the format string '${this.config.tableNameFormat}'`);
    const parsed = parseTableIdentifier(name, this.config.quote);
    return new TableId(parsed.schemaName ?? this.currentSchema, parsed.tableName);
  }

  /** Writes the records in one transaction (rolled back on failure). */
  async write(records: readonly SinkRecord[]): Promise<void> {
    const client = await this.connection();
    await client.query('BEGIN');
    try {
      const buffers = new Map<string, BufferedRecords>();
      for (const r of records) {
        const table = this.destinationTable(r.topic());
        const key = table.toUnquotedString();
        let b = buffers.get(key);
        if (!b) buffers.set(key, (b = new BufferedRecords(this.config, table, this.dialect, this.structure, client)));
        await b.add(r);
      }
      for (const b of buffers.values()) await b.flush();
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      this.structure.clear();
      throw e;
    }
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = null;
    await c?.end().catch(() => undefined);
  }
}
