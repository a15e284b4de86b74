/**
 * The contract between the request dispatcher and the per-API handlers.
 * A handler serves one API key over a version range; it gets the decoded
 * request and returns the response body (or null when no response is sent,
 * as for Produce with acks=0). Per-partition failures are error codes in the
 * response; a thrown error closes the connection, as Kafka does for requests
 * it cannot process.
 */
import type { RequestHeader, RequestByKey, ResponseByKey } from '@nagare/protocol';
import type { ConnectionInfo } from '../network/socket-server';
import type { BrokerServices } from '../services';

export interface RequestContext {
  readonly conn: ConnectionInfo;
  readonly header: RequestHeader;
  readonly apiVersion: number;
  readonly services: BrokerServices;
}

export type HandlerResult<K extends keyof ResponseByKey> = ResponseByKey[K] | null;

export interface ApiHandler<K extends keyof RequestByKey = keyof RequestByKey> {
  readonly apiKey: K;
  readonly minVersion: number;
  readonly maxVersion: number;
  handle(ctx: RequestContext, request: RequestByKey[K]): HandlerResult<K> | Promise<HandlerResult<K>>;
}

export function defineHandler<K extends keyof RequestByKey>(h: ApiHandler<K>): ApiHandler<K> {
  return h;
}
