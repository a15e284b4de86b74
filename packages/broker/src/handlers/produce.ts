/**
 * Produce (key 0), v0-12. v0-2 are listed (librdkafka requires Produce to
 * start at 0) and answered with UNSUPPORTED_VERSION per partition, as Kafka
 * 4.x does (KIP-896). acks must be -1, 0 or 1 (INVALID_REQUIRED_ACKS). Each
 * partition is validated and appended independently; failures are per
 * partition error codes (with record errors, v8+). acks=0 appends and sends
 * no response. acks=1 answers after the leader's append; acks=all waits (in
 * the produce purgatory, up to the request's timeout: REQUEST_TIMED_OUT) until
 * the high watermark passes the records, i.e. every replica of the ISR has
 * them; min.insync.replicas refuses it before the append (NOT_ENOUGH_REPLICAS)
 * and after it (NOT_ENOUGH_REPLICAS_AFTER_APPEND) as Kafka. Leadership errors
 * carry currentLeader (KIP-951). As Kafka's
 * ProduceRequest.validateRecords, a partition must carry exactly one record
 * batch (v3+): more is INVALID_RECORD for that partition, nothing appended.
 *
 * Transactional batches need the request's transactional id
 * (TRANSACTIONAL_ID_AUTHORIZATION_FAILED without one) and one producer id
 * per request (INVALID_PRODUCER_ID_MAPPING). KIP-890: before a producer's
 * first transactional batch on a partition, the leader verifies with the
 * transaction coordinator that the partition is in the transaction (part 1;
 * v12, transaction.version 2, adds it instead: part 2); a partition that
 * fails verification gets the mapped error and is not appended.
 */
import { ApiKey, ErrorCode, ProduceResponse } from '@nagare/protocol';
import { LOG_OVERHEAD, MAGIC_OFFSET, RECORD_BATCH_HEADER_SIZE, batchSizeAt, readBatchHeader } from '@nagare/records';
import { VerificationGuard } from '@nagare/storage';
import { partitionKeyOf, type AppendEntry, type PartitionAppendResult } from '../replica-manager';
import { partitionKey, type TxnPartition } from '../transaction/state';
import { produceOperation, producerFacingError } from '../transaction/verifier';
import { currentLeaderOf, leaderEndpoints } from './fetch';
import { awaitReplication } from './replication-wait';
import { defineHandler, type RequestContext } from './types';


export const produceHandler = defineHandler({
  apiKey: ApiKey.Produce,
  minVersion: 0,
  maxVersion: 12,
  async handle(ctx, req) {
    const v = ctx.apiVersion;
    const fail = (code: number, message: string | null): ProduceResponse => ({
      responses: req.topicData.map((t) => ({
        name: t.name,
        partitionResponses: t.partitionData.map((p) => ({
          index: p.index,
          errorCode: code,
          baseOffset: -1n,
          logAppendTimeMs: -1n,
          logStartOffset: -1n,
          recordErrors: [],
          errorMessage: message,
          currentLeader: { leaderId: -1, leaderEpoch: -1 },
        })),
      })),
      throttleTimeMs: 0,
      nodeEndpoints: [],
    });
    if (v < 3) return req.acks === 0 ? null : fail(ErrorCode.UNSUPPORTED_VERSION, `Produce v${v} is no longer supported; use v3 or later`);
    if (req.acks !== -1 && req.acks !== 0 && req.acks !== 1) return fail(ErrorCode.INVALID_REQUIRED_ACKS, null);
    // Request order: each partition is appended, or refused before the append.
    const plan: Array<AppendEntry | PartitionAppendResult> = [];
    for (const t of req.topicData) {
      for (const p of t.partitionData) {
        if (!hasMoreThanOneBatch(p.records)) plan.push({ topic: t.name, partition: p.index, records: p.records });
        else plan.push(refusal(t.name, p.index, `Produce requests with version ${v} are only allowed to contain exactly one record batch per partition`));
      }
    }
    const txn = await verifyTransactional(ctx, req.transactionalId, plan, v);
    if (txn.failAll !== null) return req.acks === 0 ? null : fail(txn.failAll, null);
    const appended = await ctx.services.replicas.append(plan.filter((x): x is AppendEntry => 'records' in x), { acks: req.acks, verificationGuards: txn.guards });
    let a = 0;
    const results = plan.map((x) => ('records' in x ? appended[a++] : x));
    if (req.acks === 0) return null;
    if (req.acks === -1) await awaitReplication(ctx.services, results, req.timeoutMs);
    const image = ctx.services.metadata();
    let i = 0;
    const leaders: number[] = [];
    const res: ProduceResponse = {
      responses: req.topicData.map((t) => ({
        name: t.name,
        partitionResponses: t.partitionData.map((p) => {
          const r = results[i++];
          return {
            index: p.index,
            errorCode: r.errorCode,
            baseOffset: r.baseOffset,
            logAppendTimeMs: r.logAppendTimeMs,
            logStartOffset: r.logStartOffset,
            recordErrors: r.recordErrors,
            errorMessage: r.errorMessage,
            currentLeader: currentLeaderOf(image, t.name, p.index, r.errorCode),
          };
        }),
      })),
      throttleTimeMs: 0,
      nodeEndpoints: [],
    };
    for (const t of res.responses) for (const p of t.partitionResponses) if (p.currentLeader.leaderId >= 0) leaders.push(p.currentLeader.leaderId);
    if (v >= 10 && leaders.length > 0) res.nodeEndpoints = leaderEndpoints(ctx, image, leaders);
    return res;
  },
});

/**
 * Whether `records` holds a whole magic-2 batch followed by more bytes (a
 * second batch). Truncated or malformed input is left to the log, which
 * reports it as corruption.
 */
function hasMoreThanOneBatch(records: Buffer | null): boolean {
  if (records === null || records.length < LOG_OVERHEAD + MAGIC_OFFSET || records[MAGIC_OFFSET] !== 2) return false;
  const first = batchSizeAt(records, 0);
  return first > LOG_OVERHEAD && records.length > first;
}

function refusal(topic: string, partition: number, message: string): PartitionAppendResult {
  return { topic, partition, errorCode: ErrorCode.INVALID_RECORD, errorMessage: message, baseOffset: -1n, logAppendTimeMs: -1n, logStartOffset: -1n, recordErrors: [] };
}

/**
 * The transactional checks before an append (Kafka's KafkaApis and
 * ReplicaManager.handleProduceAppend): entries that fail verification are
 * replaced in `plan` by their error; the guards of verified ones are
 * returned for the append. `failAll` fails the whole request.
 */
async function verifyTransactional(
  ctx: RequestContext,
  transactionalId: string | null,
  plan: Array<AppendEntry | PartitionAppendResult>,
  version: number,
): Promise<{ failAll: number | null; guards?: Map<string, VerificationGuard> }> {
  const producers = new Map<bigint, number>();
  const txnEntries: Array<{ index: number; entry: AppendEntry; baseSequence: number }> = [];
  plan.forEach((x, index) => {
    if (!('records' in x) || x.records === null || x.records.length < RECORD_BATCH_HEADER_SIZE || x.records[MAGIC_OFFSET] !== 2) return;
    const h = readBatchHeader(x.records, 0);
    if (!h.isTransactional || h.producerId < 0) return;
    producers.set(BigInt(h.producerId), h.producerEpoch);
    txnEntries.push({ index, entry: x, baseSequence: h.baseSequence });
  });
  if (txnEntries.length === 0) return { failAll: null };
  if (transactionalId === null) return { failAll: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED };
  if (producers.size > 1) return { failAll: ErrorCode.INVALID_PRODUCER_ID_MAPPING };
  const s = ctx.services;
  const operation = produceOperation(version);
  // KIP-890 part 2 needs the leader to add the partition whatever transaction.partition.verification.enable says.
  if (!s.replicas.transactionVerificationEnabled && operation !== 'addPartition') return { failAll: null };
  const [[producerId, producerEpoch]] = [...producers];
  const guards = new Map<string, VerificationGuard>();
  const toVerify: Array<{ index: number; entry: AppendEntry; guard: VerificationGuard }> = [];
  for (const t of txnEntries) {
    const p = s.replicas.get(t.entry.topic, t.entry.partition);
    if (!p || !p.isLeader) continue; // the append reports it
    const guard = p.log.maybeStartTransactionVerification(Number(producerId), t.baseSequence, producerEpoch);
    if (guard !== VerificationGuard.SENTINEL) toVerify.push({ ...t, guard });
  }
  if (toVerify.length === 0) return { failAll: null };
  const partitions: TxnPartition[] = toVerify.map((t) => ({ topic: t.entry.topic, partition: t.entry.partition }));
  const codes = await s.txnVerifier.verify(transactionalId, producerId, producerEpoch, partitions, operation);
  for (const t of toVerify) {
    const code = codes.get(partitionKey(t.entry.topic, t.entry.partition)) ?? ErrorCode.NONE;
    if (code === ErrorCode.NONE) {
      guards.set(partitionKeyOf(t.entry.topic, t.entry.partition), t.guard);
      continue;
    }
    const f = producerFacingError(code);
    plan[t.index] = {
      topic: t.entry.topic,
      partition: t.entry.partition,
      errorCode: f.errorCode,
      errorMessage: f.message,
      baseOffset: -1n,
      logAppendTimeMs: -1n,
      logStartOffset: -1n,
      recordErrors: [],
    };
  }
  return { failAll: null, guards };
}
