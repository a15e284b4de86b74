/**
 * Turns frames into handler calls and handler results into response frames.
 *
 * - Unknown API keys, versions no handler serves, and requests that do not
 *   parse close the connection, as Kafka does; each is logged once.
 * - An ApiVersions request of a version we do not know is answered with a v0
 *   body carrying UNSUPPORTED_VERSION and our ApiVersions range (KIP-511), so
 *   the client can retry with a version we share.
 */
import type { Logger } from '@nagare/common';
import {
  ApiKey,
  ApiVersionsResponse,
  ErrorCode,
  ProtocolDecodeError,
  ResponseByKey,
  apiByKey,
  decodeRequestBody,
  decodeRequestHeader,
  encodeResponseFrame,
  readRequestPrefix,
} from '@nagare/protocol';
import type { HandlerRegistry } from './handlers/registry';
import type { ApiHandler, RequestContext } from './handlers/types';
import type { ConnectionInfo, FrameHandler, HandleResult } from './network/socket-server';
import type { BrokerServices } from './services';

export class RequestDispatcher implements FrameHandler {
  private isReady: boolean;

  constructor(
    private readonly services: BrokerServices,
    private readonly registry: HandlerRegistry,
    private readonly logger: Logger,
    private readonly ready?: Promise<void>,
  ) {
    this.isReady = ready === undefined;
    ready?.then(() => (this.isReady = true));
  }

  handleFrame(conn: ConnectionInfo, frame: Buffer): HandleResult | Promise<HandleResult> {
    if (!this.isReady) return this.ready!.then(() => this.handle(conn, frame));
    return this.handle(conn, frame);
  }

  private handle(conn: ConnectionInfo, frame: Buffer): HandleResult | Promise<HandleResult> {
    const prefix = readRequestPrefix(frame);
    if (!prefix) return { kind: 'close', reason: `request of ${frame.length} bytes is shorter than a request header` };
    const { apiKey, apiVersion, correlationId } = prefix;
    const handler = this.registry.get(apiKey);
    const api = apiByKey(apiKey);
    if (!handler || !api) {
      return { kind: 'close', reason: `unknown or unserved API key ${apiKey} (version ${apiVersion}, correlation id ${correlationId})` };
    }
    if (apiVersion < handler.minVersion || apiVersion > handler.maxVersion) {
      if (apiKey === ApiKey.ApiVersions) return this.unsupportedApiVersions(correlationId, handler);
      return {
        kind: 'close',
        reason: `${api.name} v${apiVersion} is not supported (supported: v${handler.minVersion}-${handler.maxVersion})`,
      };
    }
    let ctx: RequestContext;
    let body: unknown;
    try {
      const decoded = decodeRequestHeader(frame);
      body = decodeRequestBody(apiKey as keyof ResponseByKey, apiVersion, frame, decoded.bodyOffset);
      if (decoded.header.clientId !== null) conn.clientId = decoded.header.clientId;
      ctx = { conn, header: decoded.header, apiVersion, services: this.services };
    } catch (e) {
      if (e instanceof ProtocolDecodeError) return { kind: 'close', reason: `malformed request: ${e.message}` };
      throw e;
    }
    const result = (handler as ApiHandler).handle(ctx, body as never);
    if (result instanceof Promise) return result.then((r) => this.respond(apiKey, apiVersion, correlationId, r));
    return this.respond(apiKey, apiVersion, correlationId, result);
  }

  private respond(apiKey: number, apiVersion: number, correlationId: number, body: unknown): HandleResult {
    if (body === null) return { kind: 'none' };
    try {
      return { kind: 'response', chunks: encodeResponseFrame(apiKey as keyof ResponseByKey, apiVersion, correlationId, body as never, { lenient: true }) };
    } catch (e) {
      this.logger.error({ apiKey, apiVersion, err: (e as Error).stack }, 'could not encode a response');
      return { kind: 'close', reason: `internal error encoding the response: ${(e as Error).message}` };
    }
  }

  private unsupportedApiVersions(correlationId: number, handler: ApiHandler): HandleResult {
    const body: ApiVersionsResponse = {
      errorCode: ErrorCode.UNSUPPORTED_VERSION,
      apiKeys: [{ apiKey: ApiKey.ApiVersions, minVersion: handler.minVersion, maxVersion: handler.maxVersion }],
      throttleTimeMs: 0,
      supportedFeatures: [],
      finalizedFeaturesEpoch: -1n,
      finalizedFeatures: [],
      zkMigrationReady: false,
    };
    return { kind: 'response', chunks: encodeResponseFrame(ApiKey.ApiVersions, 0, correlationId, body) };
  }
}
