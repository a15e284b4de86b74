/**
 * RaftNode behaviours driven by hand (a tiny lossless network and a manual clock): KIP-853 voter
 * changes with their errors, the start-of-epoch control batch, batches that replicate whole.
 */
import { ErrorCode } from '@nagare/protocol';
import { RaftNode, splitReadyMessages, type RaftConfig } from './raft-node';
import type { LogEntry, RaftMessage, Snapshot, Voter } from './types';

const dirOf = (id: number) => `dir${String(id).padStart(19, '0')}`;
const voter = (id: number): Voter => ({ id, directoryId: dirOf(id), endpoints: [{ name: 'CONTROLLER', host: `c${id}`, port: 9093 }] });

class Net {
  now = 0;
  readonly nodes = new Map<number, RaftNode>();
  readonly applied = new Map<number, LogEntry[]>();
  private queue: RaftMessage[] = [];
  down = new Set<number>();

  add(config: Partial<RaftConfig> & { nodeId: number }, snapshot?: Snapshot): RaftNode {
    let seed = config.nodeId * 7919;
    const node = new RaftNode(
      { voters: [], random: () => ((seed = (seed * 16807) % 2147483647) / 2147483647), electionTimeoutMs: 100, fetchTimeoutMs: 200, requestTimeoutMs: 50, fetchMaxWaitMs: 20, directoryId: dirOf(config.nodeId), ...config },
      { snapshot },
      this.now,
    );
    this.nodes.set(config.nodeId, node);
    this.applied.set(config.nodeId, []);
    this.drain(node);
    return node;
  }

  drain(n: RaftNode): void {
    while (n.hasReady()) {
      const r = n.ready();
      n.advance(r);
      this.applied.get(n.nodeId)!.push(...r.committed);
      for (const m of r.messages) this.queue.push(m.to < 0 ? { ...m, to: -m.to - 1 } : m);
    }
  }

  /** Delivers messages and fires timers until `until` holds or `ms` of simulated time pass. */
  run(until: () => boolean, ms = 5000, soft = false): void {
    const end = this.now + ms;
    while (!until()) {
      if (this.queue.length > 0) {
        const m = this.queue.shift()!;
        const n = this.nodes.get(m.to);
        if (n !== undefined && !this.down.has(m.to) && !this.down.has(m.from)) {
          n.step(m, this.now);
          this.drain(n);
        }
        continue;
      }
      const next = Math.min(...[...this.nodes].filter(([id]) => !this.down.has(id)).map(([, n]) => n.nextDeadline()));
      if (next > end) {
        if (soft) return void (this.now = end);
        throw new Error(`condition not met within ${ms} ms`);
      }
      this.now = Math.max(this.now, next);
      for (const [id, n] of this.nodes) {
        if (this.down.has(id) || n.nextDeadline() > this.now) continue;
        n.tick(this.now);
        this.drain(n);
      }
    }
  }

  /** Lets `ms` of simulated time pass. */
  advance(ms: number): void {
    const t = this.now + ms;
    this.run(() => this.now >= t, ms, true);
  }

  leader(): RaftNode | undefined {
    return [...this.nodes.values()].find((n) => n.role === 'leader');
  }

  /** A leader that has committed in its epoch. */
  settled(): RaftNode {
    this.run(() => {
      const l = this.leader();
      return l !== undefined && l.highWatermark > 0 && [...this.nodes.values()].every((n) => this.down.has(n.nodeId) || n.highWatermark === l.highWatermark);
    });
    return this.leader()!;
  }
}

/** `storage format --standalone` / `--initial-controllers`: the bootstrap checkpoint holds the voter set at kraft.version 1. */
const bootstrap = (voters: Voter[]): Snapshot => ({ id: { endOffset: 0, epoch: 0 }, data: new Uint8Array(0), kraftVersion: 1, voters });

describe('KIP-853 dynamic quorum', () => {
  it('a standalone voter leads, writes kraft.version and the voter set at the start of its epoch, and observers learn them from the log', () => {
    const net = new Net();
    const n1 = net.add({ nodeId: 1 }, bootstrap([voter(1)]));
    // Node 2 knows only the bootstrap server (id -2 maps to node 1 in this network).
    const n2 = net.add({ nodeId: 2, bootstrapServers: [-2] });
    expect([n1.isVoter, n2.isVoter, n2.kraftVersion]).toEqual([true, false, 0]);
    net.settled();
    expect(n1.role).toBe('leader');
    const first = net.applied.get(1)!.slice(0, 3);
    expect(first.map((e) => e.control?.type)).toEqual(['LeaderChange', 'KRaftVersion', 'Voters']);
    // One batch: the three control records commit together.
    expect(first.map((e) => e.batchEnd)).toEqual([3, 3, 3]);
    expect(n2.role).toBe('follower');
    expect([n2.leaderId, n2.kraftVersion, n2.latestVoters().map((v) => v.id)]).toEqual([1, 1, [1]]);
    // The next leader (a new epoch) does not write the voter set again: it is in the log now.
    n1.resign(net.now);
    net.drain(n1);
    net.run(() => n1.role === 'leader' && n1.epoch === 2);
    net.settled();
    expect(net.applied.get(1)!.filter((e) => e.control?.type === 'Voters')).toHaveLength(1);
  });

  it('AddRaftVoter: refusals in Kafka order, then the observer becomes a voter once the change commits', () => {
    const net = new Net();
    const n1 = net.add({ nodeId: 1 }, bootstrap([voter(1)]));
    const n2 = net.add({ nodeId: 2, bootstrapServers: [-2] });
    // Not the leader yet.
    expect(n2.addVoter(voter(3), net.now)).toMatchObject({ errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER });
    net.settled();
    expect(n1.addVoter(voter(1), net.now)).toMatchObject({
      errorCode: ErrorCode.DUPLICATE_VOTER,
      errorMessage: `The voter id for ReplicaKey(id=1, directoryId=${dirOf(1)}) is already part of the set of voters [1:${dirOf(1)}].`,
    });
    // Node 3 never fetched: not caught up.
    expect(n1.addVoter(voter(3), net.now)).toMatchObject({ errorCode: ErrorCode.REQUEST_TIMED_OUT, errorMessage: expect.stringMatching(/lagging behind/) });
    net.advance(50); // the observer's next fetch finds it caught up
    const r = n1.addVoter(voter(2), net.now);
    expect(r).toMatchObject({ errorMessage: null, errorCode: ErrorCode.NONE, epoch: 1 });
    net.drain(n1);
    // One change at a time.
    expect(n1.addVoter(voter(3), net.now)).toMatchObject({ errorCode: ErrorCode.REQUEST_TIMED_OUT, errorMessage: 'Request timed out waiting for leader to handle previous voter change request' });
    net.run(() => n1.highWatermark > r.offset);
    expect(n2.isVoter).toBe(true);
    expect(n1.latestVoters().map((v) => v.id)).toEqual([1, 2]);
    const q = n1.describeQuorum(net.now)!;
    expect(q.currentVoters.map((v) => [v.replicaId, v.replicaDirectoryId])).toEqual([
      [1, dirOf(1)],
      [2, dirOf(2)],
    ]);
    expect(q.kraftVersion).toBe(1);
    // With two voters, the leader needs node 2 to commit: take it down and nothing commits.
    net.down.add(2);
    const p = n1.propose([new Uint8Array([1])], net.now);
    net.drain(n1);
    expect(() => net.run(() => n1.highWatermark > p.lastOffset, 150)).toThrow(/not met/);
  });

  it('RemoveRaftVoter: a leader that removes itself resigns after the change commits and the other voter takes over', () => {
    const net = new Net();
    const n1 = net.add({ nodeId: 1 }, bootstrap([voter(1), voter(2)]));
    const n2 = net.add({ nodeId: 2 }, bootstrap([voter(1), voter(2)]));
    let leader = net.settled();
    const other = leader === n1 ? n2 : n1;
    expect(leader.removeVoter(9, dirOf(9), net.now)).toMatchObject({ errorCode: ErrorCode.VOTER_NOT_FOUND });
    // A wrong directory id does not match the voter either.
    expect(leader.removeVoter(other.nodeId, dirOf(7), net.now)).toMatchObject({ errorCode: ErrorCode.VOTER_NOT_FOUND });
    const r = leader.removeVoter(leader.nodeId, dirOf(leader.nodeId), net.now);
    expect(r.errorCode).toBe(ErrorCode.NONE);
    net.drain(leader);
    net.run(() => other.role === 'leader');
    expect(leader.isVoter).toBe(false);
    expect(leader.role).not.toBe('leader');
    leader = net.settled();
    expect(leader).toBe(other);
    expect(leader.latestVoters().map((v) => v.id)).toEqual([other.nodeId]);
    // The last voter cannot be removed.
    expect(leader.removeVoter(leader.nodeId, dirOf(leader.nodeId), net.now)).toMatchObject({ errorCode: ErrorCode.VOTER_NOT_FOUND });
  });

  it('a static quorum (kraft.version 0) refuses voter changes with UNSUPPORTED_VERSION', () => {
    const net = new Net();
    const n1 = net.add({ nodeId: 1, voters: [1] });
    net.settled();
    expect(n1.kraftVersion).toBe(0);
    expect(n1.addVoter(voter(2), net.now)).toMatchObject({
      errorCode: ErrorCode.UNSUPPORTED_VERSION,
      errorMessage: "Cluster doesn't support adding voter because the kraft.version feature is 0",
    });
    expect(n1.removeVoter(1, dirOf(1), net.now)).toMatchObject({ errorCode: ErrorCode.UNSUPPORTED_VERSION });
  });
});

describe('batches', () => {
  it('a proposal of several records replicates and commits as one batch even when a Fetch would carry fewer', () => {
    const net = new Net();
    const n1 = net.add({ nodeId: 1, voters: [1, 2], maxFetchEntries: 1 });
    const n2 = net.add({ nodeId: 2, voters: [1, 2], maxFetchEntries: 1 });
    const leader = net.settled();
    const r = leader.propose([1, 2, 3].map((b) => new Uint8Array([b])), net.now);
    expect(r.lastOffset - r.baseOffset).toBe(2);
    net.drain(leader);
    net.run(() => n1.highWatermark > r.lastOffset && n2.highWatermark > r.lastOffset);
    for (const id of [1, 2]) {
      const batch = net.applied.get(id)!.filter((e) => e.offset >= r.baseOffset);
      expect(batch.map((e) => [e.payload[0], e.batchEnd])).toEqual([
        [1, r.lastOffset + 1],
        [2, r.lastOffset + 1],
        [3, r.lastOffset + 1],
      ]);
    }
    expect(() => leader.createSnapshot(r.baseOffset + 1, new Uint8Array(0))).toThrow(/inside a batch/);
  });
});

describe('the leader writes in parallel with replicating', () => {
  it("sends its FetchResponses before its own append is durable, and counts its log toward the high watermark only once it is", () => {
    const net = new Net();
    for (const id of [1, 2, 3]) net.add({ nodeId: id, voters: [1, 2, 3] });
    const leader = net.settled();
    const followers = [...net.nodes.values()].filter((n) => n !== leader);
    net.advance(5); // the followers' Fetches are parked at the leader
    const r = leader.propose([new Uint8Array([7])], net.now);
    const ready = leader.ready();
    const { early, late } = splitReadyMessages(ready);
    expect(early.map((m) => m.type)).toEqual(['FetchResponse', 'FetchResponse']);
    expect(late).toEqual([]);
    // Only the first follower gets the entry: it and the leader's non-durable copy are not a majority.
    const [f1] = followers;
    f1.step(early.find((m) => m.to === f1.nodeId)!, net.now);
    const fetch = (f: RaftNode) => {
      const out: RaftMessage[] = [];
      while (f.hasReady()) {
        const fr = f.ready();
        f.advance(fr);
        out.push(...fr.messages);
      }
      return out.filter((m) => m.type === 'Fetch');
    };
    for (const m of fetch(f1)) leader.step(m, net.now);
    expect(leader.highWatermark).toBeLessThanOrEqual(r.lastOffset);
    // Once the leader's append is durable, leader + one follower commit it.
    leader.advance(ready);
    expect(leader.highWatermark).toBe(r.lastOffset + 1);
    // A Ready that changes the quorum state holds every message until it is durable.
    expect(splitReadyMessages({ ...ready, quorumState: { leaderId: 1, leaderEpoch: 9, votedId: -1, votedDirectoryId: '' } }).early).toEqual([]);
  });

  it('two followers commit an entry without the leader (the leader lost it in a crash: any uncommitted entry can be lost that way)', () => {
    const net = new Net();
    for (const id of [1, 2, 3]) net.add({ nodeId: id, voters: [1, 2, 3] });
    const leader = net.settled();
    net.advance(5);
    const r = leader.propose([new Uint8Array([8])], net.now);
    const { early } = splitReadyMessages(leader.ready());
    for (const m of early) {
      const f = net.nodes.get(m.to)!;
      f.step(m, net.now);
      while (f.hasReady()) {
        const fr = f.ready();
        f.advance(fr);
        for (const out of fr.messages) if (out.type === 'Fetch') leader.step(out, net.now);
      }
    }
    expect(leader.highWatermark).toBe(r.lastOffset + 1);
  });
});

describe('recovery', () => {
  it("restarts the log at the snapshot when the log does not extend it (a crash between a leader's snapshot and the log reset)", () => {
    const snapshot: Snapshot = { id: { endOffset: 43, epoch: 4 }, data: new Uint8Array(0), kraftVersion: 0 };
    const stale = [43, 44, 45].map((offset): LogEntry => ({ offset, epoch: 3, payload: new Uint8Array([offset]) }));
    const n = new RaftNode({ nodeId: 1, voters: [1, 2, 3], random: () => 0.5, directoryId: dirOf(1) }, { snapshot, entries: stale }, 0);
    expect([n.logStartOffset, n.logEndOffset]).toEqual([43, 43]);
    expect(n.ready().logOps).toEqual([{ type: 'reset', offset: 43 }]);
    // Entries of the snapshot's epoch (or later) extend it and stay.
    const kept = [43, 44].map((offset): LogEntry => ({ offset, epoch: 4, payload: new Uint8Array([offset]) }));
    const m = new RaftNode({ nodeId: 1, voters: [1, 2, 3], random: () => 0.5, directoryId: dirOf(1) }, { snapshot, entries: kept }, 0);
    expect([m.logStartOffset, m.logEndOffset]).toEqual([43, 45]);
    expect(m.ready().logOps).toEqual([]);
  });
});

describe('elections', () => {
  it("a voter moved to a higher epoch by a candidate it refuses keeps its election timer (QuorumState.transitionToUnattached)", () => {
    const entries = [0, 1, 2].map((offset): LogEntry => ({ offset, epoch: 1, payload: new Uint8Array([offset]) }));
    const n = new RaftNode({ nodeId: 1, voters: [1, 2, 3], random: () => 0.5, electionTimeoutMs: 100, preVote: false, directoryId: dirOf(1) }, { entries }, 0);
    while (n.hasReady()) n.advance(n.ready());
    const deadline = n.nextDeadline();
    // Candidate 2 in epoch 5 with a shorter log: refused, but the epoch moves to 5.
    n.step({ type: 'Vote', from: 2, to: 1, correlationId: 1, replicaEpoch: 5, lastOffsetEpoch: 1, lastOffset: 1, preVote: false }, 40);
    const r = n.ready();
    expect(r.messages).toEqual([expect.objectContaining({ type: 'VoteResponse', voteGranted: false, leaderEpoch: 5 })]);
    expect([n.role, n.epoch]).toEqual(['unattached', 5]);
    expect(n.nextDeadline()).toBe(deadline);
    // A vote it grants restarts the timer (the candidate is as likely to win as this voter).
    n.advance(r);
    n.step({ type: 'Vote', from: 3, to: 1, correlationId: 2, replicaEpoch: 6, lastOffsetEpoch: 1, lastOffset: 3, preVote: false }, 60);
    expect(n.ready().messages).toEqual([expect.objectContaining({ type: 'VoteResponse', voteGranted: true })]);
    expect(n.nextDeadline()).toBeGreaterThan(deadline);
  });
});
