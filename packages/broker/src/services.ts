/**
 * Everything a handler may use, in one place. The Broker implements it;
 * tests can assemble a smaller one.
 */
import type { Clock, Logger } from '@nagare/common';
import type { ConfigResolver, MetadataImage } from '@nagare/metadata';
import type { PartitionLog } from '@nagare/storage';
import type { KafkaConfig } from './config';
import type { ControllerClient } from './controller-channel';
import type { HandlerRegistry } from './handlers/registry';
import type { ReplicaManager } from './replica-manager';
import type { FetchSessionCache } from './fetch-session';
import type { ProducerIdManager } from './producer-id-manager';
import type { GroupCoordinator } from './group/coordinator';
import type { Purgatory } from './purgatory';
import type { BoundListener } from './network/socket-server';
import type { InterBrokerSender } from './network/inter-broker';
import type { TransactionCoordinator } from './transaction/coordinator';
import type { TransactionVerifier } from './transaction/verifier';

export interface BrokerServices {
  readonly config: KafkaConfig;
  readonly nodeId: number;
  readonly clusterId: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The highest metadata.version level this broker supports. */
  readonly metadataVersion: number;
  readonly handlers: HandlerRegistry;
  /** What the controller listeners serve (absent: the node has none). */
  readonly controllerHandlers?: HandlerRegistry;
  readonly controller: ControllerClient;
  readonly replicas: ReplicaManager;
  readonly fetchSessions: FetchSessionCache;
  readonly producerIds: ProducerIdManager;
  readonly groups: GroupCoordinator;
  readonly transactions: TransactionCoordinator;
  /** KIP-890: verifies (or adds) partitions of transactions with their coordinators. */
  readonly txnVerifier: TransactionVerifier;
  /** Requests to other brokers (and to this one, in-process). */
  readonly interBroker: InterBrokerSender;
  readonly resolver: ConfigResolver;
  readonly purgatory: Purgatory;
  /** The log directories with their logs, for DescribeLogDirs. */
  logDirs(): Array<{ dir: string; offline: boolean; logs: PartitionLog[]; totalBytes: bigint; usableBytes: bigint }>;
  /** The listeners bound, with the ports actually bound (absent in tests that bind none). */
  boundListeners?(): BoundListener[];
  /** The latest metadata image. */
  metadata(): MetadataImage;
  /** Resolves when every named topic is in this broker's image, or after `timeoutMs`. */
  waitForTopics?(names: readonly string[], timeoutMs: number): Promise<void>;
  /** Creates topics with the broker's defaults (auto topic creation); resolves when they exist or failed. */
  autoCreateTopics(names: string[]): Promise<void>;
}
