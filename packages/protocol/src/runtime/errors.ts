/**
 * Errors raised by the codecs. Decoding never throws from deep inside Buffer:
 * the reader records the first failure and the top-level decode turns it into
 * a ProtocolDecodeError naming the message, version, field and byte offset.
 */
export class ProtocolDecodeError extends Error {
  override readonly name = 'ProtocolDecodeError';
  constructor(
    readonly messageName: string,
    readonly version: number,
    readonly field: string,
    readonly reason: string,
    readonly offset: number,
  ) {
    super(`cannot decode ${messageName} v${version}: field '${field}' ${reason} (at byte ${offset})`);
  }
}

/** Raised when a value cannot be written at the requested version (a caller bug, as in Kafka). */
export class ProtocolEncodeError extends Error {
  override readonly name = 'ProtocolEncodeError';
}

/** The message is not defined at that version. */
export class UnsupportedVersionError extends Error {
  override readonly name = 'UnsupportedVersionError';
  constructor(
    readonly messageName: string,
    readonly version: number,
    readonly lowest: number,
    readonly highest: number,
  ) {
    super(`${messageName} has no version ${version} (supported: ${lowest}-${highest})`);
  }
}
