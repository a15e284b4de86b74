/**
 * DescribeCluster (key 60), v0-2: cluster id, controller and brokers
 * (endpoint type 1, brokers; 2 asks for controllers, which a combined node
 * answers with itself on the controller listener). v2 can include fenced brokers.
 */
import { ApiKey, ErrorCode } from '@nagare/protocol';
import { defineHandler } from './types';

const ALL_CLUSTER_OPERATIONS = (1 << 4) | (1 << 7) | (1 << 8) | (1 << 9) | (1 << 10) | (1 << 11) | (1 << 12);

export const describeClusterHandler = defineHandler({
  apiKey: ApiKey.DescribeCluster,
  minVersion: 0,
  maxVersion: 2,
  handle(ctx, req) {
    const s = ctx.services;
    const image = s.metadata();
    const base = {
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null as string | null,
      endpointType: ctx.apiVersion >= 1 ? req.endpointType : 1,
      clusterId: s.clusterId,
      controllerId: s.nodeId,
      brokers: [] as Array<{ brokerId: number; host: string; port: number; rack: string | null; isFenced: boolean }>,
      clusterAuthorizedOperations: req.includeClusterAuthorizedOperations ? ALL_CLUSTER_OPERATIONS : -2147483648,
    };
    if (base.endpointType === 2) {
      const ctl = s.config.controllerListenerNames;
      const ep = s.config.listeners.find((l) => ctl.includes(l.listener));
      if (!ep) return { ...base, errorCode: ErrorCode.UNSUPPORTED_ENDPOINT_TYPE, errorMessage: 'This node has no controller listener.' };
      return { ...base, brokers: [{ brokerId: s.nodeId, host: ep.host || 'localhost', port: ep.port, rack: null, isFenced: false }] };
    }
    if (base.endpointType !== 1) return { ...base, errorCode: ErrorCode.UNSUPPORTED_ENDPOINT_TYPE, errorMessage: `Unsupported endpoint type ${base.endpointType}` };
    for (const b of image.brokers.values()) {
      if (b.fenced && !(ctx.apiVersion >= 2 && req.includeFencedBrokers)) continue;
      const ep = b.endpoints.find((e) => e.name === ctx.conn.listener) ?? b.endpoints[0];
      if (ep) base.brokers.push({ brokerId: b.id, host: ep.host, port: ep.port, rack: b.rack, isFenced: ctx.apiVersion >= 2 ? b.fenced : false });
    }
    return base;
  },
});
