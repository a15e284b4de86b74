/**
 * The KRaft APIs a controller listener serves, answered by the node's RaftClient (Kafka's
 * KafkaRaftClient.handleRequest): Vote, BeginQuorumEpoch, EndQuorumEpoch, Fetch and FetchSnapshot on
 * `__cluster_metadata`, DescribeQuorum, AddRaftVoter and RemoveRaftVoter, with the versions served.
 */
import { ApiKey } from '@nagare/protocol';
import type { RaftClient } from './raft-client';

export interface RaftApi {
  readonly apiKey: number;
  readonly minVersion: number;
  readonly maxVersion: number;
  handle(client: RaftClient, body: unknown): unknown;
}

export const RAFT_APIS: readonly RaftApi[] = [
  { apiKey: ApiKey.Vote, minVersion: 0, maxVersion: 2, handle: (c, b) => c.handleVote(b as never) },
  { apiKey: ApiKey.BeginQuorumEpoch, minVersion: 0, maxVersion: 1, handle: (c, b) => c.handleBeginQuorumEpoch(b as never) },
  { apiKey: ApiKey.EndQuorumEpoch, minVersion: 0, maxVersion: 1, handle: (c, b) => c.handleEndQuorumEpoch(b as never) },
  // The controller listener's Fetch is the Raft fetch of the metadata log (KIP-595); v13+ carries topic ids and the cluster id.
  { apiKey: ApiKey.Fetch, minVersion: 13, maxVersion: 17, handle: (c, b) => c.handleFetch(b as never) },
  { apiKey: ApiKey.FetchSnapshot, minVersion: 0, maxVersion: 1, handle: (c, b) => c.handleFetchSnapshot(b as never) },
  { apiKey: ApiKey.DescribeQuorum, minVersion: 0, maxVersion: 2, handle: (c, b) => c.handleDescribeQuorum(b as never) },
  { apiKey: ApiKey.AddRaftVoter, minVersion: 0, maxVersion: 0, handle: (c, b) => c.handleAddRaftVoter(b as never) },
  { apiKey: ApiKey.RemoveRaftVoter, minVersion: 0, maxVersion: 0, handle: (c, b) => c.handleRemoveRaftVoter(b as never) },
];

const BY_KEY = new Map(RAFT_APIS.map((a) => [a.apiKey, a]));

export function raftApi(apiKey: number): RaftApi | undefined {
  return BY_KEY.get(apiKey);
}
