/**
 * docker/compose.yaml and what it mounts, checked without a Docker engine
 * (none runs here): the services and their wiring (three KRaft nodes whose
 * properties agree on the quorum, PostgreSQL with wal_level=logical, the
 * Connect worker, the Schema Registry, a single-node Elasticsearch), every
 * mounted file present, the connector JSONs in docs/pipelines.md identical
 * to docker/connectors/, and then those very files run: the worker
 * properties of docker/config and the four connector configs (host names
 * mapped onto a throwaway PostgreSQL initialised with docker/postgres-init.sql,
 * the real server, Elasticsearch behind @elastic/elasticsearch-mock) make
 * both documented pipelines mirror their tables. YAML syntax and style are
 * linted by apps/server/src/docker.spec.ts (yaml + yamllint on docker/*.yml).
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { Client } from 'pg';
import type { PluginClass } from '@nagare/connect-runtime';
import { REPO_ROOT, startPostgres, type PostgresServer, type ServerProcess } from '@nagare/testing';
import { silentLogger } from '@nagare/common';
import { startStandalone, type RunningStandalone } from '../standalone';
import { cleanupAll, freePort, startServer, tempDir, waitFor } from '../testing/harness';
import { createConnector, MockedElasticsearch, tableRows } from '../testing/pipelines';

const dockerDir = join(REPO_ROOT, 'docker');
const composeFile = join(dockerDir, 'compose.yaml');

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  depends_on?: string[];
}

function compose(): { services: Record<string, Service>; volumes: Record<string, unknown> } {
  const doc = parseDocument(readFileSync(composeFile, 'utf8'), { merge: true });
  expect(doc.errors.map((e) => e.message)).toEqual([]);
  return doc.toJS({ maxAliasCount: 100 }) as { services: Record<string, Service>; volumes: Record<string, unknown> };
}

function properties(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([^#!\s][^=]*)=(.*)$/.exec(line);
    if (m) out[m[1].trim()] = m[2].trim();
  }
  return out;
}

/** The host file a service mounts at `target` (bind mounts are relative to docker/). */
function mounted(svc: Service, target: string): string {
  const v = (svc.volumes ?? []).find((x) => x.split(':')[1] === target);
  if (!v) throw new Error(`nothing mounted at ${target}`);
  return resolve(dockerDir, v.split(':')[0]);
}

function connectorFiles(): Map<string, { name: string; config: Record<string, unknown> }> {
  const out = new Map<string, { name: string; config: Record<string, unknown> }>();
  for (const f of readdirSync(join(dockerDir, 'connectors')).filter((x) => x.endsWith('.json'))) {
    out.set(f, JSON.parse(readFileSync(join(dockerDir, 'connectors', f), 'utf8')) as { name: string; config: Record<string, unknown> });
  }
  return out;
}

describe('docker/compose.yaml', () => {
  test('three nagare nodes forming one KRaft quorum, each with its own node id, data volume and properties', () => {
    const { services, volumes } = compose();
    const nodes = ['kafka1', 'kafka2', 'kafka3'];
    const voters = new Set<string>();
    const ids = new Set<string>();
    for (const name of nodes) {
      const svc = services[name];
      expect(svc.build).toEqual({ context: '..', dockerfile: 'docker/Dockerfile' });
      // the image's entry point is `node apps/cli/bin/nagare.js`
      expect(svc.entrypoint).toBeUndefined();
      expect(svc.command!.slice(0, 2)).toEqual(['server', '--config']);
      const props = properties(mounted(svc, svc.command![2]));
      expect(props['process.roles']).toBe('broker,controller');
      ids.add(props['node.id']);
      voters.add(props['controller.quorum.voters']);
      expect(props['advertised.listeners']).toBe(`PLAINTEXT://${name}:9092`);
      expect(props['controller.quorum.voters']).toContain(`${props['node.id']}@${name}:9093`);
      const dataVolume = (svc.volumes ?? []).find((v) => v.split(':')[1] === props['log.dirs'])!;
      expect(Object.keys(volumes)).toContain(dataVolume.split(':')[0]);
      expect(Number(props['offsets.topic.replication.factor'])).toBe(3);
    }
    expect([...ids].sort()).toEqual(['1', '2', '3']);
    expect(voters.size).toBe(1);
    expect(existsSync(join(dockerDir, 'Dockerfile'))).toBe(true);
  });

  test('Connect and the Schema Registry bootstrap from the three nodes; PostgreSQL runs with wal_level=logical; Elasticsearch is single-node', () => {
    const { services } = compose();
    const connect = services.connect;
    expect(connect.entrypoint).toEqual(['node', 'apps/connect/bin/connect-standalone.js']);
    expect(existsSync(join(REPO_ROOT, connect.entrypoint![1]))).toBe(true);
    const worker = properties(mounted(connect, connect.command![0]));
    expect(worker['bootstrap.servers']).toBe('kafka1:9092,kafka2:9092,kafka3:9092');
    expect(worker.listeners).toBe('http://0.0.0.0:8083');
    expect(connect.ports).toContain('8083:8083');
    // the offsets file lives in a volume
    const offsetsDir = dirname(worker['offset.storage.file.filename']);
    expect((connect.volumes ?? []).some((v) => v.split(':')[1] === offsetsDir)).toBe(true);
    expect(connect.depends_on).toEqual(expect.arrayContaining(['kafka1', 'kafka2', 'kafka3', 'postgres', 'elasticsearch']));

    const sr = services['schema-registry'];
    expect(sr.entrypoint).toEqual(['node', 'apps/schema-registry/bin/schema-registry-start.js']);
    expect(existsSync(join(REPO_ROOT, sr.entrypoint![1]))).toBe(true);
    const srProps = properties(mounted(sr, sr.command![0]));
    expect(srProps['kafkastore.bootstrap.servers'].split(',')).toEqual(['PLAINTEXT://kafka1:9092', 'PLAINTEXT://kafka2:9092', 'PLAINTEXT://kafka3:9092']);
    expect(sr.ports).toContain('8081:8081');

    const pgSvc = services.postgres;
    expect(pgSvc.command).toEqual(expect.arrayContaining(['wal_level=logical']));
    expect(pgSvc.command![pgSvc.command!.indexOf('wal_level=logical') - 1]).toBe('-c');
    expect(existsSync(mounted(pgSvc, '/docker-entrypoint-initdb.d/10-inventory.sql'))).toBe(true);

    const es = services.elasticsearch;
    expect(es.image).toMatch(/^docker\.elastic\.co\/elasticsearch\/elasticsearch:8\.\d+\.\d+$/);
    expect(es.environment).toMatchObject({ 'discovery.type': 'single-node', 'xpack.security.enabled': 'false' });
  });

  test('the connector configs shown in docs/pipelines.md are the files in docker/connectors/', () => {
    const doc = readFileSync(join(REPO_ROOT, 'docs/pipelines.md'), 'utf8');
    const shown = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]) as { name?: string }).filter((b) => b.name !== undefined);
    const files = [...connectorFiles().values()];
    expect(shown.map((b) => b.name).sort()).toEqual(files.map((f) => f.name).sort());
    for (const f of files) expect(shown.find((b) => b.name === f.name)).toEqual(f);
  });
});

describe('the compose deployment run here: docker/config, docker/postgres-init.sql and docker/connectors/*.json', () => {
  let server: ServerProcess;
  let pg: PostgresServer;
  let worker: RunningStandalone | null = null;

  beforeAll(async () => {
    [server, pg] = await Promise.all([startServer(), startPostgres()]);
  }, 180_000);

  afterAll(async () => {
    await worker?.stop();
    await cleanupAll();
    await pg?.stop();
  });

  /** The compose host names and credentials mapped onto this machine's servers. */
  function localise(config: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(config)) {
      if (k === 'database.hostname') out[k] = pg.host;
      else if (k === 'database.port') out[k] = String(pg.port);
      else if (k === 'connection.user' || k === 'database.user') out[k] = pg.user;
      else if (typeof v === 'string' && v.startsWith('jdbc:postgresql://postgres:5432/')) out[k] = v.replace('postgres:5432', `${pg.host}:${pg.port}`);
      else out[k] = v;
    }
    return out;
  }

  test('the JDBC pipeline copies accounts and the CDC pipeline mirrors customers into Elasticsearch', async () => {
    // docker/postgres-init.sql, as the postgres image's entry point runs it in POSTGRES_DB
    pg.createDatabase('inventory');
    const init = readFileSync(join(dockerDir, 'postgres-init.sql'), 'utf8');
    const createDbs = [...init.matchAll(/^CREATE DATABASE (\w+);$/gm)].map((m) => m[1]);
    expect(createDbs).toEqual(['inventory_copy']);
    for (const d of createDbs) pg.createDatabase(d);
    pg.psql(init.replace(/^CREATE DATABASE \w+;$/gm, ''), 'inventory');

    // docker/config/connect-worker.properties with this machine's addresses
    const dir = tempDir();
    const rest = await freePort();
    const props = properties(join(dockerDir, 'config/connect-worker.properties'));
    Object.assign(props, {
      'bootstrap.servers': server.bootstrap,
      'offset.storage.file.filename': join(dir, 'connect.offsets'),
      'offset.flush.interval.ms': '500',
      listeners: `http://127.0.0.1:${rest}`,
      'rest.advertised.host.name': '127.0.0.1',
    });
    const wp = join(dir, 'worker.properties');
    writeFileSync(wp, Object.entries(props).map(([k, v]) => `${k}=${v}`).join('\n'));
    const es = new MockedElasticsearch();
    worker = await startStandalone(wp, [], silentLogger, { configurePlugins: (p) => void p.add(es.connectorClass() as unknown as PluginClass) });
    const url = `http://127.0.0.1:${worker.port}`;
    const files = connectorFiles();
    for (const f of ['jdbc_source_postgresql.json', 'jdbc_sink_postgresql.json', 'inventory-cdc.json', 'inventory-es.json']) {
      const c = files.get(f)!;
      await createConnector(url, c.name, localise(c.config));
    }

    const accounts = (db: string): string => tableRows(pg, db, 'accounts', 'id, name, balance, updated_at');
    const index = 'dbserver1.public.customers';
    const customers = (): Map<string, Record<string, unknown>> => {
      const rows = pg.psql("SELECT json_build_object('id', id, 'first_name', first_name, 'last_name', last_name, 'email', email) FROM customers ORDER BY id", 'inventory');
      return new Map(
        rows
          .split('\n')
          .filter((l) => l !== '')
          .map((l) => JSON.parse(l) as Record<string, unknown>)
          .map((r) => [String(r.id), r]),
      );
    };
    const esMirrors = (): boolean => {
      const docs = es.fake.documents(index);
      const rows = customers();
      return docs.size === rows.size && [...rows].every(([id, r]) => JSON.stringify(docs.get(id)) === JSON.stringify(r));
    };
    const copied = (): boolean => {
      try {
        return accounts('inventory_copy') === accounts('inventory');
      } catch {
        return false; // the sink has not created the table yet
      }
    };

    await waitFor('accounts copied by the JDBC pipeline', copied, 120_000, 500);
    expect(accounts('inventory_copy').split('\n')).toHaveLength(100);
    await waitFor('customers indexed by the CDC pipeline', esMirrors, 120_000, 500);
    expect(es.fake.documents(index).size).toBe(4);

    // the changes docs/pipelines.md makes, and a few more
    const c = new Client(pg.connection('inventory'));
    await c.connect();
    try {
      await c.query("UPDATE customers SET first_name = 'Anne Marie' WHERE id = 4");
      await c.query('DELETE FROM customers WHERE id = 2');
      await c.query("INSERT INTO customers (first_name, last_name, email) VALUES ('Kenneth', 'Anderson', 'kander@acme.com')");
      await c.query("UPDATE accounts SET balance = balance + 1, updated_at = now() + interval '1 second' WHERE id <= 10");
      await c.query("INSERT INTO accounts (name, balance) VALUES ('account 101', 1010)");
    } finally {
      await c.end();
    }
    await waitFor('the account changes copied', copied, 120_000, 500);
    expect(accounts('inventory_copy').split('\n')).toHaveLength(101);
    await waitFor('the customer changes indexed', esMirrors, 120_000, 500);
    expect(es.fake.documents(index).get('4')).toEqual({ id: 4, first_name: 'Anne Marie', last_name: 'Kretchmar', email: 'annek@noanswer.org' });
    expect(es.fake.documents(index).has('2')).toBe(false);
  }, 400_000);
});
