import fc from 'fast-check';
import {
  AssignmentContext,
  CooperativeStickyAssignor,
  MemberSubscription,
  RangeAssignor,
  RoundRobinAssignor,
  rebalanceProtocolOf,
  stickyAssign,
  validOwnedPartitions,
} from './assignors';
import { TopicPartition, tpKey } from './consumer-protocol';

function member(memberId: string, topics: string[], owned: TopicPartition[] = [], generationId = -1, groupInstanceId: string | null = null): MemberSubscription {
  return { memberId, groupInstanceId, topics, userData: null, ownedPartitions: owned, generationId, rackId: null };
}

function ctx(partitions: Record<string, number>, members: MemberSubscription[], generationId = 1): AssignmentContext {
  return { partitionsPerTopic: new Map(Object.entries(partitions)), members, generationId };
}

const s = (tps: TopicPartition[] | undefined) => (tps ?? []).map((tp) => `${tp.topic}-${tp.partition}`).sort();

describe('range', () => {
  const range = new RangeAssignor();

  test('two consumers, two topics of three partitions (Java RangeAssignorTest)', () => {
    const a = range.assign(ctx({ t1: 3, t2: 3 }, [member('c0', ['t1', 't2']), member('c1', ['t1', 't2'])]));
    expect(s(a.get('c0'))).toEqual(['t1-0', 't1-1', 't2-0', 't2-1']);
    expect(s(a.get('c1'))).toEqual(['t1-2', 't2-2']);
  });

  test('members per topic; extra partitions to the first members; unknown topics ignored', () => {
    const a = range.assign(ctx({ t1: 5, t2: 1 }, [member('b', ['t1']), member('a', ['t1', 't2', 'nope']), member('c', ['t1'])]));
    expect(s(a.get('a'))).toEqual(['t1-0', 't1-1', 't2-0']);
    expect(s(a.get('b'))).toEqual(['t1-2', 't1-3']);
    expect(s(a.get('c'))).toEqual(['t1-4']);
  });

  test('static members sort by group.instance.id, before dynamic ones', () => {
    const a = range.assign(ctx({ t: 3 }, [member('m-a', ['t'], [], -1, 'zz'), member('m-b', ['t'], [], -1, 'aa'), member('m-0', ['t'])]));
    expect(s(a.get('m-b'))).toEqual(['t-0']);
    expect(s(a.get('m-a'))).toEqual(['t-1']);
    expect(s(a.get('m-0'))).toEqual(['t-2']);
  });
});

describe('roundrobin', () => {
  const rr = new RoundRobinAssignor();
  test('two consumers, two topics of three partitions (Java RoundRobinAssignorTest)', () => {
    const a = rr.assign(ctx({ t1: 3, t2: 3 }, [member('c0', ['t1', 't2']), member('c1', ['t1', 't2'])]));
    expect(s(a.get('c0'))).toEqual(['t1-0', 't1-2', 't2-1']);
    expect(s(a.get('c1'))).toEqual(['t1-1', 't2-0', 't2-2']);
  });
  test('skips members not subscribed to the topic', () => {
    const a = rr.assign(ctx({ t1: 1, t2: 2, t3: 3 }, [member('c0', ['t1']), member('c1', ['t1', 't2']), member('c2', ['t1', 't2', 't3'])]));
    expect(s(a.get('c0'))).toEqual(['t1-0']);
    expect(s(a.get('c1'))).toEqual(['t2-0']);
    expect(s(a.get('c2'))).toEqual(['t2-1', 't3-0', 't3-1', 't3-2']);
  });
});

describe('sticky core', () => {
  test('claims of the same partition: the higher generation wins, the same generation voids both', () => {
    const owned = validOwnedPartitions(
      ctx({ t: 3 }, [
        member('a', ['t'], [{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }], 5),
        member('b', ['t'], [{ topic: 't', partition: 0 }, { topic: 't', partition: 2 }], 4),
        member('c', ['t'], [{ topic: 't', partition: 1 }, { topic: 't', partition: 9 }], 5),
      ]),
    );
    expect(s(owned.get('a'))).toEqual(['t-0']);
    expect(s(owned.get('b'))).toEqual(['t-2']);
    expect(s(owned.get('c'))).toEqual([]);
  });

  test('a new member takes only what balance needs', () => {
    const prev = { a: ['t-0', 't-1', 't-2'], b: ['t-3', 't-4', 't-5'] };
    const tps = (l: string[]) => l.map((x) => ({ topic: 't', partition: Number(x.split('-')[1]) }));
    const a = stickyAssign(ctx({ t: 6 }, [member('a', ['t'], tps(prev.a), 3), member('b', ['t'], tps(prev.b), 3), member('c', ['t'])]));
    expect(a.get('a')!.length).toBe(2);
    expect(a.get('b')!.length).toBe(2);
    expect(a.get('c')!.length).toBe(2);
    for (const tp of a.get('a')!) expect(prev.a).toContain(`t-${tp.partition}`);
    for (const tp of a.get('b')!) expect(prev.b).toContain(`t-${tp.partition}`);
  });

  // Random groups: topics with random partition counts, members with random
  // subscriptions and random (possibly conflicting) previous ownership.
  const scenario = fc
    .record({
      topics: fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 4 }),
      members: fc.integer({ min: 1, max: 6 }),
      same: fc.boolean(),
      seed: fc.integer(),
    })
    .map(({ topics, members, same, seed }) => {
      let x = seed | 0 || 1;
      const rnd = () => ((x = (Math.imul(x, 1103515245) + 12345) | 0) >>> 0) / 2 ** 32;
      const partitions: Record<string, number> = {};
      topics.forEach((n, i) => (partitions[`t${i}`] = n));
      const names = Object.keys(partitions);
      const ms: MemberSubscription[] = [];
      for (let i = 0; i < members; i++) {
        const subs = same ? names : names.filter(() => rnd() < 0.6);
        const topicsOf = subs.length > 0 ? subs : [names[0]];
        const owned = names.flatMap((t) => Array.from({ length: partitions[t] }, (_, p) => ({ topic: t, partition: p }))).filter(() => rnd() < 0.3);
        ms.push(member(`m${i}`, topicsOf, owned, Math.floor(rnd() * 3)));
      }
      return ctx(partitions, ms);
    });

  test('complete, subscribed-only, balanced (property)', () => {
    fc.assert(
      fc.property(scenario, (c) => {
        const a = stickyAssign(c);
        const owner = new Map<string, string>();
        for (const [m, tps] of a) {
          const sub = new Set(c.members.find((x) => x.memberId === m)!.topics);
          for (const tp of tps) {
            if (!sub.has(tp.topic)) return false;
            const k = tpKey(tp.topic, tp.partition);
            if (owner.has(k)) return false;
            owner.set(k, m);
          }
        }
        const wanted = new Set(c.members.flatMap((m) => m.topics));
        for (const [t, n] of c.partitionsPerTopic) if (wanted.has(t)) for (let p = 0; p < n; p++) if (!owner.has(tpKey(t, p))) return false;
        const count = (m: string) => a.get(m)!.length;
        // No partition could move to an eligible member with two or more fewer.
        for (const [m, tps] of a) {
          for (const tp of tps) {
            for (const other of c.members) {
              if (other.topics.includes(tp.topic) && count(other.memberId) <= count(m) - 2) return false;
            }
          }
        }
        return true;
      }),
      { numRuns: 300 },
    );
  });

  test('sticky: an already balanced, valid assignment does not move; members keep at least their quota (property)', () => {
    fc.assert(
      fc.property(scenario, (c) => {
        const first = stickyAssign(c);
        const again = stickyAssign({ ...c, members: c.members.map((m) => ({ ...m, ownedPartitions: first.get(m.memberId)!, generationId: 9 })) });
        for (const m of c.members) if (s(first.get(m.memberId)).join() !== s(again.get(m.memberId)).join()) return false;
        if (!c.members.every((m) => m.topics.join() === c.members[0].topics.join())) return true;
        // Identical subscriptions: each member keeps min(valid owned, floor(P / members)).
        const valid = validOwnedPartitions(c);
        const total = c.members[0].topics.reduce((n, t) => n + (c.partitionsPerTopic.get(t) ?? 0), 0);
        const minQuota = Math.floor(total / c.members.length);
        for (const m of c.members) {
          const kept = first.get(m.memberId)!.filter((tp) => valid.get(m.memberId)!.some((o) => o.topic === tp.topic && o.partition === tp.partition));
          if (kept.length < Math.min(valid.get(m.memberId)!.length, minQuota)) return false;
        }
        return true;
      }),
      { numRuns: 300 },
    );
  });
});

describe('cooperative-sticky', () => {
  const coop = new CooperativeStickyAssignor();

  test('supports cooperative first; the protocol is cooperative only if every assignor supports it', () => {
    expect(coop.supportedProtocols).toEqual(['cooperative', 'eager']);
    expect(rebalanceProtocolOf([coop])).toBe('cooperative');
    expect(rebalanceProtocolOf([new RangeAssignor(), coop])).toBe('eager');
    expect(coop.subscriptionUserData([], 12)).toEqual(Buffer.from([0, 0, 0, 12]));
  });

  test('moved partitions are left out of the first round (KIP-429)', () => {
    const owned = [0, 1, 2, 3].map((p) => ({ topic: 't', partition: p }));
    const a = coop.assign(ctx({ t: 4 }, [member('a', ['t'], owned, 1), member('b', ['t'])]));
    expect(a.get('a')!.length).toBe(2);
    expect(a.get('b')).toEqual([]);
    // Second round: a owns 2, b nothing -> b gets the 2 free ones.
    const b = coop.assign(ctx({ t: 4 }, [member('a', ['t'], a.get('a')!, 2), member('b', ['t'], [], 2)]));
    expect(s(b.get('a'))).toEqual(s(a.get('a')));
    expect(b.get('b')!.length).toBe(2);
  });

  test('the generation in user data stands in for a v0/v1 subscription', () => {
    const ud = (g: number) => coop.subscriptionUserData([], g);
    const m1 = { ...member('a', ['t'], [{ topic: 't', partition: 0 }]), userData: ud(5) };
    const m2 = { ...member('b', ['t'], [{ topic: 't', partition: 0 }]), userData: ud(4) };
    const a = coop.assign(ctx({ t: 2 }, [m1, m2]));
    expect(s(a.get('a'))).toContain('t-0');
  });

  test('rounds of rebalancing never hand a partition to a member while another still owns it, and converge (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 3 }),
        fc.array(fc.constantFrom('join', 'leave'), { minLength: 1, maxLength: 6 }),
        (topicSizes, changes) => {
          const partitions: Record<string, number> = {};
          topicSizes.forEach((n, i) => (partitions[`t${i}`] = n));
          const topics = Object.keys(partitions);
          let next = 0;
          let members = new Map<string, TopicPartition[]>([[`m${next++}`, []]]);
          let generation = 1;
          const round = (): boolean | 'bad' => {
            const subs = [...members].map(([id, owned]) => member(id, topics, owned, generation));
            const a = coop.assign(ctx(partitions, subs, generation));
            // Safety: a partition assigned to m is not owned by any other member.
            for (const [id, tps] of a) {
              for (const tp of tps) {
                for (const [other, owned] of members) if (other !== id && owned.some((o) => o.topic === tp.topic && o.partition === tp.partition)) return 'bad';
              }
            }
            // Members revoke what they lost and take what they got.
            const nextOwned = new Map<string, TopicPartition[]>();
            for (const [id] of members) nextOwned.set(id, a.get(id)!);
            const revoked = [...members].some(([id, owned]) => owned.some((o) => !a.get(id)!.some((x) => x.topic === o.topic && x.partition === o.partition)));
            members = nextOwned;
            generation++;
            return revoked;
          };
          for (const change of changes) {
            if (change === 'join') members.set(`m${next++}`, []);
            else if (members.size > 1) members.delete([...members.keys()][0]);
            // A rebalance, then follow-ups while someone revoked something (bounded).
            let again = round();
            for (let i = 0; i < 3 && again === true; i++) again = round();
            if (again === 'bad') return false;
            if (again) return false;
            // Converged: complete and balanced.
            const counts = [...members.values()].map((l) => l.length);
            const total = Object.values(partitions).reduce((x, y) => x + y, 0);
            if (counts.reduce((x, y) => x + y, 0) !== total) return false;
            if (Math.max(...counts) - Math.min(...counts) > 1) return false;
          }
          return true;
        },
      ),
      { numRuns: 200 },
    );
  });
});
