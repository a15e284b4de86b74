/**
 * `nagare storage format` as Kafka's kafka-storage.sh prints it, at the
 * metadata.version the node then bootstraps with (Kafka 4.0's latest
 * production level, as `--version` says 4.0).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryLogger } from '@nagare/common';
import { runStorageFormat } from './commands';
import { startServer } from './server';

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
    expect([...server.controller.image().features]).toEqual([
      ['metadata.version', 25],
      ['group.version', 1],
      ['transaction.version', 2],
    ]);
  } finally {
    await server.stop();
  }
});
