/**
 * Deterministic simulation of a KRaft quorum: voters and observers in one process on a simulated
 * network and clock, driven by one seed. Faults during the chaos phase: message loss, reordering
 * (random latency), duplication, partitions, crashes and restarts with and without loss of the
 * writes not yet fsynced, graceful resignations; clients propose entries throughout. Then the
 * network heals and the quorum must elect a leader and commit within a bounded simulated time.
 *
 * Checked after every event: at most one leader per epoch; a newly elected leader holds every
 * committed entry; a committed offset never changes (every applied entry matches the first
 * commit of that offset); no node truncates below what it applied; every node's state machine
 * (a hash chain over the applied entries) equals the replay of the committed log.
 */
import { ErrorCode } from '@nagare/protocol';
import { RaftNode, splitReadyMessages, type RaftConfig, type UnsafeRaftOptions } from '../raft-node';
import type { LogEntry, LogOp, QuorumStateData, RaftMessage, Ready, Snapshot, Voter } from '../types';
import { EventHeap } from './heap';
import { Prng } from './prng';

export interface SimOptions {
  readonly seed: number;
  readonly voters?: number;
  readonly observers?: number;
  /** Simulated length of the fault phase. */
  readonly chaosMs?: number;
  /** After healing, a leader must commit a new entry on every node within this simulated time. */
  readonly livenessBoundMs?: number;
  readonly preVote?: boolean;
  /**
   * KIP-853: a dynamic quorum. The voters start from a bootstrap checkpoint (kraft.version 1, as
   * `storage format --initial-controllers` writes it); observers know only the bootstrap servers;
   * the leader adds caught-up observers as voters and removes voters (AddRaftVoter/RemoveRaftVoter).
   */
  readonly dynamic?: boolean;
  readonly unsafe?: UnsafeRaftOptions;
}

export interface SimStats {
  events: number;
  messages: number;
  dropped: number;
  crashes: number;
  lossyCrashes: number;
  elections: number;
  maxEpoch: number;
  committed: number;
  snapshotsTaken: number;
  snapshotsInstalled: number;
  resignations: number;
  partitions: number;
  votersAdded: number;
  votersRemoved: number;
  simulatedMs: number;
}

export interface SimResult {
  readonly ok: boolean;
  readonly seed: number;
  readonly error?: string;
  /** The command that replays this run. */
  readonly replay: string;
  readonly stats: SimStats;
}

export class InvariantViolation extends Error {
  override readonly name = 'InvariantViolation';
}

interface DiskState {
  quorumState?: QuorumStateData;
  snapshot?: Snapshot;
  start: number;
  entries: LogEntry[];
}

interface AppState {
  offset: number;
  hash: number;
}

interface Host {
  readonly id: number;
  /** One of the initial voters (formatted with the voter set in a dynamic quorum). */
  readonly voter: boolean;
  readonly directoryId: string;
  node: RaftNode | undefined;
  disk: DiskState;
  app: AppState;
  tickAt: number;
  group: number;
  /** Snapshot after this many applied entries beyond the log start (metadata.log.max.record.bytes.between.snapshots, in entries). */
  snapshotEvery: number;
}

type Ev =
  | { time: number; seq: number; kind: 'deliver'; msg: RaftMessage }
  | { time: number; seq: number; kind: 'tick'; id: number }
  | { time: number; seq: number; kind: 'restart'; id: number }
  | { time: number; seq: number; kind: 'fault' }
  | { time: number; seq: number; kind: 'propose' }
  | { time: number; seq: number; kind: 'heal-partition' };

type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;

const EMPTY = new Uint8Array(0);

function mix(h: number, key: number): number {
  h = Math.imul(h ^ key, 0x9e3779b1);
  return (h ^ (h >>> 15)) >>> 0;
}

/** The state machine's view of an entry: the proposal id in its payload, or the epoch for a control record. */
function entryKey(e: LogEntry): number {
  if (e.control !== undefined || e.payload.length < 4) return -e.epoch - 1;
  return (e.payload[0] | (e.payload[1] << 8) | (e.payload[2] << 16) | (e.payload[3] << 24)) >>> 0;
}

function encodeApp(a: AppState): Uint8Array {
  // Padded so that FetchSnapshot takes several chunks.
  const b = new Uint8Array(24);
  const v = new DataView(b.buffer);
  v.setUint32(0, a.offset);
  v.setUint32(4, a.hash);
  for (let i = 8; i < 24; i++) b[i] = (a.hash >>> (i % 4)) & 0xff;
  return b;
}

function decodeApp(b: Uint8Array): AppState {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return { offset: v.getUint32(0), hash: v.getUint32(4) };
}

export function replayCommand(o: SimOptions): string {
  const parts = [`npm run sim -- --seed ${o.seed} --voters ${o.voters ?? 3} --observers ${o.observers ?? 0}`];
  if (o.chaosMs !== undefined) parts.push(`--chaos-ms ${o.chaosMs}`);
  if (o.preVote === false) parts.push('--no-pre-vote');
  if (o.dynamic === true) parts.push('--dynamic');
  for (const [k, v] of Object.entries(o.unsafe ?? {})) if (v === true) parts.push(`--unsafe ${k}`);
  return parts.join(' ');
}

export function runSimulation(o: SimOptions): SimResult {
  const sim = new Simulation(o);
  const replay = replayCommand(o);
  try {
    sim.run();
    return { ok: true, seed: o.seed, replay, stats: sim.stats };
  } catch (e) {
    const err = e as Error;
    const where = `at t=${sim.now}ms`;
    return { ok: false, seed: o.seed, replay, stats: sim.stats, error: `${err.name}: ${err.message} (${where})\n${err.stack ?? ''}` };
  }
}

class Simulation {
  now = 0;
  readonly stats: SimStats = {
    events: 0,
    messages: 0,
    dropped: 0,
    crashes: 0,
    lossyCrashes: 0,
    elections: 0,
    maxEpoch: 0,
    committed: 0,
    snapshotsTaken: 0,
    snapshotsInstalled: 0,
    resignations: 0,
    partitions: 0,
    votersAdded: 0,
    votersRemoved: 0,
    simulatedMs: 0,
  };
  private readonly rng: Prng;
  private readonly net: Prng;
  private readonly faults: Prng;
  private readonly hosts: Host[] = [];
  private readonly voterIds: number[] = [];
  private readonly heap = new EventHeap<Ev>();
  private seq = 0;
  private readonly chaosMs: number;
  private readonly livenessBoundMs: number;
  private healed = false;
  // network weather for the chaos phase
  private readonly lossRate: number;
  private readonly dupRate: number;
  private readonly maxLatency: number;
  private readonly midWriteCrashRate: number;
  // clients
  private nextProposal = 1;
  // checker state
  private readonly leaders = new Map<number, number>();
  private readonly truthEpoch: number[] = [];
  private readonly truthKey: number[] = [];
  /**
   * The epoch each committed offset was (at the latest) committed in: the lowest epoch of a node that
   * applied it (a node learns the high watermark from the leader of its epoch).
   */
  private readonly truthCommitEpoch: number[] = [];
  private readonly truthChain: number[] = [0];
  private livenessTarget = -1;

  constructor(private readonly o: SimOptions) {
    this.rng = new Prng(o.seed);
    this.net = this.rng.fork();
    this.faults = this.rng.fork();
    const clientRng = this.rng.fork();
    void clientRng;
    this.chaosMs = o.chaosMs ?? 1500;
    this.livenessBoundMs = o.livenessBoundMs ?? 4000;
    const weather = this.rng.fork();
    this.lossRate = weather.chance(0.2) ? 0 : weather.next() * 0.15;
    this.dupRate = weather.next() * 0.05;
    this.maxLatency = weather.int(2, 20);
    this.midWriteCrashRate = weather.chance(0.3) ? 0 : weather.next() * 0.01;
    const nVoters = o.voters ?? 3;
    const nObservers = o.observers ?? 0;
    for (let i = 1; i <= nVoters; i++) this.voterIds.push(i);
    for (let id = 1; id <= nVoters + nObservers; id++) {
      const voter = id <= nVoters;
      const directoryId = `dir${String(id).padStart(19, '0')}`;
      const h: Host = {
        id,
        voter,
        directoryId,
        node: undefined,
        disk: { start: 0, entries: [] },
        app: { offset: 0, hash: 0 },
        tickAt: Infinity,
        group: 0,
        snapshotEvery: this.rng.int(15, 60),
      };
      this.hosts.push(h);
    }
    if (o.dynamic === true) {
      // The bootstrap checkpoint of `--initial-controllers`: the voter set at kraft.version 1, on the voters only.
      this.initialVoters = this.hosts.filter((h) => h.voter).map((h) => ({ id: h.id, directoryId: h.directoryId, endpoints: [] }));
      for (const h of this.hosts) {
        if (h.voter) h.disk.snapshot = { id: { endOffset: 0, epoch: 0 }, data: encodeApp({ offset: 0, hash: 0 }), kraftVersion: 1, voters: this.initialVoters };
      }
    }
    for (const h of this.hosts) this.boot(h);
  }

  private initialVoters: Voter[] = [];

  private config(h: Host): RaftConfig {
    const r = this.rng.fork();
    const dynamic = this.o.dynamic === true;
    return {
      nodeId: h.id,
      voters: dynamic ? [] : this.voterIds,
      directoryId: dynamic ? h.directoryId : undefined,
      // controller.quorum.bootstrap.servers: pseudo ids -2, -3, ... for the initial voters
      bootstrapServers: dynamic ? this.voterIds.map((_, i) => -(i + 2)) : undefined,
      random: () => r.next(),
      electionTimeoutMs: 100,
      electionBackoffMaxMs: 100,
      fetchTimeoutMs: 200,
      requestTimeoutMs: 60,
      retryBackoffMs: 10,
      fetchMaxWaitMs: 40,
      maxFetchEntries: 8,
      // Several chunks per snapshot (the voter set makes dynamic-quorum snapshots larger).
      snapshotChunkBytes: dynamic ? 96 : 10,
      preVote: this.o.preVote,
      unsafe: this.o.unsafe,
    };
  }

  private boot(h: Host): void {
    const d = h.disk;
    // Log recovery at start-up (as KafkaMetadataLog): entries the latest snapshot covers are gone, and a
    // log that does not reach the snapshot (a crash between writing it and resetting the log) restarts at it.
    const snapEnd = d.snapshot?.id.endOffset ?? 0;
    if (d.start < snapEnd) {
      if (d.start + d.entries.length < snapEnd) d.entries = [];
      else d.entries = d.entries.slice(snapEnd - d.start);
      d.start = snapEnd;
    }
    h.app = { offset: 0, hash: 0 };
    h.node = new RaftNode(this.config(h), { quorumState: d.quorumState, snapshot: d.snapshot, entries: d.entries }, this.now);
    h.tickAt = Infinity;
    this.drain(h);
  }

  private push(e: DistributiveOmit<Ev, 'seq'>): void {
    this.heap.push({ ...e, seq: this.seq++ } as Ev);
  }

  run(): void {
    this.push({ time: 0, kind: 'propose' });
    this.push({ time: this.faults.int(20, 200), kind: 'fault' });
    const end = this.chaosMs + this.livenessBoundMs;
    for (;;) {
      const e = this.heap.pop();
      if (e === undefined) throw new InvariantViolation('the simulation ran out of events');
      this.now = e.time;
      this.stats.simulatedMs = e.time;
      if (!this.healed && e.time >= this.chaosMs) this.heal();
      if (this.healed && this.livenessDone()) return;
      if (e.time > end) {
        throw new InvariantViolation(
          `liveness: ${this.livenessBoundMs}ms after the network healed there is no leader that committed a new entry on every node (${this.describe()})`,
        );
      }
      this.stats.events++;
      this.handle(e);
    }
  }

  private handle(e: Ev): void {
    switch (e.kind) {
      case 'deliver': {
        const h = this.hosts[e.msg.to - 1];
        if (h.node === undefined || this.blocked(e.msg.from, e.msg.to)) {
          this.stats.dropped++;
          return;
        }
        h.node.step(e.msg, this.now);
        this.drain(h);
        return;
      }
      case 'tick': {
        const h = this.hosts[e.id - 1];
        if (h.node === undefined || h.tickAt !== e.time) return;
        h.tickAt = Infinity;
        h.node.tick(this.now);
        this.drain(h);
        return;
      }
      case 'restart': {
        const h = this.hosts[e.id - 1];
        if (h.node === undefined) this.boot(h);
        return;
      }
      case 'propose':
        return this.propose();
      case 'fault':
        return this.fault();
      case 'heal-partition':
        for (const h of this.hosts) h.group = 0;
        return;
    }
  }

  // ---- clients ----

  private propose(): void {
    const leader = this.hosts.find((h) => h.node?.role === 'leader');
    if (leader?.node !== undefined) {
      const n = this.rng.int(1, 3);
      const payloads: Uint8Array[] = [];
      for (let i = 0; i < n; i++) {
        const id = this.nextProposal++;
        const b = new Uint8Array(8);
        b[0] = id & 0xff;
        b[1] = (id >>> 8) & 0xff;
        b[2] = (id >>> 16) & 0xff;
        b[3] = (id >>> 24) & 0xff;
        payloads.push(b);
      }
      const r = leader.node.propose(payloads, this.now);
      if (this.healed && this.livenessTarget < 0 && r.errorCode === 0) this.livenessTarget = r.lastOffset;
      this.drain(leader);
    }
    this.push({ time: this.now + this.rng.int(3, 40), kind: 'propose' });
  }

  // ---- faults ----

  private fault(): void {
    if (this.healed) return;
    const f = this.faults;
    const live = this.hosts.filter((h) => h.node !== undefined);
    const roll = f.next();
    if (roll < 0.35 && live.length > 0) {
      const h = f.pick(live);
      this.crash(h, f.chance(0.5));
      this.push({ time: this.now + f.int(20, 500), kind: 'restart', id: h.id });
    } else if (roll < 0.65) {
      this.stats.partitions++;
      const leader = this.hosts.find((h) => h.node?.role === 'leader');
      if (leader !== undefined && f.chance(0.4)) {
        for (const h of this.hosts) h.group = h === leader ? 1 : 0;
      } else {
        for (const h of this.hosts) h.group = f.int(0, 1);
      }
      this.push({ time: this.now + f.int(50, 700), kind: 'heal-partition' });
    } else if (roll < 0.75) {
      const leader = this.hosts.find((h) => h.node?.role === 'leader');
      if (leader?.node !== undefined) {
        this.stats.resignations++;
        leader.node.resign(this.now);
        this.drain(leader);
      }
    } else if (roll < 0.95 && this.o.dynamic === true) {
      this.reconfigure();
    }
    this.push({ time: this.now + f.int(30, 250), kind: 'fault' });
  }

  /** KIP-853: the leader adds an observer as a voter, or removes a voter (errors are fine: not caught up, change pending, ...). */
  private reconfigure(): void {
    const leader = this.hosts.find((h) => h.node?.role === 'leader');
    const node = leader?.node;
    if (leader === undefined || node === undefined) return;
    const voters = node.latestVoters();
    const observers = this.hosts.filter((h) => !voters.some((v) => v.id === h.id));
    const f = this.faults;
    if (observers.length > 0 && (voters.length <= 1 || f.chance(0.5))) {
      const h = f.pick(observers);
      const r = node.addVoter({ id: h.id, directoryId: h.directoryId, endpoints: [] }, this.now);
      if (r.errorCode === ErrorCode.NONE) this.stats.votersAdded++;
    } else if (voters.length > 1) {
      const v = f.pick([...voters]);
      const r = node.removeVoter(v.id, v.directoryId, this.now);
      if (r.errorCode === ErrorCode.NONE) this.stats.votersRemoved++;
    }
    this.drain(leader);
  }

  private crash(h: Host, lossy: boolean): void {
    // Without loss: what was written survives. With loss: the host's unsynced writes vanish; in this
    // model a Ready is fsynced before its messages leave (but the leader's FetchResponses, see
    // splitReadyMessages), so only a crash inside `drain` (see crashMidWrite) can lose writes.
    void lossy;
    h.node = undefined;
    h.tickAt = Infinity;
    this.stats.crashes++;
  }

  private heal(): void {
    this.healed = true;
    for (const h of this.hosts) {
      h.group = 0;
      if (h.node === undefined) this.boot(h);
    }
  }

  private blocked(from: number, to: number): boolean {
    return this.hosts[from - 1].group !== this.hosts[to - 1].group;
  }

  // ---- the host loop: persist, advance, apply, send ----

  private drain(h: Host): void {
    for (let guard = 0; h.node !== undefined && h.node.hasReady(); guard++) {
      if (guard > 1000) throw new InvariantViolation(`node ${h.id} keeps producing Ready`);
      const node = h.node;
      const ready = node.ready();
      // The leader's FetchResponses leave before the Ready is durable (as RaftClient sends them).
      const { early, late } = splitReadyMessages(ready);
      for (const m of early) this.send(m);
      if (!this.healed && this.midWriteCrashRate > 0 && this.faults.chance(this.midWriteCrashRate)) {
        this.crashMidWrite(h, ready);
        this.push({ time: this.now + this.faults.int(20, 300), kind: 'restart', id: h.id });
        return;
      }
      if (ready.quorumState !== undefined) h.disk.quorumState = ready.quorumState;
      for (const op of ready.logOps) this.applyOp(h, op);
      node.advance(ready);
      if (ready.applySnapshot !== undefined) this.loadSnapshot(h, ready.applySnapshot);
      for (const e of ready.committed) this.apply(h, e);
      const last = ready.committed[ready.committed.length - 1];
      if (last?.batchEnd !== undefined && last.batchEnd > last.offset + 1) {
        throw new InvariantViolation(`node ${h.id}: committed up to ${last.offset + 1}, inside a batch that ends at ${last.batchEnd}`);
      }
      for (const m of late) this.send(m);
      this.checkLeader(h, node);
      this.maybeSnapshot(h, node);
    }
    if (h.node !== undefined) {
      const d = h.node.nextDeadline();
      if (d < h.tickAt) {
        h.tickAt = Math.max(d, this.now);
        this.push({ time: h.tickAt, kind: 'tick', id: h.id });
      }
    }
  }

  /** The host crashes while writing a Ready: with loss, only a prefix of the writes reached the disk. */
  private crashMidWrite(h: Host, ready: Ready): void {
    const lossy = this.faults.chance(0.6);
    if (!lossy) {
      if (ready.quorumState !== undefined) h.disk.quorumState = ready.quorumState;
      for (const op of ready.logOps) this.applyOp(h, op);
    } else {
      this.stats.lossyCrashes++;
      // quorum-state is replaced atomically (write + rename): either the old or the new file
      if (ready.quorumState !== undefined && this.faults.chance(0.5)) h.disk.quorumState = ready.quorumState;
      const keep = this.faults.int(0, ready.logOps.length);
      for (let i = 0; i < keep; i++) {
        const op = ready.logOps[i];
        if (i === keep - 1 && op.type === 'append' && op.entries.length > 1) {
          // A torn append: only the first batches made it (a torn batch fails its CRC and is dropped at recovery).
          const cuts = op.entries.map((e, j) => j + 1).filter((j) => j < op.entries.length && (op.entries[j - 1].batchEnd ?? 0) <= op.entries[j].offset);
          const cut = cuts.length > 0 ? this.faults.pick([0, ...cuts]) : 0;
          this.applyOp(h, { type: 'append', entries: op.entries.slice(0, cut) });
        } else {
          this.applyOp(h, op);
        }
      }
    }
    this.crash(h, lossy);
  }

  private applyOp(h: Host, op: LogOp): void {
    const d = h.disk;
    switch (op.type) {
      case 'append':
        for (const e of op.entries) {
          if (e.offset !== d.start + d.entries.length) throw new InvariantViolation(`node ${h.id}: append at ${e.offset}, disk log ends at ${d.start + d.entries.length}`);
          d.entries.push(e);
        }
        return;
      case 'truncate':
        if (op.offset < h.app.offset && h.node !== undefined) {
          throw new InvariantViolation(`node ${h.id}: truncation to ${op.offset} removes applied (committed) entries up to ${h.app.offset}`);
        }
        if (op.offset < d.start + d.entries.length) d.entries.length = Math.max(0, op.offset - d.start);
        return;
      case 'snapshot':
        d.snapshot = op.snapshot;
        return;
      case 'deleteBefore':
        if (op.offset > d.start) {
          d.entries = d.entries.slice(op.offset - d.start);
          d.start = op.offset;
        }
        return;
      case 'reset':
        d.entries = [];
        d.start = op.offset;
        return;
    }
  }

  private send(m: RaftMessage): void {
    if (m.to < 0) m = { ...m, to: this.voterIds[-m.to - 2] };
    this.stats.messages++;
    if (this.blocked(m.from, m.to) || (!this.healed && this.net.chance(this.lossRate))) {
      this.stats.dropped++;
      return;
    }
    const latency = this.healed ? this.net.int(1, 5) : this.net.int(1, this.maxLatency);
    this.push({ time: this.now + latency, kind: 'deliver', msg: m });
    if (!this.healed && this.net.chance(this.dupRate)) this.push({ time: this.now + this.net.int(1, this.maxLatency * 2), kind: 'deliver', msg: m });
  }

  // ---- the state machine and the checker ----

  private loadSnapshot(h: Host, s: Snapshot): void {
    const a = decodeApp(s.data);
    if (a.offset !== s.id.endOffset) throw new InvariantViolation(`node ${h.id}: snapshot ${s.id.endOffset} holds state at ${a.offset}`);
    if (a.offset >= this.truthChain.length) {
      throw new InvariantViolation(`node ${h.id}: snapshot at ${a.offset} is beyond the committed log (${this.truthChain.length - 1})`);
    }
    if (this.truthChain[a.offset] !== a.hash) throw new InvariantViolation(`node ${h.id}: snapshot at ${a.offset} differs from the replay of the committed log`);
    if (h.app.offset > a.offset) throw new InvariantViolation(`node ${h.id}: snapshot at ${a.offset} would rewind applied state at ${h.app.offset}`);
    if (h.app.offset > 0 || s !== h.disk.snapshot) this.stats.snapshotsInstalled++;
    h.app = a;
  }

  private apply(h: Host, e: LogEntry): void {
    const o = e.offset;
    if (o !== h.app.offset) throw new InvariantViolation(`node ${h.id}: applies offset ${o} but its state is at ${h.app.offset}`);
    const key = entryKey(e);
    const epoch = h.node?.epoch ?? Infinity;
    if (o < this.truthEpoch.length) {
      if (epoch < this.truthCommitEpoch[o]) this.truthCommitEpoch[o] = epoch;
      if (this.truthEpoch[o] !== e.epoch || this.truthKey[o] !== key) {
        throw new InvariantViolation(
          `committed offset ${o} changed: first committed as (epoch ${this.truthEpoch[o]}, entry ${this.truthKey[o]}), node ${h.id} committed (epoch ${e.epoch}, entry ${key})`,
        );
      }
    } else {
      this.truthEpoch.push(e.epoch);
      this.truthKey.push(key);
      this.truthCommitEpoch.push(epoch);
      this.truthChain.push(mix(this.truthChain[o], key));
      this.stats.committed = this.truthEpoch.length;
    }
    h.app = { offset: o + 1, hash: mix(h.app.hash, key) };
    if (h.app.hash !== this.truthChain[o + 1]) throw new InvariantViolation(`node ${h.id}: state at ${o + 1} differs from the replay of the committed log`);
  }

  private checkLeader(h: Host, node: RaftNode): void {
    if (node.epoch > this.stats.maxEpoch) this.stats.maxEpoch = node.epoch;
    if (node.role !== 'leader') return;
    const prev = this.leaders.get(node.epoch);
    if (prev === h.id) return;
    if (prev !== undefined) throw new InvariantViolation(`two leaders in epoch ${node.epoch}: ${prev} and ${h.id}`);
    this.leaders.set(node.epoch, h.id);
    this.stats.elections++;
    // Leader completeness (Raft's, by epoch): the new leader holds every entry committed in an earlier
    // epoch. A candidate can still win an epoch after a later epoch committed entries (it had its
    // votes before): such a stale leader need not have those, and cannot commit.
    for (let o = 0; o < this.truthEpoch.length; o++) {
      if (this.truthCommitEpoch[o] >= node.epoch) continue;
      if (o >= node.logEndOffset) {
        throw new InvariantViolation(`leader ${h.id} of epoch ${node.epoch} lacks committed entries: log ends at ${node.logEndOffset}, offset ${o} was committed in epoch ${this.truthCommitEpoch[o]}`);
      }
      if (o < node.logStartOffset) continue;
      const e = node.entryAt(o);
      if (e === undefined || e.epoch !== this.truthEpoch[o] || entryKey(e) !== this.truthKey[o]) {
        throw new InvariantViolation(`leader ${h.id} of epoch ${node.epoch} has a different entry at committed offset ${o}`);
      }
    }
  }

  private maybeSnapshot(h: Host, node: RaftNode): void {
    if (h.app.offset - node.logStartOffset >= h.snapshotEvery && h.app.offset <= node.logEndOffset) {
      node.createSnapshot(h.app.offset, encodeApp(h.app));
      this.stats.snapshotsTaken++;
      // persisted by the next drain round
    }
  }

  private livenessDone(): boolean {
    if (this.livenessTarget < 0) return false;
    for (const h of this.hosts) if (h.node === undefined || h.app.offset <= this.livenessTarget) return false;
    return true;
  }

  private describe(): string {
    return this.hosts
      .map((h) => {
        const n = h.node;
        return n === undefined
          ? `${h.id}:down`
          : `${h.id}:${n.role}@${n.epoch} leader=${n.leaderId} leo=${n.logEndOffset} hw=${n.highWatermark} applied=${h.app.offset}`;
      })
      .join(', ') + ` target=${this.livenessTarget}`;
  }
}

export { EMPTY as EMPTY_PAYLOAD };
