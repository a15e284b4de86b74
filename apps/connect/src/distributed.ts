/**
 * `connect-distributed <worker.properties>` (Kafka's `ConnectDistributed`):
 * a worker of the Connect cluster named by `group.id`. Starts the REST API
 * on `listeners` (its advertised URL is what other workers forward to),
 * creates/reads the three internal topics, joins the group and runs what the
 * leader assigns. Connectors are managed through the REST API. SIGINT/SIGTERM
 * stop it cleanly (tasks stopped, offsets committed, the group left).
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { Admin } from '@nagare/client';
import type { Logger } from '@nagare/common';
import {
  DistributedHerder,
  KafkaConfigBackingStore,
  KafkaOffsetBackingStore,
  KafkaStatusBackingStore,
  LoggerLevels,
  Worker,
  adminClientOptions,
  builtinPlugins,
  distributedWorkerConfig,
  exactlyOnceSourceEnabled,
  transactionalLeaderEnabled,
  transactionalProducerId,
  parseProperties,
  withPrefix,
  type DistributedConfig,
} from '@nagare/connect-runtime';
import { addBundledConnectors } from './connectors';
import type { FastifyInstance } from 'fastify';
import { consoleLogger, loggerLevelsLogger, untilStopSignal } from './logger';
import { buildRestServer, httpForward, parseListener } from './rest';
import { COMMIT, VERSION } from './standalone';

export const DISTRIBUTED_USAGE = 'Usage: ConnectDistributed worker.properties';

export interface RunningDistributed {
  herder: DistributedHerder;
  port: number;
  url: string;
  app: FastifyInstance;
  stop(): Promise<void>;
}

/** `<store>.storage.*` keys that are topic configs (Kafka's `configStorageTopicSettings` & co.). */
function topicSettings(props: Readonly<Record<string, string>>, prefix: string): Record<string, string> {
  const out = withPrefix(props, prefix);
  for (const k of ['topic', 'partitions', 'replication.factor', 'file.filename']) delete out[k];
  return out;
}

/** Starts a distributed worker from its properties (the bin and `npm start` both use this). */
export async function startDistributedFromProps(props: Record<string, string>, logger: Logger, levels: LoggerLevels = new LoggerLevels()): Promise<RunningDistributed> {
  logger.info('Kafka Connect distributed worker initializing ...');
  const config: DistributedConfig = distributedWorkerConfig(props);
  const plugins = builtinPlugins();
  addBundledConnectors(plugins);
  plugins.loadPluginPath(config.pluginPath);
  logger.info(`Loaded ${plugins.list().length} plugins`);
  const admin = new Admin({ ...adminClientOptions({ ...props, ...withPrefix(props, 'admin.') }), defaultApiTimeoutMs: 30000 });
  let kafkaClusterId = '';
  try {
    kafkaClusterId = (await admin.describeCluster()).clusterId ?? '';
  } finally {
    admin.close();
  }
  logger.info(`Kafka cluster ID: ${kafkaClusterId}`);

  // The REST server comes first: the herder needs its advertised URL.
  const listener = parseListener(config.listeners[0]);
  let herder: DistributedHerder | null = null;
  const lazyHerder = new Proxy({} as DistributedHerder, {
    get: (_t, prop) => {
      if (herder === null) {
        if (prop === 'isReady') return () => false;
        throw new Error('The worker is still starting');
      }
      const v = (herder as unknown as Record<string | symbol, unknown>)[prop];
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(herder) : v;
    },
  });
  const app = await buildRestServer(lazyHerder, { version: VERSION, commit: COMMIT, kafkaClusterId }, { forward: httpForward, topicTrackingEnable: config.topicTrackingEnable, topicTrackingAllowReset: config.topicTrackingAllowReset });
  await app.listen({ port: listener.port, host: listener.host });
  const port = (app.server.address() as import('node:net').AddressInfo).port;
  const advertisedHost = config.advertisedHost ?? (listener.host === '0.0.0.0' ? hostname() : listener.host);
  const advertisedPort = config.advertisedPort ?? port;
  const url = `http://${advertisedHost}:${advertisedPort}/`;
  const workerId = `${advertisedHost}:${advertisedPort}`;
  logger.info(`REST server listening at http://${listener.host}:${port}/, advertising URL ${url}`);

  const base = { workerProps: props, logger };
  // KIP-618: with exactly-once sources the offsets and config topics are read read_committed, and from
  // `preparing` on the leader writes the config topic with a transactional producer
  const eos = exactlyOnceSourceEnabled(config);
  if (config.exactlyOnceSourceSupport !== 'disabled') logger.info(`Exactly-once source support: ${config.exactlyOnceSourceSupport}`);
  const offsetStore = new KafkaOffsetBackingStore(
    {
      ...base,
      topic: config.offsetStorageTopic,
      topicConfigKey: 'offset.storage.topic',
      clientId: `${config.groupId}-offsets`,
      partitions: config.offsetStoragePartitions,
      replicationFactor: config.offsetStorageReplicationFactor,
      topicConfigs: topicSettings(props, 'offset.storage.'),
      ...(eos ? { isolationLevel: 'read_committed' as const } : {}),
    },
    logger,
  );
  const statusStore = new KafkaStatusBackingStore(
    { ...base, topic: config.statusStorageTopic, topicConfigKey: 'status.storage.topic', clientId: `${config.groupId}-statuses`, partitions: config.statusStoragePartitions, replicationFactor: config.statusStorageReplicationFactor, topicConfigs: topicSettings(props, 'status.storage.') },
    logger,
  );
  const configStore = new KafkaConfigBackingStore(
    {
      ...base,
      topic: config.configStorageTopic,
      topicConfigKey: 'config.storage.topic',
      clientId: `${config.groupId}-configs`,
      replicationFactor: config.configStorageReplicationFactor,
      topicConfigs: topicSettings(props, 'config.storage.'),
      ...(eos ? { isolationLevel: 'read_committed' as const } : {}),
    },
    logger,
    { fencableTransactionalId: transactionalLeaderEnabled(config) ? transactionalProducerId(config.groupId) : null },
  );
  try {
    await offsetStore.startAsync();
    await statusStore.start();
    await configStore.start();
  } catch (e) {
    await app.close();
    await Promise.allSettled([offsetStore.stopAsync(), statusStore.stop(), configStore.stop()]);
    throw e;
  }
  const worker = new Worker(workerId, config, plugins, offsetStore, logger);
  worker.distributed = {
    exactlyOnceSourceEnabled: eos,
    groupId: config.groupId,
    offsetsTopic: config.offsetStorageTopic,
    // a connector's own offsets topic (offsets.storage.topic): created like the worker's, read read_committed
    openOffsetStore: async (topic, clientId, clientProps) => {
      const store = new KafkaOffsetBackingStore(
        {
          workerProps: clientProps,
          logger,
          topic,
          topicConfigKey: 'offsets.storage.topic',
          clientId,
          partitions: config.offsetStoragePartitions,
          replicationFactor: config.offsetStorageReplicationFactor,
          topicConfigs: topicSettings(props, 'offset.storage.'),
          isolationLevel: 'read_committed',
        },
        logger,
      );
      await store.startAsync();
      return store;
    },
  };
  worker.topicTracker = (connector, task, topic) => {
    statusStore.putTopic({ topic, connector, task, discoverTimestamp: Date.now() }).catch((e: unknown) => logger.warn({ err: e }, `Failed to record topic ${topic} of ${connector}`));
  };
  herder = new DistributedHerder({ config, worker, configStore, statusStore, offsetStore, restUrl: url, kafkaClusterId, logger, forward: httpForward, loggerLevels: levels });
  herder.start();
  logger.info('Kafka Connect started');
  const h = herder;
  return {
    herder: h,
    port,
    url,
    app,
    stop: async () => {
      logger.info('Kafka Connect stopping');
      await h.stop();
      await app.close();
      await Promise.allSettled([offsetStore.stopAsync(), statusStore.stop(), configStore.stop()]);
      logger.info('Kafka Connect stopped');
    },
  };
}

export async function main(argv: string[]): Promise<number> {
  const levels = new LoggerLevels((process.env.NAGARE_LOG_LEVEL ?? 'INFO').toUpperCase());
  const logger = loggerLevelsLogger(levels);
  if (argv.length !== 1 || argv.includes('--help')) {
    logger.info(DISTRIBUTED_USAGE);
    return 1;
  }
  let running: RunningDistributed;
  try {
    running = await startDistributedFromProps(parseProperties(readFileSync(argv[0], 'utf8')), logger, levels);
  } catch (e) {
    logger.error({ err: e }, 'Stopping due to error');
    return 1;
  }
  await untilStopSignal(logger);
  await running.stop();
  return 0;
}

export { consoleLogger };
