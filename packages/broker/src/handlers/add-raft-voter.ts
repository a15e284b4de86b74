/**
 * AddRaftVoter (key 80), v0 (KIP-853): forwarded to the active controller, which adds a caught-up
 * observer to the voter set of a dynamic quorum (kraft.version 1) once the previous change committed.
 */
import { ApiKey } from '@nagare/protocol';
import { forwardToController } from './forward';
import { defineHandler } from './types';

export const addRaftVoterHandler = defineHandler({
  apiKey: ApiKey.AddRaftVoter,
  minVersion: 0,
  maxVersion: 0,
  handle: forwardToController(ApiKey.AddRaftVoter, (errorCode, errorMessage) => ({ throttleTimeMs: 0, errorCode, errorMessage })),
});
