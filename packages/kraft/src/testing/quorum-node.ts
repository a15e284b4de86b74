/**
 * Test support: one KRaft node in this process (storage in a directory, a RaftClient, a
 * MetadataLoader) serving the KRaft APIs on a loopback port with a minimal Kafka frame server.
 * The product wires the same pieces into the controller listener's socket server.
 */
import * as net from 'node:net';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock, systemScheduler, silentLogger, type Clock, type Logger } from '@nagare/common';
import { ApiKey, ErrorCode, decodeRequestBody, decodeRequestHeader, encodeResponseFrame, readRequestPrefix, type ApiVersionsResponse } from '@nagare/protocol';
import { LogManager, NodeFileSystem, logConfigFromProperties } from '@nagare/storage';
import type { Snapshot } from '@nagare/raft';
import { MetadataLogStore } from '../metadata-log-store';
import { MetadataLoader, type SnapshotPolicy } from '../metadata-loader';
import { RaftClient, type HostPort, type RaftClientConfig } from '../raft-client';
import { RAFT_APIS, raftApi } from '../raft-apis';
import { kafkaSnapshotCodec, snapshotFileName } from '../snapshot-codec';

function consoleLogger(name: string): Logger {
  const log = (level: string) => (o: unknown, msg?: string) => console.log(name, level, msg ?? '', typeof o === 'string' ? o : JSON.stringify(o));
  const l: Logger = { trace: log('trace'), debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error'), fatal: log('fatal'), child: () => l } as unknown as Logger;
  return l;
}

export const CLUSTER_ID = 'MkU3OEVBNTcwNTJENDM2Qk';

export interface QuorumNodeOptions {
  readonly nodeId: number;
  readonly dir: string;
  readonly port: number;
  readonly staticVoters?: ReadonlyMap<number, HostPort>;
  readonly bootstrapServers?: readonly HostPort[];
  readonly directoryId?: string;
  /** A bootstrap checkpoint to write before start (storage format --standalone / --initial-controllers). */
  readonly bootstrap?: Snapshot;
  readonly snapshotPolicy?: SnapshotPolicy;
  readonly clock?: Clock;
  readonly timeouts?: Partial<Pick<RaftClientConfig, 'electionTimeoutMs' | 'fetchTimeoutMs' | 'requestTimeoutMs' | 'electionBackoffMaxMs' | 'fetchMaxWaitMs'>>;
}

function readFrames(socket: net.Socket, onFrame: (f: Buffer) => void): void {
  let buf: Buffer = Buffer.alloc(0);
  socket.on('data', (d: Buffer) => {
    buf = buf.length === 0 ? d : Buffer.concat([buf, d]);
    while (buf.length >= 4) {
      const n = buf.readInt32BE(0);
      if (buf.length < 4 + n) break;
      onFrame(buf.subarray(4, 4 + n));
      buf = buf.subarray(4 + n);
    }
  });
}

export class QuorumNode {
  readonly raft: RaftClient;
  readonly loader: MetadataLoader;
  readonly logs: LogManager;
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();

  constructor(readonly o: QuorumNodeOptions) {
    const fs = new NodeFileSystem();
    const logger = process.env.NAGARE_TEST_LOG ? consoleLogger(`node${o.nodeId}`) : silentLogger;
    const clock = o.clock ?? systemClock;
    mkdirSync(o.dir, { recursive: true });
    this.logs = LogManager.open({ logDirs: [o.dir], fs, clock, defaultConfig: logConfigFromProperties({ 'retention.ms': '-1' }) });
    const log = this.logs.getOrCreateLog('__cluster_metadata', 0, logConfigFromProperties({ 'retention.ms': '-1', 'retention.bytes': '-1' }));
    const codec = kafkaSnapshotCodec(() => clock.now());
    if (o.bootstrap !== undefined) {
      const path = join(log.dir, snapshotFileName(o.bootstrap.id));
      if (!fs.exists(path)) fs.writeFileAtomic(path, Buffer.from(codec.encode(o.bootstrap)));
    }
    const store = new MetadataLogStore({ log, fs, clusterId: CLUSTER_ID, codec, clock });
    this.raft = new RaftClient(
      {
        nodeId: o.nodeId,
        directoryId: o.directoryId ?? 'AAAAAAAAAAAAAAAAAAAAAA',
        clusterId: CLUSTER_ID,
        staticVoters: o.staticVoters ?? new Map(),
        bootstrapServers: o.bootstrapServers ?? [],
        listenerName: 'CONTROLLER',
        localEndpoints: [{ name: 'CONTROLLER', host: '127.0.0.1', port: o.port }],
        snapshotCodec: codec,
        electionTimeoutMs: 300,
        fetchTimeoutMs: 600,
        requestTimeoutMs: 500,
        electionBackoffMaxMs: 300,
        fetchMaxWaitMs: 100,
        ...o.timeouts,
      },
      { store, clock, scheduler: systemScheduler, logger },
    );
    this.loader = new MetadataLoader({ clock, snapshots: o.snapshotPolicy ? { policy: o.snapshotPolicy, target: this.raft } : undefined });
    this.raft.register(this.loader);
  }

  async start(): Promise<void> {
    this.raft.start();
    this.server = net.createServer((socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => undefined);
      let queue = Promise.resolve();
      readFrames(socket, (frame) => {
        queue = queue.then(() => this.answer(socket, frame)).catch((e) => {
          if (process.env.NAGARE_TEST_LOG) console.log("server error", e);
          socket.destroy();
        });
      });
    });
    await new Promise<void>((res) => this.server!.listen(this.o.port, '127.0.0.1', res));
  }

  private async answer(socket: net.Socket, frame: Buffer): Promise<void> {
    const prefix = readRequestPrefix(frame)!;
    const { header, bodyOffset } = decodeRequestHeader(frame);
    const body = decodeRequestBody(prefix.apiKey as never, prefix.apiVersion, frame, bodyOffset);
    let response: unknown;
    if (prefix.apiKey === ApiKey.ApiVersions) {
      const r: ApiVersionsResponse = {
        errorCode: ErrorCode.NONE,
        apiKeys: [{ apiKey: ApiKey.ApiVersions, minVersion: 0, maxVersion: 3 }, ...RAFT_APIS.map((a) => ({ apiKey: a.apiKey, minVersion: a.minVersion, maxVersion: a.maxVersion }))],
        throttleTimeMs: 0,
        supportedFeatures: [],
        finalizedFeaturesEpoch: -1n,
        finalizedFeatures: [],
        zkMigrationReady: false,
      };
      response = r;
    } else {
      const api = raftApi(prefix.apiKey);
      if (api === undefined) throw new Error(`API ${prefix.apiKey} not served`);
      response = await api.handle(this.raft, body);
    }
    void header;
    if (!socket.destroyed) {
      for (const c of encodeResponseFrame(prefix.apiKey as never, prefix.apiVersion, prefix.correlationId, response as never, { lenient: true })) socket.write(c);
    }
  }

  /** A crash: no resignation, no flush beyond what each Ready already fsynced. */
  async kill(): Promise<void> {
    await this.raft.close(0);
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((res) => this.server?.close(() => res()) ?? res());
    await this.logs.close();
  }

  async stop(): Promise<void> {
    await this.raft.close(100);
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((res) => this.server?.close(() => res()) ?? res());
    await this.logs.close();
  }
}
