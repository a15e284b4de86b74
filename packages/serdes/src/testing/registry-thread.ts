/**
 * A schema registry (REST API over an in-memory log) in a worker thread, for
 * tests: the Connect converters block their thread on HTTP, so the registry
 * they talk to must not share it. Runs from sources (tools/scripts/ts-register.js).
 */
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';

const ROOT = resolve(__dirname, '../../../..');

const SOURCE = `
require(${JSON.stringify(resolve(ROOT, 'tools/scripts/ts-register.js'))});
const { parentPort, workerData } = require('node:worker_threads');
const { buildRestServer, MemorySchemaLog, SchemaRegistry } = require('@nagare/schema-registry');
const registry = new SchemaRegistry({ log: new MemorySchemaLog(), defaultCompatibility: workerData.compatibility });
const app = buildRestServer(registry);
app.listen({ port: 0, host: '127.0.0.1' }).then(() => parentPort.postMessage({ port: app.server.address().port }));
parentPort.on('message', (m) => {
  if (m === 'stop') app.close().then(() => parentPort.postMessage({ stopped: true }));
});
`;

export interface RegistryThread {
  url: string;
  stop(): Promise<void>;
}

export function startRegistryThread(compatibility = 'BACKWARD'): Promise<RegistryThread> {
  const w = new Worker(SOURCE, { eval: true, workerData: { compatibility } });
  return new Promise((res, rej) => {
    w.once('error', rej);
    w.once('message', (m: { port: number }) => {
      res({
        url: `http://127.0.0.1:${m.port}`,
        stop: () =>
          new Promise<void>((done) => {
            w.once('message', () => void w.terminate().then(() => done()));
            w.postMessage('stop');
          }),
      });
    });
  });
}
