/**
 * A running registry: the `_schemas` store read to its end, the REST API
 * listening, and group membership for leader election (as Confluent's
 * `SchemaRegistryRestApplication` starts them).
 */
import type { AddressInfo } from 'node:net';
import type { Logger } from '@nagare/common';
import { silentLogger } from '@nagare/common';
import type { FastifyInstance } from 'fastify';
import { SchemaRegistryConfig } from './config';
import { defaultProviders } from './formats/providers';
import type { SchemaProvider } from './formats/types';
import { LeaderElector } from './leader';
import { SchemaRegistry } from './registry';
import { buildRestServer } from './rest';
import { KafkaSchemaLog } from './store/kafka-log';

export const NAGARE_SR_VERSION = '7.9.0';

export interface RunningSchemaRegistry {
  registry: SchemaRegistry;
  log: KafkaSchemaLog;
  elector: LeaderElector;
  app: FastifyInstance;
  port: number;
  /** http://host:port as other instances reach it. */
  url: string;
  stop(): Promise<void>;
}

export async function startSchemaRegistry(config: SchemaRegistryConfig, opts: { logger?: Logger; providers?: SchemaProvider[]; clientOptions?: Record<string, unknown> } = {}): Promise<RunningSchemaRegistry> {
  const logger = opts.logger ?? silentLogger;
  const listener = config.listeners[0];
  const log = new KafkaSchemaLog({
    bootstrapServers: config.bootstrapServers,
    topic: config.topic,
    replicationFactor: config.topicReplicationFactor,
    topicConfigs: config.topicConfigs,
    skipValidation: config.topicSkipValidation,
    initTimeoutMs: config.initTimeoutMs,
    timeoutMs: config.storeTimeoutMs,
    clientId: `schema-registry-${config.hostName}-${listener.port}`,
    clientOptions: opts.clientOptions,
    logger,
  });
  await log.start();
  const registry = new SchemaRegistry({
    log,
    providers: opts.providers ?? defaultProviders(),
    defaultCompatibility: config.compatibilityLevel,
    modeMutability: config.modeMutability,
    validateFields: config.validateFields,
    schemaSearchDefaultLimit: config.schemaSearchDefaultLimit,
    schemaSearchMaxLimit: config.schemaSearchMaxLimit,
  });
  // The elector is created once the port is known (listeners may ask for port 0).
  let elector: LeaderElector | null = null;
  const app = buildRestServer(registry, {
    leader: { isLeader: () => elector?.isLeader() ?? false, leaderUrl: () => elector?.leaderUrl() ?? null },
    kafkaClusterId: log.clusterId ?? '',
    groupId: config.groupId,
    version: NAGARE_SR_VERSION,
    bodyLimit: config.maxRequestBodyBytes,
    forwardTimeoutMs: config.leaderReadTimeoutMs,
    logger,
  });
  try {
    await app.listen({ host: listener.host, port: listener.port });
  } catch (e) {
    await log.close();
    throw e;
  }
  const port = (app.server.address() as AddressInfo).port;
  const identity = { host: config.hostName, port, leaderEligibility: config.leaderEligibility, scheme: config.interInstanceProtocol };
  elector = new LeaderElector({
    bootstrapServers: config.bootstrapServers,
    groupId: config.groupId,
    identity,
    sessionTimeoutMs: config.sessionTimeoutMs,
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    rebalanceTimeoutMs: config.rebalanceTimeoutMs,
    clientOptions: opts.clientOptions,
    logger,
    onLeaderChange: async (_leader, isMe) => {
      // A new leader reads everything written before it assigns ids (no id is reused).
      if (isMe) await log.sync().catch((e: Error) => logger.warn({ err: e.message }, 'catching up on the schema topic before leading failed'));
    },
  });
  elector.start();
  const url = `${identity.scheme}://${identity.host}:${port}`;
  logger.info({ url, listener: `${listener.scheme}://${listener.host}:${port}`, topic: config.topic, group: config.groupId }, 'schema registry started');
  const el = elector;
  return {
    registry,
    log,
    elector: el,
    app,
    port,
    url,
    async stop() {
      await el.stop();
      await app.close();
      await log.close();
      logger.info({}, 'schema registry stopped');
    },
  };
}
