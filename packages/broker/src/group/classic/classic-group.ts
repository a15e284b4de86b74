/**
 * The state of one classic group (the JoinGroup/SyncGroup protocol): its
 * members, generation, chosen protocol, and the state
 * machine Kafka documents for it:
 *
 *   Empty --join--> PreparingRebalance --all joined / rebalance timeout--> CompletingRebalance
 *   CompletingRebalance --leader's assignment stored--> Stable
 *   Stable | CompletingRebalance --join with new metadata, leave, failure--> PreparingRebalance
 *   PreparingRebalance --no members left--> Empty
 *   any --deleted / expired / unloaded--> Dead
 *
 * Timers and persistence live in the classic group handlers (rebalance.ts);
 * committed offsets in the shard's offset store; this class only keeps state
 * and answers questions about it. Member maps keep insertion
 * order, which makes leader choice (the first member) and protocol tie
 * breaks deterministic where Kafka's hash maps are not.
 */
import type { TimerHandle as ScheduledTask } from '../../coordinator';
import { ErrorCode, type JoinGroupResponse } from '@nagare/protocol';
import { CONSUMER_PROTOCOL_TYPE, subscriptionTopics } from '../consumer-protocol';

export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

const VALID_PREVIOUS: Record<GroupState, readonly GroupState[]> = {
  Dead: ['Stable', 'PreparingRebalance', 'CompletingRebalance', 'Empty', 'Dead'],
  CompletingRebalance: ['PreparingRebalance'],
  Stable: ['CompletingRebalance'],
  PreparingRebalance: ['Stable', 'CompletingRebalance', 'Empty'],
  Empty: ['PreparingRebalance'],
};

export const EMPTY_BYTES = Buffer.alloc(0);

/** What a parked JoinGroup is answered with (shaped per version by the coordinator). */
export interface JoinResult {
  errorCode: number;
  memberId: string;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leader: string;
  skipAssignment: boolean;
  members: JoinGroupResponse.JoinGroupResponseMember[];
}

/** What a parked SyncGroup is answered with. */
export interface SyncResult {
  errorCode: number;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Buffer;
}

export function joinError(memberId: string, errorCode: number): JoinResult {
  return { errorCode, memberId, generationId: -1, protocolType: null, protocolName: null, leader: '', skipAssignment: false, members: [] };
}

export function syncError(errorCode: number): SyncResult {
  return { errorCode, protocolType: null, protocolName: null, assignment: EMPTY_BYTES };
}

export interface MemberProtocol {
  name: string;
  metadata: Buffer;
}

export class GroupMember {
  joinWaiter: ((r: JoinResult) => void) | null = null;
  syncWaiter: ((r: SyncResult) => void) | null = null;
  /** Joined in the current rebalance and not yet through it: expires after the new-member join timeout. */
  isNew = false;
  assignment: Buffer = EMPTY_BYTES;
  sessionTask: ScheduledTask | null = null;
  /** When the scheduled session expiry is due (the clock's monotonic ms); valid while sessionTask is set. */
  sessionDeadline = 0;

  constructor(
    readonly memberId: string,
    readonly groupInstanceId: string | null,
    public clientId: string,
    public clientHost: string,
    public rebalanceTimeoutMs: number,
    public sessionTimeoutMs: number,
    readonly protocolType: string,
    public protocols: MemberProtocol[],
  ) {}

  get isAwaitingJoin(): boolean {
    return this.joinWaiter !== null;
  }

  get isAwaitingSync(): boolean {
    return this.syncWaiter !== null;
  }

  supports(name: string): boolean {
    return this.protocols.some((p) => p.name === name);
  }

  metadata(protocol: string): Buffer {
    const p = this.protocols.find((x) => x.name === protocol);
    if (!p) throw new Error(`member ${this.memberId} does not support protocol ${protocol}`);
    return p.metadata;
  }

  /** The member's first protocol (in its own preference order) among the candidates. */
  vote(candidates: ReadonlySet<string>): string {
    const p = this.protocols.find((x) => candidates.has(x.name));
    if (!p) throw new Error(`member ${this.memberId} supports none of the candidate protocols`);
    return p.name;
  }

  /** Same protocols, same order, same metadata bytes. */
  matches(protocols: readonly MemberProtocol[]): boolean {
    if (protocols.length !== this.protocols.length) return false;
    return protocols.every((p, i) => p.name === this.protocols[i].name && p.metadata.equals(this.protocols[i].metadata));
  }
}

export interface JoinTimer {
  task: ScheduledTask;
  /** The initial-rebalance delay of a group that was Empty (KIP-134): all members joining does not end it early. */
  initial: boolean;
}

export class ClassicGroup {
  readonly type = 'classic' as const;
  state: GroupState;
  previousState: GroupState = 'Dead';
  /** Wall-clock time of the last state transition (null when loaded from a v0/v1 record). */
  currentStateTimestamp: number | null;
  protocolType: string | null = null;
  protocolName: string | null = null;
  generationId = 0;
  leaderId: string | null = null;
  readonly members = new Map<string, GroupMember>();
  /** groupInstanceId -> memberId */
  readonly staticMembers = new Map<string, string>();
  /** Member ids handed out with MEMBER_ID_REQUIRED (KIP-394) that have not joined yet, with their expiry. */
  readonly pendingJoinMembers = new Map<string, ScheduledTask>();
  /** Members that got their JoinGroup response but have not sent SyncGroup yet. */
  readonly pendingSyncMembers = new Set<string>();
  /** Topics the consumer-protocol members subscribe to; null when unknown. */
  subscribedTopics: Set<string> | null = null;
  newMemberAdded = false;
  joinTimer: JoinTimer | null = null;
  syncTimer: ScheduledTask | null = null;

  constructor(
    readonly groupId: string,
    initialState: GroupState,
    nowMs: number | null,
  ) {
    this.state = initialState;
    this.currentStateTimestamp = nowMs;
  }

  is(state: GroupState): boolean {
    return this.state === state;
  }

  transitionTo(target: GroupState, nowMs: number): void {
    if (!VALID_PREVIOUS[target].includes(this.state)) {
      throw new Error(`group ${this.groupId} cannot move from ${this.state} to ${target}`);
    }
    this.previousState = this.state;
    this.state = target;
    this.currentStateTimestamp = nowMs;
  }

  get canRebalance(): boolean {
    return VALID_PREVIOUS.PreparingRebalance.includes(this.state);
  }

  isLeader(memberId: string): boolean {
    return this.leaderId === memberId;
  }

  get usesConsumerProtocol(): boolean {
    return this.protocolType === CONSUMER_PROTOCOL_TYPE;
  }

  // ------------------------------------------------------------ membership

  add(member: GroupMember, waiter: ((r: JoinResult) => void) | null): void {
    if (member.groupInstanceId !== null) {
      if (this.staticMembers.has(member.groupInstanceId)) throw new Error(`static member ${member.groupInstanceId} is already in group ${this.groupId}`);
      this.staticMembers.set(member.groupInstanceId, member.memberId);
    }
    if (this.members.size === 0) this.protocolType = member.protocolType;
    if (this.leaderId === null) this.leaderId = member.memberId;
    this.members.set(member.memberId, member);
    member.joinWaiter = waiter;
    this.removePendingJoinMember(member.memberId);
  }

  /** Removes a member (its waiters and timers are the caller's business); picks the next leader. */
  remove(memberId: string): GroupMember | undefined {
    const m = this.members.get(memberId);
    if (m) {
      this.members.delete(memberId);
      if (m.groupInstanceId !== null && this.staticMembers.get(m.groupInstanceId) === memberId) this.staticMembers.delete(m.groupInstanceId);
    }
    if (this.leaderId === memberId) {
      const next = this.members.keys().next();
      this.leaderId = next.done ? null : next.value;
    }
    this.removePendingJoinMember(memberId);
    this.pendingSyncMembers.delete(memberId);
    return m;
  }

  addPendingJoinMember(memberId: string, expiry: ScheduledTask): void {
    this.pendingJoinMembers.get(memberId)?.cancel();
    this.pendingJoinMembers.set(memberId, expiry);
  }

  removePendingJoinMember(memberId: string): boolean {
    const t = this.pendingJoinMembers.get(memberId);
    if (!t) return false;
    t.cancel();
    this.pendingJoinMembers.delete(memberId);
    return true;
  }

  isPendingMember(memberId: string): boolean {
    return this.pendingJoinMembers.has(memberId);
  }

  updateMember(member: GroupMember, protocols: MemberProtocol[], rebalanceTimeoutMs: number, sessionTimeoutMs: number, waiter: ((r: JoinResult) => void) | null): void {
    member.protocols = protocols;
    member.rebalanceTimeoutMs = rebalanceTimeoutMs;
    member.sessionTimeoutMs = sessionTimeoutMs;
    member.joinWaiter = waiter;
  }

  /**
   * A static member rejoined with a new member id: the old id's parked
   * requests are fenced, the member keeps everything else (KIP-345).
   */
  replaceStaticMember(groupInstanceId: string, oldMemberId: string, newMemberId: string): GroupMember {
    const old = this.members.get(oldMemberId);
    if (!old) throw new Error(`cannot replace unknown member ${oldMemberId}`);
    old.sessionTask?.cancel();
    old.sessionTask = null;
    this.completeJoin(old, joinError(oldMemberId, ErrorCode.FENCED_INSTANCE_ID));
    this.completeSync(old, syncError(ErrorCode.FENCED_INSTANCE_ID));
    const m = new GroupMember(newMemberId, old.groupInstanceId, old.clientId, old.clientHost, old.rebalanceTimeoutMs, old.sessionTimeoutMs, old.protocolType, old.protocols);
    m.assignment = old.assignment;
    // The new id takes the old one's place in member order.
    const entries = [...this.members.entries()].map(([id, x]): [string, GroupMember] => (id === oldMemberId ? [newMemberId, m] : [id, x]));
    this.members.clear();
    for (const [id, x] of entries) this.members.set(id, x);
    if (this.leaderId === oldMemberId) this.leaderId = newMemberId;
    this.staticMembers.set(groupInstanceId, newMemberId);
    if (this.pendingSyncMembers.delete(oldMemberId)) this.pendingSyncMembers.add(newMemberId);
    return m;
  }

  completeJoin(member: GroupMember, result: JoinResult): boolean {
    const w = member.joinWaiter;
    if (!w) return false;
    member.joinWaiter = null;
    w(result);
    return true;
  }

  completeSync(member: GroupMember, result: SyncResult): boolean {
    const w = member.syncWaiter;
    if (!w) return false;
    member.syncWaiter = null;
    w(result);
    return true;
  }

  notYetRejoinedMembers(): GroupMember[] {
    return [...this.members.values()].filter((m) => !m.isAwaitingJoin);
  }

  numAwaitingJoin(): number {
    let n = 0;
    for (const m of this.members.values()) if (m.isAwaitingJoin) n++;
    return n;
  }

  hasAllMembersJoined(): boolean {
    return this.members.size === this.numAwaitingJoin() && this.pendingJoinMembers.size === 0;
  }

  /** Keeps the leader if it rejoined, else elects the first member that did; false when none did (or no leader). */
  maybeElectNewJoinedLeader(): boolean {
    if (this.leaderId === null) return false;
    const leader = this.members.get(this.leaderId);
    if (leader && leader.isAwaitingJoin) return true;
    for (const m of this.members.values()) {
      if (m.isAwaitingJoin) {
        this.leaderId = m.memberId;
        return true;
      }
    }
    return false;
  }

  /** The largest rebalance timeout of the members (0 without members). */
  rebalanceTimeoutMs(): number {
    let t = 0;
    for (const m of this.members.values()) t = Math.max(t, m.rebalanceTimeoutMs);
    return t;
  }

  // ------------------------------------------------------------ protocols

  /** Protocols every member supports. */
  candidateProtocols(): Set<string> {
    const members = [...this.members.values()];
    if (members.length === 0) return new Set();
    const out = new Set(members[0].protocols.map((p) => p.name));
    for (const m of members.slice(1)) for (const name of out) if (!m.supports(name)) out.delete(name);
    return out;
  }

  /**
   * Kafka's choice: each member votes for its first candidate protocol, the
   * most votes win. Ties go to the protocol that got its first vote earliest
   * in member order (Kafka leaves them to hash-map order).
   */
  selectProtocol(): string {
    if (this.members.size === 0) throw new Error(`cannot select a protocol for empty group ${this.groupId}`);
    const candidates = this.candidateProtocols();
    const votes = new Map<string, number>();
    for (const m of this.members.values()) {
      const v = m.vote(candidates);
      votes.set(v, (votes.get(v) ?? 0) + 1);
    }
    let best = '';
    let bestVotes = -1;
    for (const [name, n] of votes) {
      if (n > bestVotes) {
        best = name;
        bestVotes = n;
      }
    }
    return best;
  }

  /** Whether a member with this type and these protocols may join (Kafka's supportsProtocols). */
  supportsProtocols(protocolType: string, protocolNames: readonly string[]): boolean {
    if (this.state === 'Empty') return protocolType !== '' && protocolNames.length > 0;
    if (this.protocolType !== protocolType) return false;
    const candidates = this.candidateProtocols();
    return protocolNames.some((n) => candidates.has(n));
  }

  /** Every member's metadata for the chosen protocol, for the leader's JoinGroup response. */
  currentMemberList(): JoinGroupResponse.JoinGroupResponseMember[] {
    const protocol = this.protocolName;
    if (protocol === null) return [];
    return [...this.members.values()].map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.metadata(protocol) }));
  }

  /** Topics subscribed by the consumer-protocol members, or null when unknown (not "consumer", no protocol, unparseable). */
  computeSubscribedTopics(): Set<string> | null {
    if (this.protocolType !== CONSUMER_PROTOCOL_TYPE) return null;
    if (this.members.size === 0) return new Set();
    if (this.protocolName === null) return null;
    const out = new Set<string>();
    for (const m of this.members.values()) {
      if (!m.supports(this.protocolName)) return null;
      const topics = subscriptionTopics(m.metadata(this.protocolName));
      if (topics === null) return null;
      for (const t of topics) out.add(t);
    }
    return out;
  }

  /** Kafka's isSubscribedToTopic: when the subscriptions are unknown, a consumer group counts as subscribed to everything. */
  isSubscribedToTopic(topic: string): boolean {
    return this.subscribedTopics !== null ? this.subscribedTopics.has(topic) : this.usesConsumerProtocol;
  }

  initNextGeneration(nowMs: number): void {
    this.generationId++;
    if (this.members.size > 0) {
      this.protocolName = this.selectProtocol();
      this.subscribedTopics = this.computeSubscribedTopics();
      this.transitionTo('CompletingRebalance', nowMs);
    } else {
      this.protocolName = null;
      this.subscribedTopics = this.computeSubscribedTopics();
      this.transitionTo('Empty', nowMs);
    }
    this.pendingSyncMembers.clear();
  }
}
