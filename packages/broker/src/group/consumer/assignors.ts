/**
 * The server-side assignors of KIP-848 (group.consumer.assignors):
 *
 * - `uniform` (the default): every member gets as close to the same number
 *   of partitions as its subscriptions allow, and keeps what it had where
 *   that does not break the balance (sticky). Homogeneous groups (every
 *   member subscribes to every topic) follow Kafka's
 *   UniformHomogeneousAssignmentBuilder: quotas of total/members, the first
 *   total%members members (in member order) get one more, a member keeps its
 *   partitions up to its quota, the freed and unassigned partitions fill the
 *   members below quota. Heterogeneous groups: members keep their partitions
 *   of topics they still subscribe to, unassigned partitions go to the
 *   subscriber holding the fewest partitions (topics with fewer subscribers
 *   first), then partitions move from the most to the least loaded eligible
 *   member while that narrows the gap by more than one.
 * - `range`: per topic, the subscribers sorted (static members by instance
 *   id first, then member ids) get consecutive ranges, the first
 *   partitions%subscribers one partition more (Kafka's RangeAssignor; not
 *   sticky, co-partitions topics of the same size).
 *
 * Assignors see topic ids; an assignment is Map<topicId, Set<partition>>.
 */
import { CoordinatorError } from '../../coordinator';
import { ErrorCode } from '@nagare/protocol';
import type { Assignment } from './assignment';
import type { SubscriptionType } from './consumer-group';

export interface MemberSpec {
  instanceId: string | null;
  rackId: string | null;
  /** The topic ids the member subscribes to (existing topics only). */
  subscribedTopicIds: ReadonlySet<string>;
  /** Its current target assignment. */
  assignment: Assignment;
}

export interface GroupSpec {
  /** Members in a stable order (the group's member order). */
  members: ReadonlyMap<string, MemberSpec>;
  subscriptionType: SubscriptionType;
  /** Partition count by topic id; a subscribed topic missing here does not exist. */
  numPartitions(topicId: string): number;
}

export interface ConsumerGroupPartitionAssignor {
  readonly name: string;
  assign(spec: GroupSpec): Map<string, Assignment>;
}

function partitionAssignorError(message: string): CoordinatorError {
  return new CoordinatorError(ErrorCode.UNKNOWN_SERVER_ERROR, message);
}

function count(a: ReadonlyMap<string, ReadonlySet<number>>): number {
  let n = 0;
  for (const ps of a.values()) n += ps.size;
  return n;
}

// ================================================================ uniform

export class UniformAssignor implements ConsumerGroupPartitionAssignor {
  readonly name = 'uniform';

  assign(spec: GroupSpec): Map<string, Assignment> {
    if (spec.members.size === 0) return new Map();
    return spec.subscriptionType === 'homogeneous' ? this.homogeneous(spec) : this.heterogeneous(spec);
  }

  private homogeneous(spec: GroupSpec): Map<string, Assignment> {
    const first = spec.members.values().next().value!;
    const topics = [...first.subscribedTopicIds].sort();
    const out = new Map<string, Assignment>();
    if (topics.length === 0) {
      for (const id of spec.members.keys()) out.set(id, new Map());
      return out;
    }
    let total = 0;
    const taken = new Map<string, Set<number>>();
    for (const t of topics) {
      const n = spec.numPartitions(t);
      if (n < 0) throw partitionAssignorError(`Members are subscribed to topic ${t} which doesn't exist in the topic metadata.`);
      total += n;
      taken.set(t, new Set());
    }
    const members = [...spec.members.keys()];
    const minQuota = Math.floor(total / members.length);
    let extra = total % members.length;
    const unfilled: Array<{ memberId: string; remaining: number }> = [];
    const unassigned: Array<[string, number]> = [];
    const subscribed = new Set(topics);
    // Members keep what they have up to their quota; the rest is freed.
    for (const memberId of members) {
      let quota = minQuota;
      if (extra > 0) {
        quota++;
        extra--;
      }
      const kept = new Map<string, Set<number>>();
      const old = spec.members.get(memberId)!.assignment;
      for (const t of [...old.keys()].sort()) {
        if (!subscribed.has(t)) continue;
        const n = spec.numPartitions(t);
        for (const p of [...old.get(t)!].sort((a, b) => a - b)) {
          if (p >= n || taken.get(t)!.has(p)) continue;
          if (quota > 0) {
            quota--;
            taken.get(t)!.add(p);
            let s = kept.get(t);
            if (!s) kept.set(t, (s = new Set()));
            s.add(p);
          } else {
            unassigned.push([t, p]);
          }
        }
      }
      out.set(memberId, kept);
      if (quota > 0) unfilled.push({ memberId, remaining: quota });
    }
    const freed = new Set(unassigned.map(([t, p]) => `${t}:${p}`));
    for (const t of topics) {
      const n = spec.numPartitions(t);
      for (let p = 0; p < n; p++) if (!taken.get(t)!.has(p) && !freed.has(`${t}:${p}`)) unassigned.push([t, p]);
    }
    let i = 0;
    for (const u of unfilled) {
      const a = out.get(u.memberId) as Map<string, Set<number>>;
      for (let k = 0; k < u.remaining && i < unassigned.length; k++, i++) {
        const [t, p] = unassigned[i];
        let s = a.get(t);
        if (!s) a.set(t, (s = new Set()));
        s.add(p);
      }
    }
    if (i < unassigned.length) throw partitionAssignorError('Partitions were left unassigned');
    return out;
  }

  private heterogeneous(spec: GroupSpec): Map<string, Assignment> {
    const members = [...spec.members.keys()];
    const current = new Map<string, Map<string, Set<number>>>();
    const owner = new Map<string, Map<number, string>>();
    const subscribers = new Map<string, string[]>();
    for (const memberId of members) {
      for (const t of spec.members.get(memberId)!.subscribedTopicIds) {
        if (spec.numPartitions(t) < 0) throw partitionAssignorError(`Member ${memberId} is subscribed to topic ${t} which doesn't exist in the topic metadata.`);
        let s = subscribers.get(t);
        if (!s) subscribers.set(t, (s = []));
        s.push(memberId);
      }
    }
    // Keep valid previous assignments (still subscribed, partition exists, not already taken).
    for (const memberId of members) {
      const m = spec.members.get(memberId)!;
      const kept = new Map<string, Set<number>>();
      for (const [t, parts] of m.assignment) {
        if (!m.subscribedTopicIds.has(t)) continue;
        const n = spec.numPartitions(t);
        let o = owner.get(t);
        if (!o) owner.set(t, (o = new Map()));
        for (const p of parts) {
          if (p >= n || o.has(p)) continue;
          o.set(p, memberId);
          let s = kept.get(t);
          if (!s) kept.set(t, (s = new Set()));
          s.add(p);
        }
      }
      current.set(memberId, kept);
    }
    const load = new Map(members.map((id) => [id, count(current.get(id)!)]));
    const order = new Map(members.map((id, i) => [id, i]));
    const least = (candidates: string[]) => candidates.reduce((best, id) => (load.get(id)! < load.get(best)! || (load.get(id) === load.get(best) && order.get(id)! < order.get(best)!) ? id : best));
    // Unassigned partitions: topics with the fewest subscribers first.
    const topics = [...subscribers.keys()].sort((a, b) => subscribers.get(a)!.length - subscribers.get(b)!.length || (a < b ? -1 : 1));
    for (const t of topics) {
      const n = spec.numPartitions(t);
      let o = owner.get(t);
      if (!o) owner.set(t, (o = new Map()));
      for (let p = 0; p < n; p++) {
        if (o.has(p)) continue;
        const to = least(subscribers.get(t)!);
        o.set(p, to);
        const a = current.get(to)!;
        let s = a.get(t);
        if (!s) a.set(t, (s = new Set()));
        s.add(p);
        load.set(to, load.get(to)! + 1);
      }
    }
    // Balance: move partitions from the most loaded to the least loaded eligible member.
    for (let moved = true, rounds = 0; moved && rounds < 100_000; rounds++) {
      moved = false;
      const byLoad = [...members].sort((a, b) => load.get(b)! - load.get(a)! || order.get(a)! - order.get(b)!);
      for (const from of byLoad) {
        const a = current.get(from)!;
        for (const t of [...a.keys()].sort()) {
          const eligible = subscribers.get(t)!;
          const to = least(eligible);
          if (load.get(from)! - load.get(to)! <= 1) continue;
          const p = Math.max(...a.get(t)!);
          a.get(t)!.delete(p);
          if (a.get(t)!.size === 0) a.delete(t);
          const b = current.get(to)!;
          let s = b.get(t);
          if (!s) b.set(t, (s = new Set()));
          s.add(p);
          load.set(from, load.get(from)! - 1);
          load.set(to, load.get(to)! + 1);
          moved = true;
          break;
        }
        if (moved) break;
      }
    }
    return current;
  }
}

// ================================================================ range

export class RangeAssignor implements ConsumerGroupPartitionAssignor {
  readonly name = 'range';

  assign(spec: GroupSpec): Map<string, Assignment> {
    const out = new Map<string, Map<string, Set<number>>>();
    if (spec.members.size === 0) return out;
    const sorted = [...spec.members.keys()].sort((a, b) => {
      const ia = spec.members.get(a)!.instanceId;
      const ib = spec.members.get(b)!.instanceId;
      if (ia !== null && ib !== null) return ia < ib ? -1 : ia > ib ? 1 : 0;
      if (ia !== null) return -1;
      if (ib !== null) return 1;
      return a < b ? -1 : a > b ? 1 : 0;
    });
    for (const id of sorted) out.set(id, new Map());
    const topics = new Map<string, string[]>();
    for (const id of sorted) {
      for (const t of spec.members.get(id)!.subscribedTopicIds) {
        let s = topics.get(t);
        if (!s) topics.set(t, (s = []));
        s.push(id);
      }
    }
    for (const [t, subs] of topics) {
      const n = spec.numPartitions(t);
      if (n < 0) throw partitionAssignorError('Member is subscribed to a non-existent topic');
      const minQuota = Math.floor(n / subs.length);
      let extra = n % subs.length;
      let next = 0;
      for (const id of subs) {
        let quota = minQuota;
        if (extra > 0) {
          quota++;
          extra--;
        }
        const end = Math.min(next + quota, n);
        if (next < end) {
          const s = new Set<number>();
          for (let p = next; p < end; p++) s.add(p);
          out.get(id)!.set(t, s);
        }
        next = end;
      }
    }
    return out;
  }
}

export function assignorsByName(names: readonly string[]): Map<string, ConsumerGroupPartitionAssignor> {
  const all: Record<string, () => ConsumerGroupPartitionAssignor> = { uniform: () => new UniformAssignor(), range: () => new RangeAssignor() };
  return new Map(names.map((n) => [n, all[n]()]));
}

