/**
 * Source offsets as Kafka stores them (`OffsetStorageWriter`/`OffsetUtils`):
 * key = JSON `["<connector>",{<source partition>}]`, value = JSON offset map
 * (what a schemaless JsonConverter writes), so the standalone file and a
 * future `connect-offsets` topic hold the same bytes.
 */
import type { OffsetStorageReader } from '@nagare/connect-api';
import type { OffsetBackingStore } from './file-offset-store';

export function offsetKey(connector: string, partition: Record<string, unknown>): string {
  return JSON.stringify([connector, partition]);
}

/** The reader a connector's tasks (and the connector) get: reads the store to its end first, as Kafka's `OffsetStorageReaderImpl` does. */
export function offsetStorageReader(store: OffsetBackingStore, connector: string): OffsetStorageReader {
  const read = (p: Record<string, unknown>): Record<string, unknown> | null => {
    const v = store.get([offsetKey(connector, p)]).values().next().value;
    return v === null || v === undefined ? null : (JSON.parse(v) as Record<string, unknown>);
  };
  return {
    offset: async (p) => {
      await store.readToEnd?.();
      return read(p);
    },
    offsets: async (ps) => {
      await store.readToEnd?.();
      return new Map(ps.map((p) => [p, read(p)]));
    },
  };
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
