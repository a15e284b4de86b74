/**
 * Test helper: the real nagare server (the built `nagare` CLI) as a child
 * process on a free port with a fresh data directory, removed on stop.
 * Needs the workspace built; `serverBuilt()` tells whether it is.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, singleNodeProps, spawnServer, writeProperties } from '@nagare/testing';

export { serverBuilt } from '@nagare/testing';

export interface NagareServer {
  bootstrap: string;
  port: number;
  output: string[];
  stop(): Promise<void>;
}

export async function startNagareServer(props: Record<string, string> = {}): Promise<NagareServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'nagare-client-'));
  const port = await freePort();
  writeProperties(join(dataDir, 'server.properties'), { ...singleNodeProps(port, dataDir), ...props });
  let server;
  try {
    server = await spawnServer({ dataDir, port });
  } catch (e) {
    rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }
  const s = server;
  return {
    bootstrap: s.bootstrap,
    port,
    output: s.output,
    stop: async () => {
      await s.stop(5000);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
