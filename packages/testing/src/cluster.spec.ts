/**
 * The cluster testkit on three combined nodes with proxied quorum links: SIGSTOP of the leader, a
 * partition of the leader made with the link proxies, a restart. The quorum is observed with the
 * built CLI (`nagare metadata-quorum describe --status`), as an operator would.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { TestCluster } from './cluster';
import { NAGARE_BIN } from './server-process';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** LeaderId and LeaderEpoch as the quorum seen through these nodes' controller listeners reports them. */
async function leaderSeenBy(c: TestCluster, ids: number[]): Promise<{ leaderId: number; epoch: number } | undefined> {
  const bootstrap = ids.map((id) => `127.0.0.1:${c.node(id).controllerPort}`).join(',');
  try {
    const { stdout } = await run(process.execPath, [NAGARE_BIN, 'metadata-quorum', '--bootstrap-controller', bootstrap, 'describe', '--status'], { timeout: 15_000 });
    const leaderId = Number(/LeaderId:\s+(-?\d+)/.exec(stdout)?.[1]);
    const epoch = Number(/LeaderEpoch:\s+(\d+)/.exec(stdout)?.[1]);
    return leaderId >= 0 ? { leaderId, epoch } : undefined;
  } catch {
    return undefined;
  }
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

describe('TestCluster', () => {
  jest.setTimeout(180_000);

  it('runs three combined nodes; a paused or partitioned leader is replaced, and a restarted node rejoins', async () => {
    const c = await TestCluster.start({
      combined: 3,
      proxyLinks: true,
      props: { 'controller.quorum.fetch.timeout.ms': '1000', 'controller.quorum.election.timeout.ms': '500', 'controller.quorum.election.backoff.max.ms': '500' },
    });
    try {
      const all = [1, 2, 3];
      const others = (id: number) => all.filter((x) => x !== id);
      const first = await until('a leader', () => leaderSeenBy(c, all));

      // SIGSTOP: the leader stops fetching-from and answering; the others elect a new one.
      c.pauseNode(first.leaderId);
      const second = await until('a leader after the pause', async () => {
        const l = await leaderSeenBy(c, others(first.leaderId));
        return l !== undefined && l.leaderId !== first.leaderId ? l : undefined;
      });
      expect(second.epoch).toBeGreaterThan(first.epoch);
      c.resumeNode(first.leaderId);

      // A partition of the current leader, through the proxies of its links (both directions).
      for (const o of others(second.leaderId)) {
        c.link(o, second.leaderId).cut();
        c.link(second.leaderId, o).cut();
      }
      const third = await until('a leader on the majority side', async () => {
        const l = await leaderSeenBy(c, others(second.leaderId));
        return l !== undefined && l.leaderId !== second.leaderId ? l : undefined;
      });
      expect(third.epoch).toBeGreaterThan(second.epoch);
      for (const o of others(second.leaderId)) {
        c.link(o, second.leaderId).heal();
        c.link(second.leaderId, o).heal();
      }

      // A restart on the same directory and ports: the node finds the quorum's leader again.
      const restarted = others(third.leaderId)[0];
      await c.restartNode(restarted);
      const seen = await until('the restarted node to see a leader', () => leaderSeenBy(c, [restarted]));
      expect(seen.epoch).toBeGreaterThanOrEqual(third.epoch);
      expect(c.output(restarted).some((l) => l.includes('nagare server started'))).toBe(true);
    } catch (e) {
      for (const id of [1, 2, 3]) console.log(`node ${id}\n` + c.output(id).filter((l) => /leader|epoch|elect|vote|resign|candidate/i.test(l)).slice(-25).join('\n'));
      throw e;
    } finally {
      await c.close();
    }
  });
});
