/**
 * The record formats of `__consumer_offsets`, byte for byte as Kafka writes
 * them (group-coordinator's OffsetCommitKey/Value and GroupMetadataKey/Value
 * schemas). Keys and values both open with an int16 version:
 *
 * - key 0 or 1: OffsetCommitKey  (group string, topic string, partition int32)
 * - key 2:      GroupMetadataKey (group string)
 * - key 3+:     records of the newer (KIP-848, share, streams) groups; not ours.
 *
 * OffsetCommitValue v0-v3 and GroupMetadataValue v0-v3 are non-flexible (int16
 * string lengths, int32 byte lengths and array counts); v4 of both is
 * flexible (compact lengths, tagged fields) and is read but never written.
 * We write OffsetCommitValue v3, or v1 when the commit carries an explicit
 * expire timestamp (OffsetCommit v2-v4 with a retention time), as Kafka does;
 * and GroupMetadataValue v3. A null value is a tombstone.
 */
import { Reader } from '@nagare/protocol';

export const OFFSET_COMMIT_KEY_VERSION = 1;
export const GROUP_METADATA_KEY_VERSION = 2;
export const GROUP_METADATA_VALUE_VERSION = 3;

export type CoordinatorRecordKey =
  | { type: 'offset'; version: number; group: string; topic: string; partition: number }
  | { type: 'group'; version: number; group: string }
  | { type: 'other'; version: number };

export interface OffsetCommitValue {
  offset: bigint;
  /** -1 when unknown (and always for v0-v2). */
  leaderEpoch: number;
  metadata: string;
  commitTimestamp: number;
  /** -1 when none; only v1 carries it. */
  expireTimestamp: number;
}

export interface GroupMemberValue {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeout: number;
  sessionTimeout: number;
  subscription: Buffer;
  assignment: Buffer;
}

export interface GroupMetadataValue {
  protocolType: string;
  generation: number;
  protocol: string | null;
  leader: string | null;
  /** -1 when unknown (v0-v1). */
  currentStateTimestamp: number;
  members: GroupMemberValue[];
}

export class RecordFormatError extends Error {
  override readonly name = 'RecordFormatError';
}

// ---------------------------------------------------------------- writing

/** Accumulates big-endian fields; one concat at the end (not a hot path). */
class FieldWriter {
  private readonly parts: Buffer[] = [];

  int16(v: number): this {
    const b = Buffer.allocUnsafe(2);
    b.writeInt16BE(v);
    this.parts.push(b);
    return this;
  }

  int32(v: number): this {
    const b = Buffer.allocUnsafe(4);
    b.writeInt32BE(v);
    this.parts.push(b);
    return this;
  }

  int64(v: bigint | number): this {
    const b = Buffer.allocUnsafe(8);
    b.writeBigInt64BE(typeof v === 'bigint' ? v : BigInt(v));
    this.parts.push(b);
    return this;
  }

  string(s: string): this {
    const bytes = Buffer.from(s, 'utf8');
    if (bytes.length > 0x7fff) throw new RecordFormatError(`string of ${bytes.length} bytes does not fit an int16 length`);
    this.int16(bytes.length);
    this.parts.push(bytes);
    return this;
  }

  nullableString(s: string | null): this {
    return s === null ? this.int16(-1) : this.string(s);
  }

  bytes(b: Buffer): this {
    this.int32(b.length);
    this.parts.push(b);
    return this;
  }

  finish(): Buffer {
    return Buffer.concat(this.parts);
  }
}

export function encodeOffsetCommitKey(group: string, topic: string, partition: number): Buffer {
  return new FieldWriter().int16(OFFSET_COMMIT_KEY_VERSION).string(group).string(topic).int32(partition).finish();
}

export function encodeGroupMetadataKey(group: string): Buffer {
  return new FieldWriter().int16(GROUP_METADATA_KEY_VERSION).string(group).finish();
}

/** The version Kafka writes for this value: 1 when it has an expire timestamp, else 3. */
export function offsetCommitValueVersion(v: OffsetCommitValue): number {
  return v.expireTimestamp >= 0 ? 1 : 3;
}

export function encodeOffsetCommitValue(v: OffsetCommitValue, version = offsetCommitValueVersion(v)): Buffer {
  if (version < 0 || version > 3) throw new RecordFormatError(`cannot write OffsetCommitValue v${version}`);
  const w = new FieldWriter().int16(version).int64(v.offset);
  if (version >= 3) w.int32(v.leaderEpoch);
  w.string(v.metadata).int64(v.commitTimestamp);
  if (version === 1) w.int64(v.expireTimestamp);
  return w.finish();
}

export function encodeGroupMetadataValue(v: GroupMetadataValue, version = GROUP_METADATA_VALUE_VERSION): Buffer {
  if (version < 0 || version > 3) throw new RecordFormatError(`cannot write GroupMetadataValue v${version}`);
  const w = new FieldWriter().int16(version).string(v.protocolType).int32(v.generation).nullableString(v.protocol).nullableString(v.leader);
  if (version >= 2) w.int64(v.currentStateTimestamp);
  w.int32(v.members.length);
  for (const m of v.members) {
    w.string(m.memberId);
    if (version >= 3) w.nullableString(m.groupInstanceId);
    w.string(m.clientId).string(m.clientHost);
    if (version >= 1) w.int32(m.rebalanceTimeout);
    w.int32(m.sessionTimeout).bytes(m.subscription).bytes(m.assignment);
  }
  return w.finish();
}

// ---------------------------------------------------------------- reading

function check(r: Reader, what: string): void {
  if (r.failed) throw new RecordFormatError(`malformed ${what}: ${r.errField} ${r.errReason} at byte ${r.errOffset}`);
}

/** Skips a tagged-field section (flexible versions); the fields we read have no tagged fields of their own. */
function skipTaggedFields(r: Reader, field: string): void {
  const n = r.uvarint(field);
  for (let i = 0; i < n && !r.failed; i++) {
    r.uvarint(field);
    const size = r.uvarint(field);
    r.raw(field, size);
  }
}

export function decodeKey(buf: Buffer): CoordinatorRecordKey {
  const r = new Reader(buf);
  const version = r.int16('key.version');
  check(r, 'record key');
  if (version === 0 || version === 1) {
    const group = r.string('group');
    const topic = r.string('topic');
    const partition = r.int32('partition');
    check(r, 'OffsetCommitKey');
    return { type: 'offset', version, group, topic, partition };
  }
  if (version === 2) {
    const group = r.string('group');
    check(r, 'GroupMetadataKey');
    return { type: 'group', version, group };
  }
  return { type: 'other', version };
}

export function decodeOffsetCommitValue(buf: Buffer): OffsetCommitValue & { version: number } {
  const r = new Reader(buf);
  const version = r.int16('version');
  check(r, 'OffsetCommitValue');
  if (version < 0 || version > 4) throw new RecordFormatError(`unknown OffsetCommitValue version ${version}`);
  const flexible = version >= 4;
  const offset = r.int64('offset');
  const leaderEpoch = version >= 3 ? r.int32('leaderEpoch') : -1;
  const metadata = flexible ? r.compactString('metadata') : r.string('metadata');
  const commitTimestamp = Number(r.int64('commitTimestamp'));
  const expireTimestamp = version === 1 ? Number(r.int64('expireTimestamp')) : -1;
  if (flexible) skipTaggedFields(r, '_tagged');
  check(r, `OffsetCommitValue v${version}`);
  return { version, offset, leaderEpoch, metadata, commitTimestamp, expireTimestamp };
}

export function decodeGroupMetadataValue(buf: Buffer): GroupMetadataValue & { version: number } {
  const r = new Reader(buf);
  const version = r.int16('version');
  check(r, 'GroupMetadataValue');
  if (version < 0 || version > 4) throw new RecordFormatError(`unknown GroupMetadataValue version ${version}`);
  const flex = version >= 4;
  const str = (f: string) => (flex ? r.compactString(f) : r.string(f));
  const nstr = (f: string) => (flex ? r.compactNullableString(f) : r.nullableString(f));
  const bytes = (f: string) => Buffer.from(flex ? r.compactBytes(f) : r.bytes(f));
  const protocolType = str('protocolType');
  const generation = r.int32('generation');
  const protocol = nstr('protocol');
  const leader = nstr('leader');
  const currentStateTimestamp = version >= 2 ? Number(r.int64('currentStateTimestamp')) : -1;
  const count = flex ? r.compactArrayLength('members', false) : r.arrayLength('members', false);
  const members: GroupMemberValue[] = [];
  for (let i = 0; i < count && !r.failed; i++) {
    const memberId = str('memberId');
    const groupInstanceId = version >= 3 ? nstr('groupInstanceId') : null;
    const clientId = str('clientId');
    const clientHost = str('clientHost');
    const rebalanceTimeout = version >= 1 ? r.int32('rebalanceTimeout') : -1;
    const sessionTimeout = r.int32('sessionTimeout');
    const subscription = bytes('subscription');
    const assignment = bytes('assignment');
    if (flex) skipTaggedFields(r, 'members._tagged');
    members.push({
      memberId,
      groupInstanceId,
      clientId,
      clientHost,
      // v0 had no rebalance timeout: Kafka takes the session timeout then.
      rebalanceTimeout: version === 0 ? sessionTimeout : rebalanceTimeout,
      sessionTimeout,
      subscription,
      assignment,
    });
  }
  if (flex) skipTaggedFields(r, '_tagged');
  check(r, `GroupMetadataValue v${version}`);
  return { version, protocolType, generation, protocol, leader, currentStateTimestamp, members };
}
