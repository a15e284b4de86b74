/** The group coordinator's API handlers, for the broker's handler registry. */
import type { ApiHandler } from '../handlers/types';
import { findCoordinatorHandler } from '../handlers/find-coordinator';
import { joinGroupHandler } from '../handlers/join-group';
import { syncGroupHandler } from '../handlers/sync-group';
import { heartbeatHandler } from '../handlers/heartbeat';
import { leaveGroupHandler } from '../handlers/leave-group';
import { offsetCommitHandler } from '../handlers/offset-commit';
import { offsetFetchHandler } from '../handlers/offset-fetch';
import { describeGroupsHandler } from '../handlers/describe-groups';
import { listGroupsHandler } from '../handlers/list-groups';
import { deleteGroupsHandler } from '../handlers/delete-groups';
import { offsetDeleteHandler } from '../handlers/offset-delete';
import { consumerGroupHeartbeatHandler } from '../handlers/consumer-group-heartbeat';
import { consumerGroupDescribeHandler } from '../handlers/consumer-group-describe';

export const groupHandlers: ApiHandler[] = [
  offsetCommitHandler,
  offsetFetchHandler,
  findCoordinatorHandler,
  joinGroupHandler,
  heartbeatHandler,
  leaveGroupHandler,
  syncGroupHandler,
  describeGroupsHandler,
  listGroupsHandler,
  deleteGroupsHandler,
  offsetDeleteHandler,
] as ApiHandler[];

/** The KIP-848 consumer group APIs (ConsumerGroupHeartbeat, ConsumerGroupDescribe). */
export const consumerGroupHandlers: ApiHandler[] = [consumerGroupHeartbeatHandler, consumerGroupDescribeHandler] as ApiHandler[];
