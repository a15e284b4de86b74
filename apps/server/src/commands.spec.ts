/**
 * `nagare storage format` as Kafka's kafka-storage.sh prints it, at the
 * metadata.version the node then bootstraps with (Kafka 4.0's latest
 * production level, as `--version` says 4.0).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryLogger } from '@nagare/common';
import { kafkaSnapshotCodec } from '@nagare/kraft';
import { runStorageFormat } from './commands';
import { startServer } from './server';
import { readMetaProperties } from './storage-format';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nagare-format-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('formats with Kafka 4.0 latest production metadata.version (4.0-IV3, level 25) and the server bootstraps at that level', async () => {
  const out: string[] = [];
  const logs = join(dir, 'logs');
  const meta = join(dir, 'meta');
  const override = ['process.roles=broker,controller', 'node.id=1', 'listeners=PLAINTEXT://127.0.0.1:0', `log.dirs=${logs}`, `metadata.log.dir=${meta}`];
  // No -c: the embedded defaults with these overrides.
  expect(runStorageFormat({ clusterId: 'MkU3OEVBNTcwNTJENDM2Qk', override }, (s) => out.push(s))).toBe(0);
  expect(out).toEqual([`Formatting data directory ${logs} with metadata.version 4.0-IV3.`, `Formatting metadata directory ${meta} with metadata.version 4.0-IV3.`]);
  const server = await startServer({ props: Object.fromEntries(override.map((o) => o.split(/=(.*)/s).slice(0, 2))), autoFormat: false, logger: memoryLogger() });
  try {
    expect(server.clusterId).toBe('MkU3OEVBNTcwNTJENDM2Qk');
    expect([...server.controller!.committed().features]).toEqual([
      ['metadata.version', 25],
      ['group.version', 1],
      ['transaction.version', 2],
    ]);
  } finally {
    await server.stop();
  }
});

it('formats the controllers of a dynamic quorum (KIP-853) as kafka-storage does: --standalone, --initial-controllers, --no-initial-controllers', () => {
  const ctl = (n: number) => ['process.roles=controller', `node.id=${n}`, `listeners=CONTROLLER://127.0.0.1:${19000 + n}`, 'controller.listener.names=CONTROLLER', 'controller.quorum.bootstrap.servers=127.0.0.1:19001', `log.dirs=${join(dir, `c${n}`)}`];
  const out: string[] = [];
  const id = 'MkU3OEVBNTcwNTJENDM2Qk';
  expect(() => runStorageFormat({ clusterId: id, override: ctl(1) }, (s) => out.push(s))).toThrow(
    'Because controller.quorum.voters is not set on this controller, you must specify one of the following: --standalone, --initial-controllers, or --no-initial-controllers.',
  );
  expect(() => runStorageFormat({ clusterId: id, override: ctl(1), standalone: true, noInitialControllers: true }, () => undefined)).toThrow(/Only one of/);
  expect(runStorageFormat({ clusterId: id, override: ctl(1), standalone: true }, (s) => out.push(s))).toBe(0);
  const dir1 = readMetaProperties(join(dir, 'c1'))!.directoryId;
  expect(out.at(-1)).toBe(`Bootstrap voters (kraft.version 1): 1@127.0.0.1:19001:${dir1}`);
  // The bootstrap checkpoint holds the voter set in Kafka's snapshot format.
  const file = join(dir, 'c1', '__cluster_metadata-0', '00000000000000000000-0000000000.checkpoint');
  const snap = kafkaSnapshotCodec().decode({ endOffset: 0, epoch: 0 }, readFileSync(file));
  expect([snap.kraftVersion, snap.voters]).toEqual([1, [{ id: 1, directoryId: dir1, endpoints: [{ name: 'CONTROLLER', host: '127.0.0.1', port: 19001 }] }]]);

  const d2 = 'AAAAAAAAAAAAAAAAAAAAAg';
  const d3 = 'AAAAAAAAAAAAAAAAAAAAAw';
  const initial = `2@127.0.0.1:19002:${d2},3@127.0.0.1:19003:${d3}`;
  expect(runStorageFormat({ clusterId: id, override: ctl(2), initialControllers: initial }, () => undefined)).toBe(0);
  // This node's directory id is the one the list gives it (its voter key).
  expect(readMetaProperties(join(dir, 'c2'))!.directoryId).toBe(d2);
  expect(() => runStorageFormat({ clusterId: id, override: ctl(4), initialControllers: initial }, () => undefined)).toThrow(/does not name this node \(node.id 4\)/);
  expect(() => runStorageFormat({ clusterId: id, override: ctl(5), initialControllers: '5@host' }, () => undefined)).toThrow(/Invalid --initial-controllers entry '5@host'/);
  expect(runStorageFormat({ clusterId: id, override: ctl(6), noInitialControllers: true }, () => undefined)).toBe(0);
  expect(existsSync(join(dir, 'c6', '__cluster_metadata-0'))).toBe(false);
  // Static voters are the quorum: the dynamic options are refused there.
  const stat = ['process.roles=controller', 'node.id=7', 'listeners=CONTROLLER://127.0.0.1:19007', 'controller.listener.names=CONTROLLER', 'controller.quorum.voters=7@127.0.0.1:19007', `log.dirs=${join(dir, 'c7')}`];
  expect(() => runStorageFormat({ clusterId: id, override: stat, standalone: true }, () => undefined)).toThrow(/cannot use --standalone, --initial-controllers or --no-initial-controllers with controller.quorum.voters/);
});
