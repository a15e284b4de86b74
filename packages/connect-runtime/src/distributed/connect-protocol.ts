/**
 * The embedded group protocol of Connect workers (protocol type `connect`):
 * what each worker puts in JoinGroup metadata and what the leader hands out
 * in SyncGroup, byte for byte as Kafka's `ConnectProtocol` (v0, eager,
 * sub-protocol `default`) and `IncrementalCooperativeConnectProtocol` (v1
 * `compatible`, v2 `sessioned` (KIP-415, KIP-507)) write them, so a nagare
 * worker and an Apache Kafka worker can share a group.
 *
 * Encoding (Kafka's protocol types: int16/int32/int64 big-endian, STRING =
 * int16 length + UTF-8, arrays = int32 count, NULLABLE_BYTES / nullable
 * arrays = int32 length, -1 for null):
 *
 *     metadata v0:    version:int16 url:string config-offset:int64
 *     metadata v1/2:  version:int16 url:string config-offset:int64 allocation:nullable_bytes
 *                     (allocation = this worker's current assignment, serialized as below)
 *     assignment v0:  version:int16 error:int16 leader:string leader-url:string
 *                     config-offset:int64 assignment:[connector:string tasks:[int32]]
 *     assignment v1/2: ... as v0, assignment nullable, then revoked:nullable [same]
 *                     delay:int32
 *
 * Task id -1 in an assignment entry means "the Connector instance itself".
 */
import type { ConnectorTaskId } from '../herder/status';

export const CONNECT_PROTOCOL_TYPE = 'connect';
export const CONNECT_PROTOCOL_V0 = 0;
export const CONNECT_PROTOCOL_V1 = 1;
export const CONNECT_PROTOCOL_V2 = 2;
/** The task id that stands for the connector instance in assignments. */
export const CONNECTOR_TASK = -1;

/** `connect.protocol` values and their sub-protocol names (`ConnectProtocolCompatibility`). */
export type ConnectProtocolCompatibility = 'eager' | 'compatible' | 'sessioned';
export const PROTOCOL_NAMES: Record<ConnectProtocolCompatibility, string> = { eager: 'default', compatible: 'compatible', sessioned: 'sessioned' };
export const PROTOCOL_VERSIONS: Record<ConnectProtocolCompatibility, number> = { eager: CONNECT_PROTOCOL_V0, compatible: CONNECT_PROTOCOL_V1, sessioned: CONNECT_PROTOCOL_V2 };

export function compatibilityOfProtocolName(name: string): ConnectProtocolCompatibility {
  for (const [k, v] of Object.entries(PROTOCOL_NAMES)) if (v === name) return k as ConnectProtocolCompatibility;
  throw new Error(`Not found: ${name}`);
}

/** Assignment error codes (`ConnectProtocol.Assignment`). */
export const NO_ERROR = 0;
/** The leader could not catch up with the newest config offset a member reported: read the config topic to its end and rejoin. */
export const CONFIG_MISMATCH = 1;

export interface WorkerState {
  url: string;
  configOffset: number;
  /** v1/v2 only: the member's current assignment (null = none). */
  assignment?: ConnectAssignment | null;
}

export interface ConnectAssignment {
  version: number;
  error: number;
  leader: string;
  leaderUrl: string;
  configOffset: number;
  connectors: string[];
  tasks: ConnectorTaskId[];
  /** v1/v2 (empty for v0). */
  revokedConnectors: string[];
  revokedTasks: ConnectorTaskId[];
  /** v1/v2: ms until a scheduled rebalance (KIP-415), 0 for none. */
  delay: number;
}

export function emptyAssignment(version = CONNECT_PROTOCOL_V1): ConnectAssignment {
  return { version, error: NO_ERROR, leader: '', leaderUrl: '', configOffset: -1, connectors: [], tasks: [], revokedConnectors: [], revokedTasks: [], delay: 0 };
}

function isEmpty(a: ConnectAssignment): boolean {
  return a.error === NO_ERROR && a.connectors.length === 0 && a.tasks.length === 0 && a.revokedConnectors.length === 0 && a.revokedTasks.length === 0 && a.delay === 0 && a.leader === '' && a.configOffset === -1;
}

class Writer {
  private readonly parts: Buffer[] = [];
  int16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeInt16BE(v);
    this.parts.push(b);
    return this;
  }
  int32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    this.parts.push(b);
    return this;
  }
  int64(v: number): this {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(BigInt(v));
    this.parts.push(b);
    return this;
  }
  string(s: string): this {
    const b = Buffer.from(s, 'utf8');
    this.int16(b.length);
    this.parts.push(b);
    return this;
  }
  nullableBytes(b: Buffer | null): this {
    if (b === null) return this.int32(-1);
    this.int32(b.length);
    this.parts.push(b);
    return this;
  }
  build(): Buffer {
    return Buffer.concat(this.parts);
  }
}

export class ConnectProtocolError extends Error {
  override readonly name = 'SchemaException';
}

class Reader {
  private pos = 0;
  constructor(private readonly b: Buffer) {}
  private need(n: number): void {
    if (this.pos + n > this.b.length) throw new ConnectProtocolError(`Error reading field: ${n} bytes needed at ${this.pos}, ${this.b.length - this.pos} left`);
  }
  int16(): number {
    this.need(2);
    const v = this.b.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  int32(): number {
    this.need(4);
    const v = this.b.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  int64(): number {
    this.need(8);
    const v = this.b.readBigInt64BE(this.pos);
    this.pos += 8;
    return Number(v);
  }
  string(): string {
    const n = this.int16();
    if (n < 0) throw new ConnectProtocolError('String field is null');
    this.need(n);
    const s = this.b.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
  nullableBytes(): Buffer | null {
    const n = this.int32();
    if (n < 0) return null;
    this.need(n);
    const out = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  get remaining(): number {
    return this.b.length - this.pos;
  }
}

function checkVersion(version: number): void {
  if (version < CONNECT_PROTOCOL_V0) throw new ConnectProtocolError(`Unsupported subscription version: ${version}`);
}

/** Connectors (task -1) first, then tasks, grouped per connector in first-appearance order (`Assignment.asMap`). */
function assignmentEntries(connectors: readonly string[], tasks: readonly ConnectorTaskId[]): Array<[string, number[]]> {
  const m = new Map<string, number[]>();
  for (const c of new Set(connectors)) m.set(c, [CONNECTOR_TASK]);
  for (const t of tasks) {
    let a = m.get(t.connector);
    if (!a) m.set(t.connector, (a = []));
    a.push(t.task);
  }
  return [...m];
}

function writeEntries(w: Writer, entries: Array<[string, number[]]>): void {
  w.int32(entries.length);
  for (const [connector, tasks] of entries) {
    w.string(connector);
    w.int32(tasks.length);
    for (const t of tasks) w.int32(t);
  }
}

function readEntries(r: Reader): { connectors: string[]; tasks: ConnectorTaskId[] } {
  const n = Math.max(0, r.int32());
  const connectors: string[] = [];
  const tasks: ConnectorTaskId[] = [];
  for (let i = 0; i < n; i++) {
    const connector = r.string();
    const m = r.int32();
    for (let j = 0; j < m; j++) {
      const t = r.int32();
      if (t === CONNECTOR_TASK) connectors.push(connector);
      else tasks.push({ connector, task: t });
    }
  }
  return { connectors, tasks };
}

/** JoinGroup metadata, v0 (`ConnectProtocol.serializeMetadata`). */
export function serializeMetadataV0(state: WorkerState): Buffer {
  return new Writer().int16(CONNECT_PROTOCOL_V0).string(state.url).int64(state.configOffset).build();
}

/** JoinGroup metadata, v1 or v2 (`IncrementalCooperativeConnectProtocol.serializeMetadata`). */
export function serializeMetadataV1(state: WorkerState, sessioned: boolean): Buffer {
  const allocation = state.assignment ? serializeAssignmentV1(state.assignment, sessioned) : null;
  return new Writer()
    .int16(sessioned ? CONNECT_PROTOCOL_V2 : CONNECT_PROTOCOL_V1)
    .string(state.url)
    .int64(state.configOffset)
    .nullableBytes(allocation)
    .build();
}

/** Reads metadata of any version (v0 has no allocation). */
export function deserializeMetadata(buf: Buffer): WorkerState & { version: number } {
  const r = new Reader(buf);
  const version = r.int16();
  checkVersion(version);
  const url = r.string();
  const configOffset = r.int64();
  let assignment: ConnectAssignment | null = null;
  if (version >= CONNECT_PROTOCOL_V1 && r.remaining > 0) assignment = deserializeAssignment(r.nullableBytes());
  return { version, url, configOffset, assignment };
}

/** The metadata of every sub-protocol `connect.protocol` allows, preferred first (`metadataRequest`). */
export function metadataRequest(compat: ConnectProtocolCompatibility, state: WorkerState): Array<{ name: string; metadata: Buffer }> {
  const out: Array<{ name: string; metadata: Buffer }> = [];
  if (compat === 'sessioned') out.push({ name: PROTOCOL_NAMES.sessioned, metadata: serializeMetadataV1(state, true) });
  if (compat !== 'eager') out.push({ name: PROTOCOL_NAMES.compatible, metadata: serializeMetadataV1(state, false) });
  out.push({ name: PROTOCOL_NAMES.eager, metadata: serializeMetadataV0(state) });
  return out;
}

/** SyncGroup assignment, v0 (`ConnectProtocol.serializeAssignment`). */
export function serializeAssignmentV0(a: ConnectAssignment): Buffer {
  const w = new Writer().int16(CONNECT_PROTOCOL_V0).int16(a.error).string(a.leader).string(a.leaderUrl).int64(a.configOffset);
  writeEntries(w, assignmentEntries(a.connectors, a.tasks));
  return w.build();
}

/** SyncGroup assignment, v1/v2; null for the empty assignment (`IncrementalCooperativeConnectProtocol.serializeAssignment`). */
export function serializeAssignmentV1(a: ConnectAssignment, sessioned: boolean): Buffer | null {
  if (isEmpty(a)) return null;
  const w = new Writer().int16(sessioned ? CONNECT_PROTOCOL_V2 : CONNECT_PROTOCOL_V1).int16(a.error).string(a.leader).string(a.leaderUrl).int64(a.configOffset);
  writeEntries(w, assignmentEntries(a.connectors, a.tasks));
  writeEntries(w, assignmentEntries(a.revokedConnectors, a.revokedTasks));
  w.int32(a.delay);
  return w.build();
}

/** Reads an assignment of any version; null input (an empty v1 assignment) gives null. */
export function deserializeAssignment(buf: Buffer | null): ConnectAssignment | null {
  if (buf === null || buf.length === 0) return null;
  const r = new Reader(buf);
  const version = r.int16();
  checkVersion(version);
  const error = r.int16();
  const leader = r.string();
  const leaderUrl = r.string();
  const configOffset = r.int64();
  const assigned = version >= CONNECT_PROTOCOL_V1 ? readNullableEntries(r) : readEntries(r);
  const revoked = version >= CONNECT_PROTOCOL_V1 && r.remaining >= 4 ? readNullableEntries(r) : { connectors: [], tasks: [] };
  const delay = version >= CONNECT_PROTOCOL_V1 && r.remaining >= 4 ? r.int32() : 0;
  return { version, error, leader, leaderUrl, configOffset, connectors: assigned.connectors, tasks: assigned.tasks, revokedConnectors: revoked.connectors, revokedTasks: revoked.tasks, delay };
}

/** A nullable array (count -1 = null = empty); a missing trailing field reads as empty (TOLERATE_MISSING_FIELDS_WITH_DEFAULTS). */
function readNullableEntries(r: Reader): { connectors: string[]; tasks: ConnectorTaskId[] } {
  if (r.remaining < 4) return { connectors: [], tasks: [] };
  return readEntries(r);
}

/** The assignment serialized for the sub-protocol the group chose. */
export function serializeAssignment(a: ConnectAssignment, protocolVersion: number): Buffer {
  if (protocolVersion === CONNECT_PROTOCOL_V0) return serializeAssignmentV0(a);
  // An empty v1/v2 assignment is "null" in Kafka; SyncGroup carries it as zero bytes.
  return serializeAssignmentV1(a, protocolVersion >= CONNECT_PROTOCOL_V2) ?? Buffer.alloc(0);
}
