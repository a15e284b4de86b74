import { deserializeGroupRecord, serializeGroupRecord, type GroupRecord } from './group-records';

const hex = (...parts: string[]) => Buffer.from(parts.join('').replace(/\s+/g, ''), 'hex');
const TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAQ'; // 15 zero bytes then 1

describe('group coordinator records (as Kafka writes them)', () => {
  it('ConsumerGroupMetadata: key type 3 + group id, value v0 flexible with the epoch', () => {
    const r = serializeGroupRecord({ type: 'ConsumerGroupMetadata', groupId: 'g', value: { epoch: 5 } });
    expect(r.key).toEqual(hex('0003', '0001 67'));
    expect(r.value).toEqual(hex('0000', '00000005', '00'));
    expect(serializeGroupRecord({ type: 'ConsumerGroupMetadata', groupId: 'g', value: null }).value).toBeNull();
  });

  it('ConsumerGroupTargetAssignmentMember: key type 7 + group and member ids, value with compact arrays of topic id and partitions', () => {
    const r = serializeGroupRecord({ type: 'ConsumerGroupTargetAssignmentMember', groupId: 'g', memberId: 'm', value: { topicPartitions: [{ topicId: TOPIC_ID, partitions: [0, 2] }] } });
    expect(r.key).toEqual(hex('0007', '0001 67', '0001 6d'));
    expect(r.value).toEqual(hex('0000', '02', '00000000000000000000000000000001', '03', '00000000', '00000002', '00', '00'));
  });

  it('ConsumerGroupMemberMetadata carries the classic protocols in tagged field 0', () => {
    const value = {
      instanceId: null,
      rackId: 'r',
      clientId: 'c',
      clientHost: '/h',
      subscribedTopicNames: ['t'],
      subscribedTopicRegex: null,
      rebalanceTimeoutMs: 300,
      serverAssignor: null,
      classicMemberMetadata: { sessionTimeoutMs: 45000, supportedProtocols: [{ name: 'range', metadata: Buffer.from([1, 2]) }] },
    };
    const r = serializeGroupRecord({ type: 'ConsumerGroupMemberMetadata', groupId: 'g', memberId: 'm', value });
    expect(r.key).toEqual(hex('0005', '0001 67', '0001 6d'));
    // A tagged nullable struct: a present-marker byte (1), then the struct (Kafka's generated code does the same).
    const classic = hex('01', '0000afc8', '02', '06', Buffer.from('range').toString('hex'), '03 0102', '00', '00');
    expect(r.value).toEqual(
      hex('0000', '00', '02 72', '02 63', '03 2f68', '02 02 74', '00', '0000012c', '00', '01', '00', classic.length.toString(16).padStart(2, '0'), classic.toString('hex')),
    );
    expect(deserializeGroupRecord(r.key, r.value)).toEqual({ type: 'ConsumerGroupMemberMetadata', groupId: 'g', memberId: 'm', value: { ...value, classicMemberMetadata: { ...value.classicMemberMetadata } } });
  });

  it('round-trips every kind, and leaves unknown record types (share and streams groups) alone', () => {
    const records: GroupRecord[] = [
      { type: 'OffsetCommit', groupId: 'g', topic: 't', partition: 3, value: { offset: 9n, leaderEpoch: 1, metadata: 'm', commitTimestamp: 5, expireTimestamp: -1 } },
      { type: 'GroupMetadata', groupId: 'g', value: null },
      { type: 'ConsumerGroupPartitionMetadata', groupId: 'g', value: { topics: [{ topicId: TOPIC_ID, topicName: 't', numPartitions: 3, partitionMetadata: [] }] } },
      { type: 'ConsumerGroupTargetAssignmentMetadata', groupId: 'g', value: { assignmentEpoch: 4 } },
      {
        type: 'ConsumerGroupCurrentMemberAssignment',
        groupId: 'g',
        memberId: 'm',
        value: { memberEpoch: 4, previousMemberEpoch: 3, state: 1, assignedPartitions: [{ topicId: TOPIC_ID, partitions: [1] }], partitionsPendingRevocation: [{ topicId: TOPIC_ID, partitions: [2] }] },
      },
    ];
    for (const rec of records) {
      const s = serializeGroupRecord(rec);
      const back = deserializeGroupRecord(s.key, s.value)!;
      // The classic decoders also say which value version they read.
      if (back.value && 'version' in back.value) delete (back.value as { version?: number }).version;
      expect({ ...back, value: back.value && JSON.parse(JSON.stringify(back.value, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))) }).toEqual({
        ...rec,
        value: rec.value && JSON.parse(JSON.stringify(rec.value, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))),
      });
    }
    // Type 9+ (share groups) are not ours: skipped, not an error.
    expect(deserializeGroupRecord(hex('0009', '0001 67'), hex('0000'))).toBeNull();
    expect(() => deserializeGroupRecord(hex('0003', '00'), null)).toThrow(/malformed ConsumerGroupMetadataKey/);
  });
});
