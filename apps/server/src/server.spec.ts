/**
 * The server's start-up in process, on a real temporary directory: storage
 * formatting and its checks, properties with overrides, a start that serves
 * Kafka requests, a clean stop and a restart that keeps the metadata.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as net from 'node:net';
import { memoryLogger, NagareError } from '@nagare/common';
import { ApiKey, ErrorCode, decodeResponseFrame, encodeRequestFrame } from '@nagare/protocol';
import { FrameReader } from '@nagare/broker';
import { ensureFormatted, formatStorage, readMetaProperties, newUuid } from './storage-format';
import { loadProperties, startServer } from './server';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nagare-server-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('storage format', () => {
  it('writes meta.properties like kafka-storage and refuses to format twice', () => {
    const id = newUuid();
    expect(formatStorage([join(dir, 'a'), join(dir, 'b')], id, 3, false).formatted).toHaveLength(2);
    const text = readFileSync(join(dir, 'a', 'meta.properties'), 'utf8');
    expect(text).toMatch(new RegExp(`^cluster.id=${id}$`, 'm'));
    expect(text).toMatch(/^node.id=3$/m);
    expect(text).toMatch(/^version=1$/m);
    expect(readMetaProperties(join(dir, 'b'))).toMatchObject({ clusterId: id, nodeId: 3, version: 1 });
    expect(() => formatStorage([join(dir, 'a')], id, 3, false)).toThrow(/already formatted. Use --ignore-formatted/);
    expect(formatStorage([join(dir, 'a')], id, 3, true).alreadyFormatted).toHaveLength(1);
    expect(() => formatStorage([join(dir, 'a')], newUuid(), 3, true)).toThrow(NagareError);
    expect(() => formatStorage([join(dir, 'c')], 'not-a-uuid', 1, false)).toThrow(/random-uuid/);
  });

  it('refuses directories of another cluster or node, and unformatted ones unless asked to format', () => {
    mkdirSync(join(dir, 'x'));
    writeFileSync(join(dir, 'x', 'junk'), 'data');
    expect(() => ensureFormatted([join(dir, 'x')], 1, true)).toThrow(/not empty and has no meta.properties/);
    expect(() => ensureFormatted([join(dir, 'new')], 1, false)).toThrow(/nagare storage format/);
    const { clusterId } = ensureFormatted([join(dir, 'new')], 1, true);
    expect(ensureFormatted([join(dir, 'new')], 1, false).clusterId).toBe(clusterId);
    expect(() => ensureFormatted([join(dir, 'new')], 2, false)).toThrow(/formatted for node.id 1, but node.id is 2/);
    formatStorage([join(dir, 'other')], newUuid(), 1, false);
    expect(() => ensureFormatted([join(dir, 'new'), join(dir, 'other')], 1, true)).toThrow(/belongs to cluster/);
  });
});

describe('properties', () => {
  it('applies --override after the file and rejects malformed overrides', () => {
    expect(loadProperties('a=1\nb=2\n', ['b=3', 'c=x=y'])).toEqual({ a: '1', b: '3', c: 'x=y' });
    expect(() => loadProperties('', ['nokey'])).toThrow(/not of the form key=value/);
  });
});

async function apiVersions(port: number): Promise<number> {
  const sock = net.connect(port, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  for (const c of encodeRequestFrame(ApiKey.ApiVersions, 3, 1, 't', { clientSoftwareName: 't', clientSoftwareVersion: '1' })) sock.write(c);
  const reader = new FrameReader(1 << 20);
  const frame = await new Promise<Buffer>((resolve) => sock.on('data', (d) => reader.push(d).forEach((e) => e.kind === 'frame' && resolve(e.frame))));
  sock.destroy();
  return decodeResponseFrame(ApiKey.ApiVersions, 3, frame).body.apiKeys.length;
}

async function request<K extends Parameters<typeof encodeRequestFrame>[0]>(port: number, apiKey: K, version: number, body: Parameters<typeof encodeRequestFrame<K>>[4]) {
  const sock = net.connect(port, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  for (const c of encodeRequestFrame(apiKey, version, 1, 't', body)) sock.write(c);
  const reader = new FrameReader(1 << 20);
  const frame = await new Promise<Buffer | null>((resolve) => {
    sock.on('data', (d) => reader.push(d).forEach((e) => e.kind === 'frame' && resolve(e.frame)));
    sock.on('close', () => resolve(null));
  });
  sock.destroy();
  return frame && decodeResponseFrame(apiKey, version, frame).body;
}

describe('startServer', () => {
  const props = () => ({
    'process.roles': 'broker,controller',
    'node.id': '1',
    listeners: 'PLAINTEXT://127.0.0.1:0',
    'log.dirs': join(dir, 'logs'),
  });

  it('formats, serves, stops cleanly and restarts with the same cluster and topics', async () => {
    const log = memoryLogger();
    const first = await startServer({ props: props(), autoFormat: true, logger: log });
    const port = first.listeners[0].boundPort;
    expect(await apiVersions(port)).toBeGreaterThan(20);
    // The broker registered with the port it actually bound.
    expect(first.controller!.committed().brokers.get(1)!.endpoints[0]).toMatchObject({ name: 'PLAINTEXT', host: '127.0.0.1', port });
    const created = await first.controller!.createTopics({ topics: [{ name: 'kept', numPartitions: 2, replicationFactor: 1, assignments: [], configs: [{ name: 'retention.ms', value: '1234' }] }], timeoutMs: 30000, validateOnly: false }, 7);
    expect(created.topics[0].errorCode).toBe(0);
    await first.stop();
    expect(log.entries.some((e) => e.msg === 'formatted storage for a new cluster')).toBe(true);

    const second = await startServer({ props: props(), autoFormat: true, logger: memoryLogger() });
    try {
      expect(second.clusterId).toBe(first.clusterId);
      const t = second.controller!.committed().topicsByName.get('kept')!;
      expect(t.id).toBe(created.topics[0].topicId);
      expect(second.broker!.replicas.get('kept', 1)!.log.config.retentionMs).toBe(1234);
    } finally {
      await second.stop();
    }
  });

  it('fails start-up naming the bad key, and names the address when a port is taken', async () => {
    await expect(startServer({ props: { ...props(), 'num.partitions': 'x' }, autoFormat: true, logger: memoryLogger() })).rejects.toThrow(
      'Invalid value x for configuration num.partitions: Not a number of type INT',
    );
    const blocker = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      await expect(startServer({ props: { ...props(), listeners: `PLAINTEXT://127.0.0.1:${port}` }, autoFormat: true, logger: memoryLogger() })).rejects.toThrow(
        `listener PLAINTEXT cannot bind 127.0.0.1:${port}: address already in use`,
      );
    } finally {
      blocker.close();
    }
    // The failed start released the log directory: a later start works.
    const ok = await startServer({ props: props(), autoFormat: true, logger: memoryLogger() });
    await ok.stop();
  });

  it('binds a CONTROLLER listener of a Kafka KRaft file without a security map and answers the controller APIs on it', async () => {
    const server = await startServer({
      props: {
        ...props(),
        listeners: 'PLAINTEXT://127.0.0.1:0,CONTROLLER://127.0.0.1:0',
        'controller.listener.names': 'CONTROLLER',
        'controller.quorum.voters': '1@127.0.0.1:9093',
        'inter.broker.listener.name': 'PLAINTEXT',
      },
      autoFormat: true,
      logger: memoryLogger(),
    });
    try {
      const brokerPort = server.listeners.find((l) => l.name === 'PLAINTEXT')!.boundPort;
      const controllerPort = server.listeners.find((l) => l.name === 'CONTROLLER')!.boundPort;
      expect(controllerPort).toBeGreaterThan(0);
      // Only the broker listener is a broker endpoint.
      expect(server.controller!.committed().brokers.get(1)!.endpoints.map((e) => e.name)).toEqual(['PLAINTEXT']);

      const ctl = (await request(controllerPort, ApiKey.ApiVersions, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' }))!;
      const keys = ctl.apiKeys.map((k) => k.apiKey);
      expect(keys).toEqual(
        expect.arrayContaining([ApiKey.ApiVersions, ApiKey.DescribeCluster, ApiKey.CreateTopics, ApiKey.IncrementalAlterConfigs, ApiKey.DescribeConfigs]),
      );
      // The KRaft APIs (Fetch here is the Raft fetch of __cluster_metadata) and the brokers' controller APIs.
      expect(keys).toEqual(
        expect.arrayContaining([ApiKey.Vote, ApiKey.BeginQuorumEpoch, ApiKey.EndQuorumEpoch, ApiKey.Fetch, ApiKey.FetchSnapshot, ApiKey.DescribeQuorum, ApiKey.BrokerRegistration, ApiKey.BrokerHeartbeat, ApiKey.AlterPartition]),
      );
      for (const k of [ApiKey.Produce, ApiKey.Metadata, ApiKey.FindCoordinator, ApiKey.JoinGroup]) expect(keys).not.toContain(k);
      const brokerKeys = (await request(brokerPort, ApiKey.ApiVersions, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' }))!.apiKeys.map((k) => k.apiKey);
      expect(brokerKeys).toEqual(expect.arrayContaining([ApiKey.Produce, ApiKey.Fetch, ApiKey.Metadata]));
      // Kafka 4.0's latest production metadata.version, finalized and supported alike.
      expect(ctl.finalizedFeatures).toEqual([
        { name: 'metadata.version', minVersionLevel: 25, maxVersionLevel: 25 },
        { name: 'group.version', minVersionLevel: 1, maxVersionLevel: 1 },
        { name: 'transaction.version', minVersionLevel: 2, maxVersionLevel: 2 },
      ]);
      expect(ctl.supportedFeatures).toEqual([
        { name: 'metadata.version', minVersion: 1, maxVersion: 25 },
        { name: 'group.version', minVersion: 0, maxVersion: 1 },
        { name: 'transaction.version', minVersion: 0, maxVersion: 2 },
      ]);

      // DescribeCluster (KIP-919): controllers on the controller listener, brokers on the broker listener.
      const describe = (port: number, endpointType: number) => request(port, ApiKey.DescribeCluster, 1, { includeClusterAuthorizedOperations: false, endpointType, includeFencedBrokers: false });
      expect(await describe(controllerPort, 2)).toMatchObject({
        errorCode: 0,
        endpointType: 2,
        clusterId: server.clusterId,
        controllerId: 1,
        brokers: [{ brokerId: 1, host: '127.0.0.1', port: controllerPort, rack: null }],
      });
      expect(await describe(brokerPort, 1)).toMatchObject({ errorCode: 0, brokers: [{ brokerId: 1, host: '127.0.0.1', port: brokerPort }] });
      expect(await describe(controllerPort, 1)).toMatchObject({
        errorCode: ErrorCode.MISMATCHED_ENDPOINT_TYPE,
        errorMessage: 'The request was sent to an endpoint of type CONTROLLER, but we wanted an endpoint of type BROKER',
      });
      expect(await describe(brokerPort, 2)).toMatchObject({ errorCode: ErrorCode.MISMATCHED_ENDPOINT_TYPE });
      expect(await describe(brokerPort, 3)).toMatchObject({ errorCode: ErrorCode.UNSUPPORTED_ENDPOINT_TYPE, errorMessage: 'Unsupported endpoint type 3' });
      // DescribeQuorum for the single voter: leader, epoch and high watermark of the metadata log.
      const quorum = (await request(controllerPort, ApiKey.DescribeQuorum, 2, { topics: [{ topicName: '__cluster_metadata', partitions: [{ partitionIndex: 0 }] }] }))!;
      expect(quorum.topics[0].partitions[0]).toMatchObject({ errorCode: 0, leaderId: 1, leaderEpoch: 1 });
      expect(quorum.topics[0].partitions[0].highWatermark).toBeGreaterThanOrEqual(BigInt(server.controller!.committed().provenance.offset + 1));
      expect(quorum.topics[0].partitions[0].currentVoters.map((v) => v.replicaId)).toEqual([1]);
      expect(quorum.nodes).toEqual([{ nodeId: 1, listeners: [{ name: 'CONTROLLER', host: '127.0.0.1', port: 9093 }] }]);
      // A broker API on the controller listener is not served: the connection closes, as Kafka's controller does.
      expect(await request(controllerPort, ApiKey.Metadata, 12, { topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false })).toBeNull();
    } finally {
      await server.stop();
    }
  });
});

