/**
 * UnregisterBroker (key 64), v0 (KIP-500): forwarded to the active controller, which removes the
 * broker's registration and its ISR memberships; BROKER_ID_NOT_REGISTERED for an unknown id.
 */
import { ApiKey } from '@nagare/protocol';
import { forwardToController } from './forward';
import { defineHandler } from './types';

export const unregisterBrokerHandler = defineHandler({
  apiKey: ApiKey.UnregisterBroker,
  minVersion: 0,
  maxVersion: 0,
  handle: forwardToController(ApiKey.UnregisterBroker, (errorCode, errorMessage) => ({ throttleTimeMs: 0, errorCode, errorMessage })),
});
