/**
 * `schema-registry-start schema-registry.properties` (Confluent's
 * `SchemaRegistryMain`): reads the properties file, starts the registry
 * (the `_schemas` store, the REST API on `listeners`, leader election) and
 * stops cleanly on SIGINT/SIGTERM.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Logger } from '@nagare/common';
import { ConfigException, RunningSchemaRegistry, parsePropertiesText, schemaRegistryConfig, startSchemaRegistry } from '@nagare/schema-registry';
import { consoleLogger } from './logger';

export const USAGE = 'USAGE: schema-registry-start [-daemon] schema-registry.properties';

/** Starts a registry from properties (plus overrides); for the bin and for `npm start`. */
export async function startFromProperties(props: Record<string, string>, logger: Logger): Promise<RunningSchemaRegistry> {
  const config = schemaRegistryConfig(props);
  return startSchemaRegistry(config, { logger });
}

/**
 * The registry `npm start` runs beside the single-node server: `listeners`
 * http://0.0.0.0:8081 against localhost:9092, Confluent's defaults
 * otherwise; it waits for the broker (kafkastore.init.timeout.ms).
 */
export function startEmbedded(o: { bootstrapServers?: string; listeners?: string; logger?: Logger } = {}): Promise<RunningSchemaRegistry> {
  return startFromProperties(
    {
      listeners: o.listeners ?? 'http://0.0.0.0:8081',
      'kafkastore.bootstrap.servers': o.bootstrapServers ?? 'PLAINTEXT://localhost:9092',
      'host.name': 'localhost',
      'kafkastore.timeout.ms': '5000',
    },
    o.logger ?? consoleLogger(),
  );
}

export async function main(argv: string[], logger: Logger = consoleLogger()): Promise<number> {
  const args = argv.filter((a) => a !== '-daemon' && a !== '--daemon');
  if (args.length < 1 || args.includes('--help') || args.includes('-h')) {
    process.stderr.write(`${USAGE}\n`);
    return args.length < 1 ? 1 : 0;
  }
  const file = args[0];
  if (!existsSync(file)) {
    process.stderr.write(`schema-registry-start: ${file} does not exist (give the path of a schema-registry.properties, e.g. apps/schema-registry/config/schema-registry.properties)\n`);
    return 1;
  }
  const props = parsePropertiesText(readFileSync(file, 'utf8'));
  for (const o of args.slice(1)) {
    const m = /^--override=?(.*)$/.exec(o);
    const kv = m ? m[1] : o;
    const i = kv.indexOf('=');
    if (i > 0) props[kv.slice(0, i)] = kv.slice(i + 1);
  }
  let running: RunningSchemaRegistry;
  try {
    running = await startFromProperties(props, logger);
  } catch (e) {
    if (e instanceof ConfigException) {
      logger.error(`Invalid configuration: ${e.message}`);
      process.stderr.write(`schema-registry-start: invalid configuration: ${e.message}\n`);
    } else {
      logger.error({ err: e }, 'Server died unexpectedly: ');
      process.stderr.write(`schema-registry-start: ${(e as Error).message}\n`);
    }
    return 1;
  }
  logger.info(`Server started, listening for requests...`);
  await new Promise<void>((resolve) => {
    const onSignal = (): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  logger.info('Shutting down the schema registry');
  await running.stop();
  return 0;
}
