/**
 * Hands out producer ids for InitProducerId from blocks the controller
 * reserves in the metadata log (ProducerIdsRecord, KIP-730), so ids stay
 * unique across restarts: a restarted broker gets a fresh block.
 */
import type { ControllerClient } from './controller-channel';

export class ProducerIdManager {
  private next = 0n;
  private end = 0n;
  private pending: Promise<void> | null = null;

  constructor(
    private readonly controller: ControllerClient,
    private readonly brokerId: number,
    private readonly brokerEpoch: () => bigint,
  ) {}

  async generate(): Promise<bigint> {
    while (this.next >= this.end) {
      this.pending ??= this.controller.allocateProducerIds(this.brokerId, this.brokerEpoch()).then(
        (block) => {
          this.next = block.firstProducerId;
          this.end = block.firstProducerId + BigInt(block.count);
          this.pending = null;
        },
        (e) => {
          this.pending = null;
          throw e;
        },
      );
      await this.pending;
    }
    return this.next++;
  }
}
