/**
 * A cluster of real nagare processes on loopback, for tests and benchmarks: N controllers and M
 * brokers (or N combined nodes), each its own process with its own data directory and
 * server.properties, formatted with one cluster id as `kafka-storage format` does. Nodes can be
 * stopped (SIGTERM), killed (SIGKILL), paused and resumed (SIGSTOP / SIGCONT) and restarted on the
 * same directory and ports.
 *
 * Quorum traffic can run through one TCP proxy per link (`proxyLinks`): node A reaches controller B
 * at the port of the proxy for A->B, so a test can cut or slow exactly that link
 * (`cluster.link(a, b).cut()`). Broker-to-broker links will get the same treatment with replication.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { NAGARE_BIN, freePort, requireServerBuilt, spawnServer, writeProperties, type ServerProcess } from './server-process';
import { TcpProxy } from './tcp-proxy';

const run = promisify(execFile);

export type NodeRole = 'controller' | 'broker' | 'combined';

export interface ClusterOptions {
  /** Controller-only nodes (ids 1..controllers). */
  controllers?: number;
  /** Broker-only nodes (ids after the controllers). */
  brokers?: number;
  /** Combined broker+controller nodes (ids 1..combined); instead of controllers/brokers. */
  combined?: number;
  /** Properties for every node (e.g. shorter timeouts). */
  props?: Record<string, string>;
  /** Properties for one node. */
  nodeProps?: (id: number, role: NodeRole) => Record<string, string>;
  /** Route quorum traffic through a TCP proxy per (from, to) link (static quorums only). */
  proxyLinks?: boolean;
  /**
   * A dynamic quorum (KIP-853): every node gets controller.quorum.bootstrap.servers instead of
   * controller.quorum.voters; the first `initialVoters` controllers are formatted as the initial
   * voters (`--standalone` for one, else `--initial-controllers`), the others with
   * `--no-initial-controllers` (they observe until added with add-controller).
   */
  dynamicQuorum?: { initialVoters: number };
  /** Added to every process's environment (NAGARE_LOG_LEVEL is info so start-up is seen). */
  env?: Record<string, string>;
  /** Node.js flags for every process (e.g. --cpu-prof, which NODE_OPTIONS refuses). */
  execArgv?: string[];
  /** Per-node start timeout (default 60 s). */
  startTimeoutMs?: number;
  /** Keep the data directories after close (for a failure's post-mortem). */
  keepDirs?: boolean;
}

export interface ClusterNode {
  readonly id: number;
  readonly role: NodeRole;
  readonly dataDir: string;
  readonly propsFile: string;
  /** The client listener (brokers and combined nodes). */
  readonly brokerPort?: number;
  /** The controller listener (controllers and combined nodes). */
  readonly controllerPort?: number;
  /** The running (or last) process, if any. */
  process?: ServerProcess;
  /** Every process the node ran, oldest first (their `output` lines, for post-mortems). */
  readonly runs: ServerProcess[];
  /** Lines from failed starts. */
  readonly startFailures: string[];
}

const CLUSTER_ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** A random cluster id (22 base64url characters of a UUID, as `storage random-uuid`). */
export function randomClusterId(): string {
  let s = '';
  for (let i = 0; i < 21; i++) s += CLUSTER_ID_ALPHABET[Math.floor(Math.random() * 64)];
  return s + 'A';
}

export class TestCluster {
  readonly nodes: ClusterNode[] = [];
  readonly clusterId = randomClusterId();
  readonly root: string;
  private readonly proxies = new Map<string, TcpProxy>();

  private constructor(private readonly o: ClusterOptions) {
    this.root = mkdtempSync(join(tmpdir(), 'nagare-cluster-'));
  }

  /** Creates, formats and starts the cluster; resolves when every node logged that it started. */
  static async start(o: ClusterOptions): Promise<TestCluster> {
    requireServerBuilt();
    const c = new TestCluster(o);
    try {
      await c.setUp();
      await Promise.all(c.nodes.map((n) => c.startNode(n.id)));
    } catch (e) {
      await c.close();
      throw e;
    }
    return c;
  }

  private async setUp(): Promise<void> {
    const o = this.o;
    const roles: NodeRole[] = o.combined !== undefined ? Array(o.combined).fill('combined') : [...Array(o.controllers ?? 0).fill('controller'), ...Array(o.brokers ?? 0).fill('broker')];
    const ports = await Promise.all(roles.map(async (r) => ({ broker: r !== 'controller' ? await freePort() : undefined, controller: r !== 'broker' ? await freePort() : undefined })));
    roles.forEach((role, i) => {
      const id = i + 1;
      const dataDir = join(this.root, `node-${id}`);
      mkdirSync(dataDir, { recursive: true });
      this.nodes.push({ id, role, dataDir, propsFile: join(dataDir, 'server.properties'), brokerPort: ports[i].broker, controllerPort: ports[i].controller, runs: [], startFailures: [] });
    });
    const voters = this.nodes.filter((n) => n.role !== 'broker');
    const dynamic = o.dynamicQuorum;
    if (dynamic !== undefined && (dynamic.initialVoters < 1 || dynamic.initialVoters > voters.length)) {
      throw new Error(`dynamicQuorum.initialVoters must be in 1..${voters.length}`);
    }
    if (dynamic !== undefined && o.proxyLinks) throw new Error('proxyLinks needs a static quorum (the voters of a dynamic quorum carry their own endpoints)');
    const initial = voters.slice(0, dynamic?.initialVoters ?? 0).map((v) => ({ v, dir: randomBytes(16).toString('base64url') }));
    if (o.proxyLinks) {
      for (const from of this.nodes) {
        for (const to of voters) {
          if (from === to) continue;
          const p = new TcpProxy('127.0.0.1', to.controllerPort!);
          await p.start();
          this.proxies.set(`${from.id}->${to.id}`, p);
        }
      }
    }
    for (const n of this.nodes) {
      const votersProp = voters.map((v) => `${v.id}@127.0.0.1:${v === n ? v.controllerPort : (this.proxies.get(`${n.id}->${v.id}`)?.port ?? v.controllerPort)}`).join(',');
      const listeners = [n.brokerPort !== undefined ? `PLAINTEXT://127.0.0.1:${n.brokerPort}` : undefined, n.controllerPort !== undefined ? `CONTROLLER://127.0.0.1:${n.controllerPort}` : undefined].filter(Boolean).join(',');
      const roleProp = n.role === 'combined' ? 'broker,controller' : n.role;
      writeProperties(n.propsFile, {
        'process.roles': roleProp,
        'node.id': String(n.id),
        listeners,
        'controller.listener.names': 'CONTROLLER',
        ...(dynamic === undefined
          ? { 'controller.quorum.voters': votersProp }
          : { 'controller.quorum.bootstrap.servers': voters.map((v) => `127.0.0.1:${v.controllerPort}`).join(',') }),
        ...(n.role !== 'controller' ? { 'inter.broker.listener.name': 'PLAINTEXT' } : {}),
        'log.dirs': join(n.dataDir, 'logs'),
        'num.partitions': '1',
        'offsets.topic.replication.factor': '1',
        'offsets.topic.num.partitions': '5',
        'group.initial.rebalance.delay.ms': '0',
        ...o.props,
        ...o.nodeProps?.(n.id, n.role),
      });
      const quorumArgs =
        dynamic === undefined || n.role === 'broker'
          ? []
          : !initial.some((i) => i.v === n)
            ? ['--no-initial-controllers']
            : initial.length === 1
              ? ['--standalone']
              : ['--initial-controllers', initial.map((i) => `${i.v.id}@127.0.0.1:${i.v.controllerPort}:${i.dir}`).join(',')];
      await run(process.execPath, [NAGARE_BIN, 'storage', 'format', '-t', this.clusterId, '-c', n.propsFile, ...quorumArgs]);
    }
  }

  node(id: number): ClusterNode {
    const n = this.nodes.find((x) => x.id === id);
    if (n === undefined) throw new Error(`no node ${id}`);
    return n;
  }

  brokers(): ClusterNode[] {
    return this.nodes.filter((n) => n.role !== 'controller');
  }

  controllers(): ClusterNode[] {
    return this.nodes.filter((n) => n.role !== 'broker');
  }

  /** The brokers' client listeners, for bootstrap.servers. */
  get bootstrapServers(): string {
    return this.brokers()
      .map((n) => `127.0.0.1:${n.brokerPort}`)
      .join(',');
  }

  /** The controllers' listeners, for bootstrap.controllers / --bootstrap-controller. */
  get bootstrapControllers(): string {
    return this.controllers()
      .map((n) => `127.0.0.1:${n.controllerPort}`)
      .join(',');
  }

  /** The proxy of the link from one node to a controller (with `proxyLinks`). */
  link(from: number, to: number): TcpProxy {
    const p = this.proxies.get(`${from}->${to}`);
    if (p === undefined) throw new Error(`no proxied link ${from}->${to} (start the cluster with proxyLinks)`);
    return p;
  }

  isRunning(id: number): boolean {
    const p = this.node(id).process?.proc;
    return p !== undefined && p.exitCode === null && p.signalCode === null;
  }

  /** Starts (or restarts) a node on its directory; resolves when it logged that it started. */
  async startNode(id: number): Promise<ServerProcess> {
    const n = this.node(id);
    if (this.isRunning(id)) throw new Error(`node ${id} is running`);
    const p = await spawnServer({
      args: [...(this.o.execArgv ?? []), NAGARE_BIN, 'server', '--config', n.propsFile],
      dataDir: n.dataDir,
      port: n.brokerPort ?? n.controllerPort!,
      ready: 'started-log',
      env: { NAGARE_LOG_LEVEL: 'info', ...this.o.env },
      timeoutMs: this.o.startTimeoutMs ?? 60_000,
    }).catch((e: Error) => {
      n.startFailures.push(e.message);
      throw e;
    });
    n.process = p;
    n.runs.push(p);
    return p;
  }

  /** Every line a node wrote, across its runs. */
  output(id: number): string[] {
    const n = this.node(id);
    return [...n.runs.flatMap((r) => r.output), ...n.startFailures];
  }

  /** SIGTERM: a clean shutdown (controlled shutdown of a broker, resignation of a controller). */
  async stopNode(id: number): Promise<number | null> {
    const p = this.node(id).process;
    return p === undefined ? null : p.stop();
  }

  /** SIGKILL. */
  async killNode(id: number): Promise<number | null> {
    const p = this.node(id).process;
    return p === undefined ? null : p.kill();
  }

  /** SIGSTOP: the process freezes (no heartbeats, no fetches) without closing its sockets. */
  pauseNode(id: number): void {
    this.node(id).process?.proc.kill('SIGSTOP');
  }

  /** SIGCONT. */
  resumeNode(id: number): void {
    this.node(id).process?.proc.kill('SIGCONT');
  }

  async restartNode(id: number): Promise<ServerProcess> {
    if (this.isRunning(id)) await this.stopNode(id);
    return this.startNode(id);
  }

  /** Kills every process (SIGCONT first, so a paused one can die), closes proxies, removes the directories. */
  async close(): Promise<void> {
    await Promise.all(
      this.nodes.map(async (n) => {
        if (this.isRunning(n.id)) {
          n.process!.proc.kill('SIGCONT');
          await n.process!.kill();
        }
      }),
    );
    await Promise.all([...this.proxies.values()].map((p) => p.close()));
    if (!this.o.keepDirs) rmSync(this.root, { recursive: true, force: true });
  }
}
