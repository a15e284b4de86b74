/**
 * FindCoordinator (key 10), v0-6. A group's coordinator is the leader of its
 * `__consumer_offsets` partition (Kafka's partitionFor: hash of the group id
 * modulo offsets.topic.num.partitions), answered with that broker's endpoint
 * for the listener the request came in on (this node's advertised one when it
 * leads; else the first advertised one). A partition without a live leader
 * is COORDINATOR_NOT_AVAILABLE. A transactional id's coordinator is likewise
 * the leader of its `__transaction_state` partition (hash of the id modulo
 * transaction.state.log.num.partitions). v0 asks for a group; v1+ carries a
 * key type (0 group, 1 transaction; others are INVALID_REQUEST); v4+ batches
 * keys (KIP-699). The coordinator's topic is created first, as Kafka does on
 * first use; if that fails the answer is COORDINATOR_NOT_AVAILABLE. An empty
 * key is not an error (Kafka hashes it like any other).
 */
import { ApiKey, ErrorCode, FindCoordinatorResponse } from '@nagare/protocol';
import { OFFSETS_TOPIC, TRANSACTION_STATE_TOPIC } from '../offsets-topic';
import { defineHandler, type RequestContext } from './types';

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
    else errorCode = await s.transactions.ensureTopic();
    const node = (key: string) => (errorCode === ErrorCode.NONE ? coordinatorNode(ctx, keyType, key) : { errorCode, node: NO_NODE });
    if (v < 4) {
      // v1-3 carry the error's message: "NONE" on success, as Kafka's Errors.message().
      const found = node(req.key);
      const code = found.errorCode;
      const message = code === ErrorCode.NONE ? 'NONE' : code === ErrorCode.INVALID_REQUEST ? INVALID_REQUEST_MESSAGE : NOT_AVAILABLE_MESSAGE;
      return { throttleTimeMs: 0, errorCode: code, errorMessage: v >= 1 ? message : null, ...found.node, coordinators: [] };
    }
    // v4+: Kafka sets a message only when failing the whole request (an unknown key type).
    const errorMessage = errorCode === ErrorCode.INVALID_REQUEST ? INVALID_REQUEST_MESSAGE : null;
    const coordinators: FindCoordinatorResponse.Coordinator[] = req.coordinatorKeys.map((key) => {
      const found = node(key);
      return { key, ...found.node, errorCode: found.errorCode, errorMessage };
    });
    return { throttleTimeMs: 0, errorCode: 0, errorMessage: null, nodeId: 0, host: '', port: 0, coordinators };
  },
});

/**
 * The broker that coordinates `key`: the leader of its partition of
 * `__consumer_offsets` (groups) or `__transaction_state` (transactional
 * ids) in the metadata image; this node while the image does not have the
 * topic yet (the first FindCoordinator, before the topic is visible).
 */
function coordinatorNode(ctx: RequestContext, keyType: number, key: string): { errorCode: number; node: { nodeId: number; host: string; port: number } } {
  const s = ctx.services;
  const self = () => {
    const listeners = s.config.advertisedListeners;
    const ep = listeners.find((e) => e.listener === ctx.conn.listener) ?? listeners[0];
    return ep ? { errorCode: ErrorCode.NONE as number, node: { nodeId: s.nodeId, host: ep.host, port: ep.port } } : { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE as number, node: NO_NODE };
  };
  if (typeof s.metadata !== 'function') return self();
  const image = s.metadata();
  const topic = image.topicsByName.get(keyType === GROUP ? OFFSETS_TOPIC : TRANSACTION_STATE_TOPIC);
  if (!topic) return self();
  const partition = keyType === GROUP ? s.groups.partitionFor(key) : s.transactions.partitionFor(key);
  const leader = topic.partitions.get(partition)?.leader ?? -1;
  if (leader === s.nodeId) return self();
  const broker = leader >= 0 ? image.brokers.get(leader) : undefined;
  const ep = broker && !broker.fenced ? (broker.endpoints.find((e) => e.name === ctx.conn.listener) ?? broker.endpoints[0]) : undefined;
  if (!ep) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, node: NO_NODE };
  return { errorCode: ErrorCode.NONE, node: { nodeId: leader, host: ep.host, port: ep.port } };
}
