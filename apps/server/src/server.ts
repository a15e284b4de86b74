/**
 * Starting a node: configuration, storage format check, storage engine,
 * metadata log and controller, broker, network; and an orderly stop.
 */
import { resolve } from 'node:path';
import { Clock, Logger, NagareError, Scheduler, systemClock, systemScheduler } from '@nagare/common';
import { Broker, BoundListener, FEATURE_LEVELS, KafkaConfig, METADATA_VERSION, SECURITY_PROTOCOLS, parseProperties } from '@nagare/broker';
import { Controller, MetadataCommitter } from '@nagare/controller';
import { ConfigResolver } from '@nagare/metadata';
import { LogManager, NodeFileSystem, logConfigFromProperties } from '@nagare/storage';
import { ensureFormatted } from './storage-format';

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
  /** Format unformatted storage for a new cluster (npm start). */
  autoFormat: boolean;
  logger: Logger;
  clock?: Clock;
  scheduler?: Scheduler;
}

export interface RunningServer {
  config: KafkaConfig;
  clusterId: string;
  listeners: BoundListener[];
  broker: Broker;
  controller: Controller;
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

export async function startServer(opts: StartOptions): Promise<RunningServer> {
  const clock = opts.clock ?? systemClock;
  const scheduler = opts.scheduler ?? systemScheduler;
  const logger = opts.logger;
  const { config, warnings } = KafkaConfig.parse(opts.props);
  for (const w of warnings) logger.warn(w);
  const logDirs = config.logDirs.map((d) => resolve(d));
  const metadataDir = resolve(config.metadataLogDir);
  const { clusterId, formatted } = ensureFormatted([...logDirs, metadataDir], config.nodeId, opts.autoFormat);
  if (formatted.length > 0) logger.info({ clusterId, dirs: formatted }, 'formatted storage for a new cluster');

  const resolver = new ConfigResolver(config.explicit, config.nodeId);
  const defaults = logConfigFromProperties(config.topicConfigDefaults());
  // The metadata log: never deleted by retention (there are no snapshots yet).
  const metadataLogConfig = logConfigFromProperties({
    ...config.topicConfigDefaults(),
    'retention.ms': '-1',
    'retention.bytes': '-1',
    'segment.bytes': String(config.int('metadata.log.segment.bytes')),
    'cleanup.policy': 'delete',
  });
  const logManager = LogManager.open({
    logDirs: [...new Set([...logDirs, metadataDir])],
    fs: new NodeFileSystem(),
    clock,
    logger: logger.child({ component: 'storage' }),
    defaultConfig: defaults,
    // An existing metadata log is loaded at open: with its own config, not the topic defaults.
    topicConfig: (topic) => (topic === METADATA_TOPIC ? metadataLogConfig : undefined),
  });
  let broker: Broker | undefined;
  try {
    const metadataLog = logManager.getOrCreateLog(METADATA_TOPIC, 0, metadataLogConfig, undefined, metadataDir);
    const committer = new MetadataCommitter({ log: metadataLog, clock, logger: logger.child({ component: 'controller' }), nodeId: config.nodeId });
    const replayed = committer.load();
    const controller = new Controller(committer, {
      nodeId: config.nodeId,
      numPartitions: config.int('num.partitions'),
      defaultReplicationFactor: config.int('default.replication.factor'),
      deleteTopicEnable: config.bool('delete.topic.enable'),
      resolver,
      metadataVersion: METADATA_VERSION,
      features: FEATURE_LEVELS,
    });
    if (await controller.bootstrapIfEmpty()) logger.info({ metadataVersion: METADATA_VERSION }, 'bootstrapped the metadata log');
    logger.info({ records: replayed, topics: controller.image().topicsByName.size }, 'loaded the metadata log');

    broker = new Broker({ config, clusterId, controller, logManager, clock, scheduler, logger });
    const listeners = await broker.start();
    // Register with the ports actually bound (a listener may ask for port 0).
    const protocols = config.securityProtocolMap;
    const brokerEpoch = await controller.registerBroker(
      config.nodeId,
      config.advertisedListeners.map((e) => {
        const bound = listeners.find((l) => l.name === e.listener);
        return {
          name: e.listener,
          host: e.host,
          port: e.port === 0 && bound ? bound.boundPort : e.port,
          securityProtocol: SECURITY_PROTOCOLS[protocols.get(e.listener) ?? e.listener] ?? 0,
        };
      }),
      config.get('broker.rack'),
    );
    broker.ready(brokerEpoch);
    logger.info(
      { clusterId, nodeId: config.nodeId, brokerEpoch: String(brokerEpoch), listeners: listeners.map((l) => `${l.name}://${l.host || '0.0.0.0'}:${l.boundPort}`) },
      'nagare server started',
    );
    let stopping: Promise<void> | null = null;
    return {
      config,
      clusterId,
      listeners,
      broker,
      controller,
      stop: () =>
        (stopping ??= (async () => {
          await broker!.stop();
          await logManager.close();
          logger.info('nagare server stopped');
        })()),
    };
  } catch (e) {
    await broker?.stop().catch(() => undefined);
    await logManager.close().catch(() => undefined);
    throw e;
  }
}
