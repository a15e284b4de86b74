import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, portAccepts, singleNodeProps, spawnServer, writeProperties } from './server-process';

describe('spawnServer', () => {
  const dirs: string[] = [];
  const dir = () => {
    const d = mkdtempSync(join(tmpdir(), 'nagare-testing-'));
    dirs.push(d);
    return d;
  };
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('starts the built server on a free port, ready when the port accepts; SIGTERM stops it cleanly', async () => {
    const dataDir = dir();
    const port = await freePort();
    writeProperties(join(dataDir, 'server.properties'), singleNodeProps(port, dataDir));
    const s = await spawnServer({ dataDir, port, env: { NAGARE_LOG_LEVEL: 'info' }, ready: 'started-log' });
    expect(s.bootstrap).toBe(`127.0.0.1:${port}`);
    expect(await portAccepts(port)).toBe(true);
    expect(s.output.some((l) => l.includes('nagare server started'))).toBe(true);
    expect(await s.stop()).toBe(0);
    expect(await portAccepts(port)).toBe(false);
  });

  it('rejects with the server output when start-up fails (an invalid value names its key)', async () => {
    const dataDir = dir();
    const port = await freePort();
    writeProperties(join(dataDir, 'server.properties'), { ...singleNodeProps(port, dataDir), 'num.partitions': 'many' });
    await expect(spawnServer({ dataDir, port })).rejects.toThrow(/exited during start-up[\s\S]*num\.partitions/);
  });

  it('kill() is SIGKILL: the exit is reported as -1', async () => {
    const dataDir = dir();
    const port = await freePort();
    writeProperties(join(dataDir, 'server.properties'), singleNodeProps(port, dataDir));
    const s = await spawnServer({ dataDir, port });
    expect(await s.kill()).toBe(-1);
  });
});
