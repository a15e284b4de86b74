/**
 * Metadata (key 3), v0-12: brokers, cluster id, controller id and topic /
 * partition state from the metadata image. A null topic list (an empty one in
 * v0) means all topics. Unknown topics are created when the request allows it
 * (v4+: AllowAutoTopicCreation) and `auto.create.topics.enable` is on; the
 * response then carries the new topic. Invalid names get
 * INVALID_TOPIC_EXCEPTION. v10+ may name topics by id only. Endpoints are
 * those advertised for the listener the request arrived on.
 */
import { ApiKey, ErrorCode, MetadataResponse, ZERO_UUID } from '@nagare/protocol';
import { INTERNAL_TOPICS, MetadataImage, TopicImage, validateTopicName } from '@nagare/metadata';
import { defineHandler, RequestContext } from './types';

/** Authorized-operations bitmask with every topic operation allowed (no authorizer). */
const ALL_TOPIC_OPERATIONS = (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 7) | (1 << 8) | (1 << 10) | (1 << 11);
const ALL_CLUSTER_OPERATIONS = (1 << 4) | (1 << 7) | (1 << 8) | (1 << 9) | (1 << 10) | (1 << 11) | (1 << 12);
const OPS_NOT_REQUESTED = -2147483648;

export function brokersFor(ctx: RequestContext, image: MetadataImage): MetadataResponse.MetadataResponseBroker[] {
  const out: MetadataResponse.MetadataResponseBroker[] = [];
  for (const b of image.brokers.values()) {
    if (b.fenced) continue;
    const ep = b.endpoints.find((e) => e.name === ctx.conn.listener) ?? b.endpoints[0];
    if (ep) out.push({ nodeId: b.id, host: ep.host, port: ep.port, rack: b.rack });
  }
  return out;
}

/**
 * The controller id clients are told (Metadata, DescribeCluster on a broker listener). Kafka in KRaft
 * mode names a random alive broker (clients cannot reach controllers); nagare names the active
 * controller when it is an alive broker (a combined node), else the lowest alive broker id.
 */
export function controllerIdFor(services: { controller: { activeControllerId(): number } }, image: MetadataImage): number {
  const active = services.controller.activeControllerId();
  const alive = [...image.brokers.values()].filter((b) => !b.fenced).map((b) => b.id);
  if (alive.includes(active)) return active;
  return alive.length > 0 ? Math.min(...alive) : -1;
}

export function topicMetadata(t: TopicImage, includeOps: boolean): MetadataResponse.MetadataResponseTopic {
  const partitions = [...t.partitions.values()]
    .sort((a, b) => a.partition - b.partition)
    .map((p) => ({
      errorCode: p.leader >= 0 ? ErrorCode.NONE : ErrorCode.LEADER_NOT_AVAILABLE,
      partitionIndex: p.partition,
      leaderId: p.leader,
      leaderEpoch: p.leaderEpoch,
      replicaNodes: p.replicas,
      isrNodes: p.isr,
      offlineReplicas: [],
    }));
  return {
    errorCode: ErrorCode.NONE,
    name: t.name,
    topicId: t.id,
    isInternal: INTERNAL_TOPICS.has(t.name),
    partitions,
    topicAuthorizedOperations: includeOps ? ALL_TOPIC_OPERATIONS : OPS_NOT_REQUESTED,
  };
}

function errorTopic(name: string | null, topicId: string, errorCode: number): MetadataResponse.MetadataResponseTopic {
  return { errorCode, name, topicId, isInternal: false, partitions: [], topicAuthorizedOperations: OPS_NOT_REQUESTED };
}

export const metadataHandler = defineHandler({
  apiKey: ApiKey.Metadata,
  minVersion: 0,
  maxVersion: 12,
  async handle(ctx, req) {
    const s = ctx.services;
    const v = ctx.apiVersion;
    const includeOps = req.includeTopicAuthorizedOperations;
    const allTopics = req.topics === null || (v === 0 && req.topics.length === 0);
    let image = s.metadata();
    const topics: MetadataResponse.MetadataResponseTopic[] = [];
    if (allTopics) {
      for (const t of [...image.topicsByName.values()].sort((a, b) => a.name.localeCompare(b.name))) topics.push(topicMetadata(t, includeOps));
    } else {
      const allowAuto = (v < 4 || req.allowAutoTopicCreation) && s.config.bool('auto.create.topics.enable');
      const toCreate: string[] = [];
      for (const rt of req.topics!) {
        if (rt.name === null) continue;
        if (!image.topicsByName.has(rt.name) && allowAuto && validateTopicName(rt.name) === null && !INTERNAL_TOPICS.has(rt.name)) {
          toCreate.push(rt.name);
        }
      }
      if (toCreate.length > 0) {
        await s.autoCreateTopics(toCreate);
        image = s.metadata();
      }
      for (const rt of req.topics!) {
        if (rt.name === null) {
          const t = rt.topicId !== ZERO_UUID ? image.topicsById.get(rt.topicId) : undefined;
          topics.push(t ? topicMetadata(t, includeOps) : errorTopic(null, rt.topicId, ErrorCode.UNKNOWN_TOPIC_ID));
          continue;
        }
        const t = image.topicsByName.get(rt.name);
        if (t) topics.push(topicMetadata(t, includeOps));
        else if (validateTopicName(rt.name) !== null) topics.push(errorTopic(rt.name, ZERO_UUID, ErrorCode.INVALID_TOPIC_EXCEPTION));
        else topics.push(errorTopic(rt.name, ZERO_UUID, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
      }
    }
    return {
      throttleTimeMs: 0,
      brokers: brokersFor(ctx, image),
      clusterId: s.clusterId,
      controllerId: controllerIdFor(s, image),
      topics,
      clusterAuthorizedOperations: req.includeClusterAuthorizedOperations ? ALL_CLUSTER_OPERATIONS : OPS_NOT_REQUESTED,
      errorCode: 0,
    };
  },
});
