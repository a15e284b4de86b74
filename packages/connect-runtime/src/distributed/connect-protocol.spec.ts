/**
 * The Connect group protocol against golden bytes written by Apache Kafka's
 * own serializer (kafka-clients' protocol Schema/Struct with the field
 * definitions of ConnectProtocol and IncrementalCooperativeConnectProtocol;
 * see __fixtures__/ConnectGolden.java), both directions.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CONFIG_MISMATCH,
  deserializeAssignment,
  deserializeMetadata,
  emptyAssignment,
  metadataRequest,
  serializeAssignment,
  serializeAssignmentV0,
  serializeAssignmentV1,
  serializeMetadataV0,
  serializeMetadataV1,
  type ConnectAssignment,
} from './connect-protocol';

const GOLDEN = JSON.parse(readFileSync(join(__dirname, '__fixtures__/connect-golden.json'), 'utf8')) as Record<string, string>;
const hex = (b: Buffer | null) => (b === null ? null : b.toString('hex'));

const assigned = {
  connectors: ['conn-a'],
  tasks: [
    { connector: 'conn-a', task: 0 },
    { connector: 'conn-a', task: 2 },
    { connector: 'conn-b', task: 1 },
  ],
};
const base = (version: number, extra: Partial<ConnectAssignment> = {}): ConnectAssignment => ({
  version,
  error: 0,
  leader: 'member-1',
  leaderUrl: 'http://w1:8083/',
  configOffset: 42,
  ...assigned,
  revokedConnectors: [],
  revokedTasks: [],
  delay: 0,
  ...extra,
});

describe('ConnectProtocol (v0, eager)', () => {
  it('writes and reads member metadata as Kafka does', () => {
    expect(hex(serializeMetadataV0({ url: 'http://w1:8083/', configOffset: 42 }))).toBe(GOLDEN.metadataV0);
    expect(deserializeMetadata(Buffer.from(GOLDEN.metadataV0, 'hex'))).toEqual({ version: 0, url: 'http://w1:8083/', configOffset: 42, assignment: null });
  });
  it('writes and reads assignments, the connector itself as task -1', () => {
    expect(hex(serializeAssignmentV0(base(0)))).toBe(GOLDEN.assignmentV0);
    expect(deserializeAssignment(Buffer.from(GOLDEN.assignmentV0, 'hex'))).toEqual(base(0));
  });
  it('writes CONFIG_MISMATCH with nothing assigned', () => {
    const a = { ...base(0, { error: CONFIG_MISMATCH, configOffset: 43 }), connectors: [], tasks: [] };
    expect(hex(serializeAssignmentV0(a))).toBe(GOLDEN.assignmentV0ConfigMismatch);
    expect(deserializeAssignment(Buffer.from(GOLDEN.assignmentV0ConfigMismatch, 'hex'))!.error).toBe(CONFIG_MISMATCH);
  });
});

describe('IncrementalCooperativeConnectProtocol (v1 compatible, v2 sessioned)', () => {
  it('writes and reads v1 assignments with revocations and a scheduled delay', () => {
    const a = base(1, { revokedConnectors: ['conn-c'], revokedTasks: [{ connector: 'conn-c', task: 3 }], delay: 3000 });
    expect(hex(serializeAssignmentV1(a, false))).toBe(GOLDEN.assignmentV1);
    expect(deserializeAssignment(Buffer.from(GOLDEN.assignmentV1, 'hex'))).toEqual(a);
  });
  it('writes and reads v2 assignments', () => {
    expect(hex(serializeAssignmentV1(base(2), true))).toBe(GOLDEN.assignmentV2);
    expect(deserializeAssignment(Buffer.from(GOLDEN.assignmentV2, 'hex'))).toEqual(base(2));
  });
  it('carries the current allocation in v2 metadata, and a null allocation in v1', () => {
    const withAlloc = serializeMetadataV1({ url: 'http://w2:8083/', configOffset: 7, assignment: base(2) }, true);
    expect(hex(withAlloc)).toBe(GOLDEN.metadataV2WithAllocation);
    const read = deserializeMetadata(Buffer.from(GOLDEN.metadataV2WithAllocation, 'hex'));
    expect([read.version, read.url, read.configOffset]).toEqual([2, 'http://w2:8083/', 7]);
    expect(read.assignment).toEqual(base(2));
    expect(hex(serializeMetadataV1({ url: 'http://w2:8083/', configOffset: 7, assignment: emptyAssignment() }, false))).toBe(GOLDEN.metadataV1NoAllocation);
    expect(deserializeMetadata(Buffer.from(GOLDEN.metadataV1NoAllocation, 'hex')).assignment).toBeNull();
  });
  it('serializes an empty v1 assignment as null (zero bytes in SyncGroup)', () => {
    expect(serializeAssignmentV1(emptyAssignment(), false)).toBeNull();
    expect(serializeAssignment(emptyAssignment(), 1).length).toBe(0);
    expect(deserializeAssignment(Buffer.alloc(0))).toBeNull();
  });
  it('reads an assignment written by a newer protocol version with extra trailing fields', () => {
    const b = Buffer.concat([Buffer.from(GOLDEN.assignmentV2, 'hex'), Buffer.from('deadbeef', 'hex')]);
    b.writeInt16BE(3, 0);
    expect(deserializeAssignment(b)!.connectors).toEqual(['conn-a']);
  });
  it('refuses a negative version', () => {
    const b = Buffer.from(GOLDEN.metadataV0, 'hex');
    b.writeInt16BE(-1, 0);
    expect(() => deserializeMetadata(b)).toThrow('Unsupported subscription version: -1');
  });
});

describe('metadataRequest', () => {
  const state = { url: 'http://w1:8083/', configOffset: 42, assignment: base(2) };
  it.each([
    ['sessioned', ['sessioned', 'compatible', 'default']],
    ['compatible', ['compatible', 'default']],
    ['eager', ['default']],
  ] as const)('connect.protocol=%s offers %j, preferred first', (compat, names) => {
    const protocols = metadataRequest(compat, state);
    expect(protocols.map((p) => p.name)).toEqual(names);
    for (const p of protocols) expect(deserializeMetadata(p.metadata).version).toBe(p.name === 'sessioned' ? 2 : p.name === 'compatible' ? 1 : 0);
  });
});
