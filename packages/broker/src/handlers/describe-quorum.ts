/**
 * DescribeQuorum (key 55), v0-2 (KIP-642, v2 KIP-853): forwarded to the active controller, which
 * describes the `__cluster_metadata` quorum: leader, epoch, high watermark, each voter's and
 * observer's log end offset, last fetch and last caught-up times and directory ids; v2 the voters'
 * endpoints. This is what `Admin.describeMetadataQuorum` and `kafka-metadata-quorum` read.
 */
import { ApiKey } from '@nagare/protocol';
import { forwardToController } from './forward';
import { defineHandler } from './types';

export const describeQuorumHandler = defineHandler({
  apiKey: ApiKey.DescribeQuorum,
  minVersion: 0,
  maxVersion: 2,
  handle: forwardToController(ApiKey.DescribeQuorum, (errorCode, errorMessage) => ({ errorCode, errorMessage, topics: [], nodes: [] })),
});
