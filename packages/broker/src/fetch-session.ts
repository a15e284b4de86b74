/**
 * Incremental fetch sessions (KIP-227). A full fetch with session epoch 0
 * creates a session; later fetches with the session id and the next epoch send
 * only the partitions that changed (and a list of forgotten ones), and the
 * response carries only partitions with news (new data, a changed high
 * watermark, log start offset or an error). Epoch -1 means "no session" (a
 * full fetch, as kafkajs and librdkafka send). The cache is bounded
 * (`max.incremental.fetch.session.cache.slots`, default 1000) and evicts the
 * least recently used session.
 */
import { ErrorCode } from '@nagare/protocol';

export const INITIAL_EPOCH = 0;
export const FINAL_EPOCH = -1;

export interface SessionPartition {
  topic: string;
  topicId: string;
  partition: number;
  fetchOffset: bigint;
  maxBytes: number;
  logStartOffset: bigint;
  /** What the client last saw, to decide whether a partition has news. */
  lastHighWatermark: bigint;
  lastLogStartOffset: bigint;
  lastErrorCode: number;
}

export interface FetchSession {
  id: number;
  epoch: number;
  partitions: Map<string, SessionPartition>;
  lastUsedMs: number;
  /** Topics were named by id (v13+). */
  usesTopicIds: boolean;
}

export function partitionKey(topicIdOrName: string, partition: number): string {
  return `${topicIdOrName}:${partition}`;
}

export type SessionLookup =
  | { kind: 'none' }
  | { kind: 'new'; session: FetchSession }
  | { kind: 'existing'; session: FetchSession }
  | { kind: 'error'; errorCode: number };

export class FetchSessionCache {
  private readonly sessions = new Map<number, FetchSession>();
  private nextId = 1;

  constructor(private readonly maxSessions = 1000) {}

  size(): number {
    return this.sessions.size;
  }

  /**
   * Resolves the session of a fetch request: none (epoch -1 or a replica fetch),
   * a new one (epoch 0), an existing one (matching id and the expected epoch),
   * or an error: FETCH_SESSION_ID_NOT_FOUND / INVALID_FETCH_SESSION_EPOCH.
   */
  lookup(sessionId: number, epoch: number, nowMs: number, usesTopicIds: boolean): SessionLookup {
    if (epoch === FINAL_EPOCH) {
      if (sessionId !== 0) this.sessions.delete(sessionId);
      return { kind: 'none' };
    }
    if (epoch === INITIAL_EPOCH) {
      if (sessionId !== 0) this.sessions.delete(sessionId);
      if (this.sessions.size >= this.maxSessions) this.evictOldest();
      const session: FetchSession = { id: this.allocateId(), epoch: 1, partitions: new Map(), lastUsedMs: nowMs, usesTopicIds };
      this.sessions.set(session.id, session);
      return { kind: 'new', session };
    }
    const session = this.sessions.get(sessionId);
    if (!session) return { kind: 'error', errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND };
    if (session.epoch !== epoch) return { kind: 'error', errorCode: ErrorCode.INVALID_FETCH_SESSION_EPOCH };
    if (session.usesTopicIds !== usesTopicIds) return { kind: 'error', errorCode: ErrorCode.FETCH_SESSION_TOPIC_ID_ERROR };
    session.epoch = nextEpoch(epoch);
    session.lastUsedMs = nowMs;
    // Move to the back of the LRU order.
    this.sessions.delete(sessionId);
    this.sessions.set(sessionId, session);
    return { kind: 'existing', session };
  }

  remove(sessionId: number): void {
    this.sessions.delete(sessionId);
  }

  private allocateId(): number {
    for (;;) {
      const id = this.nextId;
      this.nextId = this.nextId >= 0x7fffffff ? 1 : this.nextId + 1;
      if (!this.sessions.has(id)) return id;
    }
  }

  private evictOldest(): void {
    const oldest = this.sessions.keys().next();
    if (!oldest.done) this.sessions.delete(oldest.value);
  }
}

function nextEpoch(epoch: number): number {
  return epoch >= 0x7fffffff ? 1 : epoch + 1;
}
