/**
 * A cluster of real nagare processes on loopback, for tests and benchmarks: N controllers and M
 * brokers (or N combined nodes), each its own process with its own data directory and
 * server.properties, formatted with one cluster id as `kafka-storage format` does. Nodes can be
 * stopped (SIGTERM), killed (SIGKILL), paused and resumed (SIGSTOP / SIGCONT) and restarted on the
 * same directory and ports.
 *
 * With `proxyLinks`, every inter-node link runs through a TCP proxy of its own, one per (from, to):
 *
 * - quorum and controller links: node A names controller B in controller.quorum.voters at the port of
 *   the proxy for A->B (Vote, BeginQuorumEpoch, Fetch of the metadata log, and a broker's
 *   BrokerRegistration / BrokerHeartbeat / forwarded admin requests to the active controller);
 * - broker-to-broker links (replica fetches, WriteTxnMarkers, AddPartitionsToTxn): every broker B
 *   has, besides its client listener PLAINTEXT, one listener `BROKER_A` per broker A, advertised at
 *   the port of the proxy for A->B, and broker A sets inter.broker.listener.name=BROKER_A; so A
 *   reaches B, whatever B's role for a partition, only through the A->B proxy. This is plain Kafka
 *   configuration (listeners, advertised.listeners, listener.security.protocol.map).
 *
 * Client connections (PLAINTEXT) are never proxied: an isolated leader still hears its clients, as
 * in Jepsen's partitions. `cluster.link(a, b).cut()` cuts one direction of one link; `isolate(id)`
 * cuts every link from and to a node, `heal()` restores every link.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { NAGARE_BIN, PortReservation, requireServerBuilt, spawnServer, writeProperties, type ServerProcess } from './server-process';
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
  /**
   * Route all inter-node traffic (quorum, broker-to-controller, broker-to-broker) through a TCP proxy
   * per (from, to) link (static quorums only).
   */
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
  /** With proxyLinks: the port of listener BROKER_<from> on this broker, by `from` broker id. */
  readonly interBrokerPorts: Map<number, number>;
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
    // Every node port is held until the proxies are listening (released at the end of set-up).
    const reservation = new PortReservation();
    try {
      await this.setUpWith(roles, reservation);
    } finally {
      await reservation.release();
    }
  }

  private async setUpWith(roles: NodeRole[], reservation: PortReservation): Promise<void> {
    const o = this.o;
    const ports: { broker: number | undefined; controller: number | undefined }[] = [];
    for (const r of roles) ports.push({ broker: r !== 'controller' ? await reservation.take() : undefined, controller: r !== 'broker' ? await reservation.take() : undefined });
    roles.forEach((role, i) => {
      const id = i + 1;
      const dataDir = join(this.root, `node-${id}`);
      mkdirSync(dataDir, { recursive: true });
      this.nodes.push({ id, role, dataDir, propsFile: join(dataDir, 'server.properties'), brokerPort: ports[i].broker, controllerPort: ports[i].controller, interBrokerPorts: new Map(), runs: [], startFailures: [] });
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
      const brokers = this.nodes.filter((n) => n.role !== 'controller');
      for (const to of brokers) {
        for (const from of brokers) {
          to.interBrokerPorts.set(from.id, await reservation.take());
          if (from === to) continue;
          const p = new TcpProxy('127.0.0.1', to.interBrokerPorts.get(from.id)!);
          await p.start();
          this.proxies.set(`${from.id}=>${to.id}`, p);
        }
      }
    }
    for (const n of this.nodes) {
      const votersProp = voters.map((v) => `${v.id}@127.0.0.1:${v === n ? v.controllerPort : (this.proxies.get(`${n.id}->${v.id}`)?.port ?? v.controllerPort)}`).join(',');
      const listeners = [n.brokerPort !== undefined ? `PLAINTEXT://127.0.0.1:${n.brokerPort}` : undefined, n.controllerPort !== undefined ? `CONTROLLER://127.0.0.1:${n.controllerPort}` : undefined].filter(Boolean).join(',');
      const roleProp = n.role === 'combined' ? 'broker,controller' : n.role;
      const ib = [...n.interBrokerPorts].map(([from, port]) => ({ name: `BROKER_${from}`, port, advertised: from === n.id ? port : this.proxies.get(`${from}=>${n.id}`)!.port }));
      const proxied = ib.length > 0;
      const brokerListeners = n.brokerPort !== undefined ? [`PLAINTEXT://127.0.0.1:${n.brokerPort}`, ...ib.map((l) => `${l.name}://127.0.0.1:${l.port}`)] : [];
      const allListeners = [...brokerListeners, ...(n.controllerPort !== undefined ? [`CONTROLLER://127.0.0.1:${n.controllerPort}`] : [])].join(',');
      const proxiedProps: Record<string, string> = !proxied
        ? {}
        : {
            listeners: allListeners,
            'advertised.listeners': [`PLAINTEXT://127.0.0.1:${n.brokerPort}`, ...ib.map((l) => `${l.name}://127.0.0.1:${l.advertised}`)].join(','),
            'listener.security.protocol.map': ['PLAINTEXT:PLAINTEXT', 'CONTROLLER:PLAINTEXT', ...ib.map((l) => `${l.name}:PLAINTEXT`)].join(','),
            'inter.broker.listener.name': `BROKER_${n.id}`,
          };
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
        ...proxiedProps,
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

  /**
   * The proxies of the link from one node to another (with `proxyLinks`): the quorum / controller
   * link if `to` is a controller, and the broker-to-broker link if both are brokers. `cut()`,
   * `delay()` and `heal()` act on all of them.
   */
  link(from: number, to: number): LinkProxies {
    const ps = [this.proxies.get(`${from}->${to}`), this.proxies.get(`${from}=>${to}`)].filter((p): p is TcpProxy => p !== undefined);
    if (ps.length === 0) throw new Error(`no proxied link ${from}->${to} (start the cluster with proxyLinks)`);
    return new LinkProxies(ps);
  }

  /** Every proxied link, as `from->to` (controller links) and `from=>to` (broker-to-broker links). */
  links(): Map<string, TcpProxy> {
    return new Map(this.proxies);
  }

  /**
   * A network partition of one node from every other node: every proxied link from and to it is
   * cut, in both directions (quorum, controller and broker-to-broker links; client connections stay).
   */
  isolate(id: number): void {
    this.node(id);
    if (this.proxies.size === 0) throw new Error('isolate needs proxied links (start the cluster with proxyLinks)');
    for (const [k, p] of this.proxies) {
      const [from, to] = k.split(/->|=>/).map(Number);
      if (from === id || to === id) p.cut();
    }
  }

  /** Restores every proxied link (undoes isolate, cut and delay). */
  heal(): void {
    for (const p of this.proxies.values()) p.heal();
  }

  /** SIGKILL (a crash). */
  kill(id: number): Promise<number | null> {
    return this.killNode(id);
  }

  /** SIGSTOP (a process frozen, as by a long GC pause or a stalled VM). */
  pause(id: number): void {
    this.pauseNode(id);
  }

  /** SIGCONT. */
  resume(id: number): void {
    this.resumeNode(id);
  }

  /**
   * Starts the node again on its directory and ports: after a kill, or (if it still runs) after a
   * SIGTERM (`how: 'stop'`, the default) or a SIGKILL (`how: 'kill'`). Resolves when it started.
   */
  async restart(id: number, how: 'stop' | 'kill' = 'stop'): Promise<ServerProcess> {
    if (this.isRunning(id)) {
      const p = this.node(id).process!;
      p.proc.kill('SIGCONT');
      await (how === 'kill' ? p.kill() : p.stop());
    }
    return this.startNode(id);
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

/** The proxies of one directed link between two nodes (quorum and/or broker-to-broker). */
export class LinkProxies {
  constructor(readonly proxies: TcpProxy[]) {}

  cut(): void {
    for (const p of this.proxies) p.cut();
  }

  delay(ms: number): void {
    for (const p of this.proxies) p.delay(ms);
  }

  heal(): void {
    for (const p of this.proxies) p.heal();
  }
}
