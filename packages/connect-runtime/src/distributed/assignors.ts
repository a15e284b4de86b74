/**
 * The leader's assignors (`EagerAssignor`, `IncrementalCooperativeAssignor`,
 * KIP-415), ported from Kafka's behaviour:
 *
 * - Eager (`connect.protocol=eager`, sub-protocol `default`): every rebalance
 *   revokes everything; connectors (sorted) go round-robin over the sorted
 *   members, then the tasks (sorted per connector) continue the same circular
 *   iterator.
 * - Incremental cooperative (`compatible`/`sessioned`): members keep what they
 *   run; the leader computes new/deleted/lost/duplicated work from the
 *   previous assignment, the configured connectors/tasks and what each member
 *   reports. Work of a member that left is held for
 *   `scheduled.rebalance.max.delay.ms` (the `delay` field tells members when
 *   to rejoin); when the delay expires it goes to the workers that joined
 *   empty-handed meanwhile, else to the least loaded. Load-balancing
 *   revocations take work from overloaded workers; consecutive revoking
 *   rebalances back off exponentially up to the max delay.
 *
 * Both check that the leader has read the config topic up to the highest
 * offset any member reported (`ensureLeaderConfig`), else every member gets
 * CONFIG_MISMATCH.
 */
import type { ConnectorTaskId } from '../herder/status';
import { CONFIG_MISMATCH, NO_ERROR, serializeAssignment, type ConnectAssignment, type WorkerState } from './connect-protocol';

/** What the assignor needs of the leader's view of the config topic. */
export interface AssignmentConfigView {
  /** The config topic offset this view reflects. */
  offset: number;
  connectors(): string[];
  /** The connector's committed task ids (0..taskCount-1). */
  tasks(connector: string): ConnectorTaskId[];
}

export interface AssignmentContext {
  leaderId: string;
  protocolVersion: number;
  /** The leader's config view, or null when it cannot reach `maxOffset` (-> CONFIG_MISMATCH). */
  configAtLeast(maxOffset: number): AssignmentConfigView | null;
  lastCompletedGenerationId: number;
  generationId: number;
  now: number;
}

export interface ConnectAssignor {
  performAssignment(ctx: AssignmentContext, members: ReadonlyMap<string, WorkerState>): Map<string, ConnectAssignment>;
}

export function taskKey(id: ConnectorTaskId): string {
  return `${id.connector}\u0000${id.task}`;
}

/** `ConnectorTaskId.compareTo`: connector, then task number. */
export function compareTaskIds(a: ConnectorTaskId, b: ConnectorTaskId): number {
  return a.connector < b.connector ? -1 : a.connector > b.connector ? 1 : a.task - b.task;
}

function maxOffsetOf(members: ReadonlyMap<string, WorkerState>): number {
  let max = -1;
  for (const m of members.values()) max = Math.max(max, m.configOffset);
  return max;
}

function fill(
  members: Iterable<string>,
  error: number,
  leader: string,
  leaderUrl: string,
  offset: number,
  version: number,
  perMember: (m: string) => { connectors: string[]; tasks: ConnectorTaskId[]; revokedConnectors: string[]; revokedTasks: ConnectorTaskId[] },
  delay: number,
): Map<string, ConnectAssignment> {
  const out = new Map<string, ConnectAssignment>();
  for (const m of members) out.set(m, { version, error, leader, leaderUrl, configOffset: offset, delay, ...perMember(m) });
  return out;
}

const NONE = { connectors: [], tasks: [], revokedConnectors: [], revokedTasks: [] };

/** Serializes each member's assignment for the chosen protocol version. */
export function serializeAssignments(assignments: ReadonlyMap<string, ConnectAssignment>, protocolVersion: number): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [m, a] of assignments) out.set(m, serializeAssignment(a, protocolVersion));
  return out;
}

/** `EagerAssignor`. */
export class EagerAssignor implements ConnectAssignor {
  performAssignment(ctx: AssignmentContext, members: ReadonlyMap<string, WorkerState>): Map<string, ConnectAssignment> {
    const maxOffset = maxOffsetOf(members);
    const leaderUrl = members.get(ctx.leaderId)?.url ?? '';
    const view = ctx.configAtLeast(maxOffset);
    if (view === null) return fill(members.keys(), CONFIG_MISMATCH, ctx.leaderId, leaderUrl, maxOffset, ctx.protocolVersion, () => NONE, 0);
    const connectors = new Map<string, string[]>();
    const tasks = new Map<string, ConnectorTaskId[]>();
    const sortedMembers = [...members.keys()].sort();
    const sortedConnectors = view.connectors().sort();
    let i = 0;
    const next = (): string => sortedMembers[i++ % sortedMembers.length];
    for (const c of sortedConnectors) {
      const m = next();
      if (!connectors.has(m)) connectors.set(m, []);
      connectors.get(m)!.push(c);
    }
    for (const c of sortedConnectors) {
      for (const t of [...view.tasks(c)].sort(compareTaskIds)) {
        const m = next();
        if (!tasks.has(m)) tasks.set(m, []);
        tasks.get(m)!.push(t);
      }
    }
    return fill(members.keys(), NO_ERROR, ctx.leaderId, leaderUrl, view.offset, ctx.protocolVersion, (m) => ({ connectors: connectors.get(m) ?? [], tasks: tasks.get(m) ?? [], revokedConnectors: [], revokedTasks: [] }), 0);
  }
}

/** A set of connectors and one of tasks (`ConnectorsAndTasks`), kept in insertion order. */
class ConnectorsAndTasks {
  readonly connectors: Set<string>;
  readonly tasks: Map<string, ConnectorTaskId>;
  constructor(connectors: Iterable<string> = [], tasks: Iterable<ConnectorTaskId> = []) {
    this.connectors = new Set(connectors);
    this.tasks = new Map([...tasks].map((t) => [taskKey(t), t]));
  }
  isEmpty(): boolean {
    return this.connectors.size === 0 && this.tasks.size === 0;
  }
  addAll(o: ConnectorsAndTasks): this {
    for (const c of o.connectors) this.connectors.add(c);
    for (const [k, t] of o.tasks) this.tasks.set(k, t);
    return this;
  }
  taskList(): ConnectorTaskId[] {
    return [...this.tasks.values()];
  }
  static sorted(connectors: Iterable<string>, tasks: Iterable<ConnectorTaskId>): ConnectorsAndTasks {
    return new ConnectorsAndTasks([...connectors].sort(), [...tasks].sort(compareTaskIds));
  }
}

/** `WorkerLoad`: one member's connectors and tasks while the assignment is computed. */
class WorkerLoad {
  constructor(
    readonly worker: string,
    readonly connectors: string[] = [],
    readonly tasks: ConnectorTaskId[] = [],
  ) {}
  isEmpty(): boolean {
    return this.connectors.length === 0 && this.tasks.length === 0;
  }
  static connectorComparator(a: WorkerLoad, b: WorkerLoad): number {
    return a.connectors.length - b.connectors.length || (a.worker < b.worker ? -1 : a.worker > b.worker ? 1 : 0);
  }
  static taskComparator(a: WorkerLoad, b: WorkerLoad): number {
    return a.tasks.length - b.tasks.length || (a.worker < b.worker ? -1 : a.worker > b.worker ? 1 : 0);
  }
}

/** `ExponentialBackoff(initial, multiplier, max, jitter 0)`. */
function exponentialBackoff(initial: number, multiplier: number, max: number, attempts: number): number {
  if (max <= initial) return max;
  const exp = Math.log(max / initial) / Math.log(multiplier);
  const term = initial * multiplier ** Math.min(attempts, exp);
  return Math.min(Math.round(term), max);
}

function diff(base: ConnectorsAndTasks, ...subtract: ConnectorsAndTasks[]): ConnectorsAndTasks {
  const connectors = [...base.connectors].filter((c) => subtract.every((s) => !s.connectors.has(c)));
  const tasks = base.taskList().filter((t) => subtract.every((s) => !s.tasks.has(taskKey(t))));
  return ConnectorsAndTasks.sorted(connectors, tasks);
}

/** `IncrementalCooperativeAssignor` (KIP-415). State carries over between the leader's rebalances. */
export class IncrementalCooperativeAssignor implements ConnectAssignor {
  private previousAssignment = new ConnectorsAndTasks();
  private readonly previousRevocation = new ConnectorsAndTasks();
  private revokedInPrevious = false;
  private readonly candidateWorkersForReassignment = new Set<string>();
  private scheduledRebalance = 0;
  private delay = 0;
  private previousGenerationId = -1;
  private previousMembers = new Set<string>();
  private numSuccessiveRevokingRebalances = 0;

  constructor(private readonly maxDelay: number) {}

  performAssignment(ctx: AssignmentContext, members: ReadonlyMap<string, WorkerState>): Map<string, ConnectAssignment> {
    const maxOffset = maxOffsetOf(members);
    const leaderUrl = members.get(ctx.leaderId)?.url ?? '';
    const view = ctx.configAtLeast(maxOffset);
    if (view === null) return fill(members.keys(), CONFIG_MISMATCH, ctx.leaderId, leaderUrl, maxOffset, ctx.protocolVersion, () => NONE, 0);
    const memberAssignments = new Map<string, ConnectorsAndTasks>();
    for (const [m, s] of members) memberAssignments.set(m, new ConnectorsAndTasks(s.assignment?.connectors ?? [], s.assignment?.tasks ?? []));
    const result = this.performTaskAssignment(view, ctx.lastCompletedGenerationId, ctx.generationId, memberAssignments, ctx.now);
    return fill(
      members.keys(),
      NO_ERROR,
      ctx.leaderId,
      leaderUrl,
      view.offset,
      ctx.protocolVersion,
      (m) => ({
        connectors: result.newConnectors.get(m) ?? [],
        tasks: result.newTasks.get(m) ?? [],
        revokedConnectors: result.revokedConnectors.get(m) ?? [],
        revokedTasks: result.revokedTasks.get(m) ?? [],
      }),
      this.delay,
    );
  }

  /** The current delay (ms) of a scheduled rebalance, 0 for none (visible for tests). */
  get currentDelay(): number {
    return this.delay;
  }

  performTaskAssignment(
    view: AssignmentConfigView,
    lastCompletedGenerationId: number,
    currentGenerationId: number,
    memberAssignments: Map<string, ConnectorsAndTasks>,
    now: number,
  ): { newConnectors: Map<string, string[]>; newTasks: Map<string, ConnectorTaskId[]>; revokedConnectors: Map<string, string[]>; revokedTasks: Map<string, ConnectorTaskId[]> } {
    if (this.previousGenerationId !== lastCompletedGenerationId) {
      // the previous view may be outdated (the leader failed to sync within a round): ignore it
      this.previousAssignment = new ConnectorsAndTasks();
    }
    const configuredConnectors = view.connectors().sort();
    const configured = ConnectorsAndTasks.sorted(configuredConnectors, configuredConnectors.flatMap((c) => view.tasks(c)));
    const active = new ConnectorsAndTasks();
    for (const a of memberAssignments.values()) active.addAll(a);

    // a previous revocation that did not take effect: re-apply it
    if (!this.previousRevocation.isEmpty()) {
      if ([...this.previousRevocation.connectors].some((c) => active.connectors.has(c)) || [...this.previousRevocation.tasks.keys()].some((k) => active.tasks.has(k))) {
        this.previousAssignment = active;
      }
      this.previousRevocation.connectors.clear();
      this.previousRevocation.tasks.clear();
    }

    const deleted = diff(this.previousAssignment, configured);
    const duplicated = duplicatedAssignments(memberAssignments);
    const lostAssignments = diff(this.previousAssignment, active, deleted);
    const created = diff(configured, this.previousAssignment, active);
    const currentWorkerAssignment = workerAssignment(memberAssignments, deleted);

    const toRevoke = new Map<string, ConnectorsAndTasks>();
    const deletedToRevoke = intersection(deleted, memberAssignments);
    addAll(toRevoke, deletedToRevoke);
    const duplicatedToRevoke = intersection(duplicated, memberAssignments);
    addAll(toRevoke, duplicatedToRevoke);

    const nextWorkerAssignment = [...memberAssignments].map(([w, a]) => new WorkerLoad(w, [...a.connectors], a.taskList()));
    removeAll(nextWorkerAssignment, deletedToRevoke);
    removeAll(nextWorkerAssignment, duplicatedToRevoke);

    const lostToReassign = new ConnectorsAndTasks();
    this.handleLostAssignments(lostAssignments, lostToReassign, nextWorkerAssignment, now);

    if (this.delay === 0) {
      const lbRevocations = performLoadBalancingRevocations(configured, nextWorkerAssignment);
      if (this.revokedInPrevious && lbRevocations.size > 0) {
        this.numSuccessiveRevokingRebalances++;
        this.delay = this.maxDelay === 0 ? 0 : exponentialBackoff(1, 40, this.maxDelay, this.numSuccessiveRevokingRebalances);
        if (this.delay !== 0) this.scheduledRebalance = now + this.delay;
        else {
          addAll(toRevoke, lbRevocations);
          removeAll(nextWorkerAssignment, lbRevocations);
        }
      } else if (lbRevocations.size > 0) {
        addAll(toRevoke, lbRevocations);
        removeAll(nextWorkerAssignment, lbRevocations);
        this.revokedInPrevious = true;
      } else if (this.revokedInPrevious) {
        this.revokedInPrevious = false;
        this.numSuccessiveRevokingRebalances = 0;
      }
    } else {
      this.revokedInPrevious = false;
    }

    const toAssign = new ConnectorsAndTasks().addAll(created).addAll(lostToReassign);
    assignConnectors(nextWorkerAssignment, [...toAssign.connectors]);
    assignTasks(nextWorkerAssignment, toAssign.taskList());

    const nextConnectors = new Map(nextWorkerAssignment.map((w) => [w.worker, w.connectors] as const));
    const nextTasks = new Map(nextWorkerAssignment.map((w) => [w.worker, w.tasks] as const));
    const currentConnectors = new Map(currentWorkerAssignment.map((w) => [w.worker, w.connectors] as const));
    const currentTasks = new Map(currentWorkerAssignment.map((w) => [w.worker, w.tasks] as const));

    const newConnectors = new Map<string, string[]>();
    for (const [w, cs] of nextConnectors) {
      const cur = new Set(currentConnectors.get(w) ?? []);
      newConnectors.set(w, cs.filter((c) => !cur.has(c)));
    }
    const newTasks = new Map<string, ConnectorTaskId[]>();
    for (const [w, ts] of nextTasks) {
      const cur = new Set((currentTasks.get(w) ?? []).map(taskKey));
      newTasks.set(w, ts.filter((t) => !cur.has(taskKey(t))));
    }

    // previous assignment = next minus revoked, plus the lost ones still held for their workers
    const prev = new ConnectorsAndTasks([...nextConnectors.values()].flat(), [...nextTasks.values()].flat());
    for (const r of toRevoke.values()) {
      for (const c of r.connectors) {
        prev.connectors.delete(c);
        this.previousRevocation.connectors.add(c);
      }
      for (const [k, t] of r.tasks) {
        prev.tasks.delete(k);
        this.previousRevocation.tasks.set(k, t);
      }
    }
    prev.addAll(lostAssignments);
    this.previousAssignment = prev;
    this.previousGenerationId = currentGenerationId;
    this.previousMembers = new Set(memberAssignments.keys());

    const revokedConnectors = new Map<string, string[]>();
    const revokedTasks = new Map<string, ConnectorTaskId[]>();
    for (const [w, r] of toRevoke) {
      revokedConnectors.set(w, [...r.connectors]);
      revokedTasks.set(w, r.taskList());
    }
    return { newConnectors, newTasks, revokedConnectors, revokedTasks };
  }

  private handleLostAssignments(lost: ConnectorsAndTasks, toReassign: ConnectorsAndTasks, complete: WorkerLoad[], now: number): void {
    if (lost.isEmpty() && !this.revokedInPrevious) {
      this.resetDelay();
      return;
    }
    const activeMembers = new Set(complete.map((w) => w.worker));
    if (this.scheduledRebalance <= 0 && [...this.previousMembers].every((m) => activeMembers.has(m))) {
      // no member left: the missing work is probably assignments some workers did not receive; reassign it now
      toReassign.addAll(lost);
      return;
    }
    if (this.maxDelay === 0) {
      toReassign.addAll(lost);
      return;
    }
    if (this.scheduledRebalance > 0 && now >= this.scheduledRebalance) {
      // the delay expired: give the lost work to workers that joined empty meanwhile, else to everyone
      const byWorker = new Map(complete.map((w) => [w.worker, w] as const));
      const candidates = [...this.candidateWorkersForReassignment].map((w) => byWorker.get(w)).filter((w): w is WorkerLoad => w !== undefined);
      if (candidates.length > 0) {
        let i = 0;
        for (const c of lost.connectors) candidates[i++ % candidates.length].connectors.push(c);
        i = 0;
        for (const t of lost.tasks.values()) candidates[i++ % candidates.length].tasks.push(t);
      } else toReassign.addAll(lost);
      this.resetDelay();
      this.revokedInPrevious = false;
    } else {
      for (const w of complete) if (w.isEmpty()) this.candidateWorkersForReassignment.add(w.worker);
      if (now < this.scheduledRebalance) {
        const left = this.scheduledRebalance - now;
        this.delay = left > 0 ? Math.min(left, this.maxDelay) : 0;
      } else this.delay = this.maxDelay;
      this.scheduledRebalance = now + this.delay;
    }
  }

  private resetDelay(): void {
    this.candidateWorkersForReassignment.clear();
    this.scheduledRebalance = 0;
    this.delay = 0;
  }
}

function duplicatedAssignments(memberAssignments: Map<string, ConnectorsAndTasks>): ConnectorsAndTasks {
  const cc = new Map<string, number>();
  const tc = new Map<string, { t: ConnectorTaskId; n: number }>();
  for (const a of memberAssignments.values()) {
    for (const c of a.connectors) cc.set(c, (cc.get(c) ?? 0) + 1);
    for (const [k, t] of a.tasks) tc.set(k, { t, n: (tc.get(k)?.n ?? 0) + 1 });
  }
  return new ConnectorsAndTasks(
    [...cc].filter(([, n]) => n > 1).map(([c]) => c),
    [...tc.values()].filter((x) => x.n > 1).map((x) => x.t),
  );
}

function workerAssignment(memberAssignments: Map<string, ConnectorsAndTasks>, exclude: ConnectorsAndTasks): WorkerLoad[] {
  return [...memberAssignments].map(([w, a]) => new WorkerLoad(w, [...a.connectors].filter((c) => !exclude.connectors.has(c)), a.taskList().filter((t) => !exclude.tasks.has(taskKey(t)))));
}

function intersection(set: ConnectorsAndTasks, assignments: Map<string, ConnectorsAndTasks>): Map<string, ConnectorsAndTasks> {
  const out = new Map<string, ConnectorsAndTasks>();
  for (const [w, a] of assignments) out.set(w, new ConnectorsAndTasks([...a.connectors].filter((c) => set.connectors.has(c)), a.taskList().filter((t) => set.tasks.has(taskKey(t)))));
  return out;
}

function addAll(base: Map<string, ConnectorsAndTasks>, add: Map<string, ConnectorsAndTasks>): void {
  for (const [w, a] of add) {
    if (a.isEmpty()) continue;
    let b = base.get(w);
    if (!b) base.set(w, (b = new ConnectorsAndTasks()));
    b.addAll(a);
  }
}

function removeAll(loads: WorkerLoad[], remove: Map<string, ConnectorsAndTasks>): void {
  for (const l of loads) {
    const r = remove.get(l.worker);
    if (!r) continue;
    for (let i = l.connectors.length - 1; i >= 0; i--) if (r.connectors.has(l.connectors[i])) l.connectors.splice(i, 1);
    for (let i = l.tasks.length - 1; i >= 0; i--) if (r.tasks.has(taskKey(l.tasks[i]))) l.tasks.splice(i, 1);
  }
}

function performLoadBalancingRevocations(configured: ConnectorsAndTasks, workers: WorkerLoad[]): Map<string, ConnectorsAndTasks> {
  if (workers.every((w) => w.isEmpty()) || configured.isEmpty()) return new Map();
  const result = new Map<string, ConnectorsAndTasks>();
  const cRev = loadBalancingRevocations(configured.connectors.size, workers, (w) => w.connectors);
  const tRev = loadBalancingRevocations(configured.tasks.size, workers, (w) => w.tasks);
  for (const [w, cs] of cRev) {
    if (!result.has(w)) result.set(w, new ConnectorsAndTasks());
    for (const c of cs) result.get(w)!.connectors.add(c);
  }
  for (const [w, ts] of tRev) {
    if (!result.has(w)) result.set(w, new ConnectorsAndTasks());
    for (const t of ts) result.get(w)!.tasks.set(taskKey(t), t);
  }
  return result;
}

function loadBalancingRevocations<E>(totalToAllocate: number, workers: WorkerLoad[], allocation: (w: WorkerLoad) => E[]): Map<string, E[]> {
  const totalWorkers = workers.length;
  const minPerWorker = Math.floor(totalToAllocate / totalWorkers);
  const workersWithExtra = totalToAllocate % totalWorkers;
  const atMin = workers.filter((w) => allocation(w).length === minPerWorker).length;
  const atExtra = workers.filter((w) => allocation(w).length === minPerWorker + 1).length;
  if (atExtra === workersWithExtra && atMin + atExtra === totalWorkers) return new Map();
  const result = new Map<string, E[]>();
  let allocatedExtras = 0;
  for (const w of workers) {
    const size = allocation(w).length;
    if (size <= minPerWorker) continue;
    let max: number;
    if (allocatedExtras < workersWithExtra) {
      allocatedExtras++;
      if (size === minPerWorker + 1) continue;
      max = minPerWorker + 1;
    } else max = minPerWorker;
    const revoked: E[] = [];
    const current = allocation(w);
    for (let n = 0; size - n > max && n < current.length; n++) revoked.push(current[n]);
    result.set(w.worker, revoked);
  }
  return result;
}

function assignConnectors(loads: WorkerLoad[], connectors: string[]): void {
  if (loads.length === 0) return;
  loads.sort(WorkerLoad.connectorComparator);
  const first = loads[0];
  let i = 0;
  while (i < connectors.length) {
    const firstLoad = first.connectors.length;
    let upTo = loads.findIndex((w) => w.connectors.length > firstLoad);
    if (upTo < 0) upTo = loads.length;
    for (const w of loads.slice(0, upTo)) {
      w.connectors.push(connectors[i++]);
      if (i >= connectors.length) break;
    }
  }
}

function assignTasks(loads: WorkerLoad[], tasks: ConnectorTaskId[]): void {
  if (loads.length === 0) return;
  loads.sort(WorkerLoad.taskComparator);
  const first = loads[0];
  let i = 0;
  while (i < tasks.length) {
    const firstLoad = first.tasks.length;
    let upTo = loads.findIndex((w) => w.tasks.length > firstLoad);
    if (upTo < 0) upTo = loads.length;
    for (const w of loads.slice(0, upTo)) {
      w.tasks.push(tasks[i++]);
      if (i >= tasks.length) break;
    }
  }
}
