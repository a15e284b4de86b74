/**
 * What every generated message module exports: a codec over its interface.
 * Encoding and decoding of whole messages goes through `encode`/`decode` here,
 * which size, allocate once, and turn reader failures into typed errors.
 */
import { ProtocolDecodeError, ProtocolEncodeError, UnsupportedVersionError } from './errors';
import { Reader } from './reader';
import { Writer, sizeOfUvarint, sizeState } from './writer';

/** A tagged field this code does not know, kept as bytes and written back unchanged. */
export interface RawTaggedField {
  tag: number;
  data: Buffer;
}

export interface MessageCodec<T> {
  readonly name: string;
  /** The API key for requests and responses; -1 for headers and data messages. */
  readonly apiKey: number;
  readonly lowestVersion: number;
  readonly highestVersion: number;
  /** The first flexible version, or -1 when the message is never flexible. */
  readonly flexibleFrom: number;
  read(r: Reader, version: number): T;
  write(w: Writer, value: T, version: number): void;
  size(value: T, version: number): number;
  defaults(): T;
}

export const EMPTY_BYTES: Buffer = Buffer.alloc(0);

export function isFlexible(codec: MessageCodec<unknown>, version: number): boolean {
  return codec.flexibleFrom >= 0 && version >= codec.flexibleFrom;
}

export function checkVersion(codec: MessageCodec<unknown>, version: number): void {
  if (!(version >= codec.lowestVersion && version <= codec.highestVersion)) {
    throw new UnsupportedVersionError(codec.name, version, codec.lowestVersion, codec.highestVersion);
  }
}

/** Encodes a value into chunks: one allocated buffer plus any large pass-through byte fields. */
export function encodeChunks<T>(codec: MessageCodec<T>, value: T, version: number, opts?: { lenient?: boolean }): Buffer[] {
  checkVersion(codec, version);
  if (opts?.lenient) return lenient(() => encodeChunks(codec, value, version));
  sizeState.external = 0;
  const size = codec.size(value, version);
  const w = new Writer(size - sizeState.external);
  codec.write(w, value, version);
  return w.finish();
}

/** Runs `fn` with lenient encoding (fields a version lacks are dropped). */
export function lenient<T>(fn: () => T): T {
  const was = encodeMode.strict;
  encodeMode.strict = false;
  try {
    return fn();
  } finally {
    encodeMode.strict = was;
  }
}

/** Encodes a value into a single buffer. */
export function encode<T>(codec: MessageCodec<T>, value: T, version: number): Buffer {
  const chunks = encodeChunks(codec, value, version);
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
}

/** Reads a value from a reader positioned at its start; throws ProtocolDecodeError on malformed input. */
export function readFrom<T>(codec: MessageCodec<T>, r: Reader, version: number): T {
  checkVersion(codec, version);
  const v = codec.read(r, version);
  if (r.failed) throw new ProtocolDecodeError(codec.name, version, r.errField, r.errReason, r.errOffset);
  return v;
}

/** Decodes a whole buffer. Trailing bytes are tolerated, as Kafka does. */
export function decode<T>(codec: MessageCodec<T>, buf: Buffer, version: number): T {
  return readFrom(codec, new Reader(buf), version);
}

export function sizeOfUnknownTags(unknown: RawTaggedField[] | undefined): number {
  if (unknown === undefined) return 0;
  let n = 0;
  for (const f of unknown) n += sizeOfUvarint(f.tag) + sizeOfUvarint(f.data.length) + f.data.length;
  return n;
}

/**
 * Writes the unknown tagged fields whose tags are below `belowTag`, starting
 * at index `from`, and returns the index of the first one not written. Tags
 * must ascend and must not collide with a tag the message defines.
 */
export function writeUnknownTags(w: Writer, unknown: RawTaggedField[] | undefined, from: number, belowTag: number): number {
  if (unknown === undefined) return 0;
  let i = from;
  let last = i > 0 ? unknown[i - 1].tag : -1;
  for (; i < unknown.length && unknown[i].tag <= belowTag; i++) {
    const f = unknown[i];
    if (f.tag === belowTag) throw new ProtocolEncodeError(`unknown tagged field uses tag ${f.tag}, which the message defines`);
    if (f.tag <= last) throw new ProtocolEncodeError(`unknown tagged fields are not in ascending tag order (${f.tag} after ${last})`);
    last = f.tag;
    w.uvarint(f.tag);
    w.uvarint(f.data.length);
    w.raw(f.data);
  }
  return i;
}

export function nullFieldError(field: string, version: number): ProtocolEncodeError {
  return new ProtocolEncodeError(`field '${field}' is null but is not nullable at version ${version}`);
}

/**
 * Whether writing a non-default value into a field the version lacks throws
 * (as Kafka's generated code does) or drops the value. Encoders of requests
 * are strict, to catch caller bugs; a server answering an old client encodes
 * leniently, since a field that version does not have cannot reach it anyway.
 */
export const encodeMode = { strict: true };

export function nonDefaultField(field: string, version: number): void {
  if (encodeMode.strict) {
    throw new ProtocolEncodeError(`field '${field}' has a non-default value but does not exist at version ${version}`);
  }
}
