/**
 * The controller's side of Kafka's controller APIs (Kafka's ControllerApis): each request body goes
 * to the QuorumController and comes back as the response body. A controller that is not active
 * answers NOT_CONTROLLER where each API carries errors (per topic, per resource, or at the top), so
 * the broker forwarding it looks for the new active controller and retries; ControlErrors become the
 * item's or request's error code and message.
 */
import { NagareError } from '@nagare/common';
import {
  ApiKey,
  ErrorCode,
  type AllocateProducerIdsRequest,
  type AllocateProducerIdsResponse,
  type AlterConfigsRequest,
  type AlterConfigsResponse,
  type AlterPartitionReassignmentsRequest,
  type AlterPartitionReassignmentsResponse,
  type AlterPartitionRequest,
  type AlterPartitionResponse,
  type BrokerHeartbeatRequest,
  type BrokerHeartbeatResponse,
  type BrokerRegistrationRequest,
  type BrokerRegistrationResponse,
  type CreatePartitionsRequest,
  type CreatePartitionsResponse,
  type CreateTopicsRequest,
  type CreateTopicsResponse,
  type DeleteTopicsRequest,
  type DeleteTopicsResponse,
  type ElectLeadersRequest,
  type ElectLeadersResponse,
  type IncrementalAlterConfigsRequest,
  type IncrementalAlterConfigsResponse,
  type ListPartitionReassignmentsRequest,
  type ListPartitionReassignmentsResponse,
  type UnregisterBrokerRequest,
  type UnregisterBrokerResponse,
  ZERO_UUID,
} from '@nagare/protocol';
import { raftApi, type RaftClient } from '@nagare/kraft';
import { ControlError } from './control-error';
import type { QuorumController } from './quorum-controller';

/** A failure as a Kafka error code and message. */
export function errorOf(e: unknown): { code: number; message: string | null } {
  if (e instanceof ControlError) return { code: e.code, message: e.message };
  if (e instanceof NagareError) return { code: e.kafkaErrorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR, message: e.message };
  return { code: ErrorCode.UNKNOWN_SERVER_ERROR, message: (e as Error)?.message ?? String(e) };
}

export interface ControllerApi {
  readonly apiKey: number;
  readonly minVersion: number;
  readonly maxVersion: number;
  handle(c: QuorumController, body: unknown, version: number): Promise<unknown>;
}

async function guarded<T>(fn: () => Promise<T>, onError: (code: number, message: string | null) => T): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    const { code, message } = errorOf(e);
    return onError(code, message);
  }
}

function api<Req, Res>(apiKey: number, minVersion: number, maxVersion: number, handle: (c: QuorumController, req: Req, version: number) => Promise<Res>): ControllerApi {
  return { apiKey, minVersion, maxVersion, handle: (c, b, v) => handle(c, b as Req, v) };
}

export const CONTROLLER_APIS: readonly ControllerApi[] = [
  api<CreateTopicsRequest, CreateTopicsResponse>(ApiKey.CreateTopics, 2, 7, (c, req, v) =>
    guarded(
      () => c.createTopics(req, v),
      (errorCode, errorMessage) => ({
        throttleTimeMs: 0,
        topics: req.topics.map((t) => ({ name: t.name, topicId: ZERO_UUID, errorCode, errorMessage, topicConfigErrorCode: 0, numPartitions: -1, replicationFactor: -1, configs: [] })),
      }),
    ),
  ),
  api<DeleteTopicsRequest, DeleteTopicsResponse>(ApiKey.DeleteTopics, 1, 6, (c, req) =>
    guarded(
      () => c.deleteTopics(req),
      (errorCode, errorMessage) => ({
        throttleTimeMs: 0,
        responses: (req.topics.length > 0 ? req.topics : req.topicNames.map((name) => ({ name, topicId: ZERO_UUID }))).map((t) => ({ name: t.name, topicId: t.topicId, errorCode, errorMessage })),
      }),
    ),
  ),
  api<CreatePartitionsRequest, CreatePartitionsResponse>(ApiKey.CreatePartitions, 0, 3, (c, req) =>
    guarded(
      () => c.createPartitions(req),
      (errorCode, errorMessage) => ({ throttleTimeMs: 0, results: req.topics.map((t) => ({ name: t.name, errorCode, errorMessage })) }),
    ),
  ),
  api<AlterConfigsRequest, AlterConfigsResponse>(ApiKey.AlterConfigs, 0, 2, (c, req) =>
    guarded(
      () => c.alterConfigs(req),
      (errorCode, errorMessage) => ({ throttleTimeMs: 0, responses: req.resources.map((r) => ({ errorCode, errorMessage, resourceType: r.resourceType, resourceName: r.resourceName })) }),
    ),
  ),
  api<IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse>(ApiKey.IncrementalAlterConfigs, 0, 1, (c, req) =>
    guarded(
      () => c.incrementalAlterConfigs(req),
      (errorCode, errorMessage) => ({ throttleTimeMs: 0, responses: req.resources.map((r) => ({ errorCode, errorMessage, resourceType: r.resourceType, resourceName: r.resourceName })) }),
    ),
  ),
  api<AllocateProducerIdsRequest, AllocateProducerIdsResponse>(ApiKey.AllocateProducerIds, 0, 0, (c, req) =>
    guarded(
      async () => {
        const r = await c.allocateProducerIds(req.brokerId, req.brokerEpoch);
        return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerIdStart: r.firstProducerId, producerIdLen: r.count };
      },
      (errorCode) => ({ throttleTimeMs: 0, errorCode, producerIdStart: -1n, producerIdLen: 0 }),
    ),
  ),
  api<BrokerRegistrationRequest, BrokerRegistrationResponse>(ApiKey.BrokerRegistration, 0, 4, (c, req) =>
    guarded(
      async () => ({ throttleTimeMs: 0, errorCode: ErrorCode.NONE, brokerEpoch: await c.registerBroker(req) }),
      (errorCode) => ({ throttleTimeMs: 0, errorCode, brokerEpoch: -1n }),
    ),
  ),
  api<BrokerHeartbeatRequest, BrokerHeartbeatResponse>(ApiKey.BrokerHeartbeat, 0, 1, (c, req) =>
    guarded(
      async () => ({ throttleTimeMs: 0, errorCode: ErrorCode.NONE as number, ...(await c.brokerHeartbeat(req)) }),
      (errorCode) => ({ throttleTimeMs: 0, errorCode, isCaughtUp: false, isFenced: true, shouldShutDown: false }),
    ),
  ),
  api<UnregisterBrokerRequest, UnregisterBrokerResponse>(ApiKey.UnregisterBroker, 0, 0, (c, req) =>
    guarded(
      async () => {
        await c.unregisterBroker(req.brokerId);
        return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null };
      },
      (errorCode, errorMessage) => ({ throttleTimeMs: 0, errorCode, errorMessage }),
    ),
  ),
  api<AlterPartitionRequest, AlterPartitionResponse>(ApiKey.AlterPartition, 0, 3, (c, req, v) =>
    guarded(
      () => c.alterPartition(req, v),
      (errorCode) => ({ throttleTimeMs: 0, errorCode, topics: [] }),
    ),
  ),
  api<ElectLeadersRequest, ElectLeadersResponse>(ApiKey.ElectLeaders, 0, 2, (c, req, v) =>
    guarded(
      () => c.electLeaders(req, v),
      (errorCode, errorMessage) => ({
        throttleTimeMs: 0,
        errorCode,
        // v0 has no top-level error: every partition asked for carries it.
        replicaElectionResults:
          v === 0 ? (req.topicPartitions ?? []).map((t) => ({ topic: t.topic, partitionResult: t.partitions.map((partitionId) => ({ partitionId, errorCode, errorMessage })) })) : [],
      }),
    ),
  ),
  api<AlterPartitionReassignmentsRequest, AlterPartitionReassignmentsResponse>(ApiKey.AlterPartitionReassignments, 0, 0, (c, req) =>
    guarded(
      () => c.alterPartitionReassignments(req),
      (errorCode, errorMessage) => ({ throttleTimeMs: 0, errorCode, errorMessage, responses: [] }),
    ),
  ),
  api<ListPartitionReassignmentsRequest, ListPartitionReassignmentsResponse>(ApiKey.ListPartitionReassignments, 0, 0, (c, req) =>
    guarded(
      () => c.listPartitionReassignments(req),
      (errorCode, errorMessage) => ({ throttleTimeMs: 0, errorCode, errorMessage, topics: [] }),
    ),
  ),
];

const BY_KEY = new Map(CONTROLLER_APIS.map((a) => [a.apiKey, a]));

export function controllerApi(apiKey: number): ControllerApi | undefined {
  return BY_KEY.get(apiKey);
}

/**
 * This node's controller answering in process (a combined node's broker calls it without the
 * network when it is the active controller): the controller APIs, and the KRaft APIs a broker
 * forwards (DescribeQuorum, AddRaftVoter, RemoveRaftVoter) answered by the node's replica.
 */
export function inProcessController(controller: QuorumController, raft: RaftClient): { isActive(): boolean; handle(apiKey: number, body: unknown, version: number): Promise<unknown> | undefined } {
  return {
    isActive: () => controller.isActive(),
    handle: (apiKey, body, version) => {
      const c = controllerApi(apiKey);
      if (c !== undefined) return c.handle(controller, body, version);
      const r = raftApi(apiKey);
      return r !== undefined ? Promise.resolve(r.handle(raft, body)) : undefined;
    },
  };
}
