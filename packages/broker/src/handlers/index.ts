/** The broker's own handlers (the group coordinator's are in ../group/handlers). */
import type { ApiHandler } from './types';
import { apiVersionsHandler } from './api-versions';
import { metadataHandler } from './metadata';
import { produceHandler } from './produce';
import { fetchHandler } from './fetch';
import { listOffsetsHandler } from './list-offsets';
import { createTopicsHandler } from './create-topics';
import { deleteTopicsHandler } from './delete-topics';
import { createPartitionsHandler } from './create-partitions';
import { describeConfigsHandler } from './describe-configs';
import { alterConfigsHandler } from './alter-configs';
import { incrementalAlterConfigsHandler } from './incremental-alter-configs';
import { deleteRecordsHandler } from './delete-records';
import { offsetForLeaderEpochHandler } from './offset-for-leader-epoch';
import { describeClusterHandler } from './describe-cluster';
import { describeLogDirsHandler } from './describe-log-dirs';
import { describeTopicPartitionsHandler } from './describe-topic-partitions';
import { describeProducersHandler } from './describe-producers';
import { initProducerIdHandler } from './init-producer-id';
import { addPartitionsToTxnHandler } from './add-partitions-to-txn';
import { addOffsetsToTxnHandler } from './add-offsets-to-txn';
import { endTxnHandler } from './end-txn';
import { writeTxnMarkersHandler } from './write-txn-markers';
import { txnOffsetCommitHandler } from './txn-offset-commit';
import { describeTransactionsHandler } from './describe-transactions';
import { listTransactionsHandler } from './list-transactions';

import { electLeadersHandler } from './elect-leaders';
import { alterPartitionReassignmentsHandler } from './alter-partition-reassignments';
import { listPartitionReassignmentsHandler } from './list-partition-reassignments';
import { describeQuorumHandler } from './describe-quorum';
import { unregisterBrokerHandler } from './unregister-broker';
import { addRaftVoterHandler } from './add-raft-voter';
import { removeRaftVoterHandler } from './remove-raft-voter';


export const allHandlers: ApiHandler[] = [
  apiVersionsHandler,
  metadataHandler,
  produceHandler,
  fetchHandler,
  listOffsetsHandler,
  createTopicsHandler,
  deleteTopicsHandler,
  createPartitionsHandler,
  describeConfigsHandler,
  alterConfigsHandler,
  incrementalAlterConfigsHandler,
  deleteRecordsHandler,
  offsetForLeaderEpochHandler,
  describeClusterHandler,
  describeLogDirsHandler,
  describeTopicPartitionsHandler,
  describeProducersHandler,
  initProducerIdHandler,
  addPartitionsToTxnHandler,
  addOffsetsToTxnHandler,
  endTxnHandler,
  writeTxnMarkersHandler,
  txnOffsetCommitHandler,
  describeTransactionsHandler,
  listTransactionsHandler,

  electLeadersHandler,
  alterPartitionReassignmentsHandler,
  listPartitionReassignmentsHandler,
  describeQuorumHandler,
  unregisterBrokerHandler,
  addRaftVoterHandler,
  removeRaftVoterHandler,
] as ApiHandler[];
