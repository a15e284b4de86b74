/**
 * The registry on the real server (nagare started as a child process): the
 * `_schemas` topic created with one partition and cleanup.policy=compact,
 * read-your-writes, the state read back by a new instance (ids continue),
 * topic verification, and leader election among two instances through the
 * `sr` group: the follower forwards writes, and when the leader stops the
 * other takes over without reusing an id.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Admin, ConfigResourceType } from '@nagare/client';
import { ServerProcess, freePort, singleNodeProps, spawnServer, writeProperties } from '@nagare/testing';
import { schemaRegistryConfig } from '../config';
import { RunningSchemaRegistry, startSchemaRegistry } from '../server';
import { StoreInitializationError } from './kafka-log';

jest.setTimeout(120000);

let server: ServerProcess;
let dataDir: string;
const running: RunningSchemaRegistry[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'nagare-sr-'));
  const port = await freePort();
  writeProperties(join(dataDir, 'server.properties'), { ...singleNodeProps(port, dataDir), 'group.min.session.timeout.ms': '1000' });
  server = await spawnServer({ dataDir, port });
});

afterAll(async () => {
  for (const r of running) await r.stop().catch(() => undefined);
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function start(extra: Record<string, string> = {}): Promise<RunningSchemaRegistry> {
  const config = schemaRegistryConfig({
    listeners: 'http://127.0.0.1:0',
    'kafkastore.bootstrap.servers': server.bootstrap,
    'host.name': '127.0.0.1',
    'kafkastore.timeout.ms': '10000',
    'kafkagroup.session.timeout.ms': '3000',
    'kafkagroup.heartbeat.interval.ms': '300',
    ...extra,
  });
  const r = await startSchemaRegistry(config);
  running.push(r);
  return r;
}

async function http(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(base + path, { method, headers: { 'Content-Type': 'application/vnd.schemaregistry.v1+json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

const base = (r: RunningSchemaRegistry) => `http://127.0.0.1:${r.port}`;
const avro = (name: string) => ({ schema: JSON.stringify({ type: 'record', name, fields: [{ name: 'a', type: 'int' }] }) });

async function waitFor<T>(fn: () => Promise<T | null | undefined | false> | T | null | undefined | false, what: string, timeoutMs = 30000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as T;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('creates _schemas compacted with one partition; writes are read back; a new instance reads the state', async () => {
  const a = await start({ 'kafkastore.topic': '_schemas_a' });
  await waitFor(() => a.elector.isLeader(), 'leadership');
  expect((await http(base(a), 'POST', '/subjects/x/versions', avro('X'))).body).toEqual({ id: 1 });
  // read-your-writes: the answer comes after the record was read back
  expect((await http(base(a), 'GET', '/subjects/x/versions/1')).body).toMatchObject({ id: 1, version: 1 });
  expect((await http(base(a), 'PUT', '/config/x', { compatibility: 'NONE' })).body).toEqual({ compatibility: 'NONE' });
  expect((await http(base(a), 'POST', '/subjects/y/versions', avro('Y'))).body).toEqual({ id: 2 });

  const admin = new Admin({ bootstrapServers: server.bootstrap });
  try {
    const [d] = await admin.describeTopics(['_schemas_a']);
    expect(d.partitions).toHaveLength(1);
    const [c] = await admin.describeConfigs([{ type: ConfigResourceType.TOPIC, name: '_schemas_a', configNames: ['cleanup.policy'] }]);
    expect(c.configs.find((x) => x.name === 'cleanup.policy')?.value).toBe('compact');
  } finally {
    admin.close();
  }
  await a.stop();
  running.splice(running.indexOf(a), 1);

  const b = await start({ 'kafkastore.topic': '_schemas_a' });
  expect((await http(base(b), 'GET', '/subjects')).body).toEqual(['x', 'y']);
  expect((await http(base(b), 'GET', '/config/x')).body).toEqual({ compatibilityLevel: 'NONE' });
  await waitFor(() => b.elector.isLeader(), 'leadership');
  expect((await http(base(b), 'POST', '/subjects/z/versions', avro('Z'))).body).toEqual({ id: 3 });
});

test('refuses a schemas topic that is not compacted or has several partitions', async () => {
  const admin = new Admin({ bootstrapServers: server.bootstrap });
  try {
    await admin.createTopics([
      { name: '_schemas_bad', numPartitions: 1, replicationFactor: 1, configs: { 'cleanup.policy': 'delete' } },
      { name: '_schemas_two', numPartitions: 2, replicationFactor: 1, configs: { 'cleanup.policy': 'compact' } },
    ]);
  } finally {
    admin.close();
  }
  const cfg = (topic: string) => schemaRegistryConfig({ listeners: 'http://127.0.0.1:0', 'kafkastore.bootstrap.servers': server.bootstrap, 'kafkastore.topic': topic, 'kafkastore.init.timeout.ms': '20000' });
  await expect(startSchemaRegistry(cfg('_schemas_bad'))).rejects.toThrow(new StoreInitializationError("The retention policy of the schema topic _schemas_bad is incorrect. Expected cleanup.policy to be 'compact' but it is delete"));
  await expect(startSchemaRegistry(cfg('_schemas_two'))).rejects.toThrow('The schema topic _schemas_two should have only 1 partition but has 2');
});

test('two instances: one leader through the sr group, the follower forwards writes, failover keeps ids unique', async () => {
  const extra = { 'kafkastore.topic': '_schemas_ha', 'schema.registry.group.id': 'sr-ha' };
  const r1 = await start(extra);
  const r2 = await start(extra);
  await waitFor(() => (r1.elector.isLeader() || r2.elector.isLeader()) && r1.elector.leaderUrl() !== null && r1.elector.leaderUrl() === r2.elector.leaderUrl(), 'one agreed leader');
  expect([r1.elector.isLeader(), r2.elector.isLeader()].filter(Boolean)).toHaveLength(1);
  const leader = r1.elector.isLeader() ? r1 : r2;
  const follower = leader === r1 ? r2 : r1;
  // the leader is the eligible member with the smallest URL
  expect(leader.url < follower.url).toBe(true);
  expect(leader.elector.leaderUrl()).toBe(leader.url);

  const ids = new Set<number>();
  for (let i = 0; i < 5; i++) {
    const via = i % 2 === 0 ? follower : leader;
    const res = await http(base(via), 'POST', `/subjects/s${i}/versions`, avro(`R${i}`));
    expect(res.status).toBe(200);
    ids.add(res.body.id);
  }
  expect([...ids].sort()).toEqual([1, 2, 3, 4, 5]);
  // the follower reads what the leader wrote once its reader caught up
  await waitFor(async () => (await http(base(follower), 'GET', '/subjects')).body.length === 5, 'follower state');

  await leader.stop();
  running.splice(running.indexOf(leader), 1);
  await waitFor(() => follower.elector.isLeader(), 'failover to the follower');
  for (let i = 5; i < 8; i++) {
    const res = await http(base(follower), 'POST', `/subjects/s${i}/versions`, avro(`R${i}`));
    expect(res.status).toBe(200);
    expect(ids.has(res.body.id)).toBe(false);
    ids.add(res.body.id);
  }
  expect([...ids].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
});
