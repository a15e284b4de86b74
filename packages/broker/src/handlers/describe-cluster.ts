/**
 * DescribeCluster (key 60), v0-2, on a broker listener: cluster id, controller and the brokers
 * (endpoint type 1, KIP-919). Asking a broker listener for controllers is MISMATCHED_ENDPOINT_TYPE
 * (INVALID_REQUEST for v0): `--bootstrap-controller` clients ask a controller listener, which the
 * node's controller server answers. v2 can include fenced brokers.
 */
import { ApiKey, ErrorCode } from '@nagare/protocol';
import { controllerIdFor } from './metadata';
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
      controllerId: controllerIdFor(s, image),
      brokers: [] as Array<{ brokerId: number; host: string; port: number; rack: string | null; isFenced: boolean }>,
      clusterAuthorizedOperations: req.includeClusterAuthorizedOperations ? ALL_CLUSTER_OPERATIONS : -2147483648,
    };
    const fail = (code: number, message: string) => ({ ...base, errorCode: ctx.apiVersion === 0 ? ErrorCode.INVALID_REQUEST : code, errorMessage: message });
    if (!ENDPOINT_TYPES[requested]) return fail(ErrorCode.UNSUPPORTED_ENDPOINT_TYPE, `Unsupported endpoint type ${requested}`);
    if (requested !== 1) {
      return fail(ErrorCode.MISMATCHED_ENDPOINT_TYPE, `The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type ${ENDPOINT_TYPES[requested]}`);
    }
    for (const b of image.brokers.values()) {
      if (b.fenced && !(ctx.apiVersion >= 2 && req.includeFencedBrokers)) continue;
      const ep = b.endpoints.find((e) => e.name === ctx.conn.listener) ?? b.endpoints[0];
      if (ep) base.brokers.push({ brokerId: b.id, host: ep.host, port: ep.port, rack: b.rack, isFenced: ctx.apiVersion >= 2 ? b.fenced : false });
    }
    return base;
  },
});
