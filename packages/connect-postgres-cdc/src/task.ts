/**
 * `io.debezium.connector.postgresql.PostgresConnectorTask`: sets up the
 * publication and the replication slot, takes the initial snapshot the
 * snapshot mode asks for (inside the snapshot the slot exported, so nothing
 * is missed or doubled between snapshot and stream), then streams pgoutput
 * changes into Debezium change events.
 *
 * Durability: every record gets a sequence number; a transaction's end LSN
 * (and a heartbeat's position) becomes flushable once it and every earlier
 * record were acknowledged by Kafka (`commitRecord`). `commit()` — called
 * by the worker after it stored the offsets — sends the highest flushable
 * LSN to the server as the standby's flush position, which becomes the
 * slot's confirmed_flush_lsn. So the slot never confirms a change Kafka has
 * not acknowledged; after a crash the server replays from there and events
 * already in Kafka (at or before the stored offset) are skipped.
 */
import { Client, type ClientConfig } from 'pg';
import { ConnectException, SourceRecord, SourceTask, type RecordMetadata, type Struct } from '@nagare/connect-api';
import { PostgresConnectorConfig, type CaptureFilters } from './config';
import { ChangeEventEmitter, type EventPosition } from './events';
import { ReplicationConnection, quoteIdent } from './replication/connection';
import { decodePgOutput, type BeginMessage, type RelationMessage } from './replication/pgoutput';
import { describeTable, listTables, TypeCatalog } from './schema/catalog';
import { TableSchema } from './schema/table-schema';
import type { SnapshotRecord } from './schema/envelope';
import { logger } from './util/log';
import { INVALID_LSN, lsnFromNumber, parseLsn, type Lsn } from './util/lsn';
import { CONNECT_POSTGRES_CDC_VERSION } from './version';

const log = logger('io.debezium.connector.postgresql.PostgresConnectorTask');

const RAW_TEXT = { getTypeParser: () => (v: string) => v } as unknown as ClientConfig['types'];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Is `schema.table` captured by the schema/table include/exclude lists? */
export function tableCaptured(f: CaptureFilters, schema: string, table: string): boolean {
  if (schema === 'pg_catalog' || schema === 'information_schema' || schema.startsWith('pg_')) return false;
  if (f.schemaInclude.length > 0 && !f.schemaInclude.some((r) => r.test(schema))) return false;
  if (f.schemaExclude.some((r) => r.test(schema))) return false;
  const id = `${schema}.${table}`;
  if (f.tableInclude.length > 0 && !f.tableInclude.some((r) => r.test(id))) return false;
  if (f.tableExclude.some((r) => r.test(id))) return false;
  return true;
}

export function columnCaptured(f: CaptureFilters, schema: string, table: string, column: string): boolean {
  const id = `${schema}.${table}.${column}`;
  if (f.columnInclude.length > 0) return f.columnInclude.some((r) => r.test(id));
  return !f.columnExclude.some((r) => r.test(id));
}

/** A record's number in emission order, kept on the record (cheaper than a WeakMap on this per-record path). */
const SEQ = Symbol('nagare.cdc.seq');
type Tracked = SourceRecord & { [SEQ]?: number };

/** Tracks which records Kafka acknowledged and what LSN that makes durable. */
export class FlushTracker {
  private seq = 0;
  private ackedUpTo = 0;
  private readonly acked = new Set<number>();
  private points: Array<{ afterSeq: number; lsn: Lsn }> = [];

  /** Numbers a record (in emission order). */
  track(r: SourceRecord): void {
    (r as Tracked)[SEQ] = ++this.seq;
  }
  /** The last number given. */
  last(): number {
    return this.seq;
  }
  /** `lsn` becomes flushable once every record numbered up to `afterSeq` is acknowledged. */
  addPoint(afterSeq: number, lsn: Lsn): void {
    const lastPoint = this.points[this.points.length - 1];
    if (lastPoint && lastPoint.afterSeq === afterSeq) {
      if (lsn > lastPoint.lsn) lastPoint.lsn = lsn;
      return;
    }
    this.points.push({ afterSeq, lsn });
  }
  ack(r: SourceRecord): void {
    const s = (r as Tracked)[SEQ];
    if (s === undefined) return;
    (r as Tracked)[SEQ] = undefined;
    if (s <= this.ackedUpTo) return;
    // acknowledgements mostly come in order
    if (s === this.ackedUpTo + 1 && this.acked.size === 0) {
      this.ackedUpTo = s;
      return;
    }
    this.acked.add(s);
    while (this.acked.has(this.ackedUpTo + 1)) {
      this.acked.delete(this.ackedUpTo + 1);
      this.ackedUpTo++;
    }
  }
  /** The highest LSN now durable (and forgets the points up to it), or null. */
  takeFlushable(): Lsn | null {
    let best: Lsn | null = null;
    let i = 0;
    while (i < this.points.length && this.points[i].afterSeq <= this.ackedUpTo) {
      if (best === null || this.points[i].lsn > best) best = this.points[i].lsn;
      i++;
    }
    if (i > 0) this.points = this.points.slice(i);
    return best;
  }
  pendingPoints(): number {
    return this.points.length;
  }
}

interface StoredOffset {
  snapshotIncomplete: boolean;
  hasOffset: boolean;
  lsn: Lsn | null;
  lsnCommit: Lsn | null;
  txId: number | null;
}

function readStoredOffset(o: Record<string, unknown> | null): StoredOffset {
  if (!o) return { snapshotIncomplete: false, hasOffset: false, lsn: null, lsnCommit: null, txId: null };
  const snapshot = o.snapshot !== undefined && o.snapshot !== null && o.snapshot !== false;
  const completed = o.snapshot_completed === true || o.last_snapshot_record === true;
  return {
    snapshotIncomplete: snapshot && !completed,
    hasOffset: true,
    lsn: lsnFromNumber(o.lsn),
    lsnCommit: lsnFromNumber(o.lsn_commit) ?? lsnFromNumber(o.lsn_proc),
    txId: typeof o.txId === 'number' ? o.txId : null,
  };
}

export class PostgresConnectorTask extends SourceTask {
  static readonly className = 'io.debezium.connector.postgresql.PostgresConnectorTask';
  private config!: PostgresConnectorConfig;
  private meta: Client | null = null;
  private repl: ReplicationConnection | null = null;
  private emitter!: ChangeEventEmitter;
  private readonly types = new TypeCatalog();
  private readonly relations = new Map<number, TableSchema | null>();
  private readonly flush = new FlushTracker();
  private queue: SourceRecord[] = [];
  private waiters: Array<() => void> = [];
  private failure: Error | null = null;
  private stopped = false;
  private paused = false;
  private inbox: Array<{ walStart: Lsn; payload: Buffer }> = [];
  private pumping = false;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private serverVersion = 0;
  // stream position state (PostgresOffsetContext)
  private lastCommitLsn: Lsn | null = null;
  private txn: BeginMessage | null = null;
  private txnOrigin: { name: string; lsn: bigint } | null = null;
  private skipTxn = false;
  private resume: StoredOffset = readStoredOffset(null);
  private lastTxId: number | null = null;
  private lastTsMicros = 0n;
  private lastKeepaliveLsn: Lsn = INVALID_LSN;
  private maxQueue = 8192;
  private streamingDone: Promise<void> = Promise.resolve();
  private background: Promise<void> = Promise.resolve();

  version(): string {
    return CONNECT_POSTGRES_CDC_VERSION;
  }

  private clientConfig(): ClientConfig {
    const c = this.config;
    const ssl = c.str('database.sslmode');
    return {
      host: c.hostname,
      port: c.port,
      user: c.user,
      password: c.password,
      database: c.dbname,
      ssl: ssl === 'require' || ssl === 'verify-ca' || ssl === 'verify-full' ? { rejectUnauthorized: ssl !== 'require' } : undefined,
      connectionTimeoutMillis: c.getInt('database.connectTimeout') ?? 30000,
      application_name: 'Debezium Streaming',
    };
  }

  private async connectMeta(): Promise<Client> {
    const client = new Client({ ...this.clientConfig(), types: RAW_TEXT });
    client.on('error', (e) => this.fail(new ConnectException(`Lost the database connection: ${e.message}`, { cause: e })));
    try {
      await client.connect();
    } catch (e) {
      throw new ConnectException(
        `Couldn't obtain database connection to ${this.config.hostname}:${this.config.port}/${this.config.dbname}: ${(e as Error).message} (check database.hostname, database.port, database.user, database.password and database.dbname)`,
        { cause: e },
      );
    }
    await client.query("SET TIME ZONE 'UTC'");
    await client.query("SET datestyle TO 'ISO, MDY'");
    await client.query("SET intervalstyle TO 'postgres'");
    await client.query('SET extra_float_digits TO 3');
    const init = this.config.str('database.initial.statements');
    if (init) for (const s of init.split(';').map((x) => x.trim()).filter((x) => x !== '')) await client.query(s);
    return client;
  }

  async start(props: Record<string, string>): Promise<void> {
    try {
      await this.doStart(props);
    } catch (e) {
      await this.stop();
      throw e;
    }
  }

  private async doStart(props: Record<string, string>): Promise<void> {
    this.config = new PostgresConnectorConfig(props);
    const c = this.config;
    if ((props['plugin.name'] ?? 'decoderbufs').trim().toLowerCase() !== 'pgoutput') {
      throw new ConnectException("nagare's PostgreSQL connector decodes the built-in pgoutput plugin only: set plugin.name=pgoutput");
    }
    this.maxQueue = c.getInt('max.queue.size')!;
    log('info', `Starting PostgresConnectorTask with configuration: topic.prefix=${c.topicPrefix}, database=${c.hostname}:${c.port}/${c.dbname}, slot=${c.slotName}, publication=${c.publicationName}, snapshot.mode=${c.snapshotMode}`);
    this.emitter = new ChangeEventEmitter({
      serverName: c.topicPrefix,
      db: c.dbname,
      version: CONNECT_POSTGRES_CDC_VERSION,
      tombstonesOnDelete: c.getBoolean('tombstones.on.delete')!,
      unavailableValuePlaceholder: c.str('unavailable.value.placeholder')!,
      clockMicros: () => BigInt(Date.now()) * 1000n + BigInt(Math.floor((performance.now() * 1000) % 1000)),
    });
    this.meta = await this.connectMeta();
    const meta = this.meta;
    this.serverVersion = Number((await meta.query<{ v: string }>("SELECT current_setting('server_version_num') AS v")).rows[0].v);
    const walLevel = (await meta.query<{ w: string }>("SELECT current_setting('wal_level') AS w")).rows[0].w;
    if (walLevel !== 'logical') throw new ConnectException(`Postgres server wal_level property must be 'logical' but is: '${walLevel}'`);
    await this.applyReplicaIdentities(meta);
    await this.ensurePublication(meta);
    const stored = await this.context.offsetStorageReader().offset(this.emitter.partition);
    this.resume = readStoredOffset(stored);
    if (this.resume.hasOffset) log('info', `Found previous offset ${JSON.stringify(stored)}`);
    else log('info', 'No previous offset found');
    const slot = await this.slotState(meta);
    const mode = c.snapshotMode;
    let snapshot: boolean;
    switch (mode) {
      case 'always':
        snapshot = true;
        break;
      case 'initial':
      case 'initial_only':
        snapshot = !this.resume.hasOffset || this.resume.snapshotIncomplete;
        break;
      case 'when_needed':
        snapshot = !this.resume.hasOffset || this.resume.snapshotIncomplete || slot === null;
        break;
      default:
        snapshot = false;
    }
    if (this.resume.hasOffset && slot === null && !snapshot) log('warn', `The replication slot '${c.slotName}' is gone while an offset exists: changes made in between are lost (snapshot.mode=when_needed would take a new snapshot)`);
    this.repl = await this.openReplication();
    let exported: string | null = null;
    let consistentPoint: Lsn | null = null;
    if (slot === null) {
      const created = await this.repl.createSlot(c.slotName, snapshot, this.serverVersion);
      exported = created.snapshotName;
      consistentPoint = created.consistentPoint;
      log('info', `Created replication slot '${c.slotName}' at ${created.consistentPoint} with exported snapshot ${exported ?? 'none'}`);
    }
    if (snapshot) this.resume = readStoredOffset(null); // a new snapshot: stream from the slot, skip nothing
    this.background = this.run(snapshot, exported, consistentPoint, mode === 'initial_only').catch((e: unknown) => this.fail(e));
  }

  private async openReplication(): Promise<ReplicationConnection> {
    const c = this.config;
    const retries = c.getInt('slot.max.retries')!;
    const delay = c.getLong('slot.retry.delay.ms')!;
    let last: unknown;
    for (let i = 0; i <= retries; i++) {
      try {
        return await ReplicationConnection.open({ ...this.clientConfig(), application_name: 'Debezium Streaming' });
      } catch (e) {
        last = e;
        if (this.stopped) break;
        log('warn', `Failed to open the replication connection (attempt ${i + 1} of ${retries + 1}): ${(e as Error).message}`);
        await sleep(delay);
      }
    }
    throw new ConnectException(`Unable to open a replication connection: ${(last as Error)?.message}`, { cause: last });
  }

  private async slotState(meta: Client): Promise<{ plugin: string; active: boolean; confirmed: string | null } | null> {
    const r = await meta.query<{ plugin: string; database: string; active: string; confirmed_flush_lsn: string | null }>('SELECT plugin, database, active, confirmed_flush_lsn FROM pg_catalog.pg_replication_slots WHERE slot_name = $1', [this.config.slotName]);
    if (r.rows.length === 0) return null;
    const row = r.rows[0];
    if (row.database !== this.config.dbname) throw new ConnectException(`Replication slot '${this.config.slotName}' exists for database '${row.database}', not '${this.config.dbname}': use another slot.name`);
    if (row.plugin !== 'pgoutput') throw new ConnectException(`Replication slot '${this.config.slotName}' uses plugin '${row.plugin}', not pgoutput: drop it or use another slot.name`);
    return { plugin: row.plugin, active: row.active === 't', confirmed: row.confirmed_flush_lsn };
  }

  /** `publication.autocreate.mode`. */
  private async ensurePublication(meta: Client): Promise<void> {
    const c = this.config;
    const name = c.publicationName;
    const exists = (await meta.query('SELECT 1 FROM pg_catalog.pg_publication WHERE pubname = $1', [name])).rows.length > 0;
    const viaRoot = c.getBoolean('publish.via.partition.root') ? ' WITH (publish_via_partition_root = true)' : '';
    const mode = c.publicationMode;
    if (mode === 'disabled') {
      if (!exists) throw new ConnectException(`Publication autocreation is disabled, please create one and restart the connector.`);
      return;
    }
    if (mode === 'all_tables') {
      if (!exists) {
        log('info', `Creating new publication '${name}' for plugin 'PGOUTPUT'`);
        await meta.query(`CREATE PUBLICATION ${quoteIdent(name)} FOR ALL TABLES${viaRoot}`);
      }
      return;
    }
    if (mode === 'no_tables') {
      if (!exists) await meta.query(`CREATE PUBLICATION ${quoteIdent(name)}${viaRoot}`);
      return;
    }
    // filtered: exactly the captured tables
    const tables = (await listTables(meta)).filter((t) => tableCaptured(c.filters, t.schema, t.table));
    if (tables.length === 0) throw new ConnectException(`No table filters found for filtered publication ${name}`);
    const list = tables.map((t) => `${quoteIdent(t.schema)}.${quoteIdent(t.table)}`).join(', ');
    if (!exists) {
      log('info', `Creating new publication '${name}' for plugin 'PGOUTPUT' and tables ${list}`);
      await meta.query(`CREATE PUBLICATION ${quoteIdent(name)} FOR TABLE ${list}${viaRoot}`);
    } else {
      await meta.query(`ALTER PUBLICATION ${quoteIdent(name)} SET TABLE ${list}`);
    }
  }

  /** `replica.identity.autoset.values`: `regex:FULL|DEFAULT|NOTHING|INDEX name`, comma separated. */
  private async applyReplicaIdentities(meta: Client): Promise<void> {
    const v = this.config.str('replica.identity.autoset.values');
    if (!v) return;
    const rules = v.split(',').map((s) => {
      const i = s.lastIndexOf(':');
      return { re: new RegExp(`^(?:${s.slice(0, i).trim()})$`, 'i'), identity: s.slice(i + 1).trim().toUpperCase() };
    });
    for (const t of await listTables(meta)) {
      if (!tableCaptured(this.config.filters, t.schema, t.table)) continue;
      const rule = rules.find((r) => r.re.test(`${t.schema}.${t.table}`));
      if (!rule) continue;
      const identity = rule.identity.startsWith('INDEX ') ? `USING INDEX ${quoteIdent(rule.identity.slice(6).trim().toLowerCase())}` : rule.identity;
      if (!['FULL', 'DEFAULT', 'NOTHING'].includes(identity) && !identity.startsWith('USING INDEX')) throw new ConnectException(`Replica identity '${rule.identity}' for table '${t.schema}.${t.table}' is not valid`);
      log('info', `Replica identity set to ${identity} for table '${t.schema}.${t.table}'`);
      await meta.query(`ALTER TABLE ${quoteIdent(t.schema)}.${quoteIdent(t.table)} REPLICA IDENTITY ${identity}`);
    }
  }

  /** Snapshot (if asked) then streaming, in the background of poll(). */
  private async run(snapshot: boolean, exportedSnapshot: string | null, consistentPoint: Lsn | null, snapshotOnly: boolean): Promise<void> {
    const delay = this.config.getLong('snapshot.delay.ms')!;
    if (snapshot) {
      if (delay > 0) await sleep(delay);
      await this.snapshot(exportedSnapshot, consistentPoint);
    }
    if (this.stopped) return;
    if (snapshotOnly) {
      log('info', 'Snapshot completed; snapshot.mode=initial_only: not streaming');
      await this.repl?.close();
      this.repl = null;
      return;
    }
    await this.stream();
  }

  private async tableSchema(meta: Client, schema: string, table: string, columns: Array<{ name: string; typeOid: number; typeMod: number }> | null): Promise<TableSchema | null> {
    const c = this.config;
    if (!tableCaptured(c.filters, schema, table)) return null;
    const cat = await describeTable(meta, schema, table);
    const cols = columns ?? cat?.columns.map((x) => ({ name: x.name, typeOid: x.typeOid, typeMod: x.typeMod })) ?? [];
    await this.types.load(meta, cols.map((x) => x.typeOid));
    const override = c.messageKeyColumns.find((m) => m.table.test(`${schema}.${table}`));
    return new TableSchema(schema, table, cols, cat, {
      topicPrefix: c.topicPrefix,
      delimiter: c.delimiter,
      types: this.types,
      typeConfig: c.typeConfig,
      columnFilter: (s, t, col) => columnCaptured(c.filters, s, t, col),
      keyColumnsOverride: override ? override.columns : null,
    });
  }

  /** The initial snapshot (`PostgresSnapshotChangeEventSource`): one SELECT per captured table in the exported snapshot. */
  private async snapshot(exportedSnapshot: string | null, consistentPoint: Lsn | null): Promise<void> {
    const c = this.config;
    const snapClient = await this.connectMeta();
    try {
      const iso = c.str('snapshot.isolation.mode')!.toUpperCase().replace('_', ' ');
      await snapClient.query(`BEGIN ISOLATION LEVEL ${exportedSnapshot ? 'REPEATABLE READ' : iso}`);
      if (exportedSnapshot) await snapClient.query(`SET TRANSACTION SNAPSHOT '${exportedSnapshot}'`);
      const txId = Number((await snapClient.query<{ x: string }>('SELECT txid_current() AS x')).rows[0].x);
      const lsn = consistentPoint ?? parseLsn((await snapClient.query<{ l: string }>('SELECT pg_current_wal_lsn() AS l')).rows[0].l);
      const include = c.str('snapshot.include.collection.list');
      const includeRes = include ? include.split(',').map((s) => new RegExp(`^(?:${s.trim()})$`, 'i')) : null;
      const tables = (await listTables(snapClient)).filter((t) => tableCaptured(c.filters, t.schema, t.table) && (!includeRes || includeRes.some((r) => r.test(`${t.schema}.${t.table}`))));
      log('info', `Snapshot step 1 - Preparing; ${tables.length} table(s) to snapshot at LSN ${lsn} (transaction ${txId})`);
      const fetchSize = c.getInt('snapshot.fetch.size')!;
      const overrides = new Set((c.str('snapshot.select.statement.overrides') ?? '').split(',').map((s) => s.trim()).filter((s) => s !== ''));
      // one record is held back: when the snapshot completes it is re-marked "last" (BufferingSnapshotChangeRecordReceiver)
      let held: SourceRecord | null = null;
      let rowsTotal = 0;
      for (let ti = 0; ti < tables.length && !this.stopped; ti++) {
        const t = tables[ti];
        const schema = await this.tableSchema(this.meta!, t.schema, t.table, null);
        if (!schema) continue;
        const id = `${t.schema}.${t.table}`;
        const select = overrides.has(id) ? String(c.originalsWithPrefix('snapshot.select.statement.overrides.')[id]) : `SELECT * FROM ${quoteIdent(t.schema)}.${quoteIdent(t.table)}`;
        log('info', `Exporting data from table '${id}' (${ti + 1} of ${tables.length} tables)`);
        const cat = (await describeTable(this.meta!, t.schema, t.table))?.columns ?? [];
        await snapClient.query(`DECLARE nagare_snapshot NO SCROLL CURSOR FOR ${select}`);
        let rowInTable = 0;
        let prev: Array<string | null> | null = null;
        let colIndex: number[] | null = null;
        const produce = async (row: Array<string | null>, firstInTable: boolean, lastInTable: boolean): Promise<void> => {
          const marker = snapshotMarker(firstInTable && ti === 0, false, firstInTable, lastInTable);
          const p: EventPosition = { tsMicros: BigInt(Date.now()) * 1000n, txId, lsn, lastCommitLsn: null, snapshot: marker, lastSnapshotRecord: false };
          const rec = this.emitter.read(schema, row, p);
          if (held) await this.enqueue([held]);
          held = rec;
        };
        for (;;) {
          const r = await snapClient.query({ text: `FETCH FORWARD ${fetchSize} FROM nagare_snapshot`, rowMode: 'array' });
          if (colIndex === null) {
            // result columns onto the table's column order (as the Relation message orders them)
            const names = r.fields.map((f) => f.name);
            colIndex = cat.map((col) => names.indexOf(col.name));
          }
          for (const raw of r.rows as Array<Array<string | null>>) {
            const row = colIndex.map((i) => (i < 0 ? null : raw[i]));
            if (prev) await produce(prev, rowInTable === 1, false);
            prev = row;
            rowInTable++;
            rowsTotal++;
          }
          if (r.rows.length < fetchSize || this.stopped) break;
        }
        if (prev) await produce(prev, rowInTable === 1, true);
        await snapClient.query('CLOSE nagare_snapshot');
      }
      if (held) await this.enqueue([withSnapshotMarker(held, 'last', true)]);
      await snapClient.query('COMMIT');
      this.flush.addPoint(this.flush.last(), lsn);
      log('info', `Snapshot completed: ${rowsTotal} records from ${tables.length} table(s)`);
    } finally {
      await snapClient.end().catch(() => undefined);
    }
  }

  /** Streams from the slot (`PostgresStreamingChangeEventSource`). */
  private async stream(): Promise<void> {
    const c = this.config;
    const repl = this.repl!;
    const params: Record<string, string> = {};
    const extra = c.str('slot.stream.params');
    if (extra) for (const kv of extra.split(';')) if (kv.includes('=')) params[kv.slice(0, kv.indexOf('=')).trim()] = kv.slice(kv.indexOf('=') + 1).trim();
    if (this.serverVersion >= 140000 && params.messages === undefined) params.messages = 'false';
    const retries = c.getInt('slot.max.retries')!;
    let attempt = 0;
    let streaming: { ended: Promise<void> } | null = null;
    while (streaming === null) {
      try {
        streaming = await repl.startStreaming(
          c.slotName,
          c.publicationName,
          INVALID_LSN,
          {
            onData: (walStart, _walEnd, payload) => this.onData(walStart, payload),
            onKeepalive: (walEnd) => {
              this.lastKeepaliveLsn = walEnd;
            },
            onError: (e) => this.fail(e),
          },
          c.getInt('status.update.interval.ms')!,
          params,
        );
      } catch (e) {
        const msg = (e as Error).message;
        if (/is active for PID/.test(msg) && attempt++ < retries && !this.stopped) {
          log('warn', `Failed to start replication stream (attempt ${attempt} of ${retries}): ${msg}`);
          await sleep(c.getLong('slot.retry.delay.ms')!);
          this.repl = await this.openReplication();
          return this.stream();
        }
        throw new ConnectException(`Failed to start replication stream at slot '${c.slotName}': ${msg}`, { cause: e });
      }
    }
    log('info', `Streaming changes from slot '${c.slotName}' with publication '${c.publicationName}'`);
    const hb = c.getInt('heartbeat.interval.ms')!;
    if (hb > 0) {
      this.heartbeatTimer = setInterval(() => this.heartbeat().catch((e: unknown) => log('warn', 'Heartbeat failed', e)), hb);
      this.heartbeatTimer.unref();
    }
    this.streamingDone = streaming.ended;
    await streaming.ended.catch((e: unknown) => {
      if (!this.stopped) throw new ConnectException(`Replication stream of slot '${c.slotName}' ended: ${(e as Error).message}`, { cause: e });
    });
    if (!this.stopped) throw new ConnectException(`Replication stream of slot '${c.slotName}' ended unexpectedly`);
  }

  private onData(walStart: Lsn, payload: Buffer): void {
    this.inbox.push({ walStart, payload });
    if (!this.paused && this.inbox.length + this.queue.length >= this.maxQueue) {
      this.paused = true;
      this.repl?.pause();
    }
    if (!this.pumping) {
      this.pumping = true;
      this.pump()
        .catch((e: unknown) => this.fail(e))
        .finally(() => {
          this.pumping = false;
        });
    }
  }

  private async pump(): Promise<void> {
    while (this.inbox.length > 0 && !this.stopped) {
      const batch = this.inbox;
      this.inbox = [];
      for (let i = 0; i < batch.length; i++) {
        if (this.stopped) return;
        await this.handle(batch[i].walStart, batch[i].payload);
      }
    }
  }

  private position(lsn: Lsn): EventPosition {
    const t = this.txn!;
    return { tsMicros: t.commitTimeMicros, txId: t.xid, lsn, lastCommitLsn: this.lastCommitLsn, snapshot: null, origin: this.txnOrigin };
  }

  private async handle(walStart: Lsn, payload: Buffer): Promise<void> {
    const m = decodePgOutput(payload);
    switch (m.tag) {
      case 'begin':
        this.txn = m;
        this.txnOrigin = null;
        // already fully processed before a restart: its commit precedes the stored commit position
        this.skipTxn = this.resume.lsnCommit !== null && m.finalLsn < this.resume.lsnCommit;
        this.lastTxId = m.xid;
        this.lastTsMicros = m.commitTimeMicros;
        return;
      case 'commit':
        this.lastCommitLsn = walStart > m.endLsn ? walStart : m.endLsn;
        this.flush.addPoint(this.flush.last(), m.endLsn);
        this.txn = null;
        this.skipTxn = false;
        return;
      case 'origin':
        this.txnOrigin = { name: m.name, lsn: m.originLsn };
        return;
      case 'relation':
        await this.onRelation(m);
        return;
      case 'type':
      case 'message':
        return;
      default:
        break;
    }
    if (this.txn === null || this.skipTxn) return;
    // the transaction that was in progress when the previous run stopped: skip what was already emitted
    if (this.resume.txId !== null && this.txn.xid === this.resume.txId && this.resume.lsn !== null && walStart <= this.resume.lsn) return;
    const skipped = this.config.skippedOperations;
    const p = this.position(walStart);
    let records: SourceRecord[] = [];
    switch (m.tag) {
      case 'insert': {
        const t = this.relations.get(m.relationOid);
        if (!t || skipped.has('c')) return;
        records = this.emitter.insert(t, m.newTuple, p);
        break;
      }
      case 'update': {
        const t = this.relations.get(m.relationOid);
        if (!t || skipped.has('u')) return;
        records = this.emitter.update(t, m.oldTuple, m.newTuple, p);
        break;
      }
      case 'delete': {
        const t = this.relations.get(m.relationOid);
        if (!t || skipped.has('d')) return;
        records = this.emitter.delete(t, m.oldTuple, p);
        break;
      }
      case 'truncate':
        if (skipped.has('t')) return;
        for (const oid of m.relationOids) {
          const t = this.relations.get(oid);
          if (t) records.push(this.emitter.truncate(t, p));
        }
        break;
    }
    if (records.length > 0) await this.enqueue(records);
  }

  private async onRelation(m: RelationMessage): Promise<void> {
    const schema = await this.tableSchema(this.meta!, m.schema, m.table, m.columns.map((c) => ({ name: c.name, typeOid: c.typeOid, typeMod: c.typeMod })));
    if (schema && schema.keySchema === null && m.replicaIdentity !== 'full') {
      log('debug', `Table '${m.schema}.${m.table}' has no primary key: events have a null key`);
    }
    this.relations.set(m.relationOid, schema);
  }

  private async heartbeat(): Promise<void> {
    if (this.stopped) return;
    const c = this.config;
    const q = c.str('heartbeat.action.query');
    if (q && this.meta) await this.meta.query(q);
    if (this.txn !== null || this.inbox.length > 0 || this.pumping) return; // mid-transaction: the commit will carry the position
    const position: Lsn = this.lastKeepaliveLsn > (this.lastCommitLsn ?? 0n) ? this.lastKeepaliveLsn : (this.lastCommitLsn ?? INVALID_LSN);
    const offset = this.emitter.offset({ tsMicros: this.lastTsMicros, txId: this.lastTxId, lsn: position === INVALID_LSN ? null : position, lastCommitLsn: this.lastCommitLsn, snapshot: null }, null);
    const topic = `${c.str('topic.heartbeat.prefix')}${c.delimiter}${c.topicPrefix}`;
    const rec = this.emitter.heartbeat(topic, offset, Date.now());
    await this.enqueue([rec]);
    if (position !== INVALID_LSN) this.flush.addPoint(this.flush.last(), position);
  }

  private async enqueue(records: SourceRecord[]): Promise<void> {
    for (const r of records) {
      this.flush.track(r);
      this.queue.push(r);
    }
    if (this.waiters.length > 0) for (const w of this.waiters.splice(0)) w();
    // backpressure for the snapshot loop: wait until poll() drains
    while (this.queue.length >= this.maxQueue && !this.stopped && this.failure === null) {
      if (!this.paused && this.repl && this.inbox.length > 0) {
        this.paused = true;
        this.repl.pause();
      }
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  private fail(e: unknown): void {
    if (this.stopped) return;
    if (this.failure === null) {
      this.failure = e instanceof Error ? e : new Error(String(e));
      log('error', `Producer failure: ${this.failure.message}`, this.failure);
    }
    for (const w of this.waiters.splice(0)) w();
  }

  private throwIfFailed(): void {
    const f = this.failure;
    if (f) throw f instanceof ConnectException ? f : new ConnectException(f.message, { cause: f });
  }

  async poll(): Promise<SourceRecord[] | null> {
    this.throwIfFailed();
    if (this.queue.length === 0 && !this.stopped) {
      const wait = Math.min(this.config.getLong('poll.interval.ms')!, 1000);
      await new Promise<void>((r) => {
        const t = setTimeout(done, wait);
        const self = this;
        function done(): void {
          clearTimeout(t);
          const i = self.waiters.indexOf(done);
          if (i >= 0) self.waiters.splice(i, 1);
          r();
        }
        this.waiters.push(done);
      });
      this.throwIfFailed();
    }
    if (this.queue.length === 0) return null;
    const max = this.config.getInt('max.batch.size')!;
    const out = this.queue.length <= max ? this.queue : this.queue.slice(0, max);
    this.queue = this.queue.length <= max ? [] : this.queue.slice(max);
    if (this.queue.length < this.maxQueue / 2) {
      if (this.paused) {
        this.paused = false;
        this.repl?.resume();
      }
      for (const w of this.waiters.splice(0)) w();
    }
    return out;
  }

  override commitRecord(record: SourceRecord, metadata: RecordMetadata | null): void {
    void metadata;
    this.flush.ack(record);
  }

  /** Offsets were stored: confirm to the slot what Kafka acknowledged. */
  override commit(): void {
    const lsn = this.flush.takeFlushable();
    if (lsn === null || !this.repl || !this.config.getBoolean('flush.lsn.source')) return;
    log('debug', `Flushing LSN to server: ${lsn}`);
    this.repl.setFlushedLsn(lsn);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    log('info', 'Stopping down connector');
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    for (const w of this.waiters.splice(0)) w();
    const repl = this.repl;
    this.repl = null;
    await repl?.close();
    await this.streamingDone.catch(() => undefined);
    await this.background.catch(() => undefined);
    const meta = this.meta;
    this.meta = null;
    if (meta && this.config?.getBoolean('slot.drop.on.stop')) {
      for (let i = 0; i < 50; i++) {
        const r = await meta.query<{ active: string }>('SELECT active FROM pg_catalog.pg_replication_slots WHERE slot_name = $1', [this.config.slotName]).catch(() => ({ rows: [] }));
        if (r.rows.length === 0 || r.rows[0].active !== 't') break;
        await sleep(100);
      }
      await meta.query('SELECT pg_drop_replication_slot($1)', [this.config.slotName]).then(
        () => log('info', `Dropped slot '${this.config.slotName}'`),
        (e: unknown) => log('warn', `Failed to drop slot '${this.config.slotName}': ${(e as Error).message}`),
      );
    }
    await meta?.end().catch(() => undefined);
  }
}

/** `SnapshotMarkerResolver.resolve`. */
export function snapshotMarker(firstInSnapshot: boolean, lastInSnapshot: boolean, firstInTable: boolean, lastInTable: boolean): SnapshotRecord {
  if (lastInSnapshot) return 'last';
  if (firstInSnapshot) return 'first';
  if (lastInTable) return 'last_in_data_collection';
  if (firstInTable) return 'first_in_data_collection';
  return 'true';
}

/** A snapshot record with another marker (source.snapshot and the offset's last_snapshot_record). */
function withSnapshotMarker(rec: SourceRecord, marker: SnapshotRecord, last: boolean): SourceRecord {
  const value = rec.value() as Struct;
  const source = value.getStruct('source')!;
  source.putWithoutValidation(source.schema().field('snapshot')!, marker === 'false' ? null : marker);
  const offset = { ...rec.sourceOffset()!, last_snapshot_record: last };
  return new SourceRecord(rec.sourcePartition(), orderSnapshotOffset(offset), rec.topic(), rec.kafkaPartition(), rec.keySchema(), rec.key(), rec.valueSchema(), value, rec.timestamp());
}

function orderSnapshotOffset(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of ['last_snapshot_record', 'lsn', 'txId', 'ts_usec', 'snapshot', 'snapshot_completed']) if (k in o) out[k] = o[k];
  return out;
}
