/**
 * The controller against the real storage engine (on its in-memory file
 * system): commands validate like Kafka, commit records to the metadata log,
 * and a new controller replaying that log arrives at the same image.
 */
import { ManualClock } from '@nagare/common';
import { ConfigResolver, ConfigSource, MetadataRecordType } from '@nagare/metadata';
import { ErrorCode, ZERO_UUID } from '@nagare/protocol';
import { LogManager, MemoryFileSystem, logConfigFromProperties } from '@nagare/storage';
import { Controller } from './controller';
import { MetadataCommitter } from './quorum-controller';

const clock = new ManualClock();
let counter = 0;

function open(fs: MemoryFileSystem) {
  const logs = LogManager.open({ logDirs: ['/data'], fs, clock, defaultConfig: logConfigFromProperties({}) });
  const log = logs.getOrCreateLog('__cluster_metadata', 0, logConfigFromProperties({ 'retention.ms': '-1' }));
  const committer = new MetadataCommitter({ log, clock, nodeId: 1 });
  committer.load();
  const controller = new Controller(committer, {
    nodeId: 1,
    numPartitions: 3,
    defaultReplicationFactor: 1,
    deleteTopicEnable: true,
    resolver: new ConfigResolver(new Map([['log.retention.ms', '1000']]), 1),
    metadataVersion: 21,
    random: (n) => {
      const b = Buffer.alloc(n, 0);
      b.writeUInt32BE(++counter, 0);
      return b;
    },
  });
  return { logs, log, controller };
}

async function started(fs = new MemoryFileSystem({ seed: 1 })) {
  const o = open(fs);
  await o.controller.bootstrapIfEmpty();
  await o.controller.registerBroker(1, [{ name: 'PLAINTEXT', host: 'localhost', port: 9092, securityProtocol: 0 }], null);
  return { ...o, fs };
}

function topic(name: string, extra: Partial<{ numPartitions: number; replicationFactor: number; configs: Array<{ name: string; value: string | null }> }> = {}) {
  return { name, numPartitions: -1, replicationFactor: -1, assignments: [], configs: [], ...extra };
}

describe('Controller', () => {
  it('creates topics with defaults and configs, and reports them with sources (v5+) and ids (v7)', async () => {
    const { controller } = await started();
    const res = await controller.createTopics({ topics: [topic('orders', { configs: [{ name: 'cleanup.policy', value: 'compact' }] })], timeoutMs: 1000, validateOnly: false }, 7);
    const t = res.topics[0];
    expect(t).toMatchObject({ name: 'orders', errorCode: 0, numPartitions: 3, replicationFactor: 1 });
    expect(t.topicId).not.toBe(ZERO_UUID);
    const cfg = (n: string) => t.configs!.find((c) => c.name === n)!;
    expect(cfg('cleanup.policy')).toMatchObject({ value: 'compact', configSource: ConfigSource.DYNAMIC_TOPIC_CONFIG });
    expect(cfg('retention.ms')).toMatchObject({ value: '1000', configSource: ConfigSource.STATIC_BROKER_CONFIG });
    expect(cfg('segment.bytes')).toMatchObject({ value: '1073741824', configSource: ConfigSource.DEFAULT_CONFIG });
    const image = controller.image();
    expect([...image.topicsByName.get('orders')!.partitions.values()].map((p) => [p.partition, p.leader, p.replicas])).toEqual([
      [0, 1, [1]],
      [1, 1, [1]],
      [2, 1, [1]],
    ]);
    expect(image.configs.get('2:orders')!.get('cleanup.policy')).toBe('compact');
  });

  it('rejects what Kafka rejects, with its codes and messages, and writes nothing for them', async () => {
    const { controller, log } = await started();
    await controller.createTopics({ topics: [topic('taken')], timeoutMs: 1000, validateOnly: false }, 7);
    const before = log.logEndOffset;
    const res = await controller.createTopics(
      {
        topics: [
          topic('taken'),
          topic('bad name'),
          topic('zero', { numPartitions: 0 }),
          topic('rf', { replicationFactor: 3 }),
          topic('cfg', { configs: [{ name: 'retention.ms', value: 'soon' }] }),
          topic('unknowncfg', { configs: [{ name: 'no.such', value: '1' }] }),
          topic('dup'),
          topic('dup'),
          topic('tak.en'.replace('.', '_')),
        ],
        timeoutMs: 1000,
        validateOnly: false,
      },
      5,
    );
    expect(res.topics.map((t) => [t.name, t.errorCode, t.errorMessage])).toEqual([
      ['taken', ErrorCode.TOPIC_ALREADY_EXISTS, "Topic 'taken' already exists."],
      ['bad name', ErrorCode.INVALID_TOPIC_EXCEPTION, "Topic name bad name is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'"],
      ['zero', ErrorCode.INVALID_PARTITIONS, 'Number of partitions was set to an invalid non-positive value.'],
      ['rf', ErrorCode.INVALID_REPLICATION_FACTOR, 'Unable to replicate the partition 3 time(s): The target replication factor of 3 cannot be reached because only 1 broker(s) are registered.'],
      ['cfg', ErrorCode.INVALID_CONFIG, 'Invalid value soon for configuration retention.ms: Not a number of type LONG'],
      ['unknowncfg', ErrorCode.INVALID_CONFIG, 'Unknown topic config name: no.such'],
      ['dup', ErrorCode.INVALID_REQUEST, 'Duplicate topic name.'],
      ['dup', ErrorCode.INVALID_REQUEST, 'Duplicate topic name.'],
      ['tak_en', 0, null],
    ]);
    expect(log.logEndOffset).toBe(before + 4); // TopicRecord + 3 PartitionRecords, for tak_en only
    const collide = await controller.createTopics({ topics: [topic('tak.en')], timeoutMs: 1000, validateOnly: false }, 7);
    expect(collide.topics[0]).toMatchObject({ errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: "Topic 'tak.en' collides with existing topic: tak_en" });
  });

  it('validateOnly checks without creating', async () => {
    const { controller, log } = await started();
    const before = log.logEndOffset;
    const res = await controller.createTopics({ topics: [topic('t')], timeoutMs: 1000, validateOnly: true }, 7);
    expect(res.topics[0]).toMatchObject({ errorCode: 0, numPartitions: 3 });
    expect(log.logEndOffset).toBe(before);
    expect(controller.image().topicsByName.has('t')).toBe(false);
  });

  it('deletes topics by name and id, adds partitions, and alters configs (legacy and incremental)', async () => {
    const { controller } = await started();
    const created = await controller.createTopics({ topics: [topic('a'), topic('b')], timeoutMs: 1000, validateOnly: false }, 7);
    const del = await controller.deleteTopics({ topics: [{ name: null, topicId: created.topics[1].topicId }], topicNames: [], timeoutMs: 1000 }, 6);
    expect(del.responses[0]).toMatchObject({ name: 'b', errorCode: 0 });
    const unknown = await controller.deleteTopics({ topics: [], topicNames: ['nope'], timeoutMs: 1000 }, 5);
    expect(unknown.responses[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(controller.image().topicsByName.has('b')).toBe(false);

    const grow = await controller.createPartitions({ topics: [{ name: 'a', count: 5, assignments: null }, { name: 'a2', count: 2, assignments: null }], timeoutMs: 1, validateOnly: false }, 3);
    expect(grow.results.map((r) => r.errorCode)).toEqual([0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    expect(controller.image().topicsByName.get('a')!.partitions.size).toBe(5);
    const shrink = await controller.createPartitions({ topics: [{ name: 'a', count: 2, assignments: null }], timeoutMs: 1, validateOnly: false }, 3);
    expect(shrink.results[0].errorCode).toBe(ErrorCode.INVALID_PARTITIONS);

    await controller.incrementalAlterConfigs(
      {
        resources: [
          {
            resourceType: 2,
            resourceName: 'a',
            configs: [
              { name: 'retention.ms', configOperation: 0, value: '5000' },
              { name: 'cleanup.policy', configOperation: 2, value: 'compact' },
            ],
          },
        ],
        validateOnly: false,
      },
      1,
    );
    expect([...controller.image().configs.get('2:a')!]).toEqual([
      ['retention.ms', '5000'],
      ['cleanup.policy', 'delete,compact'],
    ]);
    const bad = await controller.incrementalAlterConfigs(
      { resources: [{ resourceType: 2, resourceName: 'a', configs: [{ name: 'retention.ms', configOperation: 2, value: '1' }] }], validateOnly: false },
      1,
    );
    expect(bad.responses[0]).toMatchObject({ errorCode: ErrorCode.INVALID_CONFIG, errorMessage: 'Can\'t APPEND to key retention.ms because its type is not LIST.' });
    // The legacy API replaces the whole set.
    await controller.alterConfigs({ resources: [{ resourceType: 2, resourceName: 'a', configs: [{ name: 'segment.ms', value: '60000' }] }], validateOnly: false }, 1);
    expect([...controller.image().configs.get('2:a')!]).toEqual([['segment.ms', '60000']]);
    const brokerCfg = await controller.incrementalAlterConfigs(
      { resources: [{ resourceType: 4, resourceName: '', configs: [{ name: 'log.retention.ms', configOperation: 0, value: '1000' }, { name: 'node.id', configOperation: 0, value: '2' }] }], validateOnly: false },
      1,
    );
    expect(brokerCfg.responses[0]).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Cannot update these configs dynamically: Set(node.id)' });
  });

  it('hands out disjoint producer id blocks that survive a restart', async () => {
    const fs = new MemoryFileSystem({ seed: 3 });
    const first = await started(fs);
    const a = await first.controller.allocateProducerIds(1, 0n);
    const b = await first.controller.allocateProducerIds(1, 0n);
    expect([a.firstProducerId, b.firstProducerId, a.count]).toEqual([0n, 1000n, 1000]);
    await first.logs.close();
    const again = open(fs);
    const c = await again.controller.allocateProducerIds(1, 0n);
    expect(c.firstProducerId).toBe(2000n);
  });

  it('replays its log into the same image after a restart, even an unclean one', async () => {
    const fs = new MemoryFileSystem({ seed: 5 });
    const first = await started(fs);
    await first.controller.createTopics({ topics: [topic('x', { configs: [{ name: 'retention.ms', value: '1' }] }), topic('y')], timeoutMs: 1000, validateOnly: false }, 7);
    await first.controller.deleteTopics({ topics: [], topicNames: ['y'], timeoutMs: 1 }, 5);
    const image = first.controller.image();
    // Every commit is fsynced before it is applied, so a crash loses none of them.
    fs.crash();
    const again = open(fs);
    const replayed = again.controller.image();
    expect([...replayed.topicsByName.keys()]).toEqual(['x']);
    expect(replayed.topicsByName.get('x')!.id).toBe(image.topicsByName.get('x')!.id);
    expect(replayed.configs).toEqual(image.configs);
    expect(replayed.brokers.get(1)).toMatchObject({ id: 1, fenced: false });
    expect(replayed.features.get('metadata.version')).toBe(21);
    expect(replayed.provenance).toEqual(image.provenance);
    // The log holds KRaft records: the first one is the metadata.version feature level.
    const { records } = again.log.read(0, 1 << 20);
    expect(records.length).toBeGreaterThan(0);
    expect(MetadataRecordType.FeatureLevelRecord).toBe(12);
  });
});
