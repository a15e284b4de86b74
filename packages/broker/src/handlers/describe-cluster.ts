/**
 * DescribeCluster (key 60), v0-2: cluster id, controller and nodes. Which
 * nodes depends on the listener the request came in on, as in Kafka (KIP-919):
 * a broker listener describes brokers (endpoint type 1), a controller listener
 * (controller.listener.names) describes controllers (endpoint type 2, what
 * `--bootstrap-controller` clients ask for); asking one for the other is
 * MISMATCHED_ENDPOINT_TYPE (INVALID_REQUEST for v0). v2 can include fenced brokers.
 */
import { ApiKey, ErrorCode } from '@nagare/protocol';
import { parseEndpoints } from '../config';
import { defineHandler } from './types';

const ALL_CLUSTER_OPERATIONS = (1 << 4) | (1 << 7) | (1 << 8) | (1 << 9) | (1 << 10) | (1 << 11) | (1 << 12);
const ENDPOINT_TYPES: Record<number, string> = { 1: 'BROKER', 2: 'CONTROLLER' };

export const describeClusterHandler = defineHandler({
  apiKey: ApiKey.DescribeCluster,
  minVersion: 0,
  maxVersion: 2,
  handle(ctx, req) {
    const s = ctx.services;
    const image = s.metadata();
    const requested = ctx.apiVersion >= 1 ? req.endpointType : 1;
    const base = {
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null as string | null,
      endpointType: requested,
      clusterId: s.clusterId,
      controllerId: s.nodeId,
      brokers: [] as Array<{ brokerId: number; host: string; port: number; rack: string | null; isFenced: boolean }>,
      clusterAuthorizedOperations: req.includeClusterAuthorizedOperations ? ALL_CLUSTER_OPERATIONS : -2147483648,
    };
    const fail = (code: number, message: string) => ({ ...base, errorCode: ctx.apiVersion === 0 ? ErrorCode.INVALID_REQUEST : code, errorMessage: message });
    if (!ENDPOINT_TYPES[requested]) return fail(ErrorCode.UNSUPPORTED_ENDPOINT_TYPE, `Unsupported endpoint type ${requested}`);
    const onController = s.config.controllerListenerNames.includes(ctx.conn.listener);
    const served = onController ? 2 : 1;
    if (requested !== served) {
      return fail(ErrorCode.MISMATCHED_ENDPOINT_TYPE, `The request was sent to an endpoint of type ${ENDPOINT_TYPES[served]}, but we wanted an endpoint of type ${ENDPOINT_TYPES[requested]}`);
    }
    if (onController) {
      // This node is the only controller (and the quorum's leader): its endpoint on the listener asked.
      const ep = s.config.listeners.find((l) => l.listener === ctx.conn.listener)!;
      // Kafka 3.9+ may advertise controller listeners too (KIP-853).
      const adv = s.config.get('advertised.listeners');
      const advertised = adv ? parseEndpoints('advertised.listeners', adv).find((e) => e.listener === ctx.conn.listener && e.host !== '' && e.port !== 0) : undefined;
      const bound = s.boundListeners?.().find((l) => l.name === ctx.conn.listener);
      const host = advertised?.host ?? (ep.host === '' || ep.host === '0.0.0.0' || ep.host === '::' ? 'localhost' : ep.host);
      const port = advertised?.port ?? (ep.port === 0 && bound ? bound.boundPort : ep.port);
      return { ...base, brokers: [{ brokerId: s.nodeId, host, port, rack: null, isFenced: false }] };
    }
    for (const b of image.brokers.values()) {
      if (b.fenced && !(ctx.apiVersion >= 2 && req.includeFencedBrokers)) continue;
      const ep = b.endpoints.find((e) => e.name === ctx.conn.listener) ?? b.endpoints[0];
      if (ep) base.brokers.push({ brokerId: b.id, host: ep.host, port: ep.port, rack: b.rack, isFenced: ctx.apiVersion >= 2 ? b.fenced : false });
    }
    return base;
  },
});
