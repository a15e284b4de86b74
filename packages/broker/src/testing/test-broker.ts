/**
 * An in-process broker for tests: a combined node (broker and controller, as `npm start` runs)
 * with real storage on the in-memory file system, the real KRaft replica (a single voter), the real
 * controller and metadata loader, real TCP on a random port, and a tiny request client speaking our
 * protocol library.
 */
import * as net from 'node:net';
import { ManualClock, memoryLogger, systemClock, systemScheduler, Clock, Scheduler } from '@nagare/common';
import { QuorumController, inProcessController } from '@nagare/controller';
import { MetadataLoader, MetadataLogStore, RaftClient, kafkaSnapshotCodec } from '@nagare/kraft';
import { ConfigResolver } from '@nagare/metadata';
import { RequestByKey, ResponseByKey, decodeResponseFrame, encodeRequestFrame } from '@nagare/protocol';
import { LogManager, MemoryFileSystem, logConfigFromProperties } from '@nagare/storage';
import { Broker, FEATURE_LEVELS, METADATA_VERSION } from '../broker';
import { KafkaConfig } from '../config';
import { NodeToControllerChannel } from '../controller-client';
import { FrameReader } from '../network/frame-reader';

export const TEST_CLUSTER_ID = 'test-cluster-id-000000';

export interface TestBroker {
  broker: Broker;
  controller: QuorumController;
  raft: RaftClient;
  loader: MetadataLoader;
  logs: LogManager;
  fs: MemoryFileSystem;
  port: number;
  log: ReturnType<typeof memoryLogger>;
  stop(): Promise<void>;
}

export async function startTestBroker(props: Record<string, string> = {}, opts: { clock?: Clock; scheduler?: Scheduler; fs?: MemoryFileSystem } = {}): Promise<TestBroker> {
  const clock = opts.clock ?? systemClock;
  const scheduler = opts.scheduler ?? systemScheduler;
  const fs = opts.fs ?? new MemoryFileSystem({ seed: 1 });
  const { config } = KafkaConfig.parse({
    'process.roles': 'broker,controller',
    'node.id': '1',
    listeners: 'PLAINTEXT://127.0.0.1:0',
    'log.dirs': '/data',
    'offsets.topic.replication.factor': '1',
    'offsets.topic.num.partitions': '3',
    'transaction.state.log.replication.factor': '1',
    'transaction.state.log.min.isr': '1',
    'transaction.state.log.num.partitions': '3',
    'group.initial.rebalance.delay.ms': '0',
    ...props,
  });
  const log = memoryLogger();
  const logs = LogManager.open({ logDirs: ['/data'], fs, clock, logger: log, defaultConfig: logConfigFromProperties(config.topicConfigDefaults()) });
  const metaLog = logs.getOrCreateLog('__cluster_metadata', 0, logConfigFromProperties({ 'retention.ms': '-1', 'retention.bytes': '-1' }));
  const codec = kafkaSnapshotCodec(() => clock.now());
  const store = new MetadataLogStore({ log: metaLog, fs, clusterId: TEST_CLUSTER_ID, codec, clock });
  const raft = new RaftClient(
    {
      nodeId: 1,
      directoryId: 'AAAAAAAAAAAAAAAAAAAAAA',
      clusterId: TEST_CLUSTER_ID,
      staticVoters: new Map([[1, { host: '127.0.0.1', port: 0 }]]),
      bootstrapServers: [],
      listenerName: 'CONTROLLER',
      localEndpoints: [],
      snapshotCodec: codec,
    },
    { store, clock, scheduler, logger: log },
  );
  const loader = new MetadataLoader({ clock, logger: log });
  raft.register(loader);
  const controller = new QuorumController({
    nodeId: 1,
    clusterId: TEST_CLUSTER_ID,
    log: raft,
    clock,
    scheduler,
    logger: log,
    settings: {
      numPartitions: config.int('num.partitions'),
      defaultReplicationFactor: 1,
      deleteTopicEnable: true,
      resolver: new ConfigResolver(config.explicit, 1),
      metadataVersion: METADATA_VERSION,
      features: FEATURE_LEVELS,
      maxIdleIntervalMs: 0,
      autoLeaderRebalance: false,
    },
  });
  raft.start();
  const channel = new NodeToControllerChannel({
    nodeId: 1,
    quorum: raft,
    local: inProcessController(controller, raft),
    clock,
    scheduler,
  });
  const broker = new Broker({ config, clusterId: TEST_CLUSTER_ID, metadata: loader, controller: channel, logManager: logs, clock, scheduler, logger: log });
  const [l] = await broker.start();
  await broker.whenReady();
  return {
    broker,
    controller,
    raft,
    loader,
    logs,
    fs,
    port: l.boundPort,
    log,
    stop: async () => {
      await broker.stop();
      controller.close();
      channel.close();
      await raft.close();
      await logs.close();
    },
  };
}

/** A minimal pipelining client over one connection. */
export class TestClient {
  private correlation = 0;
  private readonly pending = new Map<number, { resolve: (frame: Buffer) => void; reject: (e: Error) => void }>();
  private readonly reader = new FrameReader(1 << 30);
  readonly closed: Promise<void>;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d) => {
      for (const ev of this.reader.push(d)) {
        if (ev.kind !== 'frame') continue;
        const id = ev.frame.readInt32BE(0);
        const p = this.pending.get(id);
        this.pending.delete(id);
        p?.resolve(ev.frame);
      }
    });
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        for (const p of this.pending.values()) p.reject(new Error('connection closed'));
        this.pending.clear();
        resolve();
      }),
    );
  }

  static async connect(port: number): Promise<TestClient> {
    const socket = net.connect(port, '127.0.0.1');
    await new Promise<void>((res, rej) => {
      socket.once('connect', res);
      socket.once('error', rej);
    });
    return new TestClient(socket);
  }

  send<K extends keyof RequestByKey & keyof ResponseByKey>(apiKey: K, version: number, body: RequestByKey[K], expectResponse = true): Promise<ResponseByKey[K]> {
    const id = ++this.correlation;
    const chunks = encodeRequestFrame(apiKey, version, id, 'test-client', body);
    const p = expectResponse
      ? new Promise<Buffer>((resolve, reject) => this.pending.set(id, { resolve, reject }))
      : Promise.resolve(Buffer.alloc(0));
    for (const c of chunks) this.socket.write(c);
    if (!expectResponse) return Promise.resolve(null as never);
    return p.then((frame) => {
      const r = decodeResponseFrame(apiKey, version, frame);
      return r.body;
    });
  }

  /** Sends raw bytes (for bad-input tests). */
  raw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  close(): void {
    this.socket.destroy();
  }
}

export { ManualClock };
