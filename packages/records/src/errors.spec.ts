import { ErrorCode } from '@nagare/protocol';
import { RecordsError, errorCodeName } from './errors';

describe('RecordsError', () => {
  it('carries the Kafka error code, its name, the position and a clear message', () => {
    const e = new RecordsError(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, 'unknown compression codec 6', 21);
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('RecordsError');
    expect(e.code).toBe(76);
    expect(e.kafkaErrorCode).toBe(76);
    expect(e.codeName).toBe('UNSUPPORTED_COMPRESSION_TYPE');
    expect(e.position).toBe(21);
    expect(e.message).toBe('UNSUPPORTED_COMPRESSION_TYPE: unknown compression codec 6 (at byte 21)');
    expect(e.retriable).toBe(false);
    expect(new RecordsError(ErrorCode.CORRUPT_MESSAGE, 'x').retriable).toBe(true);
    expect(errorCodeName(12345)).toBe('UNKNOWN(12345)');
  });
});
