import { RangeAssignor, UniformAssignor, type GroupSpec, type MemberSpec } from './assignors';
import { assignmentOf, assignmentSize, type Assignment } from './assignment';

const T = 'topic-t';
const U = 'topic-u';

function spec(members: Record<string, { topics: string[]; assignment?: Record<string, number[]>; instanceId?: string }>, partitions: Record<string, number>): GroupSpec {
  const m = new Map<string, MemberSpec>(
    Object.entries(members).map(([id, x]) => [
      id,
      {
        instanceId: x.instanceId ?? null,
        rackId: null,
        subscribedTopicIds: new Set(x.topics),
        assignment: assignmentOf(Object.entries(x.assignment ?? {}).map(([topicId, ps]) => ({ topicId, partitions: ps }))),
      },
    ]),
  );
  const all = [...m.values()];
  const homogeneous = all.every((s) => s.subscribedTopicIds.size === all[0].subscribedTopicIds.size && [...s.subscribedTopicIds].every((t) => all[0].subscribedTopicIds.has(t)));
  return { members: m, subscriptionType: homogeneous ? 'homogeneous' : 'heterogeneous', numPartitions: (t) => partitions[t] ?? -1 };
}

const plain = (a: Assignment | undefined) => Object.fromEntries([...(a ?? new Map())].map(([t, ps]) => [t, [...ps].sort((x, y) => x - y)]));

function checkComplete(result: Map<string, Assignment>, partitions: Record<string, number>): void {
  const seen = new Set<string>();
  for (const a of result.values()) for (const [t, ps] of a) for (const p of ps) {
    const k = `${t}-${p}`;
    if (seen.has(k)) throw new Error(`${k} assigned twice`);
    seen.add(k);
  }
  expect(seen.size).toBe(Object.values(partitions).reduce((a, b) => a + b, 0));
}

describe('uniform assignor', () => {
  it('balances a homogeneous group and keeps what members had (sticky)', () => {
    const parts = { [T]: 7 };
    const first = new UniformAssignor().assign(spec({ a: { topics: [T] }, b: { topics: [T] } }, parts));
    checkComplete(first, parts);
    expect([...first.values()].map(assignmentSize).sort()).toEqual([3, 4]);
    // c joins: a and b keep their partitions up to their new quota.
    const a = plain(first.get('a'))[T];
    const b = plain(first.get('b'))[T];
    const next = new UniformAssignor().assign(spec({ a: { topics: [T], assignment: { [T]: a } }, b: { topics: [T], assignment: { [T]: b } }, c: { topics: [T] } }, parts));
    checkComplete(next, parts);
    expect([...next.values()].map(assignmentSize).sort()).toEqual([2, 2, 3]);
    for (const p of plain(next.get('a'))[T]) expect(a).toContain(p);
    for (const p of plain(next.get('b'))[T]) expect(b).toContain(p);
  });

  it('respects subscriptions in a heterogeneous group and balances what it can', () => {
    const parts = { [T]: 4, [U]: 4 };
    const r = new UniformAssignor().assign(spec({ a: { topics: [T] }, b: { topics: [T, U] }, c: { topics: [U] } }, parts));
    checkComplete(r, parts);
    expect(Object.keys(plain(r.get('a')))).toEqual([T]);
    expect(Object.keys(plain(r.get('c')))).toEqual([U]);
    expect([...r.values()].map(assignmentSize).sort()).toEqual([2, 3, 3]);
  });

  it('gives members subscribed to nothing nothing', () => {
    const r = new UniformAssignor().assign(spec({ a: { topics: [] }, b: { topics: [] } }, { [T]: 3 }));
    expect([...r.values()].map(assignmentSize)).toEqual([0, 0]);
  });
});

describe('range assignor', () => {
  it('gives consecutive ranges per topic, static members first by instance id, then member ids', () => {
    const parts = { [T]: 5, [U]: 5 };
    const r = new RangeAssignor().assign(spec({ zz: { topics: [T, U] }, aa: { topics: [T, U] }, s: { topics: [T, U], instanceId: 'b-instance' }, r: { topics: [T, U], instanceId: 'a-instance' } }, parts));
    checkComplete(r, parts);
    expect(plain(r.get('r'))).toEqual({ [T]: [0, 1], [U]: [0, 1] });
    expect(plain(r.get('s'))).toEqual({ [T]: [2], [U]: [2] });
    expect(plain(r.get('aa'))).toEqual({ [T]: [3], [U]: [3] });
    expect(plain(r.get('zz'))).toEqual({ [T]: [4], [U]: [4] });
  });
});
