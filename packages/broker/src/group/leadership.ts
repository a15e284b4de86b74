/**
 * Which `__consumer_offsets` partitions this broker leads, from the metadata
 * image: the coordinator loads a partition's shard when the broker becomes
 * its leader and unloads it when the broker stops being it (Kafka's
 * onElection/onResignation). On a single node every partition's leader is
 * this broker; with replication the same calls follow leadership as it moves.
 */
import type { MetadataImage } from '@nagare/metadata';

export interface CoordinatorLeadership {
  onElection(partition: number, leaderEpoch: number): Promise<void>;
  onResignation(partition: number, leaderEpoch?: number): void;
}

function leadersOf(image: MetadataImage, topic: string): Map<number, { leader: number; epoch: number }> {
  const out = new Map<number, { leader: number; epoch: number }>();
  const t = image.topicsByName.get(topic);
  if (!t) return out;
  for (const p of t.partitions.values()) out.set(p.partition, { leader: p.leader, epoch: p.leaderEpoch });
  return out;
}

/**
 * Calls onElection for the partitions of `topic` this node leads in `image`
 * but did not lead (or led at an older epoch) in `previous`, and
 * onResignation for those it led and no longer does. Resolves when the
 * elected partitions are loaded.
 */
export function applyLeadership(target: CoordinatorLeadership, nodeId: number, topic: string, image: MetadataImage, previous: MetadataImage): Promise<void> {
  const now = leadersOf(image, topic);
  const before = leadersOf(previous, topic);
  const topicReplaced = image.topicsByName.get(topic)?.id !== previous.topicsByName.get(topic)?.id;
  for (const [p, b] of before) {
    if (b.leader !== nodeId) continue;
    const n = now.get(p);
    if (!n || n.leader !== nodeId || topicReplaced) target.onResignation(p, n ? n.epoch : undefined);
  }
  const loads: Array<Promise<void>> = [];
  for (const [p, n] of now) {
    if (n.leader !== nodeId) continue;
    const b = before.get(p);
    if (!b || b.leader !== nodeId || b.epoch < n.epoch || topicReplaced) loads.push(target.onElection(p, n.epoch));
  }
  return Promise.all(loads).then(() => undefined);
}
