/**
 * Source offsets as Kafka stores them (`OffsetStorageWriter`/`OffsetUtils`):
 * key = JSON `["<connector>",{<source partition>}]`, value = JSON offset map
 * (what a schemaless JsonConverter writes), so the standalone file and a
 * future `connect-offsets` topic hold the same bytes.
 */
import type { OffsetBackingStore } from './file-offset-store';

export function offsetKey(connector: string, partition: Record<string, unknown>): string {
  return JSON.stringify([connector, partition]);
}

/** Every stored offset of one connector (the `GET /connectors/{c}/offsets` body). */
export function connectorOffsets(store: OffsetBackingStore, connector: string): Array<{ partition: Record<string, unknown>; offset: Record<string, unknown> }> {
  const out: Array<{ partition: Record<string, unknown>; offset: Record<string, unknown> }> = [];
  for (const [k, v] of store.entries()) {
    let key: unknown;
    try {
      key = JSON.parse(k);
    } catch {
      continue;
    }
    if (Array.isArray(key) && key.length === 2 && key[0] === connector && key[1] && typeof key[1] === 'object') out.push({ partition: key[1] as Record<string, unknown>, offset: JSON.parse(v) as Record<string, unknown> });
  }
  return out;
}
