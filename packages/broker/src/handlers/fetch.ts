/**
 * Fetch (key 1), v4-17, for consumers. Reads whole batches as bytes up to the
 * high watermark (read_uncommitted) or the last stable offset (read_committed,
 * with the aborted transactions in range), within partition_max_bytes and the
 * response's max_bytes (the first partition with data always gets at least
 * one batch, so a batch larger than the limits still makes progress). Long
 * polling: when fewer than min_bytes are available the response waits up to
 * max_wait_ms for appends. Incremental fetch sessions (KIP-227) from v7;
 * topic ids instead of names from v13. Replica fetches (replica id >= 0, or
 * the ReplicaState of KIP-903 from v15) read up to the log end, carry the
 * follower's fetch offset to the leader's ISR and high watermark logic, and
 * get divergingEpoch when the follower's last fetched epoch ended earlier here
 * (KIP-320). Partitions this broker does not lead answer NOT_LEADER_OR_FOLLOWER
 * (or FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH) with currentLeader from the
 * image (KIP-951).
 */
import { ApiKey, ErrorCode, FetchRequest, FetchResponse, ZERO_UUID } from '@nagare/protocol';
import type { MetadataImage } from '@nagare/metadata';
import { FetchSession, SessionPartition, partitionKey } from '../fetch-session';
import { Purgatory } from '../purgatory';
import { EMPTY_RECORDS, PartitionReadResult } from '../replica-manager';
import { defineHandler, RequestContext } from './types';

interface Wanted {
  topic: string;
  topicId: string;
  partition: number;
  fetchOffset: bigint;
  maxBytes: number;
  currentLeaderEpoch: number;
  lastFetchedEpoch: number;
  /** Set when the topic id or name does not resolve. */
  errorCode?: number;
  session?: SessionPartition;
}

type PartitionData = FetchResponse.PartitionData;

/** KIP-951: where a client that got a leadership error should go, from the image. */
export function currentLeaderOf(image: MetadataImage, topic: string, partition: number, errorCode: number): { leaderId: number; leaderEpoch: number } {
  if (errorCode !== ErrorCode.NOT_LEADER_OR_FOLLOWER && errorCode !== ErrorCode.FENCED_LEADER_EPOCH) return { leaderId: -1, leaderEpoch: -1 };
  const p = image.topicsByName.get(topic)?.partitions.get(partition);
  return p === undefined ? { leaderId: -1, leaderEpoch: -1 } : { leaderId: p.leader, leaderEpoch: p.leaderEpoch };
}

/** KIP-951: the endpoints (for the request's listener) of the leaders named in currentLeader fields. */
export function leaderEndpoints(ctx: RequestContext, image: MetadataImage, leaderIds: Iterable<number>): Array<{ nodeId: number; host: string; port: number; rack: string | null }> {
  const out: Array<{ nodeId: number; host: string; port: number; rack: string | null }> = [];
  for (const id of new Set(leaderIds)) {
    const b = id >= 0 ? image.brokers.get(id) : undefined;
    if (b === undefined || b.fenced) continue;
    const ep = b.endpoints.find((e) => e.name === ctx.conn.listener) ?? b.endpoints[0];
    if (ep) out.push({ nodeId: b.id, host: ep.host, port: ep.port, rack: b.rack });
  }
  return out.sort((a, b) => a.nodeId - b.nodeId);
}

function partitionResponse(partition: number, r: PartitionReadResult, currentLeader: { leaderId: number; leaderEpoch: number }): PartitionData {
  return {
    partitionIndex: partition,
    errorCode: r.errorCode,
    highWatermark: r.highWatermark,
    lastStableOffset: r.lastStableOffset,
    logStartOffset: r.logStartOffset,
    divergingEpoch: r.divergingEpoch ?? { epoch: -1, endOffset: -1n },
    currentLeader,
    snapshotId: { endOffset: -1n, epoch: -1 },
    abortedTransactions: r.abortedTransactions,
    preferredReadReplica: -1,
    records: r.records,
  };
}

function resolve(image: MetadataImage, t: FetchRequest.FetchTopic, useIds: boolean): { name: string; id: string; errorCode?: number } {
  if (useIds) {
    const topic = image.topicsById.get(t.topicId);
    return topic ? { name: topic.name, id: topic.id } : { name: '', id: t.topicId, errorCode: ErrorCode.UNKNOWN_TOPIC_ID };
  }
  const topic = image.topicsByName.get(t.topic);
  return { name: t.topic, id: topic?.id ?? ZERO_UUID };
}

/** Collects the partitions to read, applying the request to the session (if any). */
function collect(req: FetchRequest, image: MetadataImage, useIds: boolean, session: FetchSession | undefined): Wanted[] {
  const fromRequest: Wanted[] = [];
  for (const t of req.topics) {
    const r = resolve(image, t, useIds);
    for (const p of t.partitions) {
      fromRequest.push({
        topic: r.name,
        topicId: useIds ? t.topicId : r.id,
        partition: p.partition,
        fetchOffset: p.fetchOffset,
        maxBytes: p.partitionMaxBytes,
        currentLeaderEpoch: p.currentLeaderEpoch,
        lastFetchedEpoch: p.lastFetchedEpoch,
        errorCode: r.errorCode,
      });
    }
  }
  if (!session) return fromRequest;
  for (const f of req.forgottenTopicsData) {
    const name = useIds ? image.topicsById.get(f.topicId)?.name : f.topic;
    for (const p of f.partitions) session.partitions.delete(partitionKey(useIds ? f.topicId : (name ?? f.topic), p));
  }
  for (const w of fromRequest) {
    const k = partitionKey(useIds ? w.topicId : w.topic, w.partition);
    const prev = session.partitions.get(k);
    session.partitions.set(k, {
      topic: w.topic,
      topicId: w.topicId,
      partition: w.partition,
      fetchOffset: w.fetchOffset,
      maxBytes: w.maxBytes,
      logStartOffset: -1n,
      lastHighWatermark: prev?.lastHighWatermark ?? -2n,
      lastLogStartOffset: prev?.lastLogStartOffset ?? -2n,
      lastErrorCode: prev?.lastErrorCode ?? -1,
    });
  }
  const out: Wanted[] = [];
  for (const sp of session.partitions.values()) {
    const fromReq = fromRequest.find((w) => w.topic === sp.topic && w.partition === sp.partition && w.topicId === sp.topicId);
    out.push({
      topic: sp.topic,
      topicId: sp.topicId,
      partition: sp.partition,
      fetchOffset: sp.fetchOffset,
      maxBytes: sp.maxBytes,
      currentLeaderEpoch: fromReq?.currentLeaderEpoch ?? -1,
      lastFetchedEpoch: fromReq?.lastFetchedEpoch ?? -1,
      errorCode: fromReq?.errorCode,
      session: sp,
    });
  }
  return out;
}

function readAll(
  ctx: RequestContext,
  wanted: Wanted[],
  req: FetchRequest,
  replica: { replicaId: number; replicaEpoch: bigint } | undefined,
): { results: PartitionReadResult[]; bytes: number; anyError: boolean } {
  const readCommitted = req.isolationLevel === 1;
  let remaining = req.maxBytes;
  let bytes = 0;
  let anyError = false;
  let first = true;
  const results = wanted.map((w) => {
    if (w.errorCode !== undefined) {
      anyError = true;
      // Kafka answers every partition with records, empty for errors (never null: librdkafka
      // rejects the whole response on a null MessageSet and never sees the error).
      return { errorCode: w.errorCode, highWatermark: -1n, lastStableOffset: -1n, logStartOffset: -1n, records: EMPTY_RECORDS, abortedTransactions: null, bytes: 0 };
    }
    const r = ctx.services.replicas.read(
      { topic: w.topic, partition: w.partition, fetchOffset: w.fetchOffset, maxBytes: w.maxBytes, currentLeaderEpoch: w.currentLeaderEpoch },
      remaining,
      { readCommitted, minOneMessage: first, replica: replica && { ...replica, lastFetchedEpoch: w.lastFetchedEpoch } },
    );
    if (r.errorCode !== 0 || r.divergingEpoch !== undefined) anyError = true;
    if (r.bytes > 0) {
      first = false;
      remaining -= r.bytes;
      bytes += r.bytes;
    }
    return r;
  });
  return { results, bytes, anyError };
}

export const fetchHandler = defineHandler({
  apiKey: ApiKey.Fetch,
  minVersion: 4,
  maxVersion: 17,
  async handle(ctx, req) {
    const v = ctx.apiVersion;
    const s = ctx.services;
    const useIds = v >= 13;
    const replicaId = v >= 15 ? req.replicaState.replicaId : req.replicaId;
    const base: FetchResponse = { throttleTimeMs: 0, errorCode: 0, sessionId: 0, responses: [], nodeEndpoints: [] };

    let session: FetchSession | undefined;
    let incremental = false;
    if (v >= 7 && replicaId < 0) {
      const found = s.fetchSessions.lookup(req.sessionId, req.sessionEpoch, s.clock.monotonicMs(), useIds);
      if (found.kind === 'error') return { ...base, errorCode: found.errorCode };
      if (found.kind === 'new' || found.kind === 'existing') {
        session = found.session;
        incremental = found.kind === 'existing';
      }
    }

    let image = s.metadata();
    const wanted = collect(req, image, useIds, session);
    const replica = replicaId >= 0 ? { replicaId, replicaEpoch: v >= 15 ? req.replicaState.replicaEpoch : -1n } : undefined;
    let read = readAll(ctx, wanted, req, replica);

    if (read.bytes < req.minBytes && req.maxWaitMs > 0 && !read.anyError && wanted.length > 0) {
      const keys = wanted.map((w) => Purgatory.key(w.topic, w.partition));
      // Wake once the partitions have accumulated min_bytes past the fetch offsets.
      await s.purgatory.wait(keys, req.maxWaitMs, () => {
        let available = 0;
        for (const w of wanted) {
          const p = s.replicas.get(w.topic, w.partition);
          if (!p) return true;
          if (!p.isLeader) return true;
          const upper = replica !== undefined ? p.log.logEndOffset : req.isolationLevel === 1 ? p.log.lastStableOffset : p.log.highWatermark;
          if (upper > Number(w.fetchOffset)) available += p.log.bytesBetween(Number(w.fetchOffset), upper);
          if (available >= req.minBytes) return true;
        }
        return false;
      });
      image = s.metadata();
      read = readAll(ctx, wanted, req, replica);
    }

    // Group by topic, in request order; incremental sessions send only partitions with news.
    const topics = new Map<string, FetchResponse.FetchableTopicResponse>();
    wanted.forEach((w, i) => {
      const r = read.results[i];
      if (w.session) {
        const sp = w.session;
        const news =
          !incremental ||
          r.bytes > 0 ||
          r.errorCode !== 0 ||
          r.highWatermark !== sp.lastHighWatermark ||
          r.logStartOffset !== sp.lastLogStartOffset ||
          r.errorCode !== sp.lastErrorCode;
        sp.lastHighWatermark = r.highWatermark;
        sp.lastLogStartOffset = r.logStartOffset;
        sp.lastErrorCode = r.errorCode;
        if (!news) return;
      }
      const tkey = useIds ? w.topicId : w.topic;
      let t = topics.get(tkey);
      if (!t) topics.set(tkey, (t = { topic: useIds ? '' : w.topic, topicId: useIds ? w.topicId : ZERO_UUID, partitions: [] }));
      t.partitions.push(partitionResponse(w.partition, r, currentLeaderOf(image, w.topic, w.partition, r.errorCode)));
    });
    const leaders: number[] = [];
    for (const t of topics.values()) for (const p of t.partitions) if (p.currentLeader.leaderId >= 0) leaders.push(p.currentLeader.leaderId);
    const nodeEndpoints = v >= 16 && leaders.length > 0 ? leaderEndpoints(ctx, image, leaders) : [];
    return { ...base, sessionId: session?.id ?? 0, responses: [...topics.values()], nodeEndpoints };
  },
});
