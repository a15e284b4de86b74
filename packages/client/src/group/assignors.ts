/**
 * Consumer partition assignors, reimplemented from their specification in
 * the Java client:
 *
 * - `range`: per topic, members sorted (static members by instance id
 *   first, then by member id) get consecutive ranges; the first
 *   `partitions % members` get one extra.
 * - `roundrobin`: all partitions of all subscribed topics, sorted by topic
 *   and partition, dealt to members in sorted order, skipping members not
 *   subscribed to the partition's topic.
 * - `cooperative-sticky` (KIP-429): a balanced assignment that keeps as many
 *   owned partitions in place as possible, minus the partitions that move
 *   between members: those are revoked by their owner first and handed out
 *   in the follow-up rebalance.
 */
import { Subscription, TopicPartition, tpKey } from './consumer-protocol';

export type RebalanceProtocol = 'eager' | 'cooperative';

export interface MemberSubscription extends Subscription {
  memberId: string;
  groupInstanceId: string | null;
}

export interface AssignmentContext {
  /** Partition count per topic (topics any member subscribes to that exist). */
  partitionsPerTopic: ReadonlyMap<string, number>;
  members: readonly MemberSubscription[];
  generationId: number;
}

export interface ConsumerAssignor {
  readonly name: string;
  /** Protocols the assignor supports, preferred first. */
  readonly supportedProtocols: readonly RebalanceProtocol[];
  /** User data to put in this member's subscription (e.g. the generation). */
  subscriptionUserData?(topics: readonly string[], generationId: number): Buffer | null;
  /** Member id -> assigned partitions. */
  assign(ctx: AssignmentContext): Map<string, TopicPartition[]>;
}

/** Java's MemberInfo order: members with a group.instance.id first, by it; then by member id. */
export function compareMembers(a: { memberId: string; groupInstanceId: string | null }, b: { memberId: string; groupInstanceId: string | null }): number {
  if (a.groupInstanceId !== null && b.groupInstanceId !== null) return a.groupInstanceId < b.groupInstanceId ? -1 : a.groupInstanceId > b.groupInstanceId ? 1 : 0;
  if (a.groupInstanceId !== null) return -1;
  if (b.groupInstanceId !== null) return 1;
  return a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0;
}

function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function emptyAssignment(members: readonly MemberSubscription[]): Map<string, TopicPartition[]> {
  const m = new Map<string, TopicPartition[]>();
  for (const s of members) m.set(s.memberId, []);
  return m;
}

export class RangeAssignor implements ConsumerAssignor {
  readonly name = 'range';
  readonly supportedProtocols: readonly RebalanceProtocol[] = ['eager'];

  assign(ctx: AssignmentContext): Map<string, TopicPartition[]> {
    const out = emptyAssignment(ctx.members);
    const topics = new Map<string, MemberSubscription[]>();
    for (const m of ctx.members) {
      for (const t of new Set(m.topics)) {
        if (!ctx.partitionsPerTopic.has(t)) continue;
        let a = topics.get(t);
        if (!a) topics.set(t, (a = []));
        a.push(m);
      }
    }
    for (const [topic, consumers] of topics) {
      consumers.sort(compareMembers);
      const n = ctx.partitionsPerTopic.get(topic)!;
      const per = Math.floor(n / consumers.length);
      const extra = n % consumers.length;
      for (let i = 0; i < consumers.length; i++) {
        const start = per * i + Math.min(i, extra);
        const len = per + (i + 1 > extra ? 0 : 1);
        const list = out.get(consumers[i].memberId)!;
        for (let p = start; p < start + len; p++) list.push({ topic, partition: p });
      }
    }
    return out;
  }
}

export class RoundRobinAssignor implements ConsumerAssignor {
  readonly name = 'roundrobin';
  readonly supportedProtocols: readonly RebalanceProtocol[] = ['eager'];

  assign(ctx: AssignmentContext): Map<string, TopicPartition[]> {
    const out = emptyAssignment(ctx.members);
    const members = [...ctx.members].sort(compareMembers);
    if (members.length === 0) return out;
    const subscribed = members.map((m) => new Set(m.topics));
    const allTopics = [...new Set(members.flatMap((m) => m.topics))].filter((t) => ctx.partitionsPerTopic.has(t)).sort(cmpStr);
    let next = 0;
    for (const topic of allTopics) {
      const n = ctx.partitionsPerTopic.get(topic)!;
      for (let p = 0; p < n; p++) {
        while (!subscribed[next % members.length].has(topic)) next++;
        out.get(members[next % members.length].memberId)!.push({ topic, partition: p });
        next++;
      }
    }
    return out;
  }
}

/**
 * The owned partitions that still count: partitions of existing, subscribed
 * topics; a partition claimed by two members goes to the one with the
 * higher generation, and to neither when both claim it in the same one.
 */
export function validOwnedPartitions(ctx: AssignmentContext): Map<string, TopicPartition[]> {
  const owner = new Map<string, string>();
  const owned = new Map<string, Map<string, TopicPartition>>();
  const generation = new Map<string, number>();
  const conflicted = new Set<string>();
  for (const m of ctx.members) {
    generation.set(m.memberId, m.generationId);
    const mine = new Map<string, TopicPartition>();
    owned.set(m.memberId, mine);
    const topics = new Set(m.topics);
    for (const tp of m.ownedPartitions) {
      const n = ctx.partitionsPerTopic.get(tp.topic);
      if (n === undefined || tp.partition >= n || !topics.has(tp.topic)) continue;
      const key = tpKey(tp.topic, tp.partition);
      if (conflicted.has(key)) continue;
      const other = owner.get(key);
      if (other === undefined) {
        mine.set(key, tp);
        owner.set(key, m.memberId);
        continue;
      }
      const og = generation.get(other)!;
      if (m.generationId === og) {
        conflicted.add(key);
        owned.get(other)!.delete(key);
        owner.delete(key);
      } else if (m.generationId > og) {
        owned.get(other)!.delete(key);
        mine.set(key, tp);
        owner.set(key, m.memberId);
      }
    }
  }
  const out = new Map<string, TopicPartition[]>();
  for (const [id, m] of owned) out.set(id, [...m.values()]);
  return out;
}

function allPartitions(partitionsPerTopic: ReadonlyMap<string, number>, topics: Iterable<string>): TopicPartition[] {
  const out: TopicPartition[] = [];
  for (const t of [...new Set(topics)].sort(cmpStr)) {
    const n = partitionsPerTopic.get(t);
    if (n === undefined) continue;
    for (let p = 0; p < n; p++) out.push({ topic: t, partition: p });
  }
  return out;
}

function sameTopics(members: readonly MemberSubscription[]): boolean {
  if (members.length === 0) return true;
  const first = new Set(members[0].topics);
  return members.every((m) => {
    const s = new Set(m.topics);
    return s.size === first.size && [...s].every((t) => first.has(t));
  });
}

/**
 * A balanced, sticky assignment (the core of the sticky assignors).
 * Balanced: with identical subscriptions, counts differ by at most one;
 * otherwise no partition can move from a member to an eligible member with
 * two or more fewer partitions. Sticky: valid owned partitions stay put
 * unless balance requires moving them.
 */
export function stickyAssign(ctx: AssignmentContext): Map<string, TopicPartition[]> {
  const members = [...ctx.members].sort((a, b) => cmpStr(a.memberId, b.memberId));
  const out = emptyAssignment(members);
  if (members.length === 0) return out;
  const owned = validOwnedPartitions(ctx);
  if (sameTopics(members)) return constrainedAssign(ctx, members, owned, out);
  return generalAssign(ctx, members, owned, out);
}

function constrainedAssign(
  ctx: AssignmentContext,
  members: MemberSubscription[],
  owned: Map<string, TopicPartition[]>,
  out: Map<string, TopicPartition[]>,
): Map<string, TopicPartition[]> {
  const partitions = allPartitions(ctx.partitionsPerTopic, members[0].topics);
  const total = partitions.length;
  const c = members.length;
  const minQuota = Math.floor(total / c);
  const maxQuota = Math.ceil(total / c);
  const expectedOver = total % c;
  let over = 0;
  const taken = new Set<string>();
  const underMin: string[] = [];
  const atMin: string[] = [];
  // Keep owned partitions up to the quota (sorted so the choice is deterministic).
  for (const m of members) {
    const mine = [...(owned.get(m.memberId) ?? [])].sort((a, b) => cmpStr(a.topic, b.topic) || a.partition - b.partition);
    let keep: number;
    if (mine.length <= minQuota) keep = mine.length;
    else if (maxQuota > minQuota && over < expectedOver) {
      keep = maxQuota;
      over++;
    } else keep = minQuota;
    keep = Math.min(keep, mine.length);
    const list = out.get(m.memberId)!;
    for (let i = 0; i < keep; i++) {
      list.push(mine[i]);
      taken.add(tpKey(mine[i].topic, mine[i].partition));
    }
    if (list.length < minQuota) underMin.push(m.memberId);
    else if (list.length === minQuota && maxQuota > minQuota) atMin.push(m.memberId);
  }
  const unassigned = partitions.filter((tp) => !taken.has(tpKey(tp.topic, tp.partition)));
  let i = 0;
  for (const tp of unassigned) {
    if (underMin.length > 0) {
      const idx = i % underMin.length;
      const id = underMin[idx];
      const list = out.get(id)!;
      list.push(tp);
      if (list.length >= minQuota) {
        underMin.splice(idx, 1);
        if (maxQuota > minQuota) atMin.push(id);
      } else i++;
      continue;
    }
    if (atMin.length > 0 && over < expectedOver) {
      const id = atMin.shift()!;
      out.get(id)!.push(tp);
      over++;
      continue;
    }
    // Cannot happen with consistent quotas; give it to the least loaded member.
    const least = members.reduce((a, b) => (out.get(b.memberId)!.length < out.get(a.memberId)!.length ? b : a));
    out.get(least.memberId)!.push(tp);
  }
  return out;
}

function generalAssign(
  ctx: AssignmentContext,
  members: MemberSubscription[],
  owned: Map<string, TopicPartition[]>,
  out: Map<string, TopicPartition[]>,
): Map<string, TopicPartition[]> {
  const subscribers = new Map<string, string[]>();
  for (const m of members) {
    for (const t of new Set(m.topics)) {
      if (!ctx.partitionsPerTopic.has(t)) continue;
      let a = subscribers.get(t);
      if (!a) subscribers.set(t, (a = []));
      a.push(m.memberId);
    }
  }
  const ownerOf = new Map<string, string>();
  const prevOwner = new Map<string, string>();
  for (const m of members) {
    for (const tp of owned.get(m.memberId) ?? []) {
      out.get(m.memberId)!.push(tp);
      ownerOf.set(tpKey(tp.topic, tp.partition), m.memberId);
      prevOwner.set(tpKey(tp.topic, tp.partition), m.memberId);
    }
  }
  const count = (id: string) => out.get(id)!.length;
  const partitions = allPartitions(ctx.partitionsPerTopic, subscribers.keys());
  const unassigned = partitions
    .filter((tp) => !ownerOf.has(tpKey(tp.topic, tp.partition)))
    .sort((a, b) => subscribers.get(a.topic)!.length - subscribers.get(b.topic)!.length || cmpStr(a.topic, b.topic) || a.partition - b.partition);
  for (const tp of unassigned) {
    const eligible = subscribers.get(tp.topic)!;
    let best = eligible[0];
    for (const id of eligible) if (count(id) < count(best) || (count(id) === count(best) && id < best)) best = id;
    out.get(best)!.push(tp);
    ownerOf.set(tpKey(tp.topic, tp.partition), best);
  }
  // Balance: move a partition to an eligible member with at least two fewer;
  // each move lowers the sum of squared counts, so this ends. Partitions
  // that were not owned before move first.
  for (let changed = true, rounds = 0; changed && rounds < 10000; rounds++) {
    changed = false;
    const order = [...members].sort((a, b) => count(b.memberId) - count(a.memberId) || cmpStr(a.memberId, b.memberId));
    outer: for (const heavy of order) {
      const list = out.get(heavy.memberId)!;
      const candidates = [...list].sort((a, b) => {
        const ao = prevOwner.get(tpKey(a.topic, a.partition)) === heavy.memberId ? 1 : 0;
        const bo = prevOwner.get(tpKey(b.topic, b.partition)) === heavy.memberId ? 1 : 0;
        return ao - bo || cmpStr(b.topic, a.topic) || b.partition - a.partition;
      });
      for (const tp of candidates) {
        let target: string | null = null;
        for (const id of subscribers.get(tp.topic)!) {
          if (count(id) <= count(heavy.memberId) - 2 && (target === null || count(id) < count(target) || (count(id) === count(target) && id < target))) target = id;
        }
        if (target !== null) {
          list.splice(list.indexOf(tp), 1);
          out.get(target)!.push(tp);
          changed = true;
          break outer;
        }
      }
    }
  }
  return out;
}

/** The partitions that move from one member to another (KIP-429): assigned to a member but still owned by another. */
export function partitionsTransferringOwnership(members: readonly MemberSubscription[], assignment: Map<string, TopicPartition[]>): Map<string, string> {
  const added = new Map<string, string>();
  const revoked = new Set<string>();
  for (const m of members) {
    const ownedSet = new Set(m.ownedPartitions.map((tp) => tpKey(tp.topic, tp.partition)));
    const assigned = assignment.get(m.memberId) ?? [];
    const assignedSet = new Set(assigned.map((tp) => tpKey(tp.topic, tp.partition)));
    for (const tp of assigned) {
      const k = tpKey(tp.topic, tp.partition);
      if (!ownedSet.has(k)) added.set(k, m.memberId);
    }
    for (const k of ownedSet) if (!assignedSet.has(k)) revoked.add(k);
  }
  for (const k of [...added.keys()]) if (!revoked.has(k)) added.delete(k);
  return added;
}

export class CooperativeStickyAssignor implements ConsumerAssignor {
  readonly name = 'cooperative-sticky';
  readonly supportedProtocols: readonly RebalanceProtocol[] = ['cooperative', 'eager'];

  /** The generation as an int32, for members that read it from user data (pre-v2 subscriptions). */
  subscriptionUserData(_topics: readonly string[], generationId: number): Buffer {
    const b = Buffer.alloc(4);
    b.writeInt32BE(generationId, 0);
    return b;
  }

  assign(ctx: AssignmentContext): Map<string, TopicPartition[]> {
    const members = ctx.members.map((m) => {
      if (m.generationId >= 0 || m.userData === null || m.userData.length < 4) return m;
      return { ...m, generationId: m.userData.readInt32BE(0) };
    });
    const c2 = { ...ctx, members };
    const out = stickyAssign(c2);
    for (const [key, member] of partitionsTransferringOwnership(members, out)) {
      const list = out.get(member)!;
      const i = list.findIndex((tp) => tpKey(tp.topic, tp.partition) === key);
      if (i >= 0) list.splice(i, 1);
    }
    return out;
  }
}

export type AssignorName = 'range' | 'roundrobin' | 'cooperative-sticky';

export function builtInAssignor(name: AssignorName): ConsumerAssignor {
  switch (name) {
    case 'range':
      return new RangeAssignor();
    case 'roundrobin':
      return new RoundRobinAssignor();
    case 'cooperative-sticky':
      return new CooperativeStickyAssignor();
    default:
      throw new RangeError(`unknown assignor ${String(name)}`);
  }
}

/**
 * The rebalance protocol a list of assignors allows: cooperative only if all
 * of them support it (Java: the highest protocol common to all assignors).
 */
export function rebalanceProtocolOf(assignors: readonly ConsumerAssignor[]): RebalanceProtocol {
  return assignors.length > 0 && assignors.every((a) => a.supportedProtocols.includes('cooperative')) ? 'cooperative' : 'eager';
}
