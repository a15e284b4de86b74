/**
 * Storage formatting, as `kafka-storage.sh` does it: every log directory (and
 * the metadata log directory) gets a `meta.properties` naming the cluster id,
 * the node id and a directory id. A server refuses to start on directories
 * that belong to another cluster or node.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync, openSync, fsyncSync, closeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { NagareError } from '@nagare/common';
import { parseProperties } from '@nagare/broker';
import { randomUuid } from '@nagare/protocol';

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

function writeAtomically(file: string, text: string): void {
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
export function formatStorage(dirs: string[], clusterId: string, nodeId: number, ignoreFormatted: boolean): FormatResult {
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
    writeMetaProperties(d, { clusterId, nodeId, directoryId: newUuid(), version: 1 });
    result.formatted.push(d);
  }
  return result;
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
