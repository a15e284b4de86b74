/**
 * FindCoordinator (key 10), v0-6. This node coordinates every group and
 * transactional id, so the answer is this node's endpoint for the listener
 * the request came in on (else the first advertised one). v0 asks for a
 * group; v1+ carries a key type (0 group, 1 transaction; others are
 * INVALID_REQUEST); v4+ batches keys (KIP-699). For group keys the
 * `__consumer_offsets` topic is created first, as Kafka does on first use;
 * if that fails the answer is COORDINATOR_NOT_AVAILABLE. An empty key is not
 * an error (Kafka hashes it like any other).
 */
import { ApiKey, ErrorCode, FindCoordinatorResponse } from '@nagare/protocol';
import { defineHandler } from './types';

const GROUP = 0;
const TRANSACTION = 1;
const NO_NODE = { nodeId: -1, host: '', port: -1 };
// Kafka's default messages of these errors (what Errors.message() gives).
const NOT_AVAILABLE_MESSAGE = 'The coordinator is not available.';
const INVALID_REQUEST_MESSAGE =
  'This most likely occurs because of a request being malformed by the client library or the message was sent to an incompatible broker. See the broker logs for more details.';

export const findCoordinatorHandler = defineHandler({
  apiKey: ApiKey.FindCoordinator,
  minVersion: 0,
  maxVersion: 6,
  async handle(ctx, req) {
    const v = ctx.apiVersion;
    const s = ctx.services;
    const keyType = v >= 1 ? req.keyType : GROUP;
    let errorCode: number = ErrorCode.NONE;
    if (keyType !== GROUP && keyType !== TRANSACTION) errorCode = ErrorCode.INVALID_REQUEST;
    else if (keyType === GROUP) errorCode = await s.groups.ensureOffsetsTopic();
    const listeners = s.config.advertisedListeners;
    const ep = listeners.find((e) => e.listener === ctx.conn.listener) ?? listeners[0];
    if (errorCode === ErrorCode.NONE && !ep) errorCode = ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const node = errorCode === ErrorCode.NONE ? { nodeId: s.nodeId, host: ep!.host, port: ep!.port } : NO_NODE;
    if (v < 4) {
      // v1-3 carry the error's message: "NONE" on success, as Kafka's Errors.message().
      const message = errorCode === ErrorCode.NONE ? 'NONE' : errorCode === ErrorCode.INVALID_REQUEST ? INVALID_REQUEST_MESSAGE : NOT_AVAILABLE_MESSAGE;
      return { throttleTimeMs: 0, errorCode, errorMessage: v >= 1 ? message : null, ...node, coordinators: [] };
    }
    // v4+: Kafka sets a message only when failing the whole request (an unknown key type).
    const errorMessage = errorCode === ErrorCode.INVALID_REQUEST ? INVALID_REQUEST_MESSAGE : null;
    const coordinators: FindCoordinatorResponse.Coordinator[] = req.coordinatorKeys.map((key) => ({ key, ...node, errorCode, errorMessage }));
    return { throttleTimeMs: 0, errorCode: 0, errorMessage: null, nodeId: 0, host: '', port: 0, coordinators };
  },
});
