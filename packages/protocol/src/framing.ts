/**
 * Kafka framing: every request and response is an int32 size followed by a
 * header and a body. Which header version applies depends on the API and its
 * version: flexible API versions use request header v2 and response header v1;
 * ApiVersions responses always use header v0 so that a client can read the
 * error of an ApiVersions request whose version the broker does not know
 * (KIP-511).
 */
import { APIS, ApiDefinition, ApiKey, RequestByKey, ResponseByKey } from './generated/apis';
import { RequestHeader, RequestHeaderCodec } from './generated/messages/request-header';
import { ResponseHeaderCodec } from './generated/messages/response-header';
import { MessageCodec, checkVersion, isFlexible, type EncodeOptions } from './runtime/codec';
import { ProtocolDecodeError } from './runtime/errors';
import { Reader } from './runtime/reader';
import { Writer, newSizeContext } from './runtime/writer';

/** Kafka's default `socket.request.max.bytes`: 100 MiB. */
export const DEFAULT_MAX_FRAME_SIZE = 104_857_600;

const API_BY_KEY: ReadonlyArray<ApiDefinition | undefined> = (() => {
  const table: Array<ApiDefinition | undefined> = [];
  for (const api of APIS) table[api.apiKey] = api;
  return table;
})();

export function apiByKey(apiKey: number): ApiDefinition | undefined {
  return apiKey >= 0 ? API_BY_KEY[apiKey] : undefined;
}

/** Whether `version` of the API uses flexible encodings (KIP-482). */
export function isFlexibleVersion(apiKey: number, version: number): boolean {
  const api = apiByKey(apiKey);
  return api !== undefined && api.flexibleFrom >= 0 && version >= api.flexibleFrom;
}

export function requestHeaderVersion(apiKey: number, apiVersion: number): number {
  if (isFlexibleVersion(apiKey, apiVersion)) return 2;
  // ControlledShutdown v0 used header v0, which has no client id.
  if (apiKey === 7 && apiVersion === 0) return 0;
  return 1;
}

export function responseHeaderVersion(apiKey: number, apiVersion: number): number {
  if (apiKey === ApiKey.ApiVersions) return 0;
  return isFlexibleVersion(apiKey, apiVersion) ? 1 : 0;
}

export type FrameSizeCheck =
  | { kind: 'incomplete' }
  | { kind: 'frame'; size: number }
  | { kind: 'invalid'; size: number; reason: string };

/**
 * Reads the size prefix at `offset` of `buf` (which may hold a partial frame).
 * A negative size, or one above `maxSize`, is invalid: Kafka closes such a
 * connection without answering (`InvalidReceiveException`).
 */
export function checkFrameSize(buf: Buffer, offset: number, maxSize = DEFAULT_MAX_FRAME_SIZE): FrameSizeCheck {
  if (buf.length - offset < 4) return { kind: 'incomplete' };
  const size = buf.readInt32BE(offset);
  if (size < 0) return { kind: 'invalid', size, reason: `negative frame size ${size}` };
  if (size > maxSize) return { kind: 'invalid', size, reason: `frame size ${size} is larger than the maximum ${maxSize}` };
  return { kind: 'frame', size };
}

/** The start of every request: enough to route it even when the rest cannot be parsed. */
export interface RequestPrefix {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
}

/** Reads api key, version and correlation id, which every header version begins with. */
export function readRequestPrefix(frame: Buffer): RequestPrefix | undefined {
  if (frame.length < 8) return undefined;
  return { apiKey: frame.readInt16BE(0), apiVersion: frame.readInt16BE(2), correlationId: frame.readInt32BE(4) };
}

export interface DecodedRequestHeader {
  header: RequestHeader;
  headerVersion: number;
  /** Where the body starts in the frame. */
  bodyOffset: number;
}

/**
 * Decodes the request header of a frame (the bytes after the size prefix).
 * The header version follows from the API key and version; for an unknown
 * API the non-flexible header v1 is assumed, so the correlation id and client
 * id can still be read.
 */
export function decodeRequestHeader(frame: Buffer): DecodedRequestHeader {
  const prefix = readRequestPrefix(frame);
  // Versions above the highest we know are flexible when the API is (KIP-511).
  const headerVersion = prefix && apiByKey(prefix.apiKey) ? requestHeaderVersion(prefix.apiKey, prefix.apiVersion) : 1;
  const r = new Reader(frame);
  const header = RequestHeaderCodec.read(r, headerVersion);
  if (r.failed) throw new ProtocolDecodeError('RequestHeader', headerVersion, r.errField, r.errReason, r.errOffset);
  return { header, headerVersion, bodyOffset: r.pos };
}

/** Decodes a request body with the API's codec. */
export function decodeRequestBody<K extends keyof RequestByKey>(
  apiKey: K,
  apiVersion: number,
  frame: Buffer,
  bodyOffset: number,
): RequestByKey[K] {
  const api = apiByKey(apiKey);
  if (!api) throw new Error(`unknown API key ${apiKey}`);
  const codec = api.request as MessageCodec<RequestByKey[K]>;
  checkVersion(codec, apiVersion);
  const r = new Reader(frame, bodyOffset);
  const body = codec.read(r, apiVersion);
  if (r.failed) throw new ProtocolDecodeError(codec.name, apiVersion, r.errField, r.errReason, r.errOffset);
  return body;
}

/**
 * Encodes size prefix, header and body into chunks (one allocated buffer,
 * plus large record sets passed through uncopied).
 */
function encodeFrame<T>(
  headerCodec: MessageCodec<unknown>,
  header: unknown,
  headerVersion: number,
  bodyCodec: MessageCodec<T>,
  body: T,
  version: number,
  opts?: EncodeOptions,
): Buffer[] {
  checkVersion(bodyCodec, version);
  const s = newSizeContext();
  const size = headerCodec.size(header, headerVersion, s) + bodyCodec.size(body, version, s);
  const w = new Writer(4 + size - s.external, { strict: opts?.lenient !== true });
  w.int32(size);
  headerCodec.write(w, header, headerVersion);
  bodyCodec.write(w, body, version);
  return w.finish();
}

export function encodeRequestFrame<K extends keyof RequestByKey>(
  apiKey: K,
  apiVersion: number,
  correlationId: number,
  clientId: string | null,
  body: RequestByKey[K],
  opts?: EncodeOptions,
): Buffer[] {
  const api = apiByKey(apiKey);
  if (!api) throw new Error(`unknown API key ${apiKey}`);
  const headerVersion = requestHeaderVersion(apiKey, apiVersion);
  const header: RequestHeader = { requestApiKey: apiKey, requestApiVersion: apiVersion, correlationId, clientId };
  return encodeFrame(RequestHeaderCodec, header, headerVersion, api.request as MessageCodec<RequestByKey[K]>, body, apiVersion, opts);
}

/**
 * Encodes a response frame. With `lenient`, values in fields the version does
 * not have are dropped instead of raising (how a broker answers old clients).
 */
export function encodeResponseFrame<K extends keyof ResponseByKey>(
  apiKey: K,
  apiVersion: number,
  correlationId: number,
  body: ResponseByKey[K],
  opts?: EncodeOptions,
): Buffer[] {
  const api = apiByKey(apiKey);
  if (!api) throw new Error(`unknown API key ${apiKey}`);
  const headerVersion = responseHeaderVersion(apiKey, apiVersion);
  return encodeFrame(
    ResponseHeaderCodec,
    { correlationId },
    headerVersion,
    api.response as MessageCodec<ResponseByKey[K]>,
    body,
    apiVersion,
    opts,
  );
}

export interface DecodedResponse<T> {
  correlationId: number;
  body: T;
}

/** Decodes a response frame (the bytes after the size prefix) for the request that was sent. */
export function decodeResponseFrame<K extends keyof ResponseByKey>(
  apiKey: K,
  apiVersion: number,
  frame: Buffer,
): DecodedResponse<ResponseByKey[K]> {
  const api = apiByKey(apiKey);
  if (!api) throw new Error(`unknown API key ${apiKey}`);
  const headerVersion = responseHeaderVersion(apiKey, apiVersion);
  const r = new Reader(frame);
  const header = ResponseHeaderCodec.read(r, headerVersion);
  if (r.failed) throw new ProtocolDecodeError('ResponseHeader', headerVersion, r.errField, r.errReason, r.errOffset);
  const codec = api.response as MessageCodec<ResponseByKey[K]>;
  checkVersion(codec, apiVersion);
  const body = codec.read(r, apiVersion);
  if (r.failed) throw new ProtocolDecodeError(codec.name, apiVersion, r.errField, r.errReason, r.errOffset);
  return { correlationId: header.correlationId, body };
}

export { isFlexible };
