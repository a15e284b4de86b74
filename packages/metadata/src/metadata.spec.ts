import {
  ConfigResourceType,
  EMPTY_IMAGE,
  MetadataDelta,
  MetadataRecord,
  MetadataRecordType,
  decodeMetadataRecord,
  encodeMetadataRecord,
  replayAll,
  topicConfigDef,
  validateConfigValue,
  validateTopicName,
  brokerConfigDef,
  MetadataReplayError,
} from './index';

const T1 = 'AQIDBAUGBwgJCgsMDQ4PEA';

function topic(name: string, id: string): MetadataRecord {
  return { type: MetadataRecordType.TopicRecord, version: 0, data: { name, topicId: id } };
}

function partition(id: string, p: number, leader = 1): MetadataRecord {
  return {
    type: MetadataRecordType.PartitionRecord,
    version: 0,
    data: {
      partitionId: p,
      topicId: id,
      replicas: [1],
      isr: [1],
      removingReplicas: [],
      addingReplicas: [],
      leader,
      leaderRecoveryState: 0,
      leaderEpoch: 0,
      partitionEpoch: 0,
      directories: [],
      eligibleLeaderReplicas: null,
      lastKnownElr: null,
    },
  };
}

function config(name: string, key: string, value: string | null): MetadataRecord {
  return { type: MetadataRecordType.ConfigRecord, version: 0, data: { resourceType: ConfigResourceType.TOPIC, resourceName: name, name: key, value } };
}

describe('metadata record framing', () => {
  it('matches KRaft ApiMessageAndVersion bytes: frame version 1, type, version, then the record', () => {
    const bytes = encodeMetadataRecord(topic('t', T1));
    // frame 1, type 2 (TopicRecord), version 0, compact name "t", uuid, no tags
    expect(bytes.toString('hex')).toBe('01' + '02' + '00' + '0274' + '0102030405060708090a0b0c0d0e0f10' + '00');
    expect(decodeMetadataRecord(bytes)).toEqual({ type: 2, version: 0, data: { name: 't', topicId: T1 } });
  });

  it('rejects unknown frame versions and types', () => {
    expect(() => decodeMetadataRecord(Buffer.from('020200', 'hex'))).toThrow(/frame version 2/);
    expect(() => decodeMetadataRecord(Buffer.from('017f00', 'hex'))).toThrow(/unknown record type 127/);
  });
});

describe('replaying records into an image', () => {
  it('builds topics, partitions and configs, and leaves the base image untouched', () => {
    const image = replayAll(
      EMPTY_IMAGE,
      [topic('orders', T1), partition(T1, 0), partition(T1, 1), config('orders', 'retention.ms', '1000')].map((record, i) => ({ record, offset: i, epoch: 1 })),
    );
    expect(EMPTY_IMAGE.topicsByName.size).toBe(0);
    const t = image.topicsByName.get('orders')!;
    expect(t.id).toBe(T1);
    expect([...t.partitions.keys()]).toEqual([0, 1]);
    expect(image.topicsById.get(T1)).toBe(t);
    expect(image.configs.get('2:orders')!.get('retention.ms')).toBe('1000');
    expect(image.provenance).toEqual({ offset: 3, epoch: 1 });
  });

  it('applies partition changes (leader epoch bumps) and config deletes, and removes topics with their configs', () => {
    let image = replayAll(EMPTY_IMAGE, [topic('a', T1), partition(T1, 0), config('a', 'x', '1'), config('a', 'y', '2')].map((record, i) => ({ record, offset: i, epoch: 1 })));
    const d = new MetadataDelta(image);
    d.replay(
      { type: MetadataRecordType.PartitionChangeRecord, version: 0, data: { partitionId: 0, topicId: T1, isr: [1, 2], leader: 2, replicas: null, removingReplicas: null, addingReplicas: null, leaderRecoveryState: -1, directories: null, eligibleLeaderReplicas: null, lastKnownElr: null } },
      10,
      1,
    );
    d.replay(config('a', 'x', null), 11, 1);
    d.replay(config('a', 'x', '3'), 12, 1);
    image = d.apply();
    expect(image.topicsByName.get('a')!.partitions.get(0)).toMatchObject({ leader: 2, leaderEpoch: 1, isr: [1, 2], partitionEpoch: 1 });
    expect([...image.configs.get('2:a')!]).toEqual([['y', '2'], ['x', '3']]);
    const removed = replayAll(image, [{ record: { type: MetadataRecordType.RemoveTopicRecord, version: 0, data: { topicId: T1 } }, offset: 13, epoch: 1 }]);
    expect(removed.topicsByName.size).toBe(0);
    expect(removed.topicsById.size).toBe(0);
    expect(removed.configs.has('2:a')).toBe(false);
    expect(image.topicsByName.size).toBe(1);
  });

  it('refuses records that contradict the image', () => {
    expect(() => replayAll(EMPTY_IMAGE, [{ record: partition(T1, 0), offset: 0, epoch: 1 }])).toThrow(MetadataReplayError);
    expect(() => replayAll(EMPTY_IMAGE, [topic('a', T1), topic('a', T1)].map((record, i) => ({ record, offset: i, epoch: 1 })))).toThrow(/already exists/);
  });

  it('never changes an image it returned, even when the delta goes on replaying', () => {
    const delta = new MetadataDelta(EMPTY_IMAGE);
    delta.replay(topic('a', T1), 0, 1);
    delta.replay(partition(T1, 0), 1, 1);
    delta.replay(config('a', 'retention.ms', '1'), 2, 1);
    const first = delta.apply();
    delta.replay(partition(T1, 1), 3, 1);
    delta.replay(config('a', 'retention.ms', '2'), 4, 1);
    const second = delta.apply();
    expect([...first.topicsByName.get('a')!.partitions.keys()]).toEqual([0]);
    expect(first.configs.get(`${ConfigResourceType.TOPIC}:a`)!.get('retention.ms')).toBe('1');
    expect([...second.topicsByName.get('a')!.partitions.keys()]).toEqual([0, 1]);
    expect(second.configs.get(`${ConfigResourceType.TOPIC}:a`)!.get('retention.ms')).toBe('2');
    expect(second.topicsById.get(T1)).toBe(second.topicsByName.get('a'));
  });
});

describe('configs', () => {
  it('validate values like Kafka', () => {
    expect(validateConfigValue(topicConfigDef('retention.ms')!, '1000')).toBeNull();
    expect(validateConfigValue(topicConfigDef('retention.ms')!, 'soon')).toBe('Invalid value soon for configuration retention.ms: Not a number of type LONG');
    expect(validateConfigValue(topicConfigDef('cleanup.policy')!, 'compact,delete')).toBeNull();
    expect(validateConfigValue(topicConfigDef('cleanup.policy')!, 'shred')).toMatch(/must be one of: compact, delete/);
    expect(validateConfigValue(topicConfigDef('min.cleanable.dirty.ratio')!, '1.5')).toMatch(/no more than 1/);
    expect(validateConfigValue(topicConfigDef('segment.bytes')!, '3000000000')).toMatch(/Not a number of type INT/);
    expect(validateConfigValue(brokerConfigDef('auto.create.topics.enable')!, 'yes')).toMatch(/true or false/);
  });

  it('validate topic names like Kafka', () => {
    expect(validateTopicName('orders.v1_x-y')).toBeNull();
    expect(validateTopicName('')).toMatch(/empty/);
    expect(validateTopicName('..')).toMatch(/cannot be/);
    expect(validateTopicName('a b')).toMatch(/illegal/);
    expect(validateTopicName('x'.repeat(250))).toMatch(/249/);
  });
});
