/**
 * `connect-standalone <worker.properties> [<connector.properties|.json> ...]`
 * (Kafka's `ConnectStandalone`): one worker, offsets in
 * `offset.storage.file.filename`, the REST API on `listeners`, and each
 * connector file created (properties, or KIP-980 style JSON
 * `{"name":...,"config":{...}}`). Stops cleanly on SIGINT/SIGTERM.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { Admin } from '@nagare/client';
import {
  FileOffsetBackingStore,
  StandaloneHerder,
  Worker,
  adminClientOptions,
  builtinPlugins,
  parseProperties,
  standaloneWorkerConfig,
  type Plugins,
} from '@nagare/connect-runtime';
import type { Logger } from '@nagare/common';
import { addBundledConnectors } from './connectors';
import { consoleLogger } from './logger';
import { buildRestServer, parseListener } from './rest';

export const USAGE = 'Usage: ConnectStandalone worker.properties [connector1.properties connector2.json ...]';
export const VERSION = '0.1.0';

/** A connector file: Java properties, or JSON `{"name":..., "config":{...}}` / a flat JSON config. */
export function parseConnectorFile(path: string): { name: string; config: Record<string, string> } {
  const text = readFileSync(path, 'utf8');
  if (/\.json$/i.test(path) || /^\s*\{/.test(text)) {
    const j = JSON.parse(text) as { name?: string; config?: Record<string, unknown> } & Record<string, unknown>;
    const raw = j.config && typeof j.config === 'object' ? j.config : j;
    const config: Record<string, string> = {};
    for (const [k, v] of Object.entries(raw)) if (k !== 'config' || raw !== j) config[k] = String(v);
    const name = (j.config ? j.name : undefined) ?? config.name;
    if (name === undefined) throw new Error(`Connector configuration at '${path}' is missing the mandatory 'name' field`);
    if (config.name !== undefined && config.name !== name) throw new Error(`Connector name configuration (${config.name}) doesn't match connector name in the file (${name})`);
    config.name = name;
    return { name, config };
  }
  const config = parseProperties(text);
  return { name: config.name, config };
}

export interface RunningStandalone {
  herder: StandaloneHerder;
  port: number;
  stop(): Promise<void>;
}

export interface StandaloneOptions {
  /** Registers extra plugins before the bundled ones (the first registration of a class name wins). */
  configurePlugins?: (plugins: Plugins) => void;
}

export async function startStandalone(workerPropsFile: string, connectorFiles: string[], logger: Logger, options: StandaloneOptions = {}): Promise<RunningStandalone> {
  logger.info('Kafka Connect standalone worker initializing ...');
  const props = parseProperties(readFileSync(workerPropsFile, 'utf8'));
  const config = standaloneWorkerConfig(props);
  const plugins = builtinPlugins();
  options.configurePlugins?.(plugins);
  addBundledConnectors(plugins);
  plugins.loadPluginPath(config.pluginPath);
  logger.info(`Loaded ${plugins.list().length} plugins`);
  const store = new FileOffsetBackingStore(config.offsetStorageFileFilename);
  store.start();
  const listener = parseListener(config.listeners[0]);
  const advertisedHost = config.advertisedHost ?? (listener.host === '0.0.0.0' ? hostname() : listener.host);
  let kafkaClusterId = '';
  const admin = new Admin({ ...adminClientOptions({ ...props, ...Object.fromEntries(Object.entries(props).filter(([k]) => k.startsWith('admin.')).map(([k, v]) => [k.slice(6), v])) }), defaultApiTimeoutMs: 30000 });
  try {
    kafkaClusterId = (await admin.describeCluster()).clusterId ?? '';
  } finally {
    admin.close();
  }
  logger.info(`Kafka cluster ID: ${kafkaClusterId}`);
  const workerId = `${advertisedHost}:${config.advertisedPort ?? listener.port}`;
  const worker = new Worker(workerId, config, plugins, store, logger);
  const herder = new StandaloneHerder(worker, logger);
  const app = buildRestServer(herder, { version: VERSION, commit: 'nagare', kafkaClusterId });
  await app.listen({ port: listener.port, host: listener.host });
  const addr = (app.server.address() as import('node:net').AddressInfo).port;
  logger.info(`REST server listening at http://${listener.host}:${addr}/, advertising URL http://${workerId}/`);
  logger.info('Kafka Connect started');
  for (const f of connectorFiles) {
    const { name, config: cc } = parseConnectorFile(f);
    try {
      await herder.putConnectorConfig(name, cc, true);
      logger.info(`Created connector ${name}`);
    } catch (e) {
      logger.error({ err: e }, `Failed to create connector for ${f}`);
      throw e;
    }
  }
  return {
    herder,
    port: addr,
    stop: async () => {
      logger.info('Kafka Connect stopping');
      await herder.stop();
      await app.close();
      logger.info('Kafka Connect stopped');
    },
  };
}

export async function main(argv: string[], logger: Logger = consoleLogger()): Promise<number> {
  if (argv.length < 1 || argv.includes('--help')) {
    logger.info(USAGE);
    return 1;
  }
  let running: RunningStandalone;
  try {
    running = await startStandalone(argv[0], argv.slice(1), logger);
  } catch (e) {
    logger.error({ err: e }, 'Stopping after connector error');
    return 1;
  }
  await new Promise<void>((resolve) => {
    const onSignal = (): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  await running.stop();
  return 0;
}
