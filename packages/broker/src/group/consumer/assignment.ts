/**
 * Partition sets by topic id, as KIP-848 groups keep assignments
 * (Map<topicId, Set<partition>>). Values are treated as immutable: every
 * change makes a new map.
 */

export type Assignment = ReadonlyMap<string, ReadonlySet<number>>;

export const EMPTY_ASSIGNMENT: Assignment = new Map();

export function assignmentOf(entries: Iterable<{ topicId: string; partitions: Iterable<number> }>): Assignment {
  const out = new Map<string, Set<number>>();
  for (const { topicId, partitions } of entries) {
    let s = out.get(topicId);
    for (const p of partitions) {
      if (!s) out.set(topicId, (s = new Set()));
      s.add(p);
    }
  }
  return out;
}

/** As the records and responses list them: topics in id order, partitions ascending. */
export function toTopicPartitions(a: Assignment): Array<{ topicId: string; partitions: number[] }> {
  return [...a.keys()]
    .sort()
    .filter((t) => a.get(t)!.size > 0)
    .map((topicId) => ({ topicId, partitions: [...a.get(topicId)!].sort((x, y) => x - y) }));
}

export function assignmentEquals(a: Assignment, b: Assignment): boolean {
  let na = 0;
  for (const [t, ps] of a) {
    if (ps.size === 0) continue;
    na++;
    const qs = b.get(t);
    if (!qs || qs.size !== ps.size) return false;
    for (const p of ps) if (!qs.has(p)) return false;
  }
  let nb = 0;
  for (const ps of b.values()) if (ps.size > 0) nb++;
  return na === nb;
}

export function assignmentSize(a: Assignment): number {
  let n = 0;
  for (const ps of a.values()) n += ps.size;
  return n;
}

export function assignmentHas(a: Assignment, topicId: string, partition: number): boolean {
  return a.get(topicId)?.has(partition) ?? false;
}

export function assignmentString(a: Assignment, names?: (topicId: string) => string | undefined): string {
  return toTopicPartitions(a)
    .map(({ topicId, partitions }) => `${names?.(topicId) ?? topicId}-${partitions.join(',')}`)
    .join('; ');
}
