/**
 * Storage formatting, as `kafka-storage.sh` does it: every log directory (and
 * the metadata log directory) gets a `meta.properties` naming the cluster id,
 * the node id and a directory id. A server refuses to start on directories
 * that belong to another cluster or node.
 *
 * For a dynamic quorum (KIP-853: controllers configured with
 * `controller.quorum.bootstrap.servers` instead of `controller.quorum.voters`)
 * a controller is formatted with `--standalone` (a quorum of one: itself),
 * `--initial-controllers id@host:port:directoryId,...` (the same list on every
 * initial controller; this node's directory id comes from it) or
 * `--no-initial-controllers` (it joins later with AddRaftVoter). The voters go
 * into the bootstrap checkpoint `__cluster_metadata-0/00000000000000000000-0000000000.checkpoint`
 * (kraft.version 1 and a VotersRecord), as Kafka 4's formatter writes it.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync, openSync, fsyncSync, closeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { NagareError } from '@nagare/common';
import { parseProperties, type KafkaConfig } from '@nagare/broker';
import { kafkaSnapshotCodec, snapshotFileName } from '@nagare/kraft';
import { randomUuid, ZERO_UUID } from '@nagare/protocol';
import type { Voter } from '@nagare/raft';

export const META_PROPERTIES = 'meta.properties';

export interface MetaProperties {
  clusterId: string;
  nodeId: number;
  directoryId: string;
  version: number;
}

export function newUuid(): string {
  return randomUuid(randomBytes);
}

export function readMetaProperties(dir: string): MetaProperties | null {
  const file = join(dir, META_PROPERTIES);
  if (!existsSync(file)) return null;
  const p = parseProperties(readFileSync(file, 'utf8'));
  if (p['version'] !== '1' || !p['cluster.id'] || p['node.id'] === undefined) {
    throw new NagareError('STORAGE_NOT_FORMATTED', `${file} is not a KRaft meta.properties (version=1 with cluster.id and node.id); reformat with 'nagare storage format'`);
  }
  return { clusterId: p['cluster.id'], nodeId: Number(p['node.id']), directoryId: p['directory.id'] ?? '', version: 1 };
}

function writeAtomically(file: string, text: string | Uint8Array): void {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, text);
  const fd = openSync(tmp, 'r');
  fsyncSync(fd);
  closeSync(fd);
  renameSync(tmp, file);
}

export function writeMetaProperties(dir: string, meta: MetaProperties, now = new Date()): void {
  mkdirSync(dir, { recursive: true });
  const text = [
    '#',
    `#${now.toString()}`,
    `cluster.id=${meta.clusterId}`,
    `directory.id=${meta.directoryId}`,
    `node.id=${meta.nodeId}`,
    `version=${meta.version}`,
    '',
  ].join('\n');
  writeAtomically(join(dir, META_PROPERTIES), text);
}

export interface FormatResult {
  formatted: string[];
  alreadyFormatted: string[];
}

/**
 * Formats the directories for `clusterId` and `nodeId`. A directory that is
 * already formatted is an error unless `ignoreFormatted` (then it must match).
 */
export interface FormatStorageOptions {
  /** The metadata log directory and the directory id it must get (its voter key, KIP-853). */
  readonly metadataDir?: string;
  readonly metadataDirectoryId?: string;
  /** The initial voters of a dynamic quorum, written into the bootstrap checkpoint of the metadata directory. */
  readonly bootstrapVoters?: readonly Voter[];
}

export function formatStorage(dirs: string[], clusterId: string, nodeId: number, ignoreFormatted: boolean, opts: FormatStorageOptions = {}): FormatResult {
  if (!/^[A-Za-z0-9_-]{22}$/.test(clusterId)) {
    throw new NagareError('INVALID_CONFIG', `cluster id '${clusterId}' is not a 22-character base64 UUID; make one with 'nagare storage random-uuid'`);
  }
  const result: FormatResult = { formatted: [], alreadyFormatted: [] };
  for (const d of [...new Set(dirs.map((x) => resolve(x)))]) {
    const existing = readMetaProperties(d);
    if (existing) {
      if (!ignoreFormatted) throw new NagareError('INVALID_CONFIG', `Log directory ${d} is already formatted. Use --ignore-formatted to ignore this directory and format the others.`);
      if (existing.clusterId !== clusterId || existing.nodeId !== nodeId) {
        throw new NagareError('CLUSTER_ID_MISMATCH', `${d} is formatted for cluster ${existing.clusterId} node ${existing.nodeId}, not cluster ${clusterId} node ${nodeId}`);
      }
      result.alreadyFormatted.push(d);
      continue;
    }
    if (existsSync(d) && readdirSync(d).some((f) => f !== '.lock' && !f.startsWith('.'))) {
      throw new NagareError('INVALID_CONFIG', `Log directory ${d} is not empty and has no meta.properties; refusing to format it`);
    }
    const isMetadata = opts.metadataDir !== undefined && resolve(opts.metadataDir) === d;
    writeMetaProperties(d, { clusterId, nodeId, directoryId: (isMetadata ? opts.metadataDirectoryId : undefined) ?? newUuid(), version: 1 });
    if (isMetadata && opts.bootstrapVoters !== undefined) writeBootstrapCheckpoint(d, opts.bootstrapVoters);
    result.formatted.push(d);
  }
  return result;
}

/** The bootstrap checkpoint of a dynamic quorum: kraft.version 1 and the initial voters, at offset 0. */
export function writeBootstrapCheckpoint(metadataDir: string, voters: readonly Voter[]): string {
  const dir = join(metadataDir, '__cluster_metadata-0');
  mkdirSync(dir, { recursive: true });
  const id = { endOffset: 0, epoch: 0 };
  const file = join(dir, snapshotFileName(id));
  writeAtomically(file, Buffer.from(kafkaSnapshotCodec().encode({ id, data: new Uint8Array(0), kraftVersion: 1, voters })));
  return file;
}

/**
 * Parses `--initial-controllers`: `id@host:port:directoryId` entries (host may be `[ipv6]`), as
 * Kafka's DynamicVoters. Endpoints are on the first controller listener.
 */
export function parseInitialControllers(value: string, listenerName: string): Voter[] {
  const voters: Voter[] = [];
  for (const item of value.split(',').map((x) => x.trim()).filter(Boolean)) {
    const m = /^(\d+)@(\[[^\]]+\]|[^:@]+):(\d+):([A-Za-z0-9_-]{22})$/.exec(item);
    if (!m) {
      throw new NagareError('INVALID_CONFIG', `Invalid --initial-controllers entry '${item}': expected <id>@<host>:<port>:<directory id> (a directory id is a base64 UUID: 'nagare storage random-uuid')`);
    }
    const id = Number(m[1]);
    if (voters.some((v) => v.id === id)) throw new NagareError('INVALID_CONFIG', `Node id ${id} appears more than once in --initial-controllers`);
    if (m[4] === ZERO_UUID) throw new NagareError('INVALID_CONFIG', `Invalid directory id ${m[4]} for node ${id} in --initial-controllers`);
    voters.push({ id, directoryId: m[4], endpoints: [{ name: listenerName, host: m[2].replace(/^\[|\]$/g, ''), port: Number(m[3]) }] });
  }
  if (voters.length === 0) throw new NagareError('INVALID_CONFIG', '--initial-controllers names no controller');
  return voters.sort((a, b) => a.id - b.id);
}

export interface QuorumFormatChoice {
  readonly standalone?: boolean;
  readonly initialControllers?: string;
  readonly noInitialControllers?: boolean;
}

/**
 * Kafka 4's Formatter rules for the quorum: which bootstrap voters (if any) this node's metadata
 * directory gets, and its directory id.
 */
export function quorumFormat(config: KafkaConfig, choice: QuorumFormatChoice): { voters?: Voter[]; directoryId?: string } {
  const chosen = [choice.standalone === true, choice.initialControllers !== undefined, choice.noInitialControllers === true].filter(Boolean).length;
  if (chosen > 1) throw new NagareError('INVALID_CONFIG', 'Only one of --standalone, --initial-controllers and --no-initial-controllers can be used');
  if (!config.isController || config.implicitSingleVoter) {
    if (chosen > 0 && !config.isController) {
      throw new NagareError('INVALID_CONFIG', '--standalone, --initial-controllers and --no-initial-controllers are for controllers; this node has process.roles=broker');
    }
    // A combined node without quorum settings is a quorum of one anyway (npm start).
    return {};
  }
  if (config.quorumVoters.length > 0) {
    if (chosen > 0) {
      throw new NagareError('INVALID_CONFIG', 'You cannot use --standalone, --initial-controllers or --no-initial-controllers with controller.quorum.voters: the static voters are the quorum (use controller.quorum.bootstrap.servers for a dynamic quorum)');
    }
    return {};
  }
  if (chosen === 0) {
    throw new NagareError(
      'INVALID_CONFIG',
      'Because controller.quorum.voters is not set on this controller, you must specify one of the following: --standalone, --initial-controllers, or --no-initial-controllers.',
    );
  }
  const listener = config.controllerListenerNames[0];
  if (choice.noInitialControllers === true) return {};
  if (choice.standalone === true) {
    const ep = config.controllerListeners.find((l) => l.listener === listener)!;
    const directoryId = newUuid();
    const host = ep.host === '' || ep.host === '0.0.0.0' || ep.host === '::' ? 'localhost' : ep.host;
    if (ep.port === 0) throw new NagareError('INVALID_CONFIG', `--standalone needs a fixed port on the controller listener ${listener} (it goes into the voter set)`);
    return { voters: [{ id: config.nodeId, directoryId, endpoints: [{ name: listener, host, port: ep.port }] }], directoryId };
  }
  const voters = parseInitialControllers(choice.initialControllers!, listener);
  const self = voters.find((v) => v.id === config.nodeId);
  if (self === undefined) {
    throw new NagareError('INVALID_CONFIG', `--initial-controllers does not name this node (node.id ${config.nodeId}); use --no-initial-controllers to format a controller that joins later`);
  }
  return { voters, directoryId: self.directoryId };
}

/**
 * Checks the directories before start-up and returns the cluster id. With
 * `autoFormat`, directories that are all unformatted are formatted for a new
 * cluster (what `npm start` does on first run).
 */
export function ensureFormatted(dirs: string[], nodeId: number, autoFormat: boolean): { clusterId: string; formatted: string[] } {
  const unique = [...new Set(dirs.map((x) => resolve(x)))];
  const metas = unique.map((d) => ({ dir: d, meta: readMetaProperties(d) }));
  const known = metas.filter((m) => m.meta !== null);
  if (known.length === 0) {
    if (!autoFormat) {
      throw new NagareError('STORAGE_NOT_FORMATTED', `No meta.properties found in ${unique.join(', ')}: format the storage first with 'nagare storage format -t $(nagare storage random-uuid) -c <server.properties>'`);
    }
    const clusterId = newUuid();
    return { clusterId, formatted: formatStorage(unique, clusterId, nodeId, false).formatted };
  }
  const clusterId = known[0].meta!.clusterId;
  for (const m of known) {
    if (m.meta!.clusterId !== clusterId) throw new NagareError('CLUSTER_ID_MISMATCH', `${m.dir} belongs to cluster ${m.meta!.clusterId}, but ${known[0].dir} to cluster ${clusterId}`);
    if (m.meta!.nodeId !== nodeId) throw new NagareError('INVALID_CONFIG', `${m.dir} was formatted for node.id ${m.meta!.nodeId}, but node.id is ${nodeId}`);
  }
  const missing = metas.filter((m) => m.meta === null).map((m) => m.dir);
  if (missing.length > 0) {
    if (!autoFormat) throw new NagareError('STORAGE_NOT_FORMATTED', `${missing.join(', ')} not formatted; run 'nagare storage format --ignore-formatted -t ${clusterId} -c <server.properties>'`);
    formatStorage(missing, clusterId, nodeId, false);
  }
  return { clusterId, formatted: missing };
}
