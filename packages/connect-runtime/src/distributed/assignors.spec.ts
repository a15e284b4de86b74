/**
 * The assignors against scenarios of Kafka's `IncrementalCooperativeAssignorTest`
 * (workers joining, leaving for good, bouncing within the delay, deleted
 * connectors, duplicated assignments, delay 0, successive revocations) and
 * the eager round-robin, through the public `performAssignment` (member
 * metadata in, per-member assignments out) with a mock clock.
 */
import { CONFIG_MISMATCH, CONNECT_PROTOCOL_V0, CONNECT_PROTOCOL_V2, NO_ERROR, type ConnectAssignment, type WorkerState } from './connect-protocol';
import { EagerAssignor, IncrementalCooperativeAssignor, compareTaskIds, taskKey, type AssignmentConfigView } from './assignors';
import type { ConnectorTaskId } from '../herder/status';

const DEFAULT_DELAY = 300_000;

class Scenario {
  connectors = new Map<string, number>([
    ['connector1', 4],
    ['connector2', 4],
  ]);
  members = new Map<string, { connectors: Set<string>; tasks: Map<string, ConnectorTaskId> }>();
  generation = 1000;
  now = 0;
  last!: Map<string, ConnectAssignment>;
  assignor: IncrementalCooperativeAssignor;

  constructor(readonly delay = DEFAULT_DELAY) {
    this.assignor = new IncrementalCooperativeAssignor(delay);
    this.addWorkers('worker1');
  }

  view(): AssignmentConfigView {
    const cs = this.connectors;
    return { offset: 618, connectors: () => [...cs.keys()], tasks: (c) => Array.from({ length: cs.get(c) ?? 0 }, (_v, task) => ({ connector: c, task })) };
  }

  addWorkers(...ws: string[]): void {
    for (const w of ws) this.members.set(w, { connectors: new Set(), tasks: new Map() });
  }
  addWorker(w: string, connectors: string[], tasks: ConnectorTaskId[]): void {
    this.members.set(w, { connectors: new Set(connectors), tasks: new Map(tasks.map((t) => [taskKey(t), t])) });
  }
  removeWorkers(...ws: string[]): void {
    for (const w of ws) this.members.delete(w);
  }

  rebalance(): void {
    this.generation++;
    const states = new Map<string, WorkerState>();
    for (const [w, a] of this.members) {
      states.set(w, { url: `http://${w}:8083/`, configOffset: 618, assignment: { version: 2, error: 0, leader: '', leaderUrl: '', configOffset: 618, connectors: [...a.connectors], tasks: [...a.tasks.values()], revokedConnectors: [], revokedTasks: [], delay: 0 } });
    }
    this.last = this.assignor.performAssignment({ leaderId: [...this.members.keys()][0], protocolVersion: CONNECT_PROTOCOL_V2, configAtLeast: () => this.view(), lastCompletedGenerationId: this.generation - 1, generationId: this.generation, now: this.now }, states);
    // no connector or task may be assigned to two workers (assertNoRedundantAssignments)
    const seen = new Set<string>();
    for (const [w, a] of this.last) {
      const m = this.members.get(w)!;
      for (const c of a.revokedConnectors) m.connectors.delete(c);
      for (const t of a.revokedTasks) m.tasks.delete(taskKey(t));
      for (const c of a.connectors) m.connectors.add(c);
      for (const t of a.tasks) m.tasks.set(taskKey(t), t);
    }
    for (const m of this.members.values()) {
      for (const c of m.connectors) {
        expect(seen.has(`c:${c}`)).toBe(false);
        seen.add(`c:${c}`);
      }
      for (const t of m.tasks.keys()) {
        expect(seen.has(`t:${t}`)).toBe(false);
        seen.add(`t:${t}`);
      }
    }
  }

  connectorAllocations(): number[] {
    return [...this.members.values()].map((m) => m.connectors.size).sort((a, b) => a - b);
  }
  taskAllocations(): number[] {
    return [...this.members.values()].map((m) => m.tasks.size).sort((a, b) => a - b);
  }
  delayOf(): number {
    return [...this.last.values()][0].delay;
  }
  emptyAssignment(): boolean {
    return [...this.last.values()].every((a) => a.connectors.length === 0 && a.tasks.length === 0 && a.revokedConnectors.length === 0 && a.revokedTasks.length === 0);
  }
  noRevocations(): boolean {
    return [...this.last.values()].every((a) => a.revokedConnectors.length === 0 && a.revokedTasks.length === 0);
  }
  balancedAndComplete(): void {
    const allConnectors = [...this.members.values()].flatMap((m) => [...m.connectors]).sort();
    const allTasks = [...this.members.values()].flatMap((m) => [...m.tasks.values()]).sort(compareTaskIds);
    expect(allConnectors).toEqual([...this.connectors.keys()].sort());
    expect(allTasks).toEqual([...this.connectors].flatMap(([c, n]) => Array.from({ length: n }, (_v, task) => ({ connector: c, task }))).sort(compareTaskIds));
    const c = this.connectorAllocations();
    const t = this.taskAllocations();
    expect(c[c.length - 1] - c[0]).toBeLessThanOrEqual(1);
    expect(t[t.length - 1] - t[0]).toBeLessThanOrEqual(1);
  }
}

describe('IncrementalCooperativeAssignor (KIP-415)', () => {
  it('a joining worker gets half the work after one revoking round', () => {
    const s = new Scenario();
    s.rebalance();
    expect(s.delayOf()).toBe(0);
    expect([...s.last.keys()]).toEqual(['worker1']);
    expect(s.connectorAllocations()).toEqual([2]);
    expect(s.taskAllocations()).toEqual([8]);
    s.balancedAndComplete();

    s.addWorkers('worker2');
    s.rebalance();
    expect(s.delayOf()).toBe(0);
    expect(s.connectorAllocations()).toEqual([0, 1]);
    expect(s.taskAllocations()).toEqual([0, 4]);

    s.rebalance();
    expect(s.noRevocations()).toBe(true);
    expect(s.connectorAllocations()).toEqual([1, 1]);
    expect(s.taskAllocations()).toEqual([4, 4]);
    s.balancedAndComplete();

    s.rebalance();
    expect(s.delayOf()).toBe(0);
    expect(s.emptyAssignment()).toBe(true);
  });

  it('workers joining after revocations: successive revoking rounds back off', () => {
    const s = new Scenario();
    s.connectors.set('connector3', 4);
    s.rebalance();
    expect(s.connectorAllocations()).toEqual([3]);
    expect(s.taskAllocations()).toEqual([12]);
    s.addWorkers('worker2');
    s.rebalance();
    expect(s.connectorAllocations()).toEqual([0, 2]);
    expect(s.taskAllocations()).toEqual([0, 6]);
    s.addWorkers('worker3');
    s.rebalance();
    expect(s.delayOf()).toBeGreaterThan(0);
    expect(s.connectorAllocations()).toEqual([0, 1, 2]);
    expect(s.taskAllocations()).toEqual([3, 3, 6]);
    s.now += s.delayOf();
    s.addWorkers('worker4');
    s.rebalance();
    expect(s.connectorAllocations()).toEqual([0, 0, 1, 1]);
    expect(s.taskAllocations()).toEqual([0, 3, 3, 3]);
    s.addWorkers('worker5');
    s.rebalance();
    expect(s.delayOf()).toBeGreaterThan(40);
    expect(s.connectorAllocations()).toEqual([0, 0, 1, 1, 1]);
    expect(s.taskAllocations()).toEqual([1, 2, 3, 3, 3]);
    s.now += s.delayOf();
    s.addWorkers('worker6');
    s.rebalance();
    expect(s.delayOf()).toBe(0);
    expect(s.connectorAllocations()).toEqual([0, 0, 0, 1, 1, 1]);
    expect(s.taskAllocations()).toEqual([0, 1, 2, 2, 2, 2]);
    s.rebalance();
    expect(s.connectorAllocations()).toEqual([0, 0, 0, 1, 1, 1]);
    expect(s.taskAllocations()).toEqual([2, 2, 2, 2, 2, 2]);
    s.balancedAndComplete();
  });

  it('with scheduled.rebalance.max.delay.ms=0 revocations happen at once', () => {
    const s = new Scenario(0);
    s.connectors.set('connector3', 4);
    s.rebalance();
    s.addWorkers('worker2');
    s.rebalance();
    expect(s.connectorAllocations()).toEqual([0, 2]);
    expect(s.taskAllocations()).toEqual([0, 6]);
    s.addWorkers('worker3');
    s.rebalance();
    expect(s.delayOf()).toBe(0);
    expect(s.connectorAllocations()).toEqual([0, 1, 1]);
    expect(s.taskAllocations()).toEqual([3, 3, 4]);
    s.rebalance();
    expect(s.noRevocations()).toBe(true);
    expect(s.connectorAllocations()).toEqual([1, 1, 1]);
    expect(s.taskAllocations()).toEqual([4, 4, 4]);
    s.balancedAndComplete();
  });

  it('the work of a worker that leaves for good is held for the delay, then reassigned', () => {
    const s = new Scenario();
    s.addWorkers('worker2');
    s.rebalance();
    expect(s.connectorAllocations()).toEqual([1, 1]);
    expect(s.taskAllocations()).toEqual([4, 4]);
    s.removeWorkers('worker2');
    s.rebalance();
    expect(s.delayOf()).toBe(DEFAULT_DELAY);
    expect(s.emptyAssignment()).toBe(true);
    s.now += DEFAULT_DELAY / 2;
    s.rebalance();
    expect(s.delayOf()).toBe(DEFAULT_DELAY / 2);
    expect(s.emptyAssignment()).toBe(true);
    s.now += DEFAULT_DELAY / 2 + 1;
    s.rebalance();
    expect(s.delayOf()).toBe(0);
    expect(s.connectorAllocations()).toEqual([2]);
    expect(s.taskAllocations()).toEqual([8]);
    s.balancedAndComplete();
  });

  it('a worker that bounces back within the delay gets its work back when the delay expires, without revocations', () => {
    const s = new Scenario();
    s.addWorkers('worker2');
    s.rebalance();
    s.removeWorkers('worker2');
    s.rebalance();
    expect(s.delayOf()).toBe(DEFAULT_DELAY);
    s.now += DEFAULT_DELAY / 2;
    s.rebalance();
    expect(s.delayOf()).toBe(DEFAULT_DELAY / 2);
    s.now += DEFAULT_DELAY / 4;
    s.addWorkers('worker2');
    s.rebalance();
    expect(s.delayOf()).toBe(DEFAULT_DELAY / 4);
    expect(s.emptyAssignment()).toBe(true);
    s.now += DEFAULT_DELAY / 4;
    s.rebalance();
    expect(s.delayOf()).toBe(0);
    expect(s.noRevocations()).toBe(true);
    expect(s.connectorAllocations()).toEqual([1, 1]);
    expect(s.taskAllocations()).toEqual([4, 4]);
    s.balancedAndComplete();
  });

  it('deleted connectors are revoked and the rest rebalanced', () => {
    const s = new Scenario();
    s.connectors.set('connector3', 4);
    s.addWorkers('worker2');
    s.rebalance();
    expect(s.connectorAllocations()).toEqual([1, 2]);
    expect(s.taskAllocations()).toEqual([6, 6]);
    s.connectors.delete('connector3');
    s.rebalance();
    expect(s.delayOf()).toBe(0);
    expect(s.connectorAllocations()).toEqual([1, 1]);
    expect(s.taskAllocations()).toEqual([4, 4]);
    s.balancedAndComplete();
  });

  it('with the delay disabled lost work is reassigned at once', () => {
    const s = new Scenario(0);
    s.addWorkers('worker2');
    s.rebalance();
    s.removeWorkers('worker2');
    s.rebalance();
    expect(s.delayOf()).toBe(0);
    expect(s.connectorAllocations()).toEqual([2]);
    expect(s.taskAllocations()).toEqual([8]);
    s.balancedAndComplete();
  });

  it('work reported by two workers is revoked from both and handed out again', () => {
    const s = new Scenario();
    s.rebalance();
    s.addWorker('worker2', ['connector1'], [0, 1, 2, 3].map((task) => ({ connector: 'connector1', task })));
    s.rebalance();
    expect(s.connectorAllocations()).toEqual([0, 1]);
    expect(s.taskAllocations()).toEqual([0, 4]);
    s.rebalance();
    expect(s.noRevocations()).toBe(true);
    expect(s.connectorAllocations()).toEqual([1, 1]);
    expect(s.taskAllocations()).toEqual([4, 4]);
    s.balancedAndComplete();
    s.rebalance();
    expect(s.emptyAssignment()).toBe(true);
  });

  it('answers CONFIG_MISMATCH when the leader cannot reach the newest config offset', () => {
    const a = new IncrementalCooperativeAssignor(1000);
    const members = new Map<string, WorkerState>([
      ['m1', { url: 'http://a/', configOffset: 5, assignment: null }],
      ['m2', { url: 'http://b/', configOffset: 9, assignment: null }],
    ]);
    const out = a.performAssignment({ leaderId: 'm1', protocolVersion: 1, configAtLeast: () => null, lastCompletedGenerationId: -1, generationId: 1, now: 0 }, members);
    expect([...out.values()].map((x) => [x.error, x.configOffset, x.leaderUrl])).toEqual([
      [CONFIG_MISMATCH, 9, 'http://a/'],
      [CONFIG_MISMATCH, 9, 'http://a/'],
    ]);
  });
});

describe('EagerAssignor', () => {
  it('round-robins sorted connectors, then every task, over sorted members', () => {
    const view: AssignmentConfigView = {
      offset: 3,
      connectors: () => ['b', 'a'],
      tasks: (c) => Array.from({ length: c === 'a' ? 3 : 2 }, (_v, task) => ({ connector: c, task })),
    };
    const members = new Map<string, WorkerState>([
      ['m2', { url: 'http://w2/', configOffset: 3 }],
      ['m1', { url: 'http://w1/', configOffset: 3 }],
    ]);
    const out = new EagerAssignor().performAssignment({ leaderId: 'm1', protocolVersion: CONNECT_PROTOCOL_V0, configAtLeast: () => view, lastCompletedGenerationId: 0, generationId: 1, now: 0 }, members);
    const m1 = out.get('m1')!;
    const m2 = out.get('m2')!;
    expect([m1.error, m1.leader, m1.leaderUrl, m1.configOffset]).toEqual([NO_ERROR, 'm1', 'http://w1/', 3]);
    expect(m1.connectors).toEqual(['a']);
    expect(m2.connectors).toEqual(['b']);
    // connectors took m1, m2; tasks continue with m1: a-0 m1, a-1 m2, a-2 m1, b-0 m2, b-1 m1
    expect(m1.tasks.map(taskKey)).toEqual([{ connector: 'a', task: 0 }, { connector: 'a', task: 2 }, { connector: 'b', task: 1 }].map(taskKey));
    expect(m2.tasks.map(taskKey)).toEqual([{ connector: 'a', task: 1 }, { connector: 'b', task: 0 }].map(taskKey));
  });
});
