/**
 * The server's command-line entry points, used by the `nagare` CLI:
 * `server` (like kafka-server-start.sh) and `storage` (like kafka-storage.sh).
 */
import { readFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { NagareError } from '@nagare/common';
import { KafkaConfig, METADATA_VERSION_NAME } from '@nagare/broker';
import { createLogger } from './logging';
import { EMBEDDED_DEFAULTS, loadProperties, startServer } from './server';
import { formatStorage, newUuid, quorumFormat, readMetaProperties } from './storage-format';

export interface ServerCommandOptions {
  config?: string;
  override?: string[];
}

function readConfig(file: string | undefined, overrides: string[]): Record<string, string> {
  if (!file) return loadProperties(Object.entries(EMBEDDED_DEFAULTS).map(([k, v]) => `${k}=${v}`).join('\n'), overrides);
  const path = resolve(file);
  if (!existsSync(path)) throw new NagareError('INVALID_CONFIG', `config file ${path} does not exist`);
  return loadProperties(readFileSync(path, 'utf8'), overrides);
}

/** Runs a server until SIGTERM/SIGINT. Resolves to the process exit code. */
export async function runServerCommand(opts: ServerCommandOptions): Promise<number> {
  const logger = createLogger();
  let server;
  try {
    server = await startServer({ props: readConfig(opts.config, opts.override ?? []), autoFormat: true, logger });
  } catch (e) {
    const msg = e instanceof NagareError ? e.message : ((e as Error).stack ?? String(e));
    logger.fatal(msg);
    process.stderr.write(`nagare: ${msg}\n`);
    return 1;
  }
  return new Promise<number>((resolveExit) => {
    let signalled = false;
    const shutdown = (signal: string) => {
      if (signalled) return;
      signalled = true;
      logger.info({ signal }, 'shutting down');
      // The scheduler's timers do not keep the process alive: hold it open until the stop is done
      // (controlled shutdown, the controller's resignation, closing the logs).
      const keepAlive = setInterval(() => undefined, 1 << 30);
      server!
        .stop()
        .then(
          () => resolveExit(0),
          (e) => {
            logger.error({ err: (e as Error).stack }, 'unclean shutdown');
            resolveExit(1);
          },
        )
        .finally(() => clearInterval(keepAlive));
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  });
}

export interface FormatOptions {
  config?: string;
  clusterId?: string;
  ignoreFormatted?: boolean;
  override?: string[];
  /** KIP-853, for a controller of a dynamic quorum: a quorum of one, this node. */
  standalone?: boolean;
  /** KIP-853: the initial voters, `id@host:port:directoryId,...` (the same on every initial controller). */
  initialControllers?: string;
  /** KIP-853: a controller that joins the quorum later (AddRaftVoter). */
  noInitialControllers?: boolean;
}

export function runStorageFormat(opts: FormatOptions, out: (s: string) => void): number {
  const props = readConfig(opts.config, opts.override ?? []);
  const { config } = KafkaConfig.parse(props);
  const clusterId = opts.clusterId ?? newUuid();
  const dirs = [...config.logDirs, config.metadataLogDir];
  const quorum = quorumFormat(config, { standalone: opts.standalone, initialControllers: opts.initialControllers, noInitialControllers: opts.noInitialControllers });
  const metadataDir = resolve(config.metadataLogDir);
  const r = formatStorage(dirs, clusterId, config.nodeId, opts.ignoreFormatted === true, {
    metadataDir,
    metadataDirectoryId: quorum.directoryId,
    bootstrapVoters: quorum.voters,
  });
  // As Kafka's Formatter says it; the node bootstraps its metadata log at this level on first start.
  for (const d of r.formatted) out(`Formatting ${d === metadataDir ? 'metadata' : 'data'} directory ${d} with metadata.version ${METADATA_VERSION_NAME}.`);
  if (quorum.voters !== undefined && r.formatted.includes(metadataDir)) {
    out(`Bootstrap voters (kraft.version 1): ${quorum.voters.map((v) => `${v.id}@${v.endpoints[0].host}:${v.endpoints[0].port}:${v.directoryId}`).join(',')}`);
  }
  for (const d of r.alreadyFormatted) out(`${d} is already formatted; skipping.`);
  return 0;
}

export function runStorageInfo(opts: { config?: string; override?: string[] }, out: (s: string) => void): number {
  const { config } = KafkaConfig.parse(readConfig(opts.config, opts.override ?? []));
  for (const d of [...new Set([...config.logDirs, config.metadataLogDir].map((x) => resolve(x)))]) {
    const m = readMetaProperties(d);
    out(m ? `${d}: cluster.id=${m.clusterId} node.id=${m.nodeId} directory.id=${m.directoryId}` : `${d}: not formatted`);
  }
  return 0;
}

export { newUuid };
