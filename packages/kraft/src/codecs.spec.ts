import { LeaderChangeMessageCodec, VotersRecordCodec, decode } from '@nagare/protocol';
import { ControlRecordType, iterateBatches, parseControlRecord } from '@nagare/records';
import type { LogEntry } from '@nagare/raft';
import { decodeEntries, encodeEntries, splitBatches } from './entry-codec';
import { kafkaSnapshotCodec, parseSnapshotFileName, snapshotFileName, SnapshotFormatError } from './snapshot-codec';

const voters = [{ id: 1, directoryId: 'AAAAAAAAAAAAAAAAAAAAAQ', endpoints: [{ name: 'CONTROLLER', host: 'c1', port: 9093 }] }];

describe('log entries as Kafka record batches', () => {
  const entries: LogEntry[] = [
    { offset: 10, epoch: 3, payload: new Uint8Array(0), control: { type: 'LeaderChange', leaderId: 1, voters: [1, 2, 3], grantingVoters: [1, 2] }, batchEnd: 13 },
    { offset: 11, epoch: 3, payload: new Uint8Array(0), control: { type: 'KRaftVersion', kraftVersion: 1 }, batchEnd: 13 },
    { offset: 12, epoch: 3, payload: new Uint8Array(0), control: { type: 'Voters', voters }, batchEnd: 13 },
    { offset: 13, epoch: 3, payload: new Uint8Array([1, 2]), batchEnd: 15 },
    { offset: 14, epoch: 3, payload: new Uint8Array([3]), batchEnd: 15 },
    { offset: 15, epoch: 4, payload: new Uint8Array([4]) },
  ];

  it('one RecordBatch per batch, control records as KRaft writes them, and back', () => {
    expect(splitBatches(entries).map((b) => b.map((e) => e.offset))).toEqual([[10, 11, 12], [13, 14], [15]]);
    const bytes = encodeEntries(entries, 1700000000000);
    const batches = [...iterateBatches(bytes, { verifyCrc: true })];
    expect(batches.map((b) => [b.header.baseOffset, b.header.lastOffsetDelta, b.header.partitionLeaderEpoch, b.header.isControl])).toEqual([
      [10, 2, 3, true],
      [13, 1, 3, false],
      [15, 0, 4, false],
    ]);
    const control = [...batches[0].records({ verifyCrc: true })];
    expect(control.map((r) => parseControlRecord(r).type)).toEqual([ControlRecordType.LeaderChange, ControlRecordType.KRaftVersion, ControlRecordType.KRaftVoters]);
    // key: int16 version 0, int16 type; value: the message at version 0
    expect(control[0].key!.toString('hex')).toBe('00000002');
    expect(decode(LeaderChangeMessageCodec, control[0].value!, 0)).toMatchObject({ version: 0, leaderId: 1, voters: [{ voterId: 1 }, { voterId: 2 }, { voterId: 3 }], grantingVoters: [{ voterId: 1 }, { voterId: 2 }] });
    expect(decode(VotersRecordCodec, control[2].value!, 0).voters[0]).toMatchObject({ voterId: 1, voterDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAQ', endpoints: [{ name: 'CONTROLLER', host: 'c1', port: 9093 }] });
    const back = decodeEntries(bytes).map((e) => ({ ...e, payload: [...e.payload] }));
    expect(back).toEqual(entries.map((e) => ({ ...e, payload: [...e.payload] })));
  });

  it('a corrupt batch is refused', () => {
    const bytes = encodeEntries(entries.slice(3, 5), 1);
    bytes[bytes.length - 1] ^= 0xff;
    expect(() => decodeEntries(bytes)).toThrow(/CRC|crc/);
  });
});

describe('snapshots in Kafka format', () => {
  const codec = kafkaSnapshotCodec(() => 1234);
  const data = encodeEntries([{ offset: 500, epoch: 7, payload: new Uint8Array([9]), batchEnd: 502 }, { offset: 501, epoch: 7, payload: new Uint8Array([8]), batchEnd: 502 }], 1);

  it('header (with kraft.version and voters), data batches renumbered from the header, footer; and back', () => {
    const s = { id: { endOffset: 502, epoch: 7 }, data, kraftVersion: 1, voters };
    const bytes = Buffer.from(codec.encode(s));
    const batches = [...iterateBatches(bytes, { verifyCrc: true })];
    expect(batches.map((b) => [b.header.baseOffset, b.header.isControl, b.header.partitionLeaderEpoch])).toEqual([
      [0, true, 7],
      [3, false, 7],
      [5, true, 7],
    ]);
    expect([...batches[0].records()].map((r) => parseControlRecord(r).type)).toEqual([ControlRecordType.SnapshotHeader, ControlRecordType.KRaftVersion, ControlRecordType.KRaftVoters]);
    expect([...batches[2].records()].map((r) => parseControlRecord(r).type)).toEqual([ControlRecordType.SnapshotFooter]);
    const back = codec.decode(s.id, bytes);
    expect(back.kraftVersion).toBe(1);
    expect(back.voters).toEqual(voters);
    expect([...iterateBatches(Buffer.from(back.data))].flatMap((b) => [...b.records()].map((r) => r.value![0]))).toEqual([9, 8]);
    // Without voters (a static quorum) the header batch has only the SnapshotHeaderRecord.
    const plain = codec.decode(s.id, codec.encode({ id: s.id, data }));
    expect([plain.kraftVersion, plain.voters]).toEqual([undefined, undefined]);
  });

  it('a snapshot without its footer is incomplete; names follow Kafka', () => {
    const bytes = Buffer.from(codec.encode({ id: { endOffset: 5, epoch: 1 }, data }));
    const batches = [...iterateBatches(bytes)];
    const cut = bytes.subarray(0, batches[2].position);
    expect(() => codec.decode({ endOffset: 5, epoch: 1 }, cut)).toThrow(SnapshotFormatError);
    expect(snapshotFileName({ endOffset: 1234, epoch: 5 })).toBe('00000000000000001234-0000000005.checkpoint');
    expect(parseSnapshotFileName('00000000000000001234-0000000005.checkpoint')).toEqual({ endOffset: 1234, epoch: 5 });
    expect(parseSnapshotFileName('00000000000000001234.log')).toBeUndefined();
  });
});
