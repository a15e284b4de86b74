/**
 * ElectLeaders (key 43), v0-2: forwarded to the active controller, which elects the preferred
 * replica (type 0) or, with unclean election (type 1, KIP-460), any live replica for partitions without
 * a leader. ELECTION_NOT_NEEDED, PREFERRED_LEADER_NOT_AVAILABLE, ELIGIBLE_LEADERS_NOT_AVAILABLE and
 * UNKNOWN_TOPIC_OR_PARTITION per partition; a null partition list means every partition (those
 * already led by their preferred replica are left out).
 */
import { ApiKey } from '@nagare/protocol';
import { forwardToController } from './forward';
import { defineHandler } from './types';

export const electLeadersHandler = defineHandler({
  apiKey: ApiKey.ElectLeaders,
  minVersion: 0,
  maxVersion: 2,
  handle: forwardToController(ApiKey.ElectLeaders, (errorCode, errorMessage, req, v) => ({
    throttleTimeMs: 0,
    errorCode,
    replicaElectionResults: v === 0 ? (req.topicPartitions ?? []).map((t) => ({ topic: t.topic, partitionResult: t.partitions.map((partitionId) => ({ partitionId, errorCode, errorMessage })) })) : [],
  })),
});
