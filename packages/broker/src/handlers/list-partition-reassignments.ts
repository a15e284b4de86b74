/**
 * ListPartitionReassignments (key 46), v0 (KIP-455): forwarded to the active controller; the
 * partitions being reassigned with their replicas, adding and removing replicas (all of them for a null
 * topic list).
 */
import { ApiKey } from '@nagare/protocol';
import { forwardToController } from './forward';
import { defineHandler } from './types';

export const listPartitionReassignmentsHandler = defineHandler({
  apiKey: ApiKey.ListPartitionReassignments,
  minVersion: 0,
  maxVersion: 0,
  handle: forwardToController(ApiKey.ListPartitionReassignments, (errorCode, errorMessage) => ({ throttleTimeMs: 0, errorCode, errorMessage, topics: [] })),
});
