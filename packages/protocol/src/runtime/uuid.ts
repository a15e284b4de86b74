/**
 * Kafka UUIDs (topic IDs, directory IDs, ...) are 16 bytes on the wire and are
 * shown as unpadded URL-safe base64 (22 characters), as Kafka's `Uuid.toString`
 * prints them. That string is the in-memory form used across nagare.
 */
import { ProtocolEncodeError } from './errors';

export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

export function uuidFromBytes(buf: Buffer, offset: number): string {
  return buf.toString('base64url', offset, offset + 16);
}

export function uuidToBytes(uuid: string, target: Buffer, offset: number): void {
  if (uuid.length !== 22 || target.write(uuid, offset, 16, 'base64url') !== 16) {
    throw new ProtocolEncodeError(`invalid UUID ${JSON.stringify(uuid)}: expected 22 characters of URL-safe base64`);
  }
}

/** A random (version 4) UUID, as Kafka's `Uuid.randomUuid` makes them (never zero, never starting with '-'). */
export function randomUuid(randomBytes: (n: number) => Buffer): string {
  for (;;) {
    const b = randomBytes(16);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const s = b.toString('base64url');
    if (s !== ZERO_UUID && !s.startsWith('-')) return s;
  }
}
