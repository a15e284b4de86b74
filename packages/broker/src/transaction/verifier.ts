/**
 * KIP-890 on the partition leader (Kafka's AddPartitionsToTxnManager): before
 * the first transactional write of a producer to a partition, the leader asks
 * the producer's transaction coordinator (the leader of its
 * `__transaction_state` partition) with AddPartitionsToTxn v5 whether the
 * partition is in the producer's transaction (verifyOnly, part 1), or, for a
 * transaction.version 2 producer (Produce v12, TxnOffsetCommit v5), adds it
 * (part 2). The coordinator may be this broker (answered in-process) or
 * another (over the network).
 *
 * What the producer sees, as Kafka maps it: PRODUCER_FENCED becomes
 * INVALID_PRODUCER_EPOCH; TRANSACTION_ABORTABLE becomes INVALID_TXN_STATE
 * for clients older than Produce v11 / TxnOffsetCommit v4; retriable
 * coordinator errors become NOT_ENOUGH_REPLICAS (which old clients retry
 * without a metadata refresh), INVALID_TXN_STATE says "Partition was not
 * added to the transaction".
 */
import type { Logger } from '@nagare/common';
import { ApiKey, ErrorCode, type AddPartitionsToTxnResponse } from '@nagare/protocol';
import type { InterBrokerSender } from '../network/inter-broker';
import type { BrokerServices } from '../services';
import { partitionForGroup } from '../group/partition';
import { TRANSACTION_STATE_TOPIC } from '../offsets-topic';
import { partitionKey, type TxnPartition } from './state';

/** What the client's request version supports (Kafka's TransactionSupportedOperation). */
export type TransactionSupportedOperation = 'defaultError' | 'genericError' | 'addPartition';

/** Produce: v12+ adds the partition (transaction.version 2), v11 understands TRANSACTION_ABORTABLE. */
export function produceOperation(apiVersion: number): TransactionSupportedOperation {
  return apiVersion > 11 ? 'addPartition' : apiVersion > 10 ? 'genericError' : 'defaultError';
}

/** TxnOffsetCommit: v5+ adds the offsets partition (transaction.version 2), v4 understands TRANSACTION_ABORTABLE. */
export function txnOffsetCommitOperation(apiVersion: number): TransactionSupportedOperation {
  return apiVersion >= 5 ? 'addPartition' : apiVersion >= 4 ? 'genericError' : 'defaultError';
}

export interface VerificationFailure {
  errorCode: number;
  message: string | null;
}

const RETRIABLE_AS_NOT_ENOUGH_REPLICAS: ReadonlySet<number> = new Set([
  ErrorCode.CONCURRENT_TRANSACTIONS,
  ErrorCode.NETWORK_EXCEPTION,
  ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
  ErrorCode.COORDINATOR_NOT_AVAILABLE,
  ErrorCode.NOT_COORDINATOR,
]);

const ERROR_NAMES: Record<number, string> = Object.fromEntries(Object.entries(ErrorCode).map(([k, v]) => [v, k]));

/** The error a producer gets for a partition that failed verification (Kafka's ReplicaManager.handleProduceAppend). */
export function producerFacingError(code: number): VerificationFailure {
  if (code === ErrorCode.INVALID_TXN_STATE) return { errorCode: code, message: 'Partition was not added to the transaction' };
  if (RETRIABLE_AS_NOT_ENOUGH_REPLICAS.has(code)) {
    return { errorCode: ErrorCode.NOT_ENOUGH_REPLICAS, message: `Unable to verify the partition has been added to the transaction. Underlying error: ${ERROR_NAMES[code] ?? code}` };
  }
  return { errorCode: code, message: null };
}

export class TransactionVerifier {
  /** Requests sent (tests, benchmarks). */
  requests = 0;

  constructor(
    private readonly services: BrokerServices,
    private readonly sender: InterBrokerSender,
    private readonly logger: Logger,
  ) {}

  /** The broker coordinating a transactional id: the leader of its __transaction_state partition (undefined when none is known). */
  coordinatorOf(transactionalId: string): number | undefined {
    const topic = this.services.metadata().topicsByName.get(TRANSACTION_STATE_TOPIC);
    if (!topic) return undefined;
    const p = topic.partitions.get(partitionForGroup(transactionalId, topic.partitions.size));
    return p && p.leader >= 0 ? p.leader : undefined;
  }

  /**
   * Verifies (or, with 'addPartition', adds) the partitions of the
   * producer's transaction. Returns the error code per partition key
   * (topic \0 partition) as the coordinator answered it, mapped for the
   * client's operation; NONE for verified partitions.
   */
  async verify(transactionalId: string, producerId: bigint, producerEpoch: number, partitions: TxnPartition[], operation: TransactionSupportedOperation): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const all = (code: number) => {
      for (const p of partitions) out.set(partitionKey(p.topic, p.partition), code);
      return out;
    };
    const node = this.coordinatorOf(transactionalId);
    if (node === undefined) return all(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    const byTopic = new Map<string, number[]>();
    for (const p of partitions) {
      let list = byTopic.get(p.topic);
      if (!list) byTopic.set(p.topic, (list = []));
      list.push(p.partition);
    }
    let res: AddPartitionsToTxnResponse;
    this.requests++;
    try {
      res = await this.sender.send(node, ApiKey.AddPartitionsToTxn, 5, {
        transactions: [
          {
            transactionalId,
            producerId,
            producerEpoch,
            verifyOnly: operation !== 'addPartition',
            topics: [...byTopic].map(([name, ps]) => ({ name, partitions: ps })),
          },
        ],
        v3AndBelowTransactionalId: '',
        v3AndBelowProducerId: 0n,
        v3AndBelowProducerEpoch: 0,
        v3AndBelowTopics: [],
      });
    } catch (e) {
      this.logger.debug({ transactionalId, node, err: (e as Error).message }, 'transaction verification failed');
      return all(ErrorCode.NETWORK_EXCEPTION);
    }
    if (res.errorCode !== ErrorCode.NONE) {
      // The client must not see CLUSTER_AUTHORIZATION_FAILED: the verification did not complete.
      return all(res.errorCode === ErrorCode.CLUSTER_AUTHORIZATION_FAILED ? ErrorCode.INVALID_TXN_STATE : res.errorCode);
    }
    const result = res.resultsByTransaction.find((r) => r.transactionalId === transactionalId);
    for (const t of result?.topicResults ?? []) {
      for (const r of t.resultsByPartition) {
        let code = r.partitionErrorCode;
        if (code === ErrorCode.PRODUCER_FENCED) code = ErrorCode.INVALID_PRODUCER_EPOCH;
        else if (code === ErrorCode.TRANSACTION_ABORTABLE && operation === 'defaultError') code = ErrorCode.INVALID_TXN_STATE;
        out.set(partitionKey(t.name, r.partitionIndex), code);
      }
    }
    for (const p of partitions) if (!out.has(partitionKey(p.topic, p.partition))) out.set(partitionKey(p.topic, p.partition), ErrorCode.INVALID_TXN_STATE);
    return out;
  }
}
