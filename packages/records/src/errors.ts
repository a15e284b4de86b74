import { ERROR_TABLE, ErrorCode } from '@nagare/protocol';

const NAMES = new Map<number, string>(ERROR_TABLE.map((e) => [e.code, e.name]));
const RETRIABLE = new Map<number, boolean>(ERROR_TABLE.map((e) => [e.code, e.retriable]));

/** The Kafka name of an error code (e.g. `CORRUPT_MESSAGE`), or `UNKNOWN(<code>)`. */
export function errorCodeName(code: number): string {
  return NAMES.get(code) ?? `UNKNOWN(${code})`;
}

/**
 * The one error type this package throws for bad data: a corrupt, truncated,
 * oversized or unsupported batch. `code` is the Kafka protocol error code a
 * broker would answer with (see `ErrorCode` of @nagare/protocol), so callers
 * can put it straight into a response. `position` is the byte offset in the
 * buffer being read where the problem was found, when known.
 *
 * Caller mistakes (a negative offset passed to the builder, appending after
 * build) are plain `TypeError`/`RangeError`s instead, as they are bugs.
 *
 * `kafkaErrorCode` and `retriable` mirror the fields of common's NagareError,
 * so code that turns errors into responses can treat both alike.
 */
export class RecordsError extends Error {
  override readonly name = 'RecordsError';
  /** The Kafka protocol error code. */
  readonly code: number;
  readonly position: number | undefined;

  constructor(code: number, message: string, position?: number) {
    super(`${errorCodeName(code)}: ${message}${position === undefined ? '' : ` (at byte ${position})`}`);
    this.code = code;
    this.position = position;
  }

  /** Same as `code`. */
  get kafkaErrorCode(): number {
    return this.code;
  }

  /** Whether Kafka clients retry on this code (from the protocol's error table). */
  get retriable(): boolean {
    return RETRIABLE.get(this.code) ?? false;
  }

  /** The Kafka name of `code`. */
  get codeName(): string {
    return errorCodeName(this.code);
  }
}

export function corrupt(message: string, position?: number): RecordsError {
  return new RecordsError(ErrorCode.CORRUPT_MESSAGE, message, position);
}
