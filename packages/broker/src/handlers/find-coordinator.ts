/**
 * FindCoordinator (key 10), v0-6. A group's coordinator is the broker that
 * leads the group's `__consumer_offsets` partition (COORDINATOR_NOT_AVAILABLE
 * while it has no leader); this node coordinates transactional ids. The
 * endpoint is the one for the listener the request came in on (else the first). v0 asks for a
 * group; v1+ carries a key type (0 group, 1 transaction; others are
 * INVALID_REQUEST); v4+ batches keys (KIP-699). For group keys the
 * `__consumer_offsets` topic is created first, as Kafka does on first use;
 * if that fails the answer is COORDINATOR_NOT_AVAILABLE. An empty key is not
 * an error (Kafka hashes it like any other).
 */
import { ApiKey, ErrorCode, FindCoordinatorResponse } from '@nagare/protocol';
import { OFFSETS_TOPIC } from '../offsets-topic';
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
    // A group's coordinator is the leader of its __consumer_offsets partition; transactional ids are
    // coordinated here (nagare has no transaction coordinator yet).
    const offsets = typeof s.metadata === 'function' ? s.metadata().topicsByName.get(OFFSETS_TOPIC) : undefined;
    const image = offsets !== undefined ? s.metadata() : undefined;
    const coordinatorOf = (key: string): { nodeId: number; host: string; port: number } | undefined => {
      if (keyType !== GROUP || offsets === undefined || image === undefined) {
        // Transactional ids, or an offsets topic this node's image does not hold (yet): this node.
        const own = s.config.advertisedListeners;
        const ep = own.find((e) => e.listener === ctx.conn.listener) ?? own[0];
        return ep ? { nodeId: s.nodeId, host: ep.host, port: ep.port } : undefined;
      }
      const leader = offsets.partitions.get(s.groups.partitionFor(key))?.leader ?? -1;
      const b = image.brokers.get(leader);
      if (b === undefined || b.fenced) return undefined;
      const ep = b.endpoints.find((e) => e.name === ctx.conn.listener) ?? b.endpoints[0];
      return ep ? { nodeId: b.id, host: ep.host, port: ep.port } : undefined;
    };
    const answer = (key: string) => {
      if (errorCode !== ErrorCode.NONE) return { node: NO_NODE, errorCode };
      const n = coordinatorOf(key);
      return n ? { node: n, errorCode: ErrorCode.NONE as number } : { node: NO_NODE, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE as number };
    };
    if (v < 4) {
      const a = answer(req.key);
      // v1-3 carry the error's message: "NONE" on success, as Kafka's Errors.message().
      const message = a.errorCode === ErrorCode.NONE ? 'NONE' : a.errorCode === ErrorCode.INVALID_REQUEST ? INVALID_REQUEST_MESSAGE : NOT_AVAILABLE_MESSAGE;
      return { throttleTimeMs: 0, errorCode: a.errorCode, errorMessage: v >= 1 ? message : null, ...a.node, coordinators: [] };
    }
    // v4+: Kafka sets a message only when failing the whole request (an unknown key type).
    const errorMessage = errorCode === ErrorCode.INVALID_REQUEST ? INVALID_REQUEST_MESSAGE : null;
    const coordinators: FindCoordinatorResponse.Coordinator[] = req.coordinatorKeys.map((key) => {
      const a = answer(key);
      return { key, ...a.node, errorCode: a.errorCode, errorMessage };
    });
    return { throttleTimeMs: 0, errorCode: 0, errorMessage: null, nodeId: 0, host: '', port: 0, coordinators };
  },
});
