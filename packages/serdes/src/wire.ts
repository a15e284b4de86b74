/**
 * Confluent's wire format (`AbstractKafkaSchemaSerDe`): byte 0 is the magic
 * byte 0, bytes 1-4 the schema id (big-endian int32), then the payload. For
 * Protobuf the payload starts with the message indexes (`MessageIndexes`):
 * a zig-zag varint count, then zig-zag varint indexes (the path of the
 * message type in the file, nested types included); `[0]` (the first
 * message) is written as the single byte 0.
 */
export const MAGIC_BYTE = 0;

export class SerializationException extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SerializationException';
  }
}

export function frame(id: number, payload: Uint8Array, indexes?: readonly number[], deprecatedIndexes = false): Buffer {
  const idx = indexes === undefined ? null : encodeMessageIndexes(indexes, deprecatedIndexes);
  const out = Buffer.allocUnsafe(5 + (idx?.length ?? 0) + payload.length);
  out[0] = MAGIC_BYTE;
  out.writeInt32BE(id, 1);
  let o = 5;
  if (idx) {
    idx.copy(out, o);
    o += idx.length;
  }
  out.set(payload, o);
  return out;
}

/** Reads the magic byte and id; throws Confluent's "Unknown magic byte!" otherwise. */
export function unframe(data: Uint8Array): { id: number; payload: Buffer } {
  const b = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (b.length < 5 || b[0] !== MAGIC_BYTE) throw new SerializationException('Unknown magic byte!');
  return { id: b.readInt32BE(1), payload: b.subarray(5) };
}

function zigzagVarint(n: number, out: number[]): void {
  let v = ((n << 1) ^ (n >> 31)) >>> 0;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
}

function uvarint(n: number, out: number[]): void {
  let v = n >>> 0;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
}

/**
 * Message indexes; with `deprecated`, unsigned varints instead of zig-zag
 * ones (what confluent-kafka-python before 1.8 and other old clients write:
 * their `use.deprecated.format`).
 */
export function encodeMessageIndexes(indexes: readonly number[], deprecated = false): Buffer {
  if (indexes.length === 1 && indexes[0] === 0) return Buffer.from([0]);
  const out: number[] = [];
  const put = deprecated ? uvarint : zigzagVarint;
  put(indexes.length, out);
  for (const i of indexes) put(i, out);
  return Buffer.from(out);
}

function readZigzagVarint(b: Buffer, pos: { o: number }, zigzag = true): number {
  let v = 0;
  let shift = 0;
  for (;;) {
    if (pos.o >= b.length) throw new SerializationException('Error deserializing Protobuf message indexes: truncated varint');
    const x = b[pos.o++];
    v |= (x & 0x7f) << shift;
    if ((x & 0x80) === 0) break;
    shift += 7;
    if (shift > 28) throw new SerializationException('Error deserializing Protobuf message indexes: varint too long');
  }
  return zigzag ? (v >>> 1) ^ -(v & 1) : v >>> 0;
}

/** Reads the message indexes at the start of a Protobuf payload; returns them and the rest. */
export function decodeMessageIndexes(payload: Buffer, deprecated = false): { indexes: number[]; rest: Buffer } {
  const pos = { o: 0 };
  const read = (): number => readZigzagVarint(payload, pos, !deprecated);
  const count = read();
  if (count === 0) return { indexes: [0], rest: payload.subarray(pos.o) };
  if (count < 0 || count > 100) throw new SerializationException(`Error deserializing Protobuf message indexes: invalid count ${count}`);
  const indexes: number[] = [];
  for (let i = 0; i < count; i++) indexes.push(read());
  return { indexes, rest: payload.subarray(pos.o) };
}
