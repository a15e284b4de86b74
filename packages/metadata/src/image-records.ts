/**
 * An image as the records that rebuild it (what a KRaft snapshot holds, Kafka's
 * MetadataImage.write): features first (metadata.version before anything that
 * depends on it), brokers, topics with their partitions, configs, producer ids.
 * Replaying the records onto an empty image gives back an equal image.
 */
import { MetadataRecordType } from './generated/record-types';
import { type MetadataImage } from './image';
import type { MetadataRecord } from './serde';

export function imageRecords(image: MetadataImage): MetadataRecord[] {
  const out: MetadataRecord[] = [];
  const mv = image.features.get('metadata.version');
  if (mv !== undefined) out.push({ type: MetadataRecordType.FeatureLevelRecord, version: 0, data: { name: 'metadata.version', featureLevel: mv } });
  for (const [name, featureLevel] of image.features) {
    if (name !== 'metadata.version') out.push({ type: MetadataRecordType.FeatureLevelRecord, version: 0, data: { name, featureLevel } });
  }
  for (const b of [...image.brokers.values()].sort((x, y) => x.id - y.id)) {
    out.push({
      type: MetadataRecordType.RegisterBrokerRecord,
      version: 3,
      data: {
        brokerId: b.id,
        isMigratingZkBroker: false,
        incarnationId: b.incarnationId,
        brokerEpoch: b.epoch,
        endPoints: b.endpoints.map((e) => ({ ...e })),
        features: (b.features ?? []).map((f) => ({ ...f })),
        rack: b.rack,
        fenced: b.fenced,
        inControlledShutdown: b.inControlledShutdown,
        logDirs: b.logDirs ?? [],
      },
    });
  }
  for (const t of [...image.topicsByName.values()].sort((x, y) => x.name.localeCompare(y.name))) {
    out.push({ type: MetadataRecordType.TopicRecord, version: 0, data: { name: t.name, topicId: t.id } });
    for (const p of [...t.partitions.values()].sort((x, y) => x.partition - y.partition)) {
      out.push({
        type: MetadataRecordType.PartitionRecord,
        version: 0,
        data: {
          partitionId: p.partition,
          topicId: t.id,
          replicas: p.replicas,
          isr: p.isr,
          removingReplicas: p.removingReplicas,
          addingReplicas: p.addingReplicas,
          leader: p.leader,
          leaderRecoveryState: p.leaderRecoveryState ?? 0,
          leaderEpoch: p.leaderEpoch,
          partitionEpoch: p.partitionEpoch,
          directories: p.directories ?? [],
          eligibleLeaderReplicas: null,
          lastKnownElr: null,
        },
      });
    }
  }
  for (const [key, entries] of image.configs) {
    const i = key.indexOf(':');
    const resourceType = Number(key.slice(0, i));
    const resourceName = key.slice(i + 1);
    for (const [name, value] of entries) out.push({ type: MetadataRecordType.ConfigRecord, version: 0, data: { resourceType, resourceName, name, value } });
  }
  if (image.nextProducerId > 0n) {
    out.push({ type: MetadataRecordType.ProducerIdsRecord, version: 0, data: { brokerId: -1, brokerEpoch: -1n, nextProducerId: image.nextProducerId } });
  }
  return out;
}
