/**
 * Followers fetch from leaders (Kafka's ReplicaFetcherManager and ReplicaFetcherThread): partitions
 * this broker follows are spread over `num.replica.fetchers` fetchers per leader broker; each fetcher
 * loops sending Fetch (v15: ReplicaState with this broker's id and epoch, KIP-903) on a connection of
 * its own, long-polling up to `replica.fetch.wait.max.ms` for `replica.fetch.min.bytes`, with
 * `replica.fetch.max.bytes` per partition and `replica.fetch.response.max.bytes` per response. Each
 * partition fetches from its log end offset with the epoch of its last batch (lastFetchedEpoch); the
 * leader answers with record batches, appended here as bytes with the leader's offsets and epochs,
 * and its high watermark, or with divergingEpoch when this log went further than the leader's in an
 * epoch (KIP-320 / KIP-595-style truncation: to the smaller of the two end offsets of that epoch).
 * A fetch offset below the leader's log start restarts the log at it. Errors back off for
 * `replica.fetch.backoff.ms` per partition.
 */
import type { Clock, Logger, Scheduler } from '@nagare/common';
import { ApiKey, ErrorCode, type FetchRequest, type FetchResponse } from '@nagare/protocol';
import type { PartitionLog } from '@nagare/storage';
import type { InterBrokerSender } from './network/inter-broker';
import type { HostedPartition, ReplicaManager } from './replica-manager';

export interface ReplicaFetcherConfig {
  numFetchers: number;
  fetchMaxBytes: number;
  fetchResponseMaxBytes: number;
  fetchMinBytes: number;
  fetchWaitMaxMs: number;
  fetchBackoffMs: number;
  requestTimeoutMs: number;
}

interface Fetching {
  readonly p: HostedPartition;
  readonly leaderId: number;
  readonly leaderEpoch: number;
  /** No fetch before this time (after an error). */
  delayedUntil: number;
}

function partitionKey(p: HostedPartition): string {
  return `${p.topic}\u0000${p.partition}`;
}

/** Which fetcher of a leader serves a partition (Kafka's getFetcherId: hash of topic and partition). */
function fetcherId(topic: string, partition: number, n: number): number {
  let h = 0;
  for (let i = 0; i < topic.length; i++) h = (Math.imul(31, h) + topic.charCodeAt(i)) | 0;
  return Math.abs((Math.imul(31, h) + partition) | 0) % Math.max(1, n);
}

const FETCH_VERSION = 15;

/**
 * The leader said this log diverged from its own: its `epoch` ends at `leaderEndOffset` there.
 * Truncates to where both logs agree on that epoch (the smaller of the two end offsets; Kafka's
 * truncateOnFetchResponse) and returns the new log end. When nothing is cut the leader epoch cache
 * still loses epochs from that offset on (this broker led an epoch without writing in it), so the
 * next fetch names an epoch the leader knows.
 */
export function truncateOnDivergence(log: PartitionLog, epoch: number, leaderEndOffset: number): number {
  const mine = log.endOffsetForLeaderEpoch(epoch);
  const target = mine.endOffset >= 0 ? Math.min(leaderEndOffset, mine.endOffset) : leaderEndOffset;
  const to = Math.max(0, Math.min(target, log.logEndOffset));
  if (to < log.logEndOffset) log.truncateTo(to);
  else log.leaderEpochCache.truncateFromEnd(to);
  return log.logEndOffset;
}

class FetcherThread {
  readonly partitions = new Map<string, Fetching>();
  private running = false;
  private stopped = false;
  private wake: (() => void) | null = null;
  private failing = false;

  constructor(
    private readonly manager: ReplicaFetcherManager,
    readonly leaderId: number,
    readonly id: number,
  ) {}

  start(): void {
    if (this.running || this.stopped) return;
    this.running = true;
    void this.loop()
      .catch((e) => this.manager.logger.error({ leader: this.leaderId, err: (e as Error).stack }, 'replica fetcher failed'))
      .finally(() => {
        this.running = false;
        // A partition added while the loop was ending.
        if (this.partitions.size > 0 && !this.stopped) this.start();
      });
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  /** Ends a backoff sleep early (a partition was added). */
  poke(): void {
    this.wake?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = this.manager.scheduler.schedule(ms, () => {
        this.wake = null;
        resolve();
      });
      this.wake = () => {
        t.cancel();
        this.wake = null;
        resolve();
      };
    });
  }

  private async loop(): Promise<void> {
    const m = this.manager;
    while (!this.stopped && this.partitions.size > 0) {
      const now = m.clock.monotonicMs();
      const ready = [...this.partitions.values()].filter((f) => f.delayedUntil <= now);
      if (ready.length === 0) {
        const next = Math.min(...[...this.partitions.values()].map((f) => f.delayedUntil));
        await this.sleep(Math.max(1, next - now));
        continue;
      }
      const req = this.buildRequest(ready);
      let res: FetchResponse;
      try {
        res = await m.interBroker.send(this.leaderId, ApiKey.Fetch, FETCH_VERSION, req, {
          channel: `replica-fetcher-${this.id}`,
          timeoutMs: m.config.requestTimeoutMs + m.config.fetchWaitMaxMs,
        });
      } catch (e) {
        if (this.stopped) return;
        // The first failure of a streak is worth a warning (Kafka: "Error in response for fetch request").
        if (!this.failing) m.logger.warn({ leader: this.leaderId, fetcher: this.id, err: (e as Error).message }, 'replica fetch failed; retrying every replica.fetch.backoff.ms');
        this.failing = true;
        const until = m.clock.monotonicMs() + m.config.fetchBackoffMs;
        for (const f of ready) f.delayedUntil = until;
        continue;
      }
      if (this.stopped) return;
      if (this.failing) m.logger.info({ leader: this.leaderId, fetcher: this.id }, 'replica fetch works again');
      this.failing = false;
      if (res.errorCode !== ErrorCode.NONE) {
        m.logger.warn({ leader: this.leaderId, errorCode: res.errorCode }, 'replica fetch refused');
        const until = m.clock.monotonicMs() + m.config.fetchBackoffMs;
        for (const f of ready) f.delayedUntil = until;
        continue;
      }
      this.processResponse(ready, res);
    }
  }

  private buildRequest(ready: Fetching[]): FetchRequest {
    const m = this.manager;
    const topics = new Map<string, FetchRequest.FetchTopic>();
    for (const f of ready) {
      const log = f.p.log;
      let t = topics.get(f.p.topicId);
      if (t === undefined) topics.set(f.p.topicId, (t = { topic: f.p.topic, topicId: f.p.topicId, partitions: [] }));
      t.partitions.push({
        partition: f.p.partition,
        currentLeaderEpoch: f.leaderEpoch,
        fetchOffset: BigInt(log.logEndOffset),
        lastFetchedEpoch: log.leaderEpochCache.latestEpoch,
        logStartOffset: BigInt(log.logStartOffset),
        partitionMaxBytes: m.config.fetchMaxBytes,
        replicaDirectoryId: '',
      });
    }
    return {
      clusterId: null,
      // v15+ carries the replica in ReplicaState (KIP-903); the old field must keep its default.
      replicaId: -1,
      replicaState: { replicaId: m.nodeId, replicaEpoch: m.brokerEpoch() },
      maxWaitMs: m.config.fetchWaitMaxMs,
      minBytes: m.config.fetchMinBytes,
      maxBytes: m.config.fetchResponseMaxBytes,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [...topics.values()],
      forgottenTopicsData: [],
      rackId: '',
    };
  }

  private processResponse(ready: Fetching[], res: FetchResponse): void {
    const m = this.manager;
    const byId = new Map<string, Map<number, FetchResponse.PartitionData>>();
    for (const t of res.responses) {
      const parts = new Map<number, FetchResponse.PartitionData>();
      for (const p of t.partitions) parts.set(p.partitionIndex, p);
      byId.set(t.topicId, parts);
    }
    for (const f of ready) {
      // The partition may have changed hands while the fetch was out.
      if (this.partitions.get(partitionKey(f.p)) !== f || f.p.isLeader || f.p.leaderEpoch !== f.leaderEpoch) continue;
      const pd = byId.get(f.p.topicId)?.get(f.p.partition);
      if (pd === undefined) continue;
      try {
        this.processPartition(f, pd);
      } catch (e) {
        m.logger.error({ topic: f.p.topic, partition: f.p.partition, err: (e as Error).message }, 'could not apply fetched data');
        f.delayedUntil = m.clock.monotonicMs() + m.config.fetchBackoffMs;
      }
    }
  }

  private processPartition(f: Fetching, pd: FetchResponse.PartitionData): void {
    const m = this.manager;
    const log = f.p.log;
    if (pd.errorCode === ErrorCode.NONE) {
      if (pd.divergingEpoch.epoch >= 0 || pd.divergingEpoch.endOffset >= 0n) {
        const from = log.logEndOffset;
        const to = truncateOnDivergence(log, pd.divergingEpoch.epoch, Number(pd.divergingEpoch.endOffset));
        m.logger.info({ topic: f.p.topic, partition: f.p.partition, from, to, divergingEpoch: pd.divergingEpoch.epoch }, 'truncated diverged log');
        return;
      }
      const records = pd.records;
      m.replicas.appendAsFollower(f.p, records ?? Buffer.alloc(0), Number(pd.highWatermark), Number(pd.logStartOffset));
      return;
    }
    if (pd.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) {
      const leaderStart = Number(pd.logStartOffset);
      if (leaderStart >= 0 && log.logEndOffset < leaderStart) {
        m.logger.info({ topic: f.p.topic, partition: f.p.partition, logEndOffset: log.logEndOffset, leaderLogStartOffset: leaderStart }, 'restarting the log at the leader\'s log start offset');
        log.truncateFullyAndStartAt(leaderStart);
        return;
      }
      const hw = Number(pd.highWatermark);
      if (hw >= 0 && hw < log.logEndOffset) {
        log.truncateTo(hw);
        return;
      }
    }
    // NOT_LEADER_OR_FOLLOWER, FENCED_LEADER_EPOCH, UNKNOWN_LEADER_EPOCH, ...: the metadata will tell.
    m.logger.debug({ topic: f.p.topic, partition: f.p.partition, errorCode: pd.errorCode }, 'replica fetch error');
    f.delayedUntil = m.clock.monotonicMs() + m.config.fetchBackoffMs;
  }
}

export class ReplicaFetcherManager {
  private readonly threads = new Map<string, FetcherThread>();
  private readonly assigned = new Map<string, FetcherThread>();
  private closed = false;

  constructor(
    readonly nodeId: number,
    readonly config: ReplicaFetcherConfig,
    readonly replicas: ReplicaManager,
    readonly interBroker: InterBrokerSender,
    readonly brokerEpoch: () => bigint,
    readonly clock: Clock,
    readonly scheduler: Scheduler,
    readonly logger: Logger,
  ) {}

  /** Follows `p` from `leaderId` (its current leader epoch), or stops following it (leaderId < 0). */
  follow(p: HostedPartition, leaderId: number): void {
    const k = partitionKey(p);
    const prev = this.assigned.get(k);
    if (prev !== undefined) {
      prev.partitions.delete(k);
      this.assigned.delete(k);
    }
    if (leaderId < 0 || leaderId === this.nodeId || this.closed) return;
    const id = fetcherId(p.topic, p.partition, this.config.numFetchers);
    const tk = `${leaderId}/${id}`;
    let t = this.threads.get(tk);
    if (t === undefined) this.threads.set(tk, (t = new FetcherThread(this, leaderId, id)));
    t.partitions.set(k, { p, leaderId, leaderEpoch: p.leaderEpoch, delayedUntil: 0 });
    this.assigned.set(k, t);
    t.start();
    t.poke();
  }

  /** The partitions followed, with their leaders (tests, tools). */
  following(): Array<{ topic: string; partition: number; leaderId: number }> {
    return [...this.threads.values()].flatMap((t) => [...t.partitions.values()].map((f) => ({ topic: f.p.topic, partition: f.p.partition, leaderId: t.leaderId })));
  }

  close(): void {
    this.closed = true;
    for (const t of this.threads.values()) t.stop();
    this.threads.clear();
    this.assigned.clear();
  }
}
