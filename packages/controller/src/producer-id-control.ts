/**
 * Kafka's ProducerIdControlManager (KIP-730): blocks of producer ids handed to brokers for
 * InitProducerId, recorded as ProducerIdsRecords so that no id is ever handed out twice, across
 * controller failovers and restarts.
 */
import { MetadataRecordType, type MetadataImage } from '@nagare/metadata';
import type { ControllerResult } from './control-error';

/** Kafka's ProducerIdsBlock.PRODUCER_ID_BLOCK_SIZE. */
export const PRODUCER_ID_BLOCK_SIZE = 1000;

export class ProducerIdControl {
  constructor(private readonly blockSize = PRODUCER_ID_BLOCK_SIZE) {}

  generateNextProducerId(image: MetadataImage, brokerId: number, brokerEpoch: bigint): ControllerResult<{ firstProducerId: bigint; count: number }> {
    const first = image.nextProducerId;
    return {
      records: [{ type: MetadataRecordType.ProducerIdsRecord, version: 0, data: { brokerId, brokerEpoch, nextProducerId: first + BigInt(this.blockSize) } }],
      result: { firstProducerId: first, count: this.blockSize },
    };
  }
}
