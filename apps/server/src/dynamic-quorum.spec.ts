/**
 * A dynamic quorum (KIP-853) over real processes, as docs/cluster.md runs it: one controller formatted
 * with `storage format --standalone`, a second with `--no-initial-controllers`, a broker. The second
 * controller is added with `kafka-metadata-quorum add-controller`, then the first is removed with
 * `remove-controller`; the broker keeps serving metadata writes throughout.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Admin } from '@nagare/client';
import { TestCluster, serverBuilt, NAGARE_BIN, NOT_BUILT_MESSAGE } from '@nagare/testing';
import { readMetaProperties } from './storage-format';

const run = promisify(execFile);
const built = serverBuilt();
if (!built) console.warn(`skipping the dynamic quorum test: ${NOT_BUILT_MESSAGE}`);
const describeBuilt = built ? describe : describe.skip;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await sleep(200);
  }
}

describeBuilt('a dynamic quorum (KIP-853) of real processes', () => {
  jest.setTimeout(180_000);

  it('grows from a standalone controller with add-controller and shrinks with remove-controller while the broker keeps working', async () => {
    const c = await TestCluster.start({
      controllers: 2,
      brokers: 1,
      dynamicQuorum: { initialVoters: 1 },
      props: { 'controller.quorum.fetch.timeout.ms': '1000', 'controller.quorum.election.timeout.ms': '500', 'broker.session.timeout.ms': '3000', 'broker.heartbeat.interval.ms': '500' },
    });
    const admin = new Admin({ bootstrapServers: c.bootstrapServers, requestTimeoutMs: 5000, defaultApiTimeoutMs: 30_000 });
    const quorum = (...args: string[]) => run(process.execPath, [NAGARE_BIN, 'metadata-quorum', '--bootstrap-controller', c.bootstrapControllers, ...args], { timeout: 60_000 });
    const create = async (name: string) => {
      const [r] = await admin.createTopics([{ name, numPartitions: 1, replicationFactor: 1 }], { timeoutMs: 30_000 });
      expect(r.error).toBeNull();
    };
    try {
      const dir1 = readMetaProperties(join(c.node(1).dataDir, 'logs'))!.directoryId!;
      const dir2 = readMetaProperties(join(c.node(2).dataDir, 'logs'))!.directoryId!;
      // Controller 1 alone is the quorum; controller 2 and the broker observe.
      const before = await until('controller 2 observing', async () => {
        const q = await admin.describeMetadataQuorum();
        return q.observers.some((o) => o.replicaId === 2) ? q : undefined;
      });
      expect([before.leaderId, before.voters.map((v) => v.replicaId)]).toEqual([1, [1]]);
      expect(before.nodes.get(1)).toEqual([{ name: 'CONTROLLER', host: '127.0.0.1', port: c.node(1).controllerPort }]);
      await create('before');

      const added = await quorum('add-controller', '--command-config', c.node(2).propsFile);
      expect(added.stdout).toContain('Added controller 2');
      const two = await until('two voters', async () => {
        const q = await admin.describeMetadataQuorum();
        return q.voters.length === 2 ? q : undefined;
      });
      expect(two.voters.map((v) => [v.replicaId, v.replicaDirectoryId]).sort()).toEqual([
        [1, dir1],
        [2, dir2],
      ]);
      await create('with-two-voters');

      const status = await quorum('describe', '--status');
      expect(status.stdout).toMatch(/CurrentVoters:\s+\[\{"id": 1, "directoryId": "[^"]+", "endpoints": \["CONTROLLER:\/\/127\.0\.0\.1:\d+"\]\}, \{"id": 2,/);

      // Removing the leader: it resigns once the change commits, and controller 2 takes over alone.
      const removed = await quorum('remove-controller', '--controller-id', '1', '--controller-directory-id', dir1);
      expect(removed.stdout).toContain('Removed KRaft controller 1');
      const after = await until('controller 2 leading alone', async () => {
        const q = await admin.describeMetadataQuorum();
        return q.leaderId === 2 && q.voters.length === 1 ? q : undefined;
      });
      expect(after.voters.map((v) => v.replicaId)).toEqual([2]);
      await c.stopNode(1);
      await until('a write after controller 1 left', async () => {
        await create('after');
        return true;
      });
      // CreateTopics answers once the controller committed; the broker's image follows shortly after.
      const names = await until('the broker to list every topic', async () => {
        const n = (await admin.listTopics()).map((t) => t.name);
        return n.includes('after') ? n : undefined;
      });
      expect(names).toEqual(expect.arrayContaining(['before', 'with-two-voters', 'after']));
      const cluster = await admin.describeCluster();
      expect(cluster.controllerId).toBe(3); // a controller-less view: brokers name an alive broker (see docs/cluster.md)
    } finally {
      admin.close();
      await c.close();
    }
  });
});
