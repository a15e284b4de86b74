/**
 * DescribeQuorum (key 55), v0-2, for this node's single-voter KRaft quorum
 * (`__cluster_metadata-0`), as Kafka's KafkaRaftClient answers it: this node is
 * the only voter and the leader; the leader epoch is that of the metadata log's
 * last batch and the high watermark its end (a single voter commits what it
 * has written and fsynced). The leader's fetch and caught-up times are now, as
 * Kafka reports them for the leader. No observers: the broker in this
 * combined node reads the log in process, it does not fetch it. Other
 * partitions get UNKNOWN_TOPIC_OR_PARTITION. With static voters
 * (kraft.version 0) replica directory ids are the zero UUID and v2's node
 * endpoints come from controller.quorum.voters on the first controller listener.
 */
import { ApiKey, ErrorCode, ZERO_UUID, type DescribeQuorumResponse } from '@nagare/protocol';
import { defineHandler } from './handlers/types';
import type { BrokerServices } from './services';

const METADATA_TOPIC = '__cluster_metadata';

export const describeQuorumHandler = defineHandler({
  apiKey: ApiKey.DescribeQuorum,
  minVersion: 0,
  maxVersion: 2,
  handle(ctx, req) {
    const s = ctx.services;
    const valid = req.topics.length === 1 && req.topics[0].topicName === METADATA_TOPIC && req.topics[0].partitions.length === 1 && req.topics[0].partitions[0].partitionIndex === 0;
    if (!valid) {
      return {
        errorCode: 0,
        errorMessage: null,
        topics: req.topics.map((t) => ({
          topicName: t.topicName,
          partitions: t.partitions.map((p) => ({ ...emptyPartition(p.partitionIndex), errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION })),
        })),
        nodes: [],
      };
    }
    const image = s.metadata();
    const now = BigInt(s.clock.now());
    const highWatermark = BigInt(image.provenance.offset + 1);
    const leader: DescribeQuorumResponse.ReplicaState = {
      replicaId: s.nodeId,
      replicaDirectoryId: ZERO_UUID,
      logEndOffset: highWatermark,
      lastFetchTimestamp: now,
      lastCaughtUpTimestamp: now,
    };
    return {
      errorCode: 0,
      errorMessage: null,
      topics: [
        {
          topicName: METADATA_TOPIC,
          partitions: [{ ...emptyPartition(0), leaderId: s.nodeId, leaderEpoch: Math.max(image.provenance.epoch, 0), highWatermark, currentVoters: [leader] }],
        },
      ],
      nodes: ctx.apiVersion >= 2 ? [{ nodeId: s.nodeId, listeners: voterEndpoints(ctx.services) }] : [],
    };
  },
});

function emptyPartition(partitionIndex: number): DescribeQuorumResponse.PartitionData {
  return { partitionIndex, errorCode: 0, errorMessage: null, leaderId: -1, leaderEpoch: -1, highWatermark: -1n, currentVoters: [], observers: [] };
}

/** This voter's endpoints: from controller.quorum.voters, else its bound controller listener. */
function voterEndpoints(s: BrokerServices): DescribeQuorumResponse.Listener[] {
  const name = s.config.controllerListenerNames[0];
  if (!name) return [];
  for (const v of s.config.list('controller.quorum.voters')) {
    const m = /^(\d+)@(.*):(\d+)$/.exec(v);
    if (m && Number(m[1]) === s.nodeId) return [{ name, host: m[2].replace(/^\[|\]$/g, ''), port: Number(m[3]) }];
  }
  const bound = s.boundListeners?.().find((l) => l.name === name);
  if (!bound) return [];
  const host = bound.host === '' || bound.host === '0.0.0.0' || bound.host === '::' ? 'localhost' : bound.host;
  return [{ name, host, port: bound.boundPort }];
}
