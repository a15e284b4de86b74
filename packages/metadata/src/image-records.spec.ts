import {
  ConfigResourceType,
  EMPTY_IMAGE,
  MetadataDelta,
  MetadataRecord,
  MetadataRecordType,
  decodeMetadataRecord,
  encodeMetadataRecord,
  imageRecords,
  replayAll,
} from './index';

const T1 = 'AQIDBAUGBwgJCgsMDQ4PEA';
const T2 = 'EA8ODQwLCgkIBwYFBAMCAQ';
const INC = 'AAAAAAAAAAAAAAAAAAAAZw';

const topic = (name: string, id: string): MetadataRecord => ({ type: MetadataRecordType.TopicRecord, version: 0, data: { name, topicId: id } });
function partition(id: string, p: number, replicas: number[], leader: number): MetadataRecord {
  return {
    type: MetadataRecordType.PartitionRecord,
    version: 0,
    data: { partitionId: p, topicId: id, replicas, isr: replicas, removingReplicas: [], addingReplicas: [], leader, leaderRecoveryState: 0, leaderEpoch: 0, partitionEpoch: 0, directories: [], eligibleLeaderReplicas: null, lastKnownElr: null },
  };
}
function broker(id: number, fenced: boolean): MetadataRecord {
  return {
    type: MetadataRecordType.RegisterBrokerRecord,
    version: 3,
    data: {
      brokerId: id,
      isMigratingZkBroker: false,
      incarnationId: INC,
      brokerEpoch: BigInt(id * 10),
      endPoints: [{ name: 'PLAINTEXT', host: `b${id}`, port: 9092, securityProtocol: 0 }],
      features: [{ name: 'metadata.version', minSupportedVersion: 7, maxSupportedVersion: 25 }],
      rack: id === 2 ? 'r2' : null,
      fenced,
      inControlledShutdown: false,
      logDirs: [],
    },
  };
}
const change = (id: string, p: number, leader: number, isr: number[] | null): MetadataRecord => ({
  type: MetadataRecordType.PartitionChangeRecord,
  version: 0,
  data: { partitionId: p, topicId: id, isr, leader, replicas: null, removingReplicas: null, addingReplicas: null, leaderRecoveryState: -1, directories: null, eligibleLeaderReplicas: null, lastKnownElr: null },
});
const at = (records: MetadataRecord[], from = 0) => records.map((record, i) => ({ record, offset: from + i, epoch: 1 }));

const history: MetadataRecord[] = [
  { type: MetadataRecordType.FeatureLevelRecord, version: 0, data: { name: 'metadata.version', featureLevel: 25 } },
  broker(1, false),
  broker(2, true),
  topic('a', T1),
  partition(T1, 0, [1, 2], 1),
  partition(T1, 1, [2, 1], 2),
  topic('b', T2),
  partition(T2, 0, [1], 1),
  { type: MetadataRecordType.ConfigRecord, version: 0, data: { resourceType: ConfigResourceType.TOPIC, resourceName: 'a', name: 'retention.ms', value: '5' } },
  { type: MetadataRecordType.ConfigRecord, version: 0, data: { resourceType: ConfigResourceType.BROKER, resourceName: '', name: 'log.retention.ms', value: '9' } },
  change(T1, 1, 1, [1]),
  { type: MetadataRecordType.ProducerIdsRecord, version: 0, data: { brokerId: 1, brokerEpoch: 10n, nextProducerId: 2000n } },
];

describe('imageRecords (what a snapshot holds)', () => {
  it('replaying the records of an image gives back an equal image, through the record bytes too', () => {
    const image = replayAll(EMPTY_IMAGE, at(history));
    const records = imageRecords(image);
    expect(records[0]).toMatchObject({ type: MetadataRecordType.FeatureLevelRecord });
    const bytes = records.map((r) => encodeMetadataRecord(r));
    const again = replayAll(EMPTY_IMAGE, at(bytes.map((b) => decodeMetadataRecord(b)), 0));
    expect(again.topicsByName.get('a')!.partitions.get(1)).toEqual(image.topicsByName.get('a')!.partitions.get(1));
    expect([...again.topicsById.keys()].sort()).toEqual([T1, T2].sort());
    expect(again.brokers).toEqual(image.brokers);
    expect(again.configs).toEqual(image.configs);
    expect(again.features).toEqual(image.features);
    expect(again.nextProducerId).toBe(2000n);
    // The partition change (leader 1, ISR [1], epochs bumped) is folded into the full partition state.
    expect(again.topicsByName.get('a')!.partitions.get(1)).toMatchObject({ leader: 1, isr: [1], leaderEpoch: 1, partitionEpoch: 1 });
  });
});

describe('MetadataDelta changes', () => {
  it('names the topics created and deleted, partitions changed, brokers and configs touched', () => {
    const base = replayAll(EMPTY_IMAGE, at(history));
    const d = new MetadataDelta(base);
    const T3 = 'AAAAAAAAAAAAAAAAAAAAAw';
    d.replay(topic('c', T3), 100, 2);
    d.replay(partition(T3, 0, [1], 1), 101, 2);
    d.replay({ type: MetadataRecordType.RemoveTopicRecord, version: 0, data: { topicId: T2 } }, 102, 2);
    d.replay(change(T1, 0, 2, null), 103, 2);
    d.replay({ type: MetadataRecordType.UnfenceBrokerRecord, version: 0, data: { id: 2, epoch: 20n } }, 104, 2);
    d.replay({ type: MetadataRecordType.ConfigRecord, version: 0, data: { resourceType: ConfigResourceType.TOPIC, resourceName: 'a', name: 'retention.ms', value: null } }, 105, 2);
    const c = d.changes();
    expect([...c.createdTopics]).toEqual([T3]);
    expect([...c.deletedTopics.keys()]).toEqual([T2]);
    expect(c.deletedTopics.get(T2)!.name).toBe('b');
    expect([...c.changedPartitions].map(([id, ps]) => [id, [...ps]])).toEqual([
      [T3, [0]],
      [T1, [0]],
    ]);
    expect([...c.changedBrokers]).toEqual([2]);
    expect([...c.changedConfigs].sort()).toEqual(['2:a', '2:b']);
    expect(c.featuresChanged).toBe(false);
    // A topic created and deleted within one delta never appears.
    const d2 = new MetadataDelta(base);
    d2.replay(topic('tmp', T3), 100, 2);
    d2.replay({ type: MetadataRecordType.RemoveTopicRecord, version: 0, data: { topicId: T3 } }, 101, 2);
    expect([d2.changes().createdTopics.size, d2.changes().deletedTopics.size]).toEqual([0, 0]);
  });

  it('a snapshot replay reports the difference from the image it replaces', () => {
    const old = replayAll(EMPTY_IMAGE, at(history));
    // The snapshot: topic b gone, a's partition 0 has a new leader, broker 2 unfenced.
    const newer = replayAll(old, at([{ type: MetadataRecordType.RemoveTopicRecord, version: 0, data: { topicId: T2 } }, change(T1, 0, 2, null), { type: MetadataRecordType.UnfenceBrokerRecord, version: 0, data: { id: 2, epoch: 20n } }], 50));
    const d = MetadataDelta.forSnapshot(old);
    imageRecords(newer).forEach((r, i) => d.replay(r, 60 + i, 3));
    const c = d.changes();
    expect(c.createdTopics.size).toBe(0);
    expect([...c.deletedTopics.keys()]).toEqual([T2]);
    expect([...c.changedPartitions].map(([id, ps]) => [id, [...ps]])).toEqual([[T1, [0]]]);
    expect([...c.changedBrokers]).toEqual([2]);
    expect([...c.changedConfigs]).toEqual([]);
    expect(d.apply().topicsByName.has('b')).toBe(false);
  });
});
