import { ErrorCode } from '@nagare/protocol';
import { Compression, DEFAULT_MAX_DECOMPRESSED_BYTES, compressionName } from '../constants';
import { RecordsError } from '../errors';
import { gzipCompress, gzipDecompress } from './gzip';
import { lz4Compress, lz4Decompress } from './lz4';
import { snappyCompress, snappyDecompress } from './snappy';
import { zstdCompress, zstdDecompress } from './zstd';

export { inspectLz4Frame, LZ4_FRAME_MAGIC } from './lz4';
export type { Lz4FrameInfo } from './lz4';
export { isXerialFramed, snappyCompress, XERIAL_MAGIC } from './snappy';
export type { SnappyFormat } from './snappy';
export { xxhash32 } from './xxhash32';

export interface DecompressOptions {
  /**
   * The most bytes the output may have; more is a RecordsError with
   * MESSAGE_TOO_LARGE, raised before the memory is allocated.
   * Default DEFAULT_MAX_DECOMPRESSED_BYTES (64 MiB).
   */
  maxBytes?: number;
}

function unsupported(type: number): RecordsError {
  return new RecordsError(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, `unknown compression codec ${type}`);
}

/**
 * Compresses a batch's records section with `type`. `level` applies to gzip
 * (1-9) and zstd (1-22); snappy and lz4 have none. Snappy output uses the
 * xerial framing of the Java client. `Compression.None` returns the input.
 */
export function compress(type: Compression, data: Uint8Array, level?: number): Buffer {
  switch (type) {
    case Compression.None:
      return Buffer.isBuffer(data) ? data : Buffer.from(data);
    case Compression.Gzip:
      return gzipCompress(data, level);
    case Compression.Snappy:
      return snappyCompress(data, 'xerial');
    case Compression.Lz4:
      return lz4Compress(data);
    case Compression.Zstd:
      return zstdCompress(data, level);
    default:
      throw unsupported(type);
  }
}

/**
 * Decompresses data written by `compress` or by any Kafka client. Corrupt
 * input is a RecordsError with CORRUPT_MESSAGE, an unknown codec one with
 * UNSUPPORTED_COMPRESSION_TYPE, output over the limit one with
 * MESSAGE_TOO_LARGE.
 */
export function decompress(type: Compression, data: Uint8Array, options?: DecompressOptions): Buffer {
  const maxBytes = options?.maxBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES;
  switch (type) {
    case Compression.None:
      if (data.length > maxBytes) {
        throw new RecordsError(ErrorCode.MESSAGE_TOO_LARGE, `none: ${data.length} bytes exceed the limit of ${maxBytes}`);
      }
      return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    case Compression.Gzip:
      return gzipDecompress(data, maxBytes);
    case Compression.Snappy:
      return snappyDecompress(data, maxBytes);
    case Compression.Lz4:
      return lz4Decompress(data, maxBytes);
    case Compression.Zstd:
      return zstdDecompress(data, maxBytes);
    default:
      throw unsupported(type);
  }
}

export { compressionName };
