/**
 * AlterPartitionReassignments (key 45), v0 (KIP-455): forwarded to the active controller. Target
 * replicas start a reassignment (adding and removing replicas until the new ones are in the ISR), null
 * cancels one (NO_REASSIGNMENT_IN_PROGRESS when there is none); INVALID_REPLICA_ASSIGNMENT and
 * UNKNOWN_TOPIC_OR_PARTITION per partition.
 */
import { ApiKey } from '@nagare/protocol';
import { forwardToController } from './forward';
import { defineHandler } from './types';

export const alterPartitionReassignmentsHandler = defineHandler({
  apiKey: ApiKey.AlterPartitionReassignments,
  minVersion: 0,
  maxVersion: 0,
  handle: forwardToController(ApiKey.AlterPartitionReassignments, (errorCode, errorMessage) => ({ throttleTimeMs: 0, errorCode, errorMessage, responses: [] })),
});
