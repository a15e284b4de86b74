/**
 * What every generated message module exports: a codec over its interface.
 * Encoding and decoding of whole messages goes through `encode`/`decode` here,
 * which size, allocate once, and turn reader failures into typed errors.
 */
import { ProtocolDecodeError, ProtocolEncodeError, UnsupportedVersionError } from './errors';
import { Reader } from './reader';
import { Writer, newSizeContext, sizeOfUvarint, type SizeContext } from './writer';

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
  /** The encoded length; bytes the writer will pass through uncopied are also added to `s.external`. */
  size(value: T, version: number, s: SizeContext): number;
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

export interface EncodeOptions {
  /** Drop values in fields the version does not have instead of raising (see WriterOptions.strict). */
  lenient?: boolean;
}

/** Encodes a value into chunks: one allocated buffer plus any large pass-through byte fields. */
export function encodeChunks<T>(codec: MessageCodec<T>, value: T, version: number, opts?: EncodeOptions): Buffer[] {
  checkVersion(codec, version);
  const s = newSizeContext();
  const size = codec.size(value, version, s);
  const w = new Writer(size - s.external, { strict: opts?.lenient !== true });
  codec.write(w, value, version);
  return w.finish();
}

/** Encodes a value into a single buffer. */
export function encode<T>(codec: MessageCodec<T>, value: T, version: number, opts?: EncodeOptions): Buffer {
  const chunks = encodeChunks(codec, value, version, opts);
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

/** A non-default value in a field the version lacks: an error for a strict writer, dropped otherwise. */
export function nonDefaultField(w: Writer, field: string, version: number): void {
  if (w.strict) {
    throw new ProtocolEncodeError(`field '${field}' has a non-default value but does not exist at version ${version}`);
  }
}
