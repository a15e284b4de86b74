import { ZERO_UUID } from '@nagare/protocol';
import { NagareError } from '@nagare/common';
import type { QuorumStateData } from './types';

export const EMPTY_QUORUM_STATE: QuorumStateData = { leaderEpoch: 0, leaderId: -1, votedId: -1, votedDirectoryId: ZERO_UUID };

/**
 * Kafka's `quorum-state` file (FileQuorumStateStore): one JSON object, data_version 1 since KIP-853
 * added votedDirectoryId. data_version 0 files (with currentVoters/appliedOffset) are read too.
 */
export function quorumStateToJson(s: QuorumStateData, clusterId = ''): string {
  return JSON.stringify({
    clusterId,
    leaderId: s.leaderId,
    leaderEpoch: s.leaderEpoch,
    votedId: s.votedId,
    votedDirectoryId: s.votedDirectoryId,
    data_version: 1,
  });
}

export function quorumStateFromJson(text: string): QuorumStateData {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch (e) {
    throw new NagareError('METADATA_LOG_CORRUPT', `quorum-state is not JSON: ${(e as Error).message}`);
  }
  const r = o as Record<string, unknown>;
  const int = (k: string, dflt: number): number => {
    const v = r[k] ?? dflt;
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new NagareError('METADATA_LOG_CORRUPT', `quorum-state field ${k} is not an integer`);
    return v;
  };
  const version = int('data_version', 0);
  if (version !== 0 && version !== 1) throw new NagareError('METADATA_LOG_CORRUPT', `quorum-state data_version ${version} is not supported`);
  const dir = r.votedDirectoryId ?? ZERO_UUID;
  if (typeof dir !== 'string') throw new NagareError('METADATA_LOG_CORRUPT', 'quorum-state field votedDirectoryId is not a string');
  return { leaderEpoch: int('leaderEpoch', 0), leaderId: int('leaderId', -1), votedId: int('votedId', -1), votedDirectoryId: dir };
}
