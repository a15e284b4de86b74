/**
 * Starting a node, with the roles `process.roles` gives it (Kafka's KafkaRaftServer):
 *
 * - every node: storage (format check, log manager), the KRaft replica of `__cluster_metadata`
 *   (a voter on a controller, an observer on a broker-only node) and the MetadataLoader that builds
 *   the node's metadata image from the committed log (and takes snapshots);
 * - a controller: the QuorumController and the controller listeners (ControllerServer), which serve
 *   the KRaft and controller APIs;
 * - a broker: the Broker, which registers with the active controller, heartbeats, and serves
 *   clients once unfenced.
 *
 * And an orderly stop: controlled shutdown of the broker, resignation of the controller, storage.
 */
import { resolve } from 'node:path';
import { Clock, Logger, NagareError, Scheduler, systemClock, systemScheduler } from '@nagare/common';
import { Broker, BoundListener, FEATURE_LEVELS, KafkaConfig, METADATA_VERSION, NodeToControllerChannel, parseProperties } from '@nagare/broker';
import { QuorumController, inProcessController } from '@nagare/controller';
import { MetadataLoader, MetadataLogStore, RaftClient, kafkaSnapshotCodec, type HostPort } from '@nagare/kraft';
import { ConfigResolver } from '@nagare/metadata';
import { ZERO_UUID } from '@nagare/protocol';
import { LogManager, NodeFileSystem, logConfigFromProperties } from '@nagare/storage';
import { ControllerServer } from './controller-server';
import { ensureFormatted, readMetaProperties } from './storage-format';

export const METADATA_TOPIC = '__cluster_metadata';

/** What `npm start` runs with: a single combined node on localhost:9092, data under ./data. */
export const EMBEDDED_DEFAULTS: Record<string, string> = {
  'process.roles': 'broker,controller',
  'node.id': '1',
  listeners: 'PLAINTEXT://localhost:9092',
  'log.dirs': './data',
  'num.partitions': '1',
  'default.replication.factor': '1',
  'offsets.topic.replication.factor': '1',
  'transaction.state.log.replication.factor': '1',
  'transaction.state.log.min.isr': '1',
  'group.initial.rebalance.delay.ms': '0',
};

export interface StartOptions {
  props: Record<string, string>;
  /**
   * Format unformatted storage for a new cluster (npm start). Only a node that is a quorum of one
   * by itself may do that: a node of a cluster needs the cluster's id (`nagare storage format`).
   */
  autoFormat: boolean;
  logger: Logger;
  clock?: Clock;
  scheduler?: Scheduler;
}

export interface RunningServer {
  config: KafkaConfig;
  clusterId: string;
  /** Every listener bound: the broker's and the controller's. */
  listeners: BoundListener[];
  broker?: Broker;
  controller?: QuorumController;
  raft: RaftClient;
  loader: MetadataLoader;
  stop(): Promise<void>;
}

export function loadProperties(text: string, overrides: string[]): Record<string, string> {
  const props = parseProperties(text);
  for (const o of overrides) {
    const eq = o.indexOf('=');
    if (eq <= 0) throw new NagareError('INVALID_CONFIG', `--override '${o}' is not of the form key=value`);
    props[o.slice(0, eq).trim()] = o.slice(eq + 1);
  }
  return props;
}

/** A node that forms a quorum of one with no help: implicit single voter, or the only static voter. */
function isSoleVoter(config: KafkaConfig): boolean {
  if (config.implicitSingleVoter) return true;
  const v = config.quorumVoters;
  return config.isController && v.length === 1 && v[0].id === config.nodeId && config.quorumBootstrapServers.length === 0;
}

export async function startServer(opts: StartOptions): Promise<RunningServer> {
  const clock = opts.clock ?? systemClock;
  const scheduler = opts.scheduler ?? systemScheduler;
  const logger = opts.logger;
  const { config, warnings } = KafkaConfig.parse(opts.props);
  for (const w of warnings) logger.warn(w);
  const logDirs = config.logDirs.map((d) => resolve(d));
  const metadataDir = resolve(config.metadataLogDir);
  const autoFormat = opts.autoFormat && isSoleVoter(config);
  const { clusterId, formatted } = ensureFormatted([...logDirs, metadataDir], config.nodeId, autoFormat);
  if (formatted.length > 0) logger.info({ clusterId, dirs: formatted }, 'formatted storage for a new cluster');
  const directoryId = readMetaProperties(metadataDir)?.directoryId || ZERO_UUID;

  const resolver = new ConfigResolver(config.explicit, config.nodeId);
  const defaults = logConfigFromProperties(config.topicConfigDefaults());
  // The metadata log: its records are removed only behind snapshots, never by retention.
  const metadataLogConfig = logConfigFromProperties({
    ...config.topicConfigDefaults(),
    'retention.ms': '-1',
    'retention.bytes': '-1',
    'segment.bytes': String(config.int('metadata.log.segment.bytes')),
    'cleanup.policy': 'delete',
  });
  const fs = new NodeFileSystem();
  const logManager = LogManager.open({
    logDirs: [...new Set([...logDirs, metadataDir])],
    fs,
    clock,
    logger: logger.child({ component: 'storage' }),
    defaultConfig: defaults,
    // An existing metadata log is loaded at open: with its own config, not the topic defaults.
    topicConfig: (topic) => (topic === METADATA_TOPIC ? metadataLogConfig : undefined),
  });
  let broker: Broker | undefined;
  let controllerServer: ControllerServer | undefined;
  let raft: RaftClient | undefined;
  let channel: NodeToControllerChannel | undefined;
  let controller: QuorumController | undefined;
  try {
    const metadataLog = logManager.getOrCreateLog(METADATA_TOPIC, 0, metadataLogConfig, undefined, metadataDir);
    const codec = kafkaSnapshotCodec(() => clock.now());
    const store = new MetadataLogStore({ log: metadataLog, fs, clusterId, codec, clock, logger: logger.child({ component: 'raft' }) });
    const listenerName = config.controllerListenerNames[0] ?? 'CONTROLLER';
    const staticVoters = new Map<number, HostPort>(
      config.implicitSingleVoter ? [[config.nodeId, { host: 'localhost', port: 0 }]] : config.quorumVoters.map((v) => [v.id, { host: v.host, port: v.port }]),
    );

    // The controller listeners are bound first: peers reach this voter there from the start.
    const controllerBound: BoundListener[] = [];
    const loader = new MetadataLoader({
      clock,
      logger: logger.child({ component: 'metadata-loader' }),
      snapshots: {
        policy: {
          maxBytesBetweenSnapshots: config.int('metadata.log.max.record.bytes.between.snapshots'),
          maxIntervalMs: config.int('metadata.log.max.snapshot.interval.ms'),
        },
        target: { get bytesSinceSnapshot() { return raft!.bytesSinceSnapshot; }, get logStartOffset() { return raft!.logStartOffset; }, createSnapshot: (end, data) => raft!.createSnapshot(end, data) },
      },
    });
    const localEndpoints = () =>
      config.controllerListeners.map((l) => {
        const b = controllerBound.find((x) => x.name === l.listener);
        const host = l.host === '' || l.host === '0.0.0.0' || l.host === '::' ? 'localhost' : l.host;
        return { name: l.listener, host, port: l.port === 0 && b !== undefined ? b.boundPort : l.port };
      });
    raft = new RaftClient(
      {
        nodeId: config.nodeId,
        directoryId,
        clusterId,
        staticVoters,
        bootstrapServers: config.quorumBootstrapServers,
        listenerName,
        get localEndpoints() {
          return config.isController ? localEndpoints() : [];
        },
        // As Kafka's RaftManager: a broker-only node observes without fsync; controllers always flush.
        followersAlwaysFlush: config.isController,
        electionTimeoutMs: config.int('controller.quorum.election.timeout.ms'),
        electionBackoffMaxMs: config.int('controller.quorum.election.backoff.max.ms'),
        fetchTimeoutMs: config.int('controller.quorum.fetch.timeout.ms'),
        requestTimeoutMs: config.int('controller.quorum.request.timeout.ms'),
        retryBackoffMs: config.int('controller.quorum.retry.backoff.ms'),
        snapshotCodec: codec,
      },
      { store, clock, scheduler, logger: logger.child({ component: 'raft' }) },
    );
    raft.register(loader);
    if (config.isController) {
      controller = new QuorumController({
        nodeId: config.nodeId,
        clusterId,
        log: raft,
        clock,
        scheduler,
        logger: logger.child({ component: 'controller' }),
        settings: {
          numPartitions: config.int('num.partitions'),
          defaultReplicationFactor: config.int('default.replication.factor'),
          deleteTopicEnable: config.bool('delete.topic.enable'),
          resolver,
          metadataVersion: METADATA_VERSION,
          features: FEATURE_LEVELS,
          sessionTimeoutMs: config.int('broker.session.timeout.ms'),
          maxIdleIntervalMs: config.int('metadata.max.idle.interval.ms'),
          autoLeaderRebalance: config.bool('auto.leader.rebalance.enable'),
          leaderImbalanceCheckIntervalMs: config.int('leader.imbalance.check.interval.seconds') * 1000,
        },
      });
      if (config.controllerListeners.length > 0) {
        controllerServer = new ControllerServer({ config, clusterId, raft, loader, controller, resolver, metadataVersion: METADATA_VERSION, clock, logger });
        controllerBound.push(...(await controllerServer.start()));
      }
    }
    raft.start();
    logger.info({ role: raft.role, voters: raft.latestVoters().map((v) => v.id), logEndOffset: raft.logEndOffset }, 'started the metadata quorum replica');

    let brokerBound: BoundListener[] = [];
    if (config.isBroker) {
      const local = controller;
      const r0 = raft;
      channel = new NodeToControllerChannel({
        nodeId: config.nodeId,
        quorum: raft,
        local: local === undefined ? undefined : inProcessController(local, r0),
        clock,
        scheduler,
        logger: logger.child({ component: 'controller-channel' }),
        requestTimeoutMs: config.int('request.timeout.ms'),
      });
      broker = new Broker({ config, clusterId, metadata: loader, controller: channel, logManager, clock, scheduler, logger });
      brokerBound = await broker.start();
      const timeout = config.int('initial.broker.registration.timeout.ms');
      let timer: { cancel(): void } | undefined;
      const brokerEpoch = await Promise.race([
        broker.whenReady(),
        new Promise<never>((_, reject) => {
          timer = scheduler.schedule(timeout, () =>
            reject(new NagareError('REQUEST_TIMED_OUT', `the broker was not registered and unfenced by a controller within ${timeout} ms (initial.broker.registration.timeout.ms): check controller.quorum.voters / controller.quorum.bootstrap.servers and that the controllers run`)),
          );
        }),
      ]).finally(() => timer?.cancel());
      logger.info({ brokerEpoch: String(brokerEpoch) }, 'the broker is registered and unfenced');
    }
    const listeners = [...brokerBound, ...controllerBound];
    logger.info(
      {
        clusterId,
        nodeId: config.nodeId,
        roles: config.processRoles,
        listeners: listeners.map((l) => `${l.name}://${l.host || '0.0.0.0'}:${l.boundPort}`),
        quorumLeader: raft.leaderAndEpoch().leaderId,
      },
      'nagare server started',
    );
    let stopping: Promise<void> | null = null;
    const r = raft;
    return {
      config,
      clusterId,
      listeners,
      broker,
      controller,
      raft: r,
      loader,
      stop: () =>
        (stopping ??= (async () => {
          await broker?.stop();
          channel?.close();
          controller?.close();
          await r.close(config.isController ? 200 : 0);
          await controllerServer?.stop();
          await logManager.close();
          logger.info('nagare server stopped');
        })()),
    };
  } catch (e) {
    await broker?.stop().catch(() => undefined);
    channel?.close();
    controller?.close();
    await raft?.close().catch(() => undefined);
    await controllerServer?.stop().catch(() => undefined);
    await logManager.close().catch(() => undefined);
    throw e;
  }
}
