/**
 * Produce (key 0), v0-12. v0-2 are listed (librdkafka requires Produce to
 * start at 0) and answered with UNSUPPORTED_VERSION per partition, as Kafka
 * 4.x does (KIP-896). acks must be -1, 0 or 1 (INVALID_REQUIRED_ACKS). Each
 * partition is validated and appended independently; failures are per
 * partition error codes (with record errors, v8+). acks=0 appends and sends
 * no response. With a single node acks=all completes once the append is done
 * (and fsynced when flush.messages asks for it). As Kafka's
 * ProduceRequest.validateRecords, a partition must carry exactly one record
 * batch (v3+): more is INVALID_RECORD for that partition, nothing appended.
 */
import { ApiKey, ErrorCode, ProduceResponse } from '@nagare/protocol';
import { LOG_OVERHEAD, MAGIC_OFFSET, batchSizeAt } from '@nagare/records';
import type { AppendEntry, PartitionAppendResult } from '../replica-manager';
import { defineHandler } from './types';

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
    const appended = await ctx.services.replicas.append(plan.filter((x): x is AppendEntry => 'records' in x), { acks: req.acks });
    let a = 0;
    const results = plan.map((x) => ('records' in x ? appended[a++] : x));
    if (req.acks === 0) return null;
    let i = 0;
    return {
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
            currentLeader: { leaderId: -1, leaderEpoch: -1 },
          };
        }),
      })),
      throttleTimeMs: 0,
      nodeEndpoints: [],
    };
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
