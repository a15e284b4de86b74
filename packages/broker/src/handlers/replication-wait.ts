import { ErrorCode } from '@nagare/protocol';
import { Purgatory } from '../purgatory';
import type { PartitionAppendResult } from '../replica-manager';
import type { BrokerServices } from '../services';

/**
 * acks=all (Kafka's DelayedProduce): waits until every appended partition's high watermark passed
 * its records, leadership was lost, or `timeoutMs` passed; then sets each result's error code
 * (REQUEST_TIMED_OUT for those still waiting, NOT_ENOUGH_REPLICAS_AFTER_APPEND when the ISR fell
 * below min.insync.replicas).
 */
export async function awaitReplication(services: BrokerServices, results: PartitionAppendResult[], timeoutMs: number): Promise<void> {
  const replicas = services.replicas;
  const waiting = results.filter((r) => r.errorCode === ErrorCode.NONE && r.nextOffset !== undefined);
  if (waiting.length === 0) return;
  const leadership = waiting.map((r) => replicas.get(r.topic, r.partition)?.state.leadership ?? -1);
  const check = (i: number) => replicas.checkEnoughReplicasReachOffset(waiting[i].topic, waiting[i].partition, waiting[i].nextOffset!, leadership[i]);
  const allDone = () => waiting.every((_, i) => check(i) !== null);
  if (!allDone()) {
    await services.purgatory.wait(
      waiting.map((r) => Purgatory.key(r.topic, r.partition)),
      Math.max(0, timeoutMs),
      allDone,
    );
  }
  waiting.forEach((r, i) => {
    const code = check(i) ?? ErrorCode.REQUEST_TIMED_OUT;
    if (code === ErrorCode.NONE) return;
    // As Kafka's DelayedProduce: only the error changes (the records are in the leader's log).
    r.errorCode = code;
    r.errorMessage = null;
  });
}
