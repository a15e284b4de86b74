/** The part of a request's context the group coordinator uses. */
import type { RequestContext } from '../handlers/types';

/** What the coordinator needs to know of the request beyond its body. */
export interface GroupRequestContext {
  apiVersion: number;
  clientId: string;
  /** As Kafka reports it: the client's address with a leading "/". */
  clientHost: string;
}

/** The client's host as Kafka reports it (InetAddress.toString(): "/127.0.0.1"); IPv4-mapped IPv6 shown as IPv4. */
export function clientHostOf(remoteAddress: string): string {
  return `/${remoteAddress.startsWith('::ffff:') && remoteAddress.includes('.') ? remoteAddress.slice(7) : remoteAddress}`;
}

export function groupRequestContext(ctx: RequestContext): GroupRequestContext {
  return { apiVersion: ctx.apiVersion, clientId: ctx.header.clientId ?? '', clientHost: clientHostOf(ctx.conn.remoteAddress) };
}
