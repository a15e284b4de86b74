/**
 * The embedded "consumer" protocol: what consumers put in JoinGroup metadata
 * (a subscription) and what the leader hands out in SyncGroup (an
 * assignment). Each is an int16 version followed by the message at that
 * version (ConsumerProtocolSubscription / ConsumerProtocolAssignment,
 * versions 0-3). A version newer than we know is read as the newest we know,
 * as the Java client does: later versions only append fields.
 */
import {
  ConsumerProtocolAssignment,
  ConsumerProtocolAssignmentCodec,
  ConsumerProtocolSubscription,
  ConsumerProtocolSubscriptionCodec,
  ErrorCode,
  KafkaProtocolError,
  Reader,
  encode,
} from '@nagare/protocol';

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface Subscription {
  topics: string[];
  userData: Buffer | null;
  /** Partitions the member owns now (v1+), for sticky and cooperative assignors. */
  ownedPartitions: TopicPartition[];
  /** The generation of the owned partitions (v2+), -1 if unknown. */
  generationId: number;
  /** `client.rack` (v3+). */
  rackId: string | null;
}

export interface Assignment {
  partitions: TopicPartition[];
  userData: Buffer | null;
}

export const CONSUMER_PROTOCOL_TYPE = 'consumer';
export const CONSUMER_PROTOCOL_HIGHEST_VERSION = 3;

export function tpKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

/** Items grouped by their topic: topics in first-appearance order, items in the given order. */
export function groupItemsByTopic<T extends { topic: string }>(items: readonly T[]): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const item of items) {
    let a = m.get(item.topic);
    if (!a) m.set(item.topic, (a = []));
    a.push(item);
  }
  return m;
}

/** Groups partitions by topic, topics in first-appearance order, partitions in the given order. */
export function groupByTopic(partitions: readonly TopicPartition[]): Array<{ topic: string; partitions: number[] }> {
  return [...groupItemsByTopic(partitions)].map(([topic, tps]) => ({ topic, partitions: tps.map((tp) => tp.partition) }));
}

function withVersion(version: number, body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(2 + body.length);
  out.writeInt16BE(version, 0);
  body.copy(out, 2);
  return out;
}

function readVersion(buf: Buffer, what: string): number {
  if (buf.length < 2) throw new KafkaProtocolError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, `${what} of ${buf.length} bytes has no version`);
  const version = buf.readInt16BE(0);
  if (version < 0) throw new KafkaProtocolError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, `${what} has negative version ${version}`);
  return Math.min(version, CONSUMER_PROTOCOL_HIGHEST_VERSION);
}

export function encodeSubscription(s: Subscription, version = CONSUMER_PROTOCOL_HIGHEST_VERSION): Buffer {
  const msg: ConsumerProtocolSubscription = {
    topics: s.topics,
    userData: s.userData,
    ownedPartitions: version >= 1 ? groupByTopic(s.ownedPartitions) : [],
    generationId: version >= 2 ? s.generationId : -1,
    rackId: version >= 3 ? s.rackId : null,
  };
  return withVersion(version, encode(ConsumerProtocolSubscriptionCodec, msg, version));
}

export function decodeSubscription(buf: Buffer): Subscription & { version: number } {
  const version = readVersion(buf, 'subscription');
  const r = new Reader(buf, 2);
  const m = ConsumerProtocolSubscriptionCodec.read(r, version);
  if (r.failed) throw new KafkaProtocolError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, `malformed subscription: ${r.errField} ${r.errReason}`);
  return {
    version,
    topics: m.topics,
    userData: m.userData,
    ownedPartitions: m.ownedPartitions.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition }))),
    generationId: m.generationId,
    rackId: m.rackId,
  };
}

export function encodeAssignment(a: Assignment, version = CONSUMER_PROTOCOL_HIGHEST_VERSION): Buffer {
  const msg: ConsumerProtocolAssignment = { assignedPartitions: groupByTopic(a.partitions), userData: a.userData };
  return withVersion(version, encode(ConsumerProtocolAssignmentCodec, msg, version));
}

/** Decodes an assignment; an empty buffer is an empty assignment. */
export function decodeAssignment(buf: Buffer): Assignment & { version: number } {
  if (buf.length === 0) return { version: 0, partitions: [], userData: null };
  const version = readVersion(buf, 'assignment');
  const r = new Reader(buf, 2);
  const m = ConsumerProtocolAssignmentCodec.read(r, version);
  if (r.failed) throw new KafkaProtocolError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, `malformed assignment: ${r.errField} ${r.errReason}`);
  return {
    version,
    partitions: m.assignedPartitions.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition }))),
    userData: m.userData,
  };
}
