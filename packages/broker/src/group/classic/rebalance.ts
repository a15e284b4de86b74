/**
 * The classic group's rebalance machinery, shared by the JoinGroup/SyncGroup
 * and Heartbeat/LeaveGroup families: the join and sync phases with their
 * timers (initial rebalance delay, rebalance timeout, pending sync), member
 * sessions, assignment propagation, and writing the group's
 * GroupMetadataValue. Kafka's GroupMetadataManager classic-group half.
 *
 * Timers are the shard's: each runs as an operation of its own, and they
 * all die with the shard.
 */
import { ErrorCode } from '@nagare/protocol';
import { mapGroupStoreError } from '../errors';
import type { GroupMetadataValue } from '../records';
import type { GroupShardContext } from '../shard-context';
import { ClassicGroup, EMPTY_BYTES, GroupMember, type JoinResult, type SyncResult, joinError, syncError } from './classic-group';

/** How long a new member's parked JoinGroup may wait before it is dropped (Kafka's 5 minutes). */
export const NEW_MEMBER_JOIN_TIMEOUT_MS = 5 * 60 * 1000;

const key = (...parts: string[]) => JSON.stringify(parts);
export const joinKey = (groupId: string) => key('join', groupId);
export const syncKey = (groupId: string) => key('sync', groupId);
export const heartbeatKey = (groupId: string, memberId: string) => key('heartbeat', groupId, memberId);
export const pendingMemberKey = (groupId: string, memberId: string) => key('pending-member', groupId, memberId);

export class ClassicRebalance {
  constructor(
    private readonly ctx: GroupShardContext,
    private readonly newMemberJoinTimeoutMs = NEW_MEMBER_JOIN_TIMEOUT_MS,
  ) {}

  get newMemberJoinTimeout(): number {
    return this.newMemberJoinTimeoutMs;
  }

  /** The classic group by id, if the shard has one. */
  classicGroup(groupId: string): ClassicGroup | undefined {
    const g = this.ctx.groups.get(groupId);
    return g?.type === 'classic' ? g : undefined;
  }

  isCurrent(group: ClassicGroup): boolean {
    return this.ctx.groups.get(group.groupId) === group;
  }

  createGroup(groupId: string): ClassicGroup {
    const g = new ClassicGroup(groupId, 'Empty', this.ctx.clock.now());
    this.ctx.groups.set(groupId, g);
    return g;
  }

  /** A static member's instance id must map to this member id; the member must exist. */
  validateMember(group: ClassicGroup, memberId: string, instanceId: string | null): number {
    if (instanceId !== null) {
      const current = group.staticMembers.get(instanceId);
      if (current === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (current !== memberId) {
        this.ctx.logger.info({ group: group.groupId, memberId, groupInstanceId: instanceId, currentMemberId: current }, 'static member fenced');
        return ErrorCode.FENCED_INSTANCE_ID;
      }
    }
    return group.members.has(memberId) ? ErrorCode.NONE : ErrorCode.UNKNOWN_MEMBER_ID;
  }

  currentGenerationResult(group: ClassicGroup, memberId: string, withMembers: boolean): JoinResult {
    return {
      errorCode: ErrorCode.NONE,
      memberId,
      generationId: group.generationId,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      leader: group.leaderId ?? '',
      skipAssignment: false,
      members: withMembers ? group.currentMemberList() : [],
    };
  }

  // ------------------------------------------------------------ join phase

  maybePrepareRebalance(group: ClassicGroup, reason: string): void {
    if (group.canRebalance) this.prepareRebalance(group, reason);
  }

  prepareRebalance(group: ClassicGroup, reason: string): void {
    if (group.is('CompletingRebalance')) this.resetAndPropagateAssignmentError(group, ErrorCode.REBALANCE_IN_PROGRESS);
    this.cancelSyncTimer(group);
    group.pendingSyncMembers.clear();
    const initial = group.is('Empty');
    group.transitionTo('PreparingRebalance', this.ctx.clock.now());
    this.ctx.logger.info({ group: group.groupId, generation: group.generationId, reason }, 'preparing to rebalance group');
    if (initial) {
      const delay = this.ctx.config.groupInitialRebalanceDelayMs;
      this.scheduleInitialJoin(group, delay, Math.max(group.rebalanceTimeoutMs() - delay, 0));
    } else {
      this.scheduleJoin(group, group.rebalanceTimeoutMs());
      this.tryCompleteJoin(group);
    }
  }

  /** Kafka's InitialDelayedJoin: wait `delay`; if members kept arriving, wait again, up to the rebalance timeout. */
  private scheduleInitialJoin(group: ClassicGroup, delayMs: number, remainingMs: number): void {
    this.cancelJoinTimer(group);
    const task = this.ctx.schedule(joinKey(group.groupId), delayMs, () => {
      if (group.joinTimer?.task !== task) return;
      group.joinTimer = null;
      if (!group.is('PreparingRebalance') || !this.isCurrent(group)) return;
      if (group.newMemberAdded && remainingMs !== 0) {
        group.newMemberAdded = false;
        const next = Math.min(this.ctx.config.groupInitialRebalanceDelayMs, remainingMs);
        this.scheduleInitialJoin(group, next, Math.max(remainingMs - delayMs, 0));
      } else {
        this.onCompleteJoin(group);
      }
    });
    group.joinTimer = { task, initial: true };
  }

  scheduleJoin(group: ClassicGroup, timeoutMs: number): void {
    this.cancelJoinTimer(group);
    const task = this.ctx.schedule(joinKey(group.groupId), timeoutMs, () => {
      if (group.joinTimer?.task !== task) return;
      group.joinTimer = null;
      this.onCompleteJoin(group);
    });
    group.joinTimer = { task, initial: false };
  }

  cancelJoinTimer(group: ClassicGroup): void {
    group.joinTimer?.task.cancel();
    group.joinTimer = null;
  }

  cancelSyncTimer(group: ClassicGroup): void {
    group.syncTimer?.cancel();
    group.syncTimer = null;
  }

  tryCompleteJoin(group: ClassicGroup): void {
    if (!group.is('PreparingRebalance') || group.joinTimer?.initial) return;
    if (group.hasAllMembersJoined()) this.onCompleteJoin(group);
  }

  private onCompleteJoin(group: ClassicGroup): void {
    this.cancelJoinTimer(group);
    if (!group.is('PreparingRebalance') || !this.isCurrent(group)) return;
    // Dynamic members that did not rejoin in time are out; static ones stay until their session expires.
    const gone = group.notYetRejoinedMembers().filter((m) => m.groupInstanceId === null);
    for (const m of gone) this.dropMember(group, m);
    if (gone.length > 0) this.ctx.logger.info({ group: group.groupId, members: gone.map((m) => m.memberId) }, 'removed members that did not rejoin');
    if (!group.maybeElectNewJoinedLeader() && group.members.size > 0) {
      this.ctx.logger.warn({ group: group.groupId }, 'no member rejoined; waiting another rebalance timeout');
      this.scheduleJoin(group, group.rebalanceTimeoutMs());
      return;
    }
    group.initNextGeneration(this.ctx.clock.now());
    if (group.is('Empty')) {
      this.ctx.logger.info({ group: group.groupId, generation: group.generationId }, 'group is now empty');
      this.storeGroup(group, new Map(), (errorCode) => {
        if (errorCode !== ErrorCode.NONE) this.ctx.logger.warn({ group: group.groupId, error: errorCode }, 'could not persist the empty group');
      });
      return;
    }
    this.ctx.logger.info({ group: group.groupId, generation: group.generationId, members: group.members.size, protocol: group.protocolName }, 'group completed its join phase');
    for (const m of group.members.values()) {
      group.completeJoin(m, this.currentGenerationResult(group, m.memberId, group.isLeader(m.memberId)));
      this.scheduleSessionExpiry(group, m, m.sessionTimeoutMs);
      m.isNew = false;
      group.pendingSyncMembers.add(m.memberId);
    }
    this.schedulePendingSync(group);
  }

  /** Members that do not send SyncGroup within the rebalance timeout are removed (and the group rebalances). */
  private schedulePendingSync(group: ClassicGroup): void {
    this.cancelSyncTimer(group);
    const generation = group.generationId;
    const task = this.ctx.schedule(syncKey(group.groupId), group.rebalanceTimeoutMs(), () => {
      if (group.syncTimer !== task) return;
      group.syncTimer = null;
      if (!this.isCurrent(group) || generation !== group.generationId || !(group.is('CompletingRebalance') || group.is('Stable'))) return;
      if (group.pendingSyncMembers.size === 0) return;
      const pending = [...group.pendingSyncMembers];
      for (const id of pending) {
        const m = group.members.get(id);
        if (m) this.dropMember(group, m);
      }
      this.ctx.logger.info({ group: group.groupId, members: pending }, 'removed members that did not sync');
      this.prepareRebalance(group, 'members did not send SyncGroup in time');
    });
    group.syncTimer = task;
  }

  removePendingSyncMember(group: ClassicGroup, memberId: string): void {
    group.pendingSyncMembers.delete(memberId);
    if (group.pendingSyncMembers.size === 0) this.cancelSyncTimer(group);
  }

  // ------------------------------------------------------------ sync phase

  resetAndPropagateAssignmentError(group: ClassicGroup, errorCode: number): void {
    for (const m of group.members.values()) m.assignment = EMPTY_BYTES;
    this.propagateAssignment(group, errorCode);
  }

  setAndPropagateAssignment(group: ClassicGroup, assignment: Map<string, Buffer>): void {
    for (const m of group.members.values()) m.assignment = assignment.get(m.memberId) ?? EMPTY_BYTES;
    this.propagateAssignment(group, ErrorCode.NONE);
  }

  private propagateAssignment(group: ClassicGroup, errorCode: number): void {
    const ok = errorCode === ErrorCode.NONE;
    for (const m of group.members.values()) {
      const result: SyncResult = ok
        ? { errorCode, protocolType: group.protocolType, protocolName: group.protocolName, assignment: m.assignment }
        : syncError(errorCode);
      // Sessions restart once a member has its answer (expiry is suspended while it waits).
      if (group.completeSync(m, result)) this.scheduleSessionExpiry(group, m, m.sessionTimeoutMs);
    }
  }

  // ------------------------------------------------------------ sessions

  scheduleSessionExpiry(group: ClassicGroup, member: GroupMember, timeoutMs: number): void {
    member.sessionTask?.cancel();
    member.sessionDeadline = this.ctx.clock.monotonicMs() + Math.max(0, timeoutMs);
    const task = this.ctx.schedule(heartbeatKey(group.groupId, member.memberId), timeoutMs, () => {
      if (member.sessionTask !== task) return;
      this.expireSession(group, member);
    });
    member.sessionTask = task;
  }

  private expireSession(group: ClassicGroup, member: GroupMember): void {
    member.sessionTask?.cancel();
    member.sessionTask = null;
    if (!this.isCurrent(group) || group.is('Dead') || group.members.get(member.memberId) !== member) return;
    // A member parked in JoinGroup/SyncGroup has satisfied its heartbeat, unless it is new to this rebalance.
    if (!member.isNew && (member.isAwaitingJoin || member.isAwaitingSync)) return;
    this.ctx.logger.info({ group: group.groupId, memberId: member.memberId }, 'member session expired; removing it from the group');
    this.removeMemberAndUpdateGroup(group, member, `member ${member.memberId} session expired`);
  }

  /**
   * Expires, now, the sessions whose deadline has passed but whose timer has
   * not run yet (a busy event loop runs timers late). Requests that depend on
   * membership (DeleteGroups, DescribeGroups) call it first, so they see the
   * group as of the clock: a group whose members' sessions are over is empty
   * at the deadline, not at whenever the timer gets to run.
   */
  expireOverdueSessions(group: ClassicGroup): void {
    const now = this.ctx.clock.monotonicMs();
    const overdue = [...group.members.values()].filter((m) => m.sessionTask !== null && m.sessionDeadline <= now).sort((a, b) => a.sessionDeadline - b.sessionDeadline);
    for (const m of overdue) if (m.sessionTask !== null) this.expireSession(group, m);
  }

  /** Takes a member out without further ado: timers off, parked requests answered. */
  dropMember(group: ClassicGroup, member: GroupMember): void {
    member.sessionTask?.cancel();
    member.sessionTask = null;
    group.completeJoin(member, joinError('', ErrorCode.UNKNOWN_MEMBER_ID));
    group.completeSync(member, syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    group.remove(member.memberId);
  }

  removeMemberAndUpdateGroup(group: ClassicGroup, member: GroupMember, reason: string): void {
    this.dropMember(group, member);
    switch (group.state) {
      case 'Stable':
      case 'CompletingRebalance':
        this.maybePrepareRebalance(group, reason);
        break;
      case 'PreparingRebalance':
        this.tryCompleteJoin(group);
        break;
      default:
    }
  }

  // ------------------------------------------------------------ persistence

  /** The GroupMetadataValue of the group with these assignments (what SyncGroup and the join phase persist). */
  groupMetadataValue(group: ClassicGroup, assignment: Map<string, Buffer>): GroupMetadataValue {
    const protocol = group.protocolName;
    return {
      protocolType: group.protocolType ?? '',
      generation: group.generationId,
      protocol,
      leader: group.leaderId,
      currentStateTimestamp: group.currentStateTimestamp ?? -1,
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        rebalanceTimeout: m.rebalanceTimeoutMs,
        sessionTimeout: m.sessionTimeoutMs,
        subscription: protocol !== null && m.supports(protocol) ? m.metadata(protocol) : EMPTY_BYTES,
        assignment: assignment.get(m.memberId) ?? EMPTY_BYTES,
      })),
    };
  }

  /**
   * Writes the group's GroupMetadataValue (with these assignments) as part of
   * the running operation; `then` gets the outcome as Kafka maps it for group
   * writes, once the record is committed or failed.
   */
  storeGroup(group: ClassicGroup, assignment: Map<string, Buffer>, then: (errorCode: number) => void): void {
    this.ctx.emit([{ type: 'GroupMetadata', groupId: group.groupId, value: this.groupMetadataValue(group, assignment) }], (code) => then(mapGroupStoreError(code)));
  }

  /**
   * Replays a GroupMetadataValue into a live group: the fields the record
   * persists take the record's values (the group wrote it from these very
   * values, so live they are the same; this is the path they take).
   */
  applyRecord(group: ClassicGroup, v: GroupMetadataValue): void {
    group.generationId = v.generation;
    group.protocolType = v.protocolType === '' ? null : v.protocolType;
    group.protocolName = v.protocol;
    group.leaderId = v.leader;
    if (v.currentStateTimestamp >= 0) group.currentStateTimestamp = v.currentStateTimestamp;
    for (const m of v.members) {
      const member = group.members.get(m.memberId);
      if (member) member.assignment = m.assignment;
    }
  }

  /** Builds a group from its record (loading): stable with the record's members, or empty. */
  groupFromRecord(groupId: string, v: GroupMetadataValue): ClassicGroup {
    const usable = v.protocol !== null ? v.members : [];
    if (usable.length !== v.members.length) this.ctx.logger.warn({ group: groupId }, 'group record has members but no protocol; loading it empty');
    const group = new ClassicGroup(groupId, usable.length > 0 ? 'Stable' : 'Empty', v.currentStateTimestamp >= 0 ? v.currentStateTimestamp : null);
    group.generationId = v.generation;
    group.protocolType = v.protocolType === '' ? null : v.protocolType;
    group.protocolName = usable.length > 0 ? v.protocol : null;
    for (const m of usable) {
      const member = new GroupMember(m.memberId, m.groupInstanceId, m.clientId, m.clientHost, m.rebalanceTimeout, m.sessionTimeout, v.protocolType, [
        { name: v.protocol!, metadata: m.subscription },
      ]);
      member.assignment = m.assignment;
      group.members.set(m.memberId, member);
      if (m.groupInstanceId !== null) group.staticMembers.set(m.groupInstanceId, m.memberId);
    }
    group.leaderId = v.leader !== null && group.members.has(v.leader) ? v.leader : (group.members.keys().next().value ?? null);
    group.subscribedTopics = group.computeSubscribedTopics();
    return group;
  }

  /** After loading: stable members get fresh sessions (as Kafka does on failover); an over-capacity group rebalances. */
  onGroupLoaded(group: ClassicGroup): void {
    for (const m of group.members.values()) this.scheduleSessionExpiry(group, m, m.sessionTimeoutMs);
    if (group.members.size > this.ctx.config.groupMaxSize) {
      this.prepareRebalance(group, `loaded group is over capacity (${this.ctx.config.groupMaxSize})`);
    }
  }

  /** The group leaves the shard (deleted, converted, unloaded): timers off, parked requests answered with `errorCode`. */
  unload(group: ClassicGroup, errorCode: number): void {
    this.cancelJoinTimer(group);
    this.cancelSyncTimer(group);
    for (const id of [...group.pendingJoinMembers.keys()]) group.removePendingJoinMember(id);
    for (const m of group.members.values()) {
      m.sessionTask?.cancel();
      m.sessionTask = null;
      group.completeJoin(m, joinError(m.memberId, errorCode));
      group.completeSync(m, syncError(errorCode));
    }
    if (!group.is('Dead')) group.transitionTo('Dead', this.ctx.clock.now());
  }
}
