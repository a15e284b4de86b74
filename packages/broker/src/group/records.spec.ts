import {
  decodeGroupMetadataValue,
  decodeKey,
  decodeOffsetCommitValue,
  encodeGroupMetadataKey,
  encodeGroupMetadataValue,
  encodeOffsetCommitKey,
  encodeOffsetCommitValue,
  type GroupMetadataValue,
  RecordFormatError,
} from './records';

/** Hex with spaces and comments allowed: each argument one field. */
const hex = (...fields: string[]) => Buffer.from(fields.join('').replace(/\s+/g, ''), 'hex');
const str = (s: string) => {
  const b = Buffer.from(s, 'utf8');
  return b.length.toString(16).padStart(4, '0') + b.toString('hex');
};
const compactStr = (s: string) => {
  const b = Buffer.from(s, 'utf8');
  return (b.length + 1).toString(16).padStart(2, '0') + b.toString('hex');
};
const TS = 1_700_000_000_000; // 0x0000018BCFE56800

describe('__consumer_offsets keys', () => {
  it('writes OffsetCommitKey as version 1', () => {
    expect(encodeOffsetCommitKey('g', 't', 1)).toEqual(hex('0001', '0001 67', '0001 74', '00000001'));
    expect(decodeKey(hex('0001', '0001 67', '0001 74', '00000001'))).toEqual({ type: 'offset', version: 1, group: 'g', topic: 't', partition: 1 });
  });

  it('reads OffsetCommitKey version 0 (same layout)', () => {
    expect(decodeKey(hex('0000', str('grp'), str('topic'), '0000002a'))).toEqual({ type: 'offset', version: 0, group: 'grp', topic: 'topic', partition: 42 });
  });

  it('writes GroupMetadataKey as version 2', () => {
    expect(encodeGroupMetadataKey('group')).toEqual(hex('0002', '0005 67726f7570'));
    expect(decodeKey(hex('0002', '0005 67726f7570'))).toEqual({ type: 'group', version: 2, group: 'group' });
  });

  it('encodes strings as UTF-8 with an int16 byte length', () => {
    expect(encodeGroupMetadataKey('grüppe')).toEqual(hex('0002', '0007', Buffer.from('grüppe').toString('hex')));
  });

  it('leaves other key versions (KIP-848 records) to others', () => {
    expect(decodeKey(hex('0003', str('g')))).toEqual({ type: 'other', version: 3 });
  });

  it('rejects truncated keys', () => {
    expect(() => decodeKey(hex('0001', '0005 6767'))).toThrow(RecordFormatError);
  });
});

describe('OffsetCommitValue', () => {
  const v = { offset: 100n, leaderEpoch: 5, metadata: 'm', commitTimestamp: TS, expireTimestamp: -1 };

  it('writes v3 without an expire timestamp', () => {
    const golden = hex('0003', '0000000000000064', '00000005', '0001 6d', '0000018bcfe56800');
    expect(encodeOffsetCommitValue(v)).toEqual(golden);
    expect(decodeOffsetCommitValue(golden)).toEqual({ ...v, version: 3 });
  });

  it('writes v1 when the commit has an expire timestamp (no leader epoch in v1)', () => {
    const golden = hex('0001', '0000000000000064', '0001 6d', '0000018bcfe56800', '0000018bd00a0700');
    const withExpire = { ...v, expireTimestamp: TS + 2_400_000 };
    expect(encodeOffsetCommitValue(withExpire)).toEqual(golden);
    expect(decodeOffsetCommitValue(golden)).toEqual({ ...withExpire, leaderEpoch: -1, version: 1 });
  });

  it('reads v0 and v2 (offset, metadata, commit timestamp)', () => {
    for (const version of ['0000', '0002']) {
      const r = decodeOffsetCommitValue(hex(version, 'ffffffffffffffff', '0000', '0000018bcfe56800'));
      expect(r).toEqual({ version: parseInt(version, 16), offset: -1n, leaderEpoch: -1, metadata: '', commitTimestamp: TS, expireTimestamp: -1 });
    }
  });

  it('reads the flexible v4 (compact strings, tagged fields)', () => {
    const r = decodeOffsetCommitValue(hex('0004', '0000000000000007', 'ffffffff', compactStr('meta'), '0000018bcfe56800', '01', '05', '02', 'abcd'));
    expect(r).toEqual({ version: 4, offset: 7n, leaderEpoch: -1, metadata: 'meta', commitTimestamp: TS, expireTimestamp: -1 });
  });

  it('rejects unknown versions and short values', () => {
    expect(() => decodeOffsetCommitValue(hex('0005', '00'))).toThrow(RecordFormatError);
    expect(() => decodeOffsetCommitValue(hex('0003', '00000000'))).toThrow(RecordFormatError);
  });
});

describe('GroupMetadataValue', () => {
  const value: GroupMetadataValue = {
    protocolType: 'consumer',
    generation: 3,
    protocol: 'range',
    leader: 'c-1',
    currentStateTimestamp: TS,
    members: [
      {
        memberId: 'c-1',
        groupInstanceId: 'i1',
        clientId: 'c',
        clientHost: '/127.0.0.1',
        rebalanceTimeout: 300000,
        sessionTimeout: 45000,
        subscription: Buffer.from([1, 2]),
        assignment: Buffer.from([3]),
      },
    ],
  };
  const member = (instance: string | null, withRebalance: boolean) =>
    [
      str('c-1'),
      instance === null ? '' : str(instance),
      str('c'),
      str('/127.0.0.1'),
      withRebalance ? '000493e0' : '',
      '0000afc8',
      '00000002 0102',
      '00000001 03',
    ].join('');

  it('writes v3 byte for byte', () => {
    const golden = hex('0003', str('consumer'), '00000003', str('range'), str('c-1'), '0000018bcfe56800', '00000001', member('i1', true));
    expect(encodeGroupMetadataValue(value)).toEqual(golden);
    expect(decodeGroupMetadataValue(golden)).toEqual({ ...value, version: 3 });
  });

  it('writes an empty group with null protocol and leader', () => {
    const empty = { ...value, protocol: null, leader: null, members: [] };
    const golden = hex('0003', str('consumer'), '00000003', 'ffff', 'ffff', '0000018bcfe56800', '00000000');
    expect(encodeGroupMetadataValue(empty)).toEqual(golden);
    expect(decodeGroupMetadataValue(golden)).toEqual({ ...empty, version: 3 });
  });

  it('reads v0 (no rebalance timeout: the session timeout serves), v1 and v2', () => {
    const v0 = decodeGroupMetadataValue(hex('0000', str('consumer'), '00000003', str('range'), str('c-1'), '00000001', member(null, false)));
    expect(v0).toEqual({ ...value, version: 0, currentStateTimestamp: -1, members: [{ ...value.members[0], groupInstanceId: null, rebalanceTimeout: 45000 }] });
    const v1 = decodeGroupMetadataValue(hex('0001', str('consumer'), '00000003', str('range'), str('c-1'), '00000001', member(null, true)));
    expect(v1).toEqual({ ...value, version: 1, currentStateTimestamp: -1, members: [{ ...value.members[0], groupInstanceId: null }] });
    const v2 = decodeGroupMetadataValue(hex('0002', str('consumer'), '00000003', str('range'), str('c-1'), '0000018bcfe56800', '00000001', member(null, true)));
    expect(v2).toEqual({ ...value, version: 2, members: [{ ...value.members[0], groupInstanceId: null }] });
  });

  it('reads the flexible v4', () => {
    const m = [compactStr('c-1'), compactStr('i1'), compactStr('c'), compactStr('/127.0.0.1'), '000493e0', '0000afc8', '03 0102', '02 03', '00'].join('');
    const r = decodeGroupMetadataValue(hex('0004', compactStr('consumer'), '00000003', compactStr('range'), compactStr('c-1'), '0000018bcfe56800', '02', m, '00'));
    expect(r).toEqual({ ...value, version: 4 });
  });

  it('round-trips v0-v2 writes for the fields they have', () => {
    for (const version of [0, 1, 2]) {
      const back = decodeGroupMetadataValue(encodeGroupMetadataValue(value, version));
      expect(back.version).toBe(version);
      expect(back.members[0].memberId).toBe('c-1');
      expect(back.members[0].groupInstanceId).toBeNull();
    }
  });
});
