/**
 * Replica placement for new topics and partitions: round-robin over the usable brokers (unfenced,
 * not shutting down), rack-aware when brokers have `broker.rack` (Kafka's rack-aware assignment:
 * brokers are ordered alternating by rack so that each partition's replicas land on as many
 * different racks as possible, leaders spread evenly, and the second replica shifts every round so
 * followers spread too). A broker without a rack counts as its own rack "".
 */
import { ControlError } from './control-error';
import { ErrorCode } from '@nagare/protocol';

export interface UsableBroker {
  readonly id: number;
  readonly rack: string | null;
}

export interface PlacementSpec {
  /** Partition index of the first new partition (CreatePartitions starts after the existing ones). */
  readonly startPartition: number;
  readonly numPartitions: number;
  readonly replicationFactor: number;
}

/** Brokers ordered by alternating rack: r1-b1, r2-b1, r3-b1, r1-b2, ... (each rack's brokers by id). */
export function rackAlternatedBrokers(brokers: readonly UsableBroker[]): number[] {
  const byRack = new Map<string, number[]>();
  for (const b of [...brokers].sort((x, y) => x.id - y.id)) {
    const r = b.rack ?? '';
    let l = byRack.get(r);
    if (l === undefined) byRack.set(r, (l = []));
    l.push(b.id);
  }
  const racks = [...byRack.keys()].sort();
  const out: number[] = [];
  for (let i = 0; out.length < brokers.length; i++) for (const r of racks) if (i < byRack.get(r)!.length) out.push(byRack.get(r)![i]);
  return out;
}

function replicaIndex(first: number, secondShift: number, i: number, n: number): number {
  const shift = 1 + ((secondShift + i) % (n - 1));
  return (first + shift) % n;
}

/**
 * Places `numPartitions` partitions of `replicationFactor` replicas. `random` picks where the
 * round-robin starts (so topics do not all lead on the same broker).
 */
export function placeReplicas(brokers: readonly UsableBroker[], spec: PlacementSpec, random: () => number): number[][] {
  const n = brokers.length;
  const rf = spec.replicationFactor;
  if (rf <= 0) throw new ControlError(ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor must be larger than 0, or -1 to use the default value.');
  if (rf > n) {
    throw new ControlError(
      ErrorCode.INVALID_REPLICATION_FACTOR,
      `Unable to replicate the partition ${rf} time(s): The target replication factor of ${rf} cannot be reached because only ${n} broker(s) are registered.`,
    );
  }
  const rackOf = new Map(brokers.map((b) => [b.id, b.rack ?? '']));
  const racks = new Set(rackOf.values());
  const list = racks.size > 1 ? rackAlternatedBrokers(brokers) : [...brokers].map((b) => b.id).sort((a, b) => a - b);
  const start = Math.floor(random() * n);
  let shift = Math.floor(random() * n);
  const out: number[][] = [];
  for (let p = 0; p < spec.numPartitions; p++) {
    const index = spec.startPartition + p;
    if (p > 0 && (index % n) === 0) shift++;
    const first = (index + start) % n;
    const replicas = [list[first]];
    if (racks.size <= 1) {
      for (let j = 0; j < rf - 1; j++) replicas.push(list[replicaIndex(first, shift, j, n)]);
    } else {
      const usedRacks = new Set([rackOf.get(list[first])!]);
      const used = new Set(replicas);
      let k = 0;
      while (replicas.length < rf) {
        const b = list[replicaIndex(first, shift * racks.size, k, n)];
        const r = rackOf.get(b)!;
        if ((!usedRacks.has(r) || usedRacks.size === racks.size) && (!used.has(b) || used.size === n)) {
          replicas.push(b);
          usedRacks.add(r);
          used.add(b);
        }
        k++;
      }
    }
    out.push(replicas);
  }
  return out;
}
