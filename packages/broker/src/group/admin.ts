/**
 * The administrative group APIs of one shard: DescribeGroups (classic
 * groups), ListGroups (both types, with KIP-518 state and KIP-848 type
 * filters) and DeleteGroups (empty groups only, tombstones for the group and
 * its offsets).
 */
import { ErrorCode, type DescribeGroupsResponse, type ListGroupsResponse } from '@nagare/protocol';
import { EMPTY_BYTES } from './classic/classic-group';
import type { ClassicRebalance } from './classic/rebalance';
import type { GroupRecord } from './group-records';
import { isEmptyGroup, type OffsetManager } from './offsets';
import type { GroupShardContext } from './shard-context';

/** Every group ACL operation, as Kafka reports them without an authorizer: READ, DELETE, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS. */
export const ALL_GROUP_OPERATIONS = (1 << 3) | (1 << 6) | (1 << 8) | (1 << 10) | (1 << 11);
export const OPS_NOT_REQUESTED = -2147483648;

export class GroupAdmin {
  constructor(
    private readonly ctx: GroupShardContext,
    private readonly rb: ClassicRebalance,
    private readonly offsets: OffsetManager,
  ) {}

  describe(groupId: string, version: number, includeOps: boolean): DescribeGroupsResponse.DescribedGroup {
    const base = { errorMessage: null, groupId, protocolType: '', protocolData: '', members: [], authorizedOperations: OPS_NOT_REQUESTED };
    const g = this.ctx.groups.get(groupId);
    if (!g || g.type !== 'classic') {
      // v6 (KIP-1043) says so; older versions describe a group that does not exist as Dead.
      const message = g ? `Group ${groupId} is not a classic group.` : `Group ${groupId} not found.`;
      if (version >= 6) return { ...base, errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: message, groupState: 'Dead' };
      return { ...base, errorCode: ErrorCode.NONE, groupState: 'Dead' };
    }
    const group = g;
    if (!group.is('Dead')) this.rb.expireOverdueSessions(group);
    const stable = group.is('Stable');
    return {
      ...base,
      errorCode: ErrorCode.NONE,
      groupState: group.state,
      protocolType: group.protocolType ?? '',
      // Kafka fills the protocol, member metadata and assignments in only for stable groups.
      protocolData: stable ? (group.protocolName ?? '') : '',
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: version >= 4 ? m.groupInstanceId : null,
        clientId: m.clientId,
        clientHost: m.clientHost,
        memberMetadata: stable && group.protocolName !== null ? m.metadata(group.protocolName) : EMPTY_BYTES,
        memberAssignment: stable ? m.assignment : EMPTY_BYTES,
      })),
      authorizedOperations: includeOps ? ALL_GROUP_OPERATIONS : OPS_NOT_REQUESTED,
    };
  }

  /** Groups matching the filters (lower-case state names and types; empty = all). */
  list(version: number, states: ReadonlySet<string>, types: ReadonlySet<string>): ListGroupsResponse.ListedGroup[] {
    const out: ListGroupsResponse.ListedGroup[] = [];
    for (const g of this.ctx.groups.values()) {
      if (types.size > 0 && !types.has(g.type)) continue;
      if (states.size > 0 && !states.has(g.state.toLowerCase())) continue;
      out.push({
        groupId: g.groupId,
        protocolType: (g.type === 'classic' ? g.protocolType : g.protocolType) ?? '',
        groupState: version >= 4 ? g.state : '',
        groupType: version >= 5 ? g.type : '',
      });
    }
    return out;
  }

  /**
   * Deletes the groups that are empty: their tombstones are emitted; the
   * error per group is set in `errors` (filled in when the write completes).
   */
  delete(groupIds: string[], errors: Map<string, number>): void {
    const records: GroupRecord[] = [];
    const deleted: Array<import('./shard-context').Group> = [];
    for (const id of groupIds) {
      const group = this.ctx.groups.get(id);
      if (group?.type === 'classic' && !group.is('Dead')) this.rb.expireOverdueSessions(group);
      if (!group || (group.type === 'classic' && group.is('Dead'))) errors.set(id, ErrorCode.GROUP_ID_NOT_FOUND);
      else if (!isEmptyGroup(group)) errors.set(id, ErrorCode.NON_EMPTY_GROUP);
      else {
        records.push(...this.offsets.deleteGroupRecords(group));
        deleted.push(group);
      }
    }
    if (deleted.length === 0) return;
    const finish = (code: number) => {
      for (const g of deleted) {
        errors.set(g.groupId, code);
        if (code === ErrorCode.NONE) {
          this.offsets.forgetGroupShell(g);
          this.ctx.logger.info({ group: g.groupId }, 'deleted group');
        }
      }
    };
    if (records.length === 0) finish(ErrorCode.NONE);
    else this.ctx.emit(records, finish);
  }
}
