import { ErrorCode } from '@nagare/protocol';
import { RecordsError } from '../errors';

/** The compressed data is malformed. */
export function corruptCompressed(codec: string, detail: string): RecordsError {
  return new RecordsError(ErrorCode.CORRUPT_MESSAGE, `${codec}: corrupt compressed data: ${detail}`);
}

/** The data would decompress to more than the allowed number of bytes. */
export function tooLarge(codec: string, maxBytes: number, detail = ''): RecordsError {
  return new RecordsError(
    ErrorCode.MESSAGE_TOO_LARGE,
    `${codec}: decompressed size exceeds the limit of ${maxBytes} bytes${detail ? ` (${detail})` : ''}`,
  );
}

/** A native codec module failed to load on this platform. */
export function codecUnavailable(codec: string, cause: unknown): RecordsError {
  const why = cause instanceof Error ? cause.message : String(cause);
  return new RecordsError(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, `${codec} is not available here: ${why}`);
}

/** Wraps whatever a native decoder throws into CORRUPT_MESSAGE (keeps RecordsErrors). */
export function wrapDecodeError(codec: string, e: unknown): RecordsError {
  if (e instanceof RecordsError) return e;
  return corruptCompressed(codec, e instanceof Error ? e.message : String(e));
}

/**
 * Loads a native module once, on first use, so that a codec nobody uses costs
 * nothing at startup and a platform without it still handles the others.
 */
export function lazyModule<T>(codec: string, load: () => T): () => T {
  let mod: T | undefined;
  let failure: unknown;
  return () => {
    if (mod !== undefined) return mod;
    if (failure !== undefined) throw codecUnavailable(codec, failure);
    try {
      mod = load();
      return mod;
    } catch (e) {
      failure = e ?? new Error('load failed');
      throw codecUnavailable(codec, failure);
    }
  };
}
