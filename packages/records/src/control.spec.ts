import { ErrorCode } from '@nagare/protocol';
import { validateBatches } from './batches';
import { buildControlBatch, ControlRecordType, encodeControlRecordKey, encodeEndTxnMarkerValue, parseControlRecord } from './control';
import { readRecords } from './records';
import { catchRecordsError } from './testing/helpers';

describe('control records', () => {
  it('encodes key and value with the documented bytes', () => {
    expect([...encodeControlRecordKey(ControlRecordType.Commit)]).toEqual([0, 0, 0, 1]);
    expect([...encodeControlRecordKey(ControlRecordType.Abort)]).toEqual([0, 0, 0, 0]);
    expect([...encodeEndTxnMarkerValue(0x01020304)]).toEqual([0, 0, 1, 2, 3, 4]);
  });

  it.each([ControlRecordType.Commit, ControlRecordType.Abort] as const)('builds a marker batch for type %d', (type) => {
    const batch = buildControlBatch({
      type,
      producerId: 4242,
      producerEpoch: 7,
      coordinatorEpoch: 12,
      timestamp: 1_700_000_000_000,
      baseOffset: 55,
      partitionLeaderEpoch: 3,
    });
    expect(validateBatches(batch, { strict: true }).ok).toBe(true);
    const it = readRecords(batch);
    expect(it.header).toMatchObject({
      isControl: true,
      isTransactional: true,
      producerId: 4242,
      producerEpoch: 7,
      baseSequence: -1,
      baseOffset: 55,
      partitionLeaderEpoch: 3,
      recordCount: 1,
      compression: 0,
    });
    const records = it.toArray();
    expect(records).toHaveLength(1);
    expect(records[0].timestamp).toBe(1_700_000_000_000);
    expect(parseControlRecord(records[0])).toEqual({ version: 0, type, coordinatorEpoch: 12 });
  });

  it('reads other control types by key only', () => {
    expect(parseControlRecord({ key: encodeControlRecordKey(ControlRecordType.LeaderChange), value: Buffer.alloc(3) })).toEqual({
      version: 0,
      type: ControlRecordType.LeaderChange,
    });
  });

  it('newer key versions are read by their version-0 prefix', () => {
    const key = Buffer.from([0, 1, 0, 1, 9, 9]);
    expect(parseControlRecord({ key, value: encodeEndTxnMarkerValue(5) })).toEqual({ version: 1, type: 1, coordinatorEpoch: 5 });
  });

  it('malformed keys and values -> CORRUPT_MESSAGE', () => {
    expect(catchRecordsError(() => parseControlRecord({ key: null, value: null })).code).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(catchRecordsError(() => parseControlRecord({ key: Buffer.from([0, 0, 0]), value: null })).code).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(catchRecordsError(() => parseControlRecord({ key: Buffer.from([0xff, 0xff, 0, 0]), value: null })).code).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(catchRecordsError(() => parseControlRecord({ key: encodeControlRecordKey(1), value: Buffer.alloc(5) })).code).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(catchRecordsError(() => parseControlRecord({ key: encodeControlRecordKey(0), value: null })).code).toBe(ErrorCode.CORRUPT_MESSAGE);
  });
});
