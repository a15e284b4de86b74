/**
 * A logical replication connection over node-postgres (`replication:
 * 'database'` in the startup packet): IDENTIFY_SYSTEM, CREATE_REPLICATION_SLOT
 * (exporting a snapshot the initial snapshot reads in, so snapshot and
 * stream meet exactly at the slot's consistent point), START_REPLICATION
 * with pgoutput, and the CopyBoth sub-protocol (XLogData 'w', primary
 * keepalive 'k', standby status update 'r').
 *
 * The flushed position sent in status updates is only ever what the
 * connector says is durable in Kafka (`setFlushedLsn`): the server turns it
 * into the slot's confirmed_flush_lsn.
 */
import { Client, type ClientConfig } from 'pg';
import { formatLsn, INVALID_LSN, parseLsn, PG_EPOCH_MICROS, type Lsn } from '../util/lsn';

export interface StreamHandlers {
  /** One XLogData message: its WAL start, the server's WAL end, and the pgoutput payload. */
  onData(walStart: Lsn, walEnd: Lsn, payload: Buffer): void;
  /** A primary keepalive (the server's WAL end). */
  onKeepalive?(walEnd: Lsn): void;
  onError(e: Error): void;
}

export interface SlotCreation {
  slotName: string;
  consistentPoint: Lsn;
  snapshotName: string | null;
}

type PgConnection = {
  on(event: 'copyData', cb: (msg: { chunk: Buffer }) => void): void;
  removeAllListeners(event?: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
  stream: { pause(): void; resume(): void; isPaused?(): boolean };
};

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function quoteLiteral(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

export class ReplicationConnection {
  private streaming: Promise<unknown> | null = null;
  private receivedLsn: Lsn = INVALID_LSN;
  private flushedLsn: Lsn = INVALID_LSN;
  private statusTimer: NodeJS.Timeout | null = null;
  private closed = false;

  private constructor(private readonly client: Client) {}

  static async open(config: ClientConfig): Promise<ReplicationConnection> {
    const client = new Client({ ...config, replication: 'database' } as ClientConfig);
    const c = new ReplicationConnection(client);
    client.on('error', () => undefined); // failures surface through the stream's promise
    await client.connect();
    return c;
  }

  private get connection(): PgConnection {
    return (this.client as unknown as { connection: PgConnection }).connection;
  }

  async identifySystem(): Promise<{ systemId: string; timeline: number; xlogpos: Lsn; dbname: string | null }> {
    const r = await this.client.query<{ systemid: string; timeline: string; xlogpos: string; dbname: string | null }>('IDENTIFY_SYSTEM');
    const row = r.rows[0];
    return { systemId: row.systemid, timeline: Number(row.timeline), xlogpos: parseLsn(row.xlogpos), dbname: row.dbname };
  }

  /**
   * Creates a pgoutput slot. With `exportSnapshot` the server exports the
   * snapshot of the slot's consistent point, usable (by name) until this
   * connection runs its next command.
   */
  async createSlot(name: string, exportSnapshot: boolean, serverVersionNum: number, temporary = false): Promise<SlotCreation> {
    const tmp = temporary ? ' TEMPORARY' : '';
    const sql =
      serverVersionNum >= 150000
        ? `CREATE_REPLICATION_SLOT ${quoteIdent(name)}${tmp} LOGICAL pgoutput (SNAPSHOT ${exportSnapshot ? "'export'" : "'nothing'"})`
        : `CREATE_REPLICATION_SLOT ${quoteIdent(name)}${tmp} LOGICAL pgoutput ${exportSnapshot ? 'EXPORT_SNAPSHOT' : 'NOEXPORT_SNAPSHOT'}`;
    const r = await this.client.query<{ slot_name: string; consistent_point: string; snapshot_name: string | null }>(sql);
    const row = r.rows[0];
    return { slotName: row.slot_name, consistentPoint: parseLsn(row.consistent_point), snapshotName: row.snapshot_name };
  }

  /**
   * START_REPLICATION of `slot` from `startLsn` (0/0: the slot's confirmed
   * position) with pgoutput protocol 1 and the publication. Resolves once
   * the server is streaming; `ended` settles when the stream stops.
   */
  async startStreaming(slot: string, publication: string, startLsn: Lsn, handlers: StreamHandlers, statusIntervalMs: number, extraOptions: Record<string, string> = {}): Promise<{ ended: Promise<void> }> {
    const conn = this.connection;
    const started = new Promise<void>((resolve) => this.client.connection.once('replicationStart', () => resolve()));
    conn.on('copyData', ({ chunk }) => {
      try {
        const type = chunk[0];
        if (type === 0x77) {
          // XLogData: walStart, walEnd, sendTime, data
          const walStart = chunk.readBigUInt64BE(1);
          const walEnd = chunk.readBigUInt64BE(9);
          if (walStart > this.receivedLsn) this.receivedLsn = walStart;
          // the parser reuses its buffer: keep a copy for the asynchronous decoding
          handlers.onData(walStart, walEnd, Buffer.from(chunk.subarray(25)));
        } else if (type === 0x6b) {
          // primary keepalive: walEnd, sendTime, replyRequested
          const walEnd = chunk.readBigUInt64BE(1);
          const reply = chunk[17] === 1;
          handlers.onKeepalive?.(walEnd);
          if (reply) this.sendStatus(false);
        }
      } catch (e) {
        handlers.onError(e as Error);
      }
    });
    const options = { proto_version: '1', publication_names: publication, ...extraOptions };
    const opts = Object.entries(options)
      .map(([k, v]) => `"${k}" ${quoteLiteral(v)}`)
      .join(', ');
    const ended = this.client.query(`START_REPLICATION SLOT ${quoteIdent(slot)} LOGICAL ${formatLsn(startLsn)} (${opts})`).then(
      () => undefined,
      (e: Error) => {
        if (!this.closed) throw e;
      },
    );
    this.streaming = ended;
    await Promise.race([started, ended]);
    this.statusTimer = setInterval(() => this.sendStatus(false), Math.max(100, statusIntervalMs));
    this.statusTimer.unref();
    return { ended };
  }

  /** The highest WAL position received. */
  lastReceivedLsn(): Lsn {
    return this.receivedLsn;
  }

  /** What the server may consider processed (never more than Kafka acknowledged). */
  setFlushedLsn(lsn: Lsn, sendNow = true): void {
    if (lsn <= this.flushedLsn) return;
    this.flushedLsn = lsn;
    if (sendNow) this.sendStatus(false);
  }

  flushed(): Lsn {
    return this.flushedLsn;
  }

  /** Standby status update: write = received, flush = apply = what Kafka acknowledged. */
  sendStatus(replyRequested: boolean): void {
    if (this.closed || this.streaming === null) return;
    const b = Buffer.alloc(34);
    b[0] = 0x72; // r
    const write = this.receivedLsn > this.flushedLsn ? this.receivedLsn : this.flushedLsn;
    b.writeBigUInt64BE(write, 1);
    b.writeBigUInt64BE(this.flushedLsn, 9);
    b.writeBigUInt64BE(this.flushedLsn, 17);
    b.writeBigInt64BE(BigInt(Date.now()) * 1000n - PG_EPOCH_MICROS, 25);
    b[33] = replyRequested ? 1 : 0;
    try {
      this.connection.sendCopyFromChunk(b);
    } catch {
      // the connection is gone: the stream promise reports it
    }
  }

  /** Stops reading from the socket (backpressure); status updates still go out. */
  pause(): void {
    this.connection.stream.pause();
  }

  resume(): void {
    this.connection.stream.resume();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.statusTimer) clearInterval(this.statusTimer);
    this.statusTimer = null;
    try {
      this.connection.removeAllListeners('copyData');
    } catch {
      // already torn down
    }
    await this.client.end().catch(() => undefined);
    await this.streaming?.catch(() => undefined);
  }

  /** Runs a simple replication command (e.g. DROP_REPLICATION_SLOT). */
  query(sql: string): Promise<unknown> {
    return this.client.query(sql);
  }
}
