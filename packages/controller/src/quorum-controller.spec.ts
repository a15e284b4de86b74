/**
 * The QuorumController over a metadata log the test controls: commands validated as Kafka does,
 * latest vs committed images, NOT_CONTROLLER and the reset on leadership loss, the broker lifecycle
 * (registration, unfencing when caught up, fencing after the session timeout, controlled shutdown),
 * leader elections, AlterPartition, ElectLeaders, reassignments and rack-aware placement.
 */
import { ManualClock, ManualScheduler, NagareError } from '@nagare/common';
import { ConfigResolver, ConfigSource, EMPTY_IMAGE, MetadataDelta, decodeMetadataRecord, type MetadataImage } from '@nagare/metadata';
import { ErrorCode, ZERO_UUID } from '@nagare/protocol';
import { CONTROLLER_APIS, controllerApi } from './controller-apis';
import { QuorumController, type ControllerSettings } from './quorum-controller';
import { FakeMetadataLog } from './testing/fake-metadata-log';

const CID = 'MkU3OEVBNTcwNTJENDM2Qk';
/** Lets the controller's background work (fencing) run to its commit. */
const flush = () => new Promise<void>((r) => setImmediate(r));
const inc = (id: number) => `AAAAAAAAAAAAAAAAAAAA${'ABCDEFGHIJ'[id]}w`;

function setup(settings: Partial<ControllerSettings> = {}) {
  const clock = new ManualClock();
  const scheduler = new ManualScheduler(clock);
  const log = new FakeMetadataLog(1);
  let counter = 0;
  const controller = new QuorumController({
    nodeId: 1,
    clusterId: CID,
    log,
    clock,
    scheduler,
    settings: {
      numPartitions: 3,
      defaultReplicationFactor: 1,
      deleteTopicEnable: true,
      resolver: new ConfigResolver(new Map([['log.retention.ms', '1000']]), 1),
      metadataVersion: 25,
      sessionTimeoutMs: 9000,
      maxIdleIntervalMs: 0,
      autoLeaderRebalance: false,
      random: (n) => {
        const b = Buffer.alloc(n, 0);
        b.writeUInt32BE(++counter, 0);
        return b;
      },
      placementRandom: () => 0,
      ...settings,
    },
  });
  log.elect(1);
  return { clock, scheduler, log, controller };
}

type Ctl = ReturnType<typeof setup>['controller'];

async function register(c: Ctl, id: number, rack: string | null = null, unfence = true): Promise<bigint> {
  const epoch = await c.registerBroker({
    brokerId: id,
    clusterId: CID,
    incarnationId: inc(id),
    listeners: [{ name: 'PLAINTEXT', host: `b${id}`, port: 9092, securityProtocol: 0 }],
    features: [{ name: 'metadata.version', minSupportedVersion: 7, maxSupportedVersion: 25 }],
    rack,
    isMigratingZkBroker: false,
    logDirs: [],
    previousBrokerEpoch: -1n,
  });
  if (unfence) await heartbeat(c, id, epoch, { offset: epoch });
  return epoch;
}

function heartbeat(c: Ctl, id: number, epoch: bigint, o: { offset?: bigint; wantFence?: boolean; wantShutDown?: boolean } = {}) {
  return c.brokerHeartbeat({ brokerId: id, brokerEpoch: epoch, currentMetadataOffset: o.offset ?? 1_000_000n, wantFence: o.wantFence ?? false, wantShutDown: o.wantShutDown ?? false, offlineLogDirs: [] });
}

function topic(name: string, extra: Partial<{ numPartitions: number; replicationFactor: number; configs: Array<{ name: string; value: string | null }>; assignments: Array<{ partitionIndex: number; brokerIds: number[] }> }> = {}) {
  return { name, numPartitions: -1, replicationFactor: -1, assignments: [], configs: [], ...extra };
}

const create = (c: Ctl, ...topics: ReturnType<typeof topic>[]) => c.createTopics({ topics, timeoutMs: 1000, validateOnly: false }, 7);
const parts = (img: MetadataImage, t: string) => [...img.topicsByName.get(t)!.partitions.values()].sort((a, b) => a.partition - b.partition);

/** The committed log replayed from scratch: what every other node's image is. */
function replayLog(log: FakeMetadataLog): MetadataImage {
  const d = new MetadataDelta(EMPTY_IMAGE);
  for (const b of log.batches) b.records.forEach((r, i) => d.replay(decodeMetadataRecord(r), b.baseOffset + i, b.epoch));
  return d.apply();
}

describe('QuorumController commands', () => {
  it('creates topics with defaults and configs, places replicas round-robin, and every image is the replay of the log', async () => {
    const { controller, log } = setup({ defaultReplicationFactor: 2 });
    for (const id of [1, 2, 3]) await register(controller, id);
    const res = await create(controller, topic('orders', { configs: [{ name: 'cleanup.policy', value: 'compact' }] }));
    const t = res.topics[0];
    expect(t).toMatchObject({ name: 'orders', errorCode: 0, numPartitions: 3, replicationFactor: 2 });
    expect(t.topicId).not.toBe(ZERO_UUID);
    const cfg = (n: string) => t.configs!.find((c) => c.name === n)!;
    expect(cfg('cleanup.policy')).toMatchObject({ value: 'compact', configSource: ConfigSource.DYNAMIC_TOPIC_CONFIG });
    expect(cfg('retention.ms')).toMatchObject({ value: '1000', configSource: ConfigSource.STATIC_BROKER_CONFIG });
    const ps = parts(controller.committed(), 'orders');
    // Leaders spread over the three brokers; each partition has two distinct replicas, the ISR all of them.
    expect(ps.map((p) => p.replicas)).toEqual([
      [1, 2],
      [2, 3],
      [3, 1],
    ]);
    expect(ps.map((p) => [p.leader, p.isr])).toEqual([
      [1, [1, 2]],
      [2, [2, 3]],
      [3, [3, 1]],
    ]);
    const replayed = replayLog(log);
    expect(replayed.topicsByName.get('orders')!.partitions).toEqual(controller.committed().topicsByName.get('orders')!.partitions);
    expect(replayed.brokers).toEqual(controller.committed().brokers);
  });

  it('rejects what Kafka rejects, with its codes and messages, and writes nothing for them', async () => {
    const { controller, log } = setup();
    await register(controller, 1);
    await create(controller, topic('taken'));
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
          topic('both', { numPartitions: 2, assignments: [{ partitionIndex: 0, brokerIds: [1] }] }),
          topic('ghost', { assignments: [{ partitionIndex: 0, brokerIds: [7] }] }),
          topic('tak_en'),
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
      ['both', ErrorCode.INVALID_REQUEST, 'Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.'],
      ['ghost', ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'Broker 7 is not registered.'],
      ['tak_en', 0, null],
    ]);
    expect(log.logEndOffset).toBe(before + 4); // TopicRecord + 3 PartitionRecords, for tak_en only
    const collide = await create(controller, topic('tak.en'));
    expect(collide.topics[0]).toMatchObject({ errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: "Topic 'tak.en' collides with existing topic: tak_en" });
    const only = await controller.createTopics({ topics: [topic('v')], timeoutMs: 1000, validateOnly: true }, 7);
    expect(only.topics[0]).toMatchObject({ errorCode: 0, numPartitions: 3 });
    expect(controller.latest().topicsByName.has('v')).toBe(false);
  });

  it('deletes topics, adds partitions, alters configs and hands out producer id blocks', async () => {
    const { controller } = setup();
    const epoch = await register(controller, 1);
    const created = await create(controller, topic('a'), topic('b'));
    const del = await controller.deleteTopics({ topics: [{ name: null, topicId: created.topics[1].topicId }], topicNames: [], timeoutMs: 1000 });
    expect(del.responses[0]).toMatchObject({ name: 'b', errorCode: 0 });
    expect((await controller.deleteTopics({ topics: [], topicNames: ['nope'], timeoutMs: 1000 })).responses[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const grow = await controller.createPartitions({ topics: [{ name: 'a', count: 5, assignments: null }, { name: 'a2', count: 2, assignments: null }], timeoutMs: 1, validateOnly: false });
    expect(grow.results.map((r) => r.errorCode)).toEqual([0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    expect(controller.committed().topicsByName.get('a')!.partitions.size).toBe(5);
    await controller.incrementalAlterConfigs({ resources: [{ resourceType: 2, resourceName: 'a', configs: [{ name: 'cleanup.policy', configOperation: 2, value: 'compact' }] }], validateOnly: false });
    expect([...controller.committed().configs.get('2:a')!]).toEqual([['cleanup.policy', 'delete,compact']]);
    const p1 = await controller.allocateProducerIds(1, epoch);
    const p2 = await controller.allocateProducerIds(1, epoch);
    expect([p1.firstProducerId, p2.firstProducerId, p1.count]).toEqual([0n, 1000n, 1000]);
    await expect(controller.allocateProducerIds(1, epoch + 1n)).rejects.toMatchObject({ code: ErrorCode.STALE_BROKER_EPOCH });
  });
});

describe('latest and committed images, leadership', () => {
  it('a write is in the latest image at once and in the committed one when it commits; reads of others see committed only', async () => {
    const { controller, log } = setup();
    await register(controller, 1);
    log.autoCommit = false;
    const pending = create(controller, topic('t'));
    expect(controller.latest().topicsByName.has('t')).toBe(true);
    expect(controller.committed().topicsByName.has('t')).toBe(false);
    // The next command already sees the uncommitted topic.
    const again = await controller.createTopics({ topics: [topic('t')], timeoutMs: 1000, validateOnly: true }, 7);
    expect(again.topics[0].errorCode).toBe(ErrorCode.TOPIC_ALREADY_EXISTS);
    let done = false;
    void pending.then(() => (done = true));
    await flush();
    expect(done).toBe(false);
    log.commit();
    expect((await pending).topics[0].errorCode).toBe(0);
    expect(controller.committed().topicsByName.has('t')).toBe(true);
  });

  it('losing leadership fails the writes in flight with NOT_CONTROLLER and resets latest to committed; a standby answers NOT_CONTROLLER', async () => {
    const { controller, log } = setup();
    await register(controller, 1);
    log.autoCommit = false;
    const pending = create(controller, topic('lost'));
    expect(controller.latest().topicsByName.has('lost')).toBe(true);
    log.loseUncommitted();
    log.elect(2);
    await expect(pending).rejects.toMatchObject({ kind: 'NOT_CONTROLLER' });
    expect(controller.isActive()).toBe(false);
    expect(controller.latest()).toBe(controller.committed());
    expect(controller.latest().topicsByName.has('lost')).toBe(false);
    await expect(create(controller, topic('x'))).rejects.toThrow(/not active; the active controller is 2/);
    // Through the API mapping: per-topic NOT_CONTROLLER, so the forwarding broker retries elsewhere.
    const api = controllerApi(19)!;
    const r = (await api.handle(controller, { topics: [topic('x')], timeoutMs: 1000, validateOnly: false }, 7)) as { topics: Array<{ errorCode: number }> };
    expect(r.topics[0].errorCode).toBe(ErrorCode.NOT_CONTROLLER);
    // Back as leader in a later epoch: active again with the committed image.
    log.elect(1);
    expect(controller.isActive()).toBe(true);
    log.autoCommit = true;
    expect((await create(controller, topic('lost'))).topics[0].errorCode).toBe(0);
  });

  it('a write that does not commit in time answers REQUEST_TIMED_OUT', async () => {
    const { controller, log, scheduler } = setup();
    await register(controller, 1);
    log.autoCommit = false;
    const p = controller.createTopics({ topics: [topic('slow')], timeoutMs: 500, validateOnly: false }, 7);
    scheduler.advance(501);
    await expect(p).rejects.toMatchObject({ kind: 'REQUEST_TIMED_OUT' });
    expect(CONTROLLER_APIS.map((a) => a.apiKey)).toContain(19);
  });
});

describe('broker lifecycle', () => {
  it('registers fenced, unfences once caught up with its registration, keeps the epoch on re-registration of the same incarnation', async () => {
    const { controller } = setup();
    const epoch = await register(controller, 1, null, false);
    expect(controller.committed().brokers.get(1)).toMatchObject({ fenced: true, epoch });
    expect(await heartbeat(controller, 1, epoch, { offset: epoch - 1n })).toEqual({ isCaughtUp: false, isFenced: true, shouldShutDown: false });
    expect(await heartbeat(controller, 1, epoch, { offset: epoch })).toEqual({ isCaughtUp: true, isFenced: false, shouldShutDown: false });
    expect(controller.committed().brokers.get(1)!.fenced).toBe(false);
    const same = await register(controller, 1, null, false);
    expect(same).toBe(epoch);
    expect(controller.committed().brokers.get(1)!.fenced).toBe(false);
    await expect(heartbeat(controller, 1, epoch + 5n)).rejects.toMatchObject({ code: ErrorCode.STALE_BROKER_EPOCH, message: `Expected broker epoch ${epoch}, but got broker epoch ${epoch + 5n}` });
  });

  it('refuses another incarnation while the session lives, and a wrong cluster id', async () => {
    const { controller, scheduler } = setup();
    await register(controller, 1);
    const other = { brokerId: 1, clusterId: CID, incarnationId: inc(9), listeners: [], features: [{ name: 'metadata.version', minSupportedVersion: 7, maxSupportedVersion: 25 }], rack: null, isMigratingZkBroker: false, logDirs: [], previousBrokerEpoch: -1n };
    await expect(controller.registerBroker(other)).rejects.toMatchObject({ code: ErrorCode.DUPLICATE_BROKER_REGISTRATION, message: 'Another broker is registered with that broker id.' });
    await expect(controller.registerBroker({ ...other, brokerId: 2, clusterId: 'AAAAAAAAAAAAAAAAAAAAAA' })).rejects.toMatchObject({
      code: ErrorCode.INCONSISTENT_CLUSTER_ID,
      message: `Expected cluster ID ${CID}, but got cluster ID AAAAAAAAAAAAAAAAAAAAAA`,
    });
    // After the session timeout the new incarnation takes over with a new epoch.
    scheduler.advance(9500);
    const e2 = await controller.registerBroker(other);
    expect(controller.committed().brokers.get(1)).toMatchObject({ incarnationId: inc(9), epoch: e2, fenced: true });
  });

  it('fences a broker whose session expired: leadership moves to the rest of the ISR; unfencing elects it where nobody leads', async () => {
    const { controller, scheduler } = setup({ defaultReplicationFactor: 2 });
    const e1 = await register(controller, 1);
    const e2 = await register(controller, 2);
    await create(controller, topic('t', { numPartitions: 2 }));
    expect(parts(controller.committed(), 't').map((p) => p.leader)).toEqual([1, 2]);
    // Broker 2 keeps heartbeating, broker 1 stops.
    for (let i = 0; i < 5; i++) {
      scheduler.advance(2000);
      await heartbeat(controller, 2, e2);
      await flush();
    }
    await flush();
    const img = controller.committed();
    expect(img.brokers.get(1)!.fenced).toBe(true);
    expect(parts(img, 't').map((p) => [p.leader, p.isr])).toEqual([
      [2, [2]],
      [2, [2]],
    ]);
    // A partition whose only replica is fenced has no leader, but keeps its ISR.
    void e1;
    const { controller: c2, scheduler: s2 } = setup();
    const f1 = await register(c2, 1);
    await c2.createTopics({ topics: [topic('solo', { numPartitions: 1 })], timeoutMs: 1000, validateOnly: false }, 7);
    s2.advance(10_000);
    await flush();
    await flush();
    expect(parts(c2.committed(), 'solo').map((p) => [p.leader, p.isr])).toEqual([[-1, [1]]]);
    // It comes back (same incarnation, heartbeats again): unfenced and leader again, with a new leader epoch.
    expect(await heartbeat(c2, 1, f1, { offset: f1 })).toMatchObject({ isFenced: false });
    expect(parts(c2.committed(), 'solo').map((p) => [p.leader, p.isr, p.leaderEpoch])).toEqual([[1, [1], 2]]);
  });

  it('controlled shutdown moves leadership away, then says shouldShutDown and fences the broker', async () => {
    const { controller } = setup({ defaultReplicationFactor: 2 });
    const e1 = await register(controller, 1);
    const e2 = await register(controller, 2);
    await create(controller, topic('t', { numPartitions: 2 }));
    // Broker 2 reports an old metadata offset: shutdown waits until every active broker has seen the moves.
    await heartbeat(controller, 2, e2, { offset: 0n });
    const first = await heartbeat(controller, 1, e1, { wantShutDown: true });
    expect(first).toMatchObject({ isFenced: false, shouldShutDown: false });
    const img = controller.committed();
    expect(img.brokers.get(1)).toMatchObject({ inControlledShutdown: true, fenced: false });
    expect(parts(img, 't').map((p) => [p.leader, p.isr])).toEqual([
      [2, [2]],
      [2, [2]],
    ]);
    // No new replicas go to a broker that is shutting down.
    const r = await create(controller, topic('late', { replicationFactor: 2 }));
    expect(r.topics[0].errorCode).toBe(ErrorCode.INVALID_REPLICATION_FACTOR);
    await heartbeat(controller, 2, e2, { offset: 1_000_000n });
    expect(await heartbeat(controller, 1, e1, { wantShutDown: true })).toMatchObject({ isFenced: true, shouldShutDown: true });
    expect(controller.committed().brokers.get(1)!.fenced).toBe(true);
  });

  it('UnregisterBroker removes the broker and its ISR memberships', async () => {
    const { controller } = setup({ defaultReplicationFactor: 2 });
    await register(controller, 1);
    await register(controller, 2);
    await create(controller, topic('t', { numPartitions: 1 }));
    await expect(controller.unregisterBroker(7)).rejects.toMatchObject({ code: ErrorCode.BROKER_ID_NOT_REGISTERED, message: 'Broker ID 7 is not currently registered' });
    await controller.unregisterBroker(1);
    expect(controller.committed().brokers.has(1)).toBe(false);
    expect(parts(controller.committed(), 't')[0]).toMatchObject({ leader: 2, isr: [2] });
  });
});

describe('partition leadership', () => {
  async function twoBrokers(settings: Partial<ControllerSettings> = {}) {
    const s = setup({ defaultReplicationFactor: 2, ...settings });
    const e1 = await register(s.controller, 1);
    const e2 = await register(s.controller, 2);
    await create(s.controller, topic('t', { numPartitions: 1 }));
    return { ...s, e1, e2 };
  }

  it('AlterPartition: the leader shrinks and expands the ISR with its epochs; stale epochs and ineligible replicas are refused', async () => {
    const { controller, e1, e2 } = await twoBrokers();
    const p0 = parts(controller.committed(), 't')[0];
    const id = controller.committed().topicsByName.get('t')!.id;
    const alter = (isr: number[], o: Partial<{ leaderEpoch: number; partitionEpoch: number; brokerId: number }> = {}) =>
      controller.alterPartition(
        {
          brokerId: o.brokerId ?? 1,
          brokerEpoch: o.brokerId === 2 ? e2 : e1,
          topics: [{ topicName: '', topicId: id, partitions: [{ partitionIndex: 0, leaderEpoch: o.leaderEpoch ?? controller.committed().topicsByName.get('t')!.partitions.get(0)!.leaderEpoch, newIsr: [], newIsrWithEpochs: isr.map((brokerId) => ({ brokerId, brokerEpoch: -1n })), leaderRecoveryState: 0, partitionEpoch: o.partitionEpoch ?? controller.committed().topicsByName.get('t')!.partitions.get(0)!.partitionEpoch }] }],
        },
        3,
      );
    const shrink = await alter([1]);
    expect(shrink.topics[0].partitions[0]).toMatchObject({ errorCode: 0, leaderId: 1, isr: [1], leaderEpoch: p0.leaderEpoch + 1, partitionEpoch: p0.partitionEpoch + 1 });
    expect((await alter([1, 2], { partitionEpoch: p0.partitionEpoch })).topics[0].partitions[0].errorCode).toBe(ErrorCode.INVALID_UPDATE_VERSION);
    expect((await alter([1, 2], { leaderEpoch: p0.leaderEpoch })).topics[0].partitions[0].errorCode).toBe(ErrorCode.FENCED_LEADER_EPOCH);
    expect((await alter([1, 2], { brokerId: 2 })).topics[0].partitions[0].errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect((await alter([1, 5])).topics[0].partitions[0].errorCode).toBe(ErrorCode.INVALID_REQUEST);
    const expand = await alter([1, 2]);
    expect(expand.topics[0].partitions[0]).toMatchObject({ errorCode: 0, isr: [1, 2] });
    // An ISR that grows does not bump the leader epoch.
    expect(expand.topics[0].partitions[0].leaderEpoch).toBe(p0.leaderEpoch + 1);
  });

  it('ElectLeaders: preferred election brings leadership back; not needed, unavailable and unclean cases', async () => {
    const { controller, e1, e2, scheduler } = await twoBrokers();
    // Broker 1 (preferred) goes away: 2 leads.
    for (let i = 0; i < 5; i++) {
      scheduler.advance(2000);
      await heartbeat(controller, 2, e2);
      await flush();
    }
    await flush();
    expect(parts(controller.committed(), 't')[0]).toMatchObject({ leader: 2, isr: [2] });
    const elect = (type: number) => controller.electLeaders({ electionType: type, topicPartitions: [{ topic: 't', partitions: [0, 9] }], timeoutMs: 1000 }, 2);
    const notAvail = await elect(0);
    expect(notAvail.replicaElectionResults[0].partitionResult.map((r) => r.errorCode)).toEqual([ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    // Broker 1 comes back and catches up; it is back in the ISR (AlterPartition from leader 2).
    await heartbeat(controller, 1, e1, { offset: 1_000_000n });
    const id = controller.committed().topicsByName.get('t')!.id;
    const p = parts(controller.committed(), 't')[0];
    await controller.alterPartition({ brokerId: 2, brokerEpoch: e2, topics: [{ topicName: '', topicId: id, partitions: [{ partitionIndex: 0, leaderEpoch: p.leaderEpoch, newIsr: [], newIsrWithEpochs: [{ brokerId: 2, brokerEpoch: e2 }, { brokerId: 1, brokerEpoch: e1 }], leaderRecoveryState: 0, partitionEpoch: p.partitionEpoch }] }] }, 3);
    const ok = await elect(0);
    expect(ok.replicaElectionResults[0].partitionResult[0]).toMatchObject({ errorCode: 0 });
    expect(parts(controller.committed(), 't')[0].leader).toBe(1);
    expect((await elect(0)).replicaElectionResults[0].partitionResult[0].errorCode).toBe(ErrorCode.ELECTION_NOT_NEEDED);
    expect((await elect(1)).replicaElectionResults[0].partitionResult[0].errorCode).toBe(ErrorCode.ELECTION_NOT_NEEDED);
    // All partitions (null): those already led by their preferred replica are left out.
    const all = await controller.electLeaders({ electionType: 0, topicPartitions: null, timeoutMs: 1000 }, 2);
    expect(all.replicaElectionResults).toEqual([{ topic: 't', partitionResult: [] }]);
  });

  it('unclean.leader.election.enable: a replica outside the ISR may lead, RECOVERING, when the ISR is gone', async () => {
    const { controller, e1, e2, scheduler } = await twoBrokers();
    const id = controller.committed().topicsByName.get('t')!.id;
    const p = parts(controller.committed(), 't')[0];
    // The ISR shrinks to the leader (1), then 1 dies: no clean leader, 2 is not in the ISR.
    await controller.alterPartition({ brokerId: 1, brokerEpoch: e1, topics: [{ topicName: '', topicId: id, partitions: [{ partitionIndex: 0, leaderEpoch: p.leaderEpoch, newIsr: [], newIsrWithEpochs: [{ brokerId: 1, brokerEpoch: e1 }], leaderRecoveryState: 0, partitionEpoch: p.partitionEpoch }] }] }, 3);
    for (let i = 0; i < 5; i++) {
      scheduler.advance(2000);
      await heartbeat(controller, 2, e2);
      await flush();
    }
    await flush();
    expect(parts(controller.committed(), 't')[0]).toMatchObject({ leader: -1, isr: [1] });
    const unclean = await controller.electLeaders({ electionType: 1, topicPartitions: [{ topic: 't', partitions: [0] }], timeoutMs: 1000 }, 2);
    expect(unclean.replicaElectionResults[0].partitionResult[0].errorCode).toBe(0);
    expect(parts(controller.committed(), 't')[0]).toMatchObject({ leader: 2, isr: [2], leaderRecoveryState: 1 });
  });

  it('reassignment: adding and removing replicas, listed while in progress, completed by the ISR catching up, or cancelled', async () => {
    const s = setup({ defaultReplicationFactor: 2 });
    const c = s.controller;
    const [e1, e2] = [await register(c, 1), await register(c, 2)];
    const e3 = await register(c, 3);
    void e2;
    await c.createTopics({ topics: [topic('r', { assignments: [{ partitionIndex: 0, brokerIds: [1, 2] }] })], timeoutMs: 1, validateOnly: false }, 7);
    const res = await c.alterPartitionReassignments({ timeoutMs: 1000, topics: [{ name: 'r', partitions: [{ partitionIndex: 0, replicas: [1, 3] }, { partitionIndex: 5, replicas: [1] }] }] });
    expect(res.responses[0].partitions.map((p) => [p.partitionIndex, p.errorCode])).toEqual([
      [0, 0],
      [5, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ]);
    expect(parts(c.committed(), 'r')[0]).toMatchObject({ replicas: [1, 3, 2], addingReplicas: [3], removingReplicas: [2] });
    const listed = await c.listPartitionReassignments({ timeoutMs: 1000, topics: null });
    expect(listed.topics).toEqual([{ name: 'r', partitions: [{ partitionIndex: 0, replicas: [1, 3, 2], addingReplicas: [3], removingReplicas: [2] }] }]);
    // Broker 3 caught up: the leader adds it to the ISR, which completes the move (2 leaves).
    const p = parts(c.committed(), 'r')[0];
    const id = c.committed().topicsByName.get('r')!.id;
    await c.alterPartition({ brokerId: 1, brokerEpoch: e1, topics: [{ topicName: '', topicId: id, partitions: [{ partitionIndex: 0, leaderEpoch: p.leaderEpoch, newIsr: [], newIsrWithEpochs: [1, 2, 3].map((b) => ({ brokerId: b, brokerEpoch: -1n })), leaderRecoveryState: 0, partitionEpoch: p.partitionEpoch }] }] }, 3);
    expect(parts(c.committed(), 'r')[0]).toMatchObject({ replicas: [1, 3], isr: [1, 3], addingReplicas: [], removingReplicas: [] });
    expect((await c.listPartitionReassignments({ timeoutMs: 1000, topics: null })).topics).toEqual([]);
    // Cancel: back to where it was.
    await c.alterPartitionReassignments({ timeoutMs: 1000, topics: [{ name: 'r', partitions: [{ partitionIndex: 0, replicas: [3, 2] }] }] });
    expect(parts(c.committed(), 'r')[0]).toMatchObject({ addingReplicas: [2], removingReplicas: [1] });
    await c.alterPartitionReassignments({ timeoutMs: 1000, topics: [{ name: 'r', partitions: [{ partitionIndex: 0, replicas: null }] }] });
    // As Kafka's PartitionReassignmentRevert: the replicas in flight minus the ones being added.
    expect(parts(c.committed(), 'r')[0]).toMatchObject({ replicas: [3, 1], addingReplicas: [], removingReplicas: [] });
    const none = await c.alterPartitionReassignments({ timeoutMs: 1000, topics: [{ name: 'r', partitions: [{ partitionIndex: 0, replicas: null }] }] });
    expect(none.responses[0].partitions[0]).toMatchObject({ errorCode: ErrorCode.NO_REASSIGNMENT_IN_PROGRESS });
    void e3;
  });
});

describe('rack-aware placement', () => {
  it('spreads each partition over distinct racks and the leaders over all brokers', async () => {
    const { controller } = setup({ placementRandom: () => 0.37 });
    const racks: Record<number, string> = { 1: 'a', 2: 'a', 3: 'b', 4: 'b', 5: 'c', 6: 'c' };
    for (const id of [1, 2, 3, 4, 5, 6]) await register(controller, id, racks[id]);
    const r = await create(controller, topic('racked', { numPartitions: 12, replicationFactor: 3 }));
    expect(r.topics[0].errorCode).toBe(0);
    const ps = parts(controller.committed(), 'racked');
    for (const p of ps) expect(new Set(p.replicas.map((b) => racks[b])).size).toBe(3);
    const leaders = new Map<number, number>();
    for (const p of ps) leaders.set(p.leader, (leaders.get(p.leader) ?? 0) + 1);
    expect([...leaders.values()].sort()).toEqual([2, 2, 2, 2, 2, 2]);
  });
});

void NagareError;
