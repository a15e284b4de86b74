/**
 * The group coordinator's records as the runtime handles them: one typed
 * union over every kind `__consumer_offsets` holds, and the serde between
 * it and log records. OffsetCommit and GroupMetadata use the classic
 * encoders of records.ts (the versions Kafka writes: OffsetCommitValue v3 or
 * v1, GroupMetadataValue v3); the KIP-848 consumer group records use the
 * codecs generated from Kafka's definitions (key = int16 record type + key
 * fields, value = int16 version 0 + flexible value fields).
 */
import { decode, encodeChunks, type MessageCodec } from '@nagare/protocol';
import type { RecordSerde, SerializedRecord } from '../coordinator';
import {
  ConsumerGroupCurrentMemberAssignmentKeyCodec,
  ConsumerGroupCurrentMemberAssignmentValueCodec,
  ConsumerGroupMemberMetadataKeyCodec,
  ConsumerGroupMemberMetadataValueCodec,
  ConsumerGroupMetadataKeyCodec,
  ConsumerGroupMetadataValueCodec,
  ConsumerGroupPartitionMetadataKeyCodec,
  ConsumerGroupPartitionMetadataValueCodec,
  ConsumerGroupTargetAssignmentMemberKeyCodec,
  ConsumerGroupTargetAssignmentMemberValueCodec,
  ConsumerGroupTargetAssignmentMetadataKeyCodec,
  ConsumerGroupTargetAssignmentMetadataValueCodec,
  type ConsumerGroupCurrentMemberAssignmentValue,
  type ConsumerGroupMemberMetadataValue,
  type ConsumerGroupMetadataValue,
  type ConsumerGroupPartitionMetadataValue,
  type ConsumerGroupTargetAssignmentMemberValue,
  type ConsumerGroupTargetAssignmentMetadataValue,
} from './generated';
import {
  RecordFormatError,
  decodeGroupMetadataValue,
  decodeKey,
  decodeOffsetCommitValue,
  encodeGroupMetadataKey,
  encodeGroupMetadataValue,
  encodeOffsetCommitKey,
  encodeOffsetCommitValue,
  type GroupMetadataValue,
  type OffsetCommitValue,
} from './records';

export type {
  ConsumerGroupCurrentMemberAssignmentValue,
  ConsumerGroupMemberMetadataValue,
  ConsumerGroupMetadataValue,
  ConsumerGroupPartitionMetadataValue,
  ConsumerGroupTargetAssignmentMemberValue,
  ConsumerGroupTargetAssignmentMetadataValue,
} from './generated';

/** The record types (the int16 that opens a key). */
export const RecordType = {
  OffsetCommit: 1,
  GroupMetadata: 2,
  ConsumerGroupMetadata: 3,
  ConsumerGroupPartitionMetadata: 4,
  ConsumerGroupMemberMetadata: 5,
  ConsumerGroupTargetAssignmentMetadata: 6,
  ConsumerGroupTargetAssignmentMember: 7,
  ConsumerGroupCurrentMemberAssignment: 8,
} as const;

export type GroupRecord =
  | { type: 'OffsetCommit'; groupId: string; topic: string; partition: number; value: OffsetCommitValue | null }
  | { type: 'GroupMetadata'; groupId: string; value: GroupMetadataValue | null }
  | { type: 'ConsumerGroupMetadata'; groupId: string; value: ConsumerGroupMetadataValue | null }
  | { type: 'ConsumerGroupPartitionMetadata'; groupId: string; value: ConsumerGroupPartitionMetadataValue | null }
  | { type: 'ConsumerGroupMemberMetadata'; groupId: string; memberId: string; value: ConsumerGroupMemberMetadataValue | null }
  | { type: 'ConsumerGroupTargetAssignmentMetadata'; groupId: string; value: ConsumerGroupTargetAssignmentMetadataValue | null }
  | { type: 'ConsumerGroupTargetAssignmentMember'; groupId: string; memberId: string; value: ConsumerGroupTargetAssignmentMemberValue | null }
  | { type: 'ConsumerGroupCurrentMemberAssignment'; groupId: string; memberId: string; value: ConsumerGroupCurrentMemberAssignmentValue | null };

// The generated key codecs read and write the key fields at the record type's version.
interface GroupKey {
  groupId: string;
}
interface MemberKey extends GroupKey {
  memberId: string;
}

const GROUP_KEYED = {
  ConsumerGroupMetadata: [RecordType.ConsumerGroupMetadata, ConsumerGroupMetadataKeyCodec, ConsumerGroupMetadataValueCodec],
  ConsumerGroupPartitionMetadata: [RecordType.ConsumerGroupPartitionMetadata, ConsumerGroupPartitionMetadataKeyCodec, ConsumerGroupPartitionMetadataValueCodec],
  ConsumerGroupTargetAssignmentMetadata: [
    RecordType.ConsumerGroupTargetAssignmentMetadata,
    ConsumerGroupTargetAssignmentMetadataKeyCodec,
    ConsumerGroupTargetAssignmentMetadataValueCodec,
  ],
} as const;

const MEMBER_KEYED = {
  ConsumerGroupMemberMetadata: [RecordType.ConsumerGroupMemberMetadata, ConsumerGroupMemberMetadataKeyCodec, ConsumerGroupMemberMetadataValueCodec],
  ConsumerGroupTargetAssignmentMember: [RecordType.ConsumerGroupTargetAssignmentMember, ConsumerGroupTargetAssignmentMemberKeyCodec, ConsumerGroupTargetAssignmentMemberValueCodec],
  ConsumerGroupCurrentMemberAssignment: [RecordType.ConsumerGroupCurrentMemberAssignment, ConsumerGroupCurrentMemberAssignmentKeyCodec, ConsumerGroupCurrentMemberAssignmentValueCodec],
} as const;

const BY_TYPE = new Map<number, { name: string; key: MessageCodec<any>; value: MessageCodec<any>; member: boolean }>();
for (const [name, [type, key, value]] of Object.entries(GROUP_KEYED)) BY_TYPE.set(type, { name, key, value, member: false });
for (const [name, [type, key, value]] of Object.entries(MEMBER_KEYED)) BY_TYPE.set(type, { name, key, value, member: true });

/** The value version Kafka writes for each consumer group record. */
const CONSUMER_VALUE_VERSION = 0;

function encodeWith<T>(codec: MessageCodec<T>, prefix: number, value: T, version: number): Buffer {
  const head = Buffer.allocUnsafe(2);
  head.writeInt16BE(prefix);
  return Buffer.concat([head, ...encodeChunks(codec, value, version)]);
}

function decodeWith<T>(codec: MessageCodec<T>, buf: Buffer, version: number, what: string): T {
  try {
    return decode(codec, buf.subarray(2), version);
  } catch (e) {
    throw new RecordFormatError(`malformed ${what}: ${(e as Error).message}`);
  }
}

export function serializeGroupRecord(rec: GroupRecord): SerializedRecord {
  switch (rec.type) {
    case 'OffsetCommit':
      return { key: encodeOffsetCommitKey(rec.groupId, rec.topic, rec.partition), value: rec.value && encodeOffsetCommitValue(rec.value) };
    case 'GroupMetadata':
      return { key: encodeGroupMetadataKey(rec.groupId), value: rec.value && encodeGroupMetadataValue(rec.value) };
    case 'ConsumerGroupMetadata':
    case 'ConsumerGroupPartitionMetadata':
    case 'ConsumerGroupTargetAssignmentMetadata': {
      const [type, keyCodec, valueCodec] = GROUP_KEYED[rec.type];
      const key = encodeWith(keyCodec as MessageCodec<GroupKey>, type, { groupId: rec.groupId }, type);
      const value = rec.value === null ? null : encodeWith(valueCodec as MessageCodec<unknown>, CONSUMER_VALUE_VERSION, rec.value, CONSUMER_VALUE_VERSION);
      return { key, value };
    }
    default: {
      const [type, keyCodec, valueCodec] = MEMBER_KEYED[rec.type];
      const key = encodeWith(keyCodec as MessageCodec<MemberKey>, type, { groupId: rec.groupId, memberId: rec.memberId }, type);
      const value = rec.value === null ? null : encodeWith(valueCodec as MessageCodec<unknown>, CONSUMER_VALUE_VERSION, rec.value, CONSUMER_VALUE_VERSION);
      return { key, value };
    }
  }
}

/** An int64 as a number (exact below 2^53; commit and expire timestamps are). */
function int64Number(b: Buffer, p: number): number {
  return b.readInt32BE(p) * 4294967296 + b.readUInt32BE(p + 4);
}

/**
 * OffsetCommitValue v0-v3 read straight off the bytes: a shard load replays
 * a million of these, and the generic reader costs several times as much.
 * Undefined for anything else (v4, malformed): the generic decoder handles
 * it, errors included.
 */
function fastOffsetCommitValue(b: Buffer): OffsetCommitValue | undefined {
  const n = b.length;
  if (n < 2) return undefined;
  const version = b.readInt16BE(0);
  if (version < 0 || version > 3) return undefined;
  let p = 2;
  if (p + 8 > n) return undefined;
  const offset = b.readBigInt64BE(p);
  p += 8;
  let leaderEpoch = -1;
  if (version >= 3) {
    if (p + 4 > n) return undefined;
    leaderEpoch = b.readInt32BE(p);
    p += 4;
  }
  if (p + 2 > n) return undefined;
  const ml = b.readInt16BE(p);
  p += 2;
  if (ml < 0 || p + ml > n) return undefined;
  const metadata = ml === 0 ? '' : b.toString('utf8', p, p + ml);
  p += ml;
  if (p + 8 > n) return undefined;
  const commitTimestamp = int64Number(b, p);
  p += 8;
  let expireTimestamp = -1;
  if (version === 1) {
    if (p + 8 > n) return undefined;
    expireTimestamp = int64Number(b, p);
    p += 8;
  }
  return p === n ? { offset, leaderEpoch, metadata, commitTimestamp, expireTimestamp } : undefined;
}

/** OffsetCommitKey v0/v1 straight off the bytes; undefined when malformed (the generic decoder reports it). */
function fastOffsetCommitKey(k: Buffer): { groupId: string; topic: string; partition: number } | undefined {
  const n = k.length;
  if (n < 4) return undefined;
  let p = 2;
  const gl = k.readInt16BE(p);
  p += 2;
  if (gl < 0 || p + gl + 2 > n) return undefined;
  const groupId = k.toString('utf8', p, p + gl);
  p += gl;
  const tl = k.readInt16BE(p);
  p += 2;
  if (tl < 0 || p + tl + 4 !== n) return undefined;
  const topic = k.toString('utf8', p, p + tl);
  return { groupId, topic, partition: k.readInt32BE(p + tl) };
}

/** The typed record, or null for record types this coordinator does not know (share and streams groups, ...). */
export function deserializeGroupRecord(key: Buffer, value: Buffer | null): GroupRecord | null {
  if (key.length < 2) throw new RecordFormatError(`record key of ${key.length} bytes`);
  const type = key.readInt16BE(0);
  if (type === 0 || type === 1) {
    const k = fastOffsetCommitKey(key);
    const v = value === null ? null : fastOffsetCommitValue(value);
    if (k !== undefined && v !== undefined) return { type: 'OffsetCommit', groupId: k.groupId, topic: k.topic, partition: k.partition, value: v };
  }
  if (type <= RecordType.GroupMetadata && type >= 0) {
    const k = decodeKey(key);
    if (k.type === 'offset') return { type: 'OffsetCommit', groupId: k.group, topic: k.topic, partition: k.partition, value: value && decodeOffsetCommitValue(value) };
    if (k.type === 'group') return { type: 'GroupMetadata', groupId: k.group, value: value && decodeGroupMetadataValue(value) };
    return null;
  }
  const kind = BY_TYPE.get(type);
  if (!kind) return null;
  const k = decodeWith(kind.key, key, type, `${kind.name}Key`) as MemberKey;
  let v: unknown = null;
  if (value !== null) {
    if (value.length < 2) throw new RecordFormatError(`${kind.name}Value of ${value.length} bytes`);
    const version = value.readInt16BE(0);
    if (version < kind.value.lowestVersion || version > kind.value.highestVersion) throw new RecordFormatError(`unknown ${kind.name}Value version ${version}`);
    v = decodeWith(kind.value, value, version, `${kind.name}Value`);
  }
  return (kind.member ? { type: kind.name, groupId: k.groupId, memberId: k.memberId, value: v } : { type: kind.name, groupId: k.groupId, value: v }) as GroupRecord;
}

export const groupRecordSerde: RecordSerde<GroupRecord> = {
  serialize: serializeGroupRecord,
  deserialize: deserializeGroupRecord,
};
