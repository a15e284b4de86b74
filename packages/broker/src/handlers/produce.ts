/**
 * Produce (key 0), v0-12. v0-2 are listed (librdkafka requires Produce to
 * start at 0) and answered with UNSUPPORTED_VERSION per partition, as Kafka
 * 4.x does (KIP-896). acks must be -1, 0 or 1 (INVALID_REQUIRED_ACKS). Each
 * partition is validated and appended independently; failures are per
 * partition error codes (with record errors, v8+). acks=0 appends and sends
 * no response. With a single node acks=all completes once the append is done
 * (and fsynced when flush.messages asks for it).
 */
import { ApiKey, ErrorCode, ProduceResponse } from '@nagare/protocol';
import type { AppendEntry } from '../replica-manager';
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
    const entries: AppendEntry[] = [];
    for (const t of req.topicData) for (const p of t.partitionData) entries.push({ topic: t.name, partition: p.index, records: p.records });
    const results = await ctx.services.replicas.append(entries, { acks: req.acks });
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
