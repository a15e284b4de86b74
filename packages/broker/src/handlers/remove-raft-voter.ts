/**
 * RemoveRaftVoter (key 81), v0 (KIP-853): forwarded to the active controller, which removes a voter
 * from the voter set of a dynamic quorum (kraft.version 1).
 */
import { ApiKey } from '@nagare/protocol';
import { forwardToController } from './forward';
import { defineHandler } from './types';

export const removeRaftVoterHandler = defineHandler({
  apiKey: ApiKey.RemoveRaftVoter,
  minVersion: 0,
  maxVersion: 0,
  handle: forwardToController(ApiKey.RemoveRaftVoter, (errorCode, errorMessage) => ({ throttleTimeMs: 0, errorCode, errorMessage })),
});
