/**
 * Kafka's per-record produce validation (LogValidator.validateRecord) through
 * PartitionLog.appendAsLeader: every bad record reported with its index in
 * the batch and Kafka's message, the batch rejected whole, nothing appended.
 */
import { ErrorCode } from '@nagare/protocol';
import { Compression, TimestampType, buildRecordBatch, checkBatchAt } from '@nagare/records';
import { logConfigFromProperties } from './config';
import { T0, batchOf, memLog } from './__fixtures__/helpers';
import { RecordValidationContext, needsRecordWalk } from './record-validator';

const COMPACT = { cleanupPolicy: 'compact' as const };
const KEY_MESSAGE = 'Compacted topic cannot accept message without key in topic partition t-0';
const LONG_MAX = 9223372036854775807n;

function keyed(n: number, keyless: number[], compression = Compression.None): Buffer {
  return batchOf(
    Array.from({ length: n }, (_, i) => ({ key: keyless.includes(i) ? null : `k${i}`, value: `v${i}` })),
    { compression },
  );
}

describe('keys of compacted topics', () => {
  it.each([
    ['uncompressed', Compression.None],
    ['zstd', Compression.Zstd],
  ])('%s: one record error per keyless record, INVALID_RECORD, nothing appended', (_, compression) => {
    const { log } = memLog(COMPACT);
    expect(log.appendAsLeader(keyed(3, []), { leaderEpoch: 0 }).errorCode).toBe(0);
    const r = log.appendAsLeader(keyed(10, [0, 4, 7, 9], compression), { leaderEpoch: 0 });
    expect(r.errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect(r.recordErrors).toEqual([0, 4, 7, 9].map((batchIndex) => ({ batchIndex, message: KEY_MESSAGE })));
    // Kafka's processRecordErrors: the count and the first three errors.
    expect(r.errorMessage).toBe(
      'One or more records have been rejected due to 4 record errors in total, and only showing the first three errors at most: ' +
        `[RecordError(batchIndex=0, message='${KEY_MESSAGE}'), RecordError(batchIndex=4, message='${KEY_MESSAGE}'), RecordError(batchIndex=7, message='${KEY_MESSAGE}')]`,
    );
    expect(r).toMatchObject({ baseOffset: -1, logAppendTime: -1, logStartOffset: 0 });
    expect(log.logEndOffset).toBe(3);
  });

  it('an empty key is a key', () => {
    const { log } = memLog(COMPACT);
    expect(log.appendAsLeader(batchOf([{ key: '', value: 'x' }]), { leaderEpoch: 0 }).errorCode).toBe(0);
  });

  it('reports the bad batch of several, with indexes inside that batch', () => {
    const { log } = memLog(COMPACT);
    const r = log.appendAsLeader(Buffer.concat([keyed(2, []), keyed(3, [1])]), { leaderEpoch: 0 });
    expect(r.errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect(r.recordErrors).toEqual([{ batchIndex: 1, message: KEY_MESSAGE }]);
    expect(log.logEndOffset).toBe(0);
  });

  it('keyless records are fine on a delete topic', () => {
    const { log } = memLog();
    expect(log.appendAsLeader(keyed(5, [0, 1, 2, 3, 4]), { leaderEpoch: 0 }).errorCode).toBe(0);
  });
});

describe('timestamps (KIP-937)', () => {
  const HOUR = 3_600_000;

  it('message.timestamp.before.max.ms: every record too old is reported, INVALID_TIMESTAMP', () => {
    const { log, clock } = memLog({ messageTimestampBeforeMaxMs: HOUR });
    const now = clock.now();
    const ts = [now, now - 2 * HOUR, now - HOUR, now - HOUR - 1];
    const r = log.appendAsLeader(batchOf(ts.map((timestamp, i) => ({ timestamp, key: `k${i}`, value: 'v' }))), { leaderEpoch: 0 });
    expect(r.errorCode).toBe(ErrorCode.INVALID_TIMESTAMP);
    expect(r.errorMessage).toBe('One or more records have been rejected due to invalid timestamp');
    // after.max.ms unlimited: Kafka prints now + Long.MAX_VALUE as the long it overflows to.
    const upper = BigInt.asIntN(64, BigInt(now) + LONG_MAX);
    expect(r.recordErrors).toEqual([
      { batchIndex: 1, message: `Timestamp ${now - 2 * HOUR} of message with offset 1 is out of range. The timestamp should be within [${now - HOUR}, ${upper}]` },
      { batchIndex: 3, message: `Timestamp ${now - HOUR - 1} of message with offset 3 is out of range. The timestamp should be within [${now - HOUR}, ${upper}]` },
    ]);
    expect(log.logEndOffset).toBe(0);
  });

  it('message.timestamp.after.max.ms: records too far in the future', () => {
    const { log, clock } = memLog({ messageTimestampAfterMaxMs: HOUR });
    const now = clock.now();
    const r = log.appendAsLeader(batchOf([{ timestamp: now + HOUR, key: 'a', value: 'v' }, { timestamp: now + HOUR + 1, key: 'b', value: 'v' }], { compression: Compression.Lz4 }), { leaderEpoch: 0 });
    expect(r.errorCode).toBe(ErrorCode.INVALID_TIMESTAMP);
    const lower = BigInt.asIntN(64, BigInt(now) - LONG_MAX);
    expect(r.recordErrors).toEqual([
      { batchIndex: 1, message: `Timestamp ${now + HOUR + 1} of message with offset 1 is out of range. The timestamp should be within [${lower}, ${now + HOUR}]` },
    ]);
    expect(log.appendAsLeader(batchOf([{ timestamp: now + HOUR, key: 'a', value: 'v' }]), { leaderEpoch: 0 }).errorCode).toBe(0);
  });

  it('legacy message.timestamp.difference.max.ms bounds both sides when the KIP-937 configs are unset', () => {
    const { log, clock } = memLog(logConfigFromProperties({ 'message.timestamp.difference.max.ms': '1000' }));
    const now = clock.now();
    for (const timestamp of [now - 1001, now + 1001]) {
      const r = log.appendAsLeader(batchOf([{ timestamp, key: 'a', value: 'v' }]), { leaderEpoch: 0 });
      expect(r.errorCode).toBe(ErrorCode.INVALID_TIMESTAMP);
      expect(r.recordErrors![0].message).toContain(`within [${now - 1000}, ${now + 1000}]`);
    }
    expect(log.appendAsLeader(batchOf([{ timestamp: now - 1000, key: 'a', value: 'v' }]), { leaderEpoch: 0 }).errorCode).toBe(0);
  });

  it('LogAppendTime topics do not check CreateTime ranges', () => {
    const { log } = memLog({ messageTimestampType: 'LogAppendTime', messageTimestampBeforeMaxMs: 1 });
    expect(log.appendAsLeader(batchOf([{ timestamp: 5, key: 'a', value: 'v' }]), { leaderEpoch: 0 }).errorCode).toBe(0);
  });

  it('a producer may not send LogAppendTime batches to a LogAppendTime topic', () => {
    const { log } = memLog({ messageTimestampType: 'LogAppendTime' });
    const b = buildRecordBatch(
      [
        { key: 'ab', value: 'xyz' },
        { key: null, value: 'v' },
      ],
      { timestampType: TimestampType.LogAppendTime, logAppendTime: T0 },
    );
    const r = log.appendAsLeader(b, { leaderEpoch: 0 });
    expect(r.errorCode).toBe(ErrorCode.INVALID_TIMESTAMP);
    expect(r.recordErrors).toEqual([
      { batchIndex: 0, message: `Invalid timestamp type in message DefaultRecord(offset=0, timestamp=${T0}, key=2 bytes, value=3 bytes). Producer should not set timestamp type to LogAppendTime.` },
      { batchIndex: 1, message: `Invalid timestamp type in message DefaultRecord(offset=1, timestamp=${T0}, key=0 bytes, value=1 bytes). Producer should not set timestamp type to LogAppendTime.` },
    ]);
  });

  it('a key error and a timestamp error in one batch: INVALID_TIMESTAMP, the key error reported for its record', () => {
    const { log, clock } = memLog({ ...COMPACT, messageTimestampBeforeMaxMs: 10 });
    const now = clock.now();
    const r = log.appendAsLeader(batchOf([{ timestamp: now - 100, key: null, value: 'v' }, { timestamp: now - 100, key: 'k', value: 'v' }]), { leaderEpoch: 0 });
    expect(r.errorCode).toBe(ErrorCode.INVALID_TIMESTAMP);
    expect(r.recordErrors!.map((e) => [e.batchIndex, e.message.slice(0, 20)])).toEqual([
      [0, 'Compacted topic cann'],
      [1, `Timestamp ${now - 100}`.slice(0, 20)],
    ]);
  });
});

describe('when the records are decoded', () => {
  const base: RecordValidationContext = { topicPartition: 't-0', compacted: false, timestampType: 'CreateTime', beforeMaxMs: Number.MAX_SAFE_INTEGER, afterMaxMs: 3_600_000, now: T0 };
  const header = (b: Buffer) => checkBatchAt(b, 0, b.length);

  it('only when the topic or the batch header asks for it', () => {
    const b = batchOf(3, { timestamp: T0 });
    expect(needsRecordWalk(header(b), base)).toBe(false);
    expect(needsRecordWalk(header(b), { ...base, compacted: true })).toBe(true);
    expect(needsRecordWalk(header(b), { ...base, beforeMaxMs: 1000 })).toBe(true);
    expect(needsRecordWalk(header(b), { ...base, timestampType: 'LogAppendTime', beforeMaxMs: 1000 })).toBe(false);
    // The header's maxTimestamp tells whether any record is past after.max.ms.
    expect(needsRecordWalk(header(batchOf(3, { timestamp: T0 + 3_600_001 })), base)).toBe(true);
    expect(needsRecordWalk(header(buildRecordBatch([{ key: 'k', value: 'v' }], { timestampType: TimestampType.LogAppendTime, logAppendTime: T0 })), base)).toBe(true);
  });
});
