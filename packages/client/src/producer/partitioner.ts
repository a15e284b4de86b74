/**
 * Partitioners.
 *
 * - `default`: the Java client's built-in partitioner (KIP-794): a keyed
 *   record goes to `toPositive(murmur2(keyBytes)) % numPartitions`; a record
 *   without a key goes to the producer's current "sticky" partition, which
 *   changes once a batch's worth of bytes went to it (the producer does that
 *   part, see RecordAccumulator).
 * - `murmur2_random` (librdkafka's default, Java-compatible for keys): murmur2
 *   for keys, a random partition for null keys.
 * - `consistent_random` (librdkafka): CRC-32 of the key modulo the partition
 *   count, random for null keys.
 * - `murmur2`, `consistent`: as above, but null keys hash as empty keys
 *   (librdkafka's behaviour for these names).
 * - `random`: a random partition for every record.
 * - a function: called for every record that has no explicit partition.
 */
import { crc32 } from 'node:zlib';

/**
 * Kafka's murmur2 (`org.apache.kafka.common.utils.Utils.murmur2`), the 32-bit
 * MurmurHash2 with seed 0x9747b28c, returning the signed 32-bit result as the
 * Java client does.
 */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  const m = 0x5bd1e995;
  const r = 24;
  let h = (0x9747b28c ^ length) | 0;
  const length4 = length >> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i << 2;
    let k = (data[i4] & 0xff) | ((data[i4 + 1] & 0xff) << 8) | ((data[i4 + 2] & 0xff) << 16) | ((data[i4 + 3] & 0xff) << 24);
    k = Math.imul(k, m);
    k ^= k >>> r;
    k = Math.imul(k, m);
    h = Math.imul(h, m);
    h ^= k;
  }
  const tail = length & ~3;
  const rest = length & 3;
  if (rest > 0) {
    if (rest === 3) h ^= (data[tail + 2] & 0xff) << 16;
    if (rest >= 2) h ^= (data[tail + 1] & 0xff) << 8;
    h ^= data[tail] & 0xff;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/** `Utils.toPositive`: clears the sign bit (not Math.abs). */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

/** The Java client's partition for a key: `toPositive(murmur2(key)) % numPartitions`. */
export function murmur2Partition(key: Uint8Array, numPartitions: number): number {
  return toPositive(murmur2(key)) % numPartitions;
}

/** librdkafka's `consistent` partition: CRC-32 (IEEE) of the key modulo the partition count. */
export function crc32Partition(key: Uint8Array, numPartitions: number): number {
  return crc32(key) % numPartitions;
}

export type BuiltInPartitionerName = 'default' | 'murmur2_random' | 'consistent_random' | 'murmur2' | 'consistent' | 'random';

export interface PartitionerArgs {
  topic: string;
  /** The serialized key, or null. */
  key: Buffer | null;
  numPartitions: number;
  /** Partitions whose leader is known, ascending. */
  availablePartitions: readonly number[];
}

/** A custom partitioner. Return -1 to let the producer's sticky partitioner choose. */
export type PartitionerFunction = (args: PartitionerArgs) => number;

export type PartitionerOption = BuiltInPartitionerName | PartitionerFunction;

/** The "let the producer choose the sticky partition" answer of a partitioner. */
export const STICKY = -1;

function randomOf(available: readonly number[], numPartitions: number, random: () => number): number {
  if (available.length > 0) return available[Math.floor(random() * available.length)];
  return Math.floor(random() * numPartitions);
}

const EMPTY = Buffer.alloc(0);

/** Resolves a partitioner option to a function (`STICKY` asks for the sticky partition). */
export function resolvePartitioner(option: PartitionerOption, random: () => number = Math.random): PartitionerFunction {
  if (typeof option === 'function') return option;
  switch (option) {
    case 'default':
      return (a) => (a.key === null ? STICKY : murmur2Partition(a.key, a.numPartitions));
    case 'murmur2_random':
      return (a) => (a.key === null ? randomOf(a.availablePartitions, a.numPartitions, random) : murmur2Partition(a.key, a.numPartitions));
    case 'murmur2':
      return (a) => murmur2Partition(a.key ?? EMPTY, a.numPartitions);
    case 'consistent_random':
      return (a) => (a.key === null || a.key.length === 0 ? randomOf(a.availablePartitions, a.numPartitions, random) : crc32Partition(a.key, a.numPartitions));
    case 'consistent':
      return (a) => crc32Partition(a.key ?? EMPTY, a.numPartitions);
    case 'random':
      return (a) => randomOf(a.availablePartitions, a.numPartitions, random);
    default:
      throw new RangeError(`unknown partitioner ${String(option)}`);
  }
}
