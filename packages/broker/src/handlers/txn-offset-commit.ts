/**
 * TxnOffsetCommit (key 28), v0-5: a transactional producer commits a
 * group's offsets inside its transaction (consume-transform-produce). The
 * offsets are written to the group's `__consumer_offsets` partition with the
 * producer's id and become visible only when the transaction commits (its
 * marker reaches the partition); OffsetFetch with require_stable answers
 * UNSTABLE_OFFSET_COMMIT meanwhile. v3+ carry the member id, generation and
 * group instance id, validated as for OffsetCommit (a generation-bearing
 * commit to a group that does not exist is ILLEGAL_GENERATION). KIP-890:
 * the partition is verified with the transaction coordinator first (v5,
 * transaction.version 2, adds it to the transaction: no AddOffsetsToTxn).
 * COORDINATOR_LOAD_IN_PROGRESS is COORDINATOR_NOT_AVAILABLE for v0-1.
 */
import { ApiKey, ErrorCode, type TxnOffsetCommitRequest, type TxnOffsetCommitResponse } from '@nagare/protocol';
import { VerificationGuard } from '@nagare/storage';
import { groupRequestContext } from '../group/request-context';
import { OFFSETS_TOPIC } from '../offsets-topic';
import { producerFacingError, txnOffsetCommitOperation } from '../transaction/verifier';
import { defineHandler } from './types';

function failAll(req: TxnOffsetCommitRequest, errorCode: number): TxnOffsetCommitResponse {
  return { throttleTimeMs: 0, topics: req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) })) };
}

export const txnOffsetCommitHandler = defineHandler({
  apiKey: ApiKey.TxnOffsetCommit,
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, req) {
    const s = ctx.services;
    const v = ctx.apiVersion;
    let guard: VerificationGuard | undefined;
    const partition = s.groups.partitionFor(req.groupId);
    const log = s.replicas.get(OFFSETS_TOPIC, partition);
    const operation = txnOffsetCommitOperation(v);
    // KIP-890 part 2 (v5) needs the offsets partition added whatever transaction.partition.verification.enable says.
    if (log && log.isLeader && (s.replicas.transactionVerificationEnabled || operation === 'addPartition') && req.groupId !== '') {
      const g = log.log.maybeStartTransactionVerification(Number(req.producerId), -1, req.producerEpoch);
      if (g !== VerificationGuard.SENTINEL) {
        const codes = await s.txnVerifier.verify(req.transactionalId, req.producerId, req.producerEpoch, [{ topic: OFFSETS_TOPIC, partition }], operation);
        const code = [...codes.values()][0] ?? ErrorCode.NONE;
        if (code !== ErrorCode.NONE) {
          // The group coordinator maps what the verification answered as its other errors.
          const mapped = producerFacingError(code).errorCode;
          return failAll(req, mapped === ErrorCode.NOT_ENOUGH_REPLICAS ? ErrorCode.COORDINATOR_NOT_AVAILABLE : mapped);
        }
        guard = g;
      }
    }
    const res = await s.groups.commitTransactionalOffsets(groupRequestContext(ctx), req, { verificationGuard: guard });
    if (v < 2) for (const t of res.topics) for (const p of t.partitions) if (p.errorCode === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) p.errorCode = ErrorCode.COORDINATOR_NOT_AVAILABLE;
    return res;
  },
});
