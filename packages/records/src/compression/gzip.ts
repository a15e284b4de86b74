import * as zlib from 'node:zlib';
import { tooLarge, wrapDecodeError } from './common';

/** gzip (RFC 1952) through node's zlib. Level 1-9, default 6 as in Kafka. */
export function gzipCompress(data: Uint8Array, level?: number): Buffer {
  return zlib.gzipSync(data, level === undefined ? undefined : { level });
}

export function gzipDecompress(data: Uint8Array, maxBytes: number): Buffer {
  try {
    // zlib stops inflating and throws once the output would pass the limit,
    // so a bomb never allocates more than maxBytes.
    const out = zlib.gunzipSync(data, { maxOutputLength: Math.max(1, maxBytes) });
    if (out.length > maxBytes) throw tooLarge('gzip', maxBytes);
    return out;
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge('gzip', maxBytes);
    throw wrapDecodeError('gzip', e);
  }
}
