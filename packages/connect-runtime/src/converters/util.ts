import { ConfigException } from '@nagare/connect-api';

/** A small LRU map (Kafka's `LRUCache`); size 0 disables caching. */
export class LruCache<K, V> {
  private readonly m = new Map<K, V>();
  /** The most recently used entry: a hit on it needs no reordering (the common case: one schema per topic). */
  private lastKey: K | undefined = undefined;
  private lastValue: V | undefined = undefined;
  constructor(private readonly max: number) {}
  get(k: K): V | undefined {
    if (k === this.lastKey && this.lastValue !== undefined) return this.lastValue;
    const v = this.m.get(k);
    if (v !== undefined) {
      if (this.m.size > 1) {
        this.m.delete(k);
        this.m.set(k, v);
      }
      this.lastKey = k;
      this.lastValue = v;
    }
    return v;
  }
  set(k: K, v: V): void {
    if (this.max <= 0) return;
    this.m.delete(k);
    this.m.set(k, v);
    this.lastKey = k;
    this.lastValue = v;
    if (this.m.size > this.max) {
      const eldest = this.m.keys().next().value as K;
      this.m.delete(eldest);
      if (eldest === this.lastKey) this.lastKey = this.lastValue = undefined;
    }
  }
  get size(): number {
    return this.m.size;
  }
}

export function configBool(configs: Readonly<Record<string, unknown>>, key: string, def: boolean): boolean {
  const v = configs[key];
  if (v === undefined || v === null) return def;
  if (typeof v === 'boolean') return v;
  const s = String(v).trim().toLowerCase();
  if (s === 'true') return true;
  if (s === 'false') return false;
  throw new ConfigException(key, v, 'Expected value to be either true or false');
}

export function configInt(configs: Readonly<Record<string, unknown>>, key: string, def: number): number {
  const v = configs[key];
  if (v === undefined || v === null) return def;
  const n = typeof v === 'number' ? v : /^\s*-?\d+\s*$/.test(String(v)) ? Number(v) : NaN;
  if (!Number.isInteger(n)) throw new ConfigException(key, v, 'Not a number of type INT');
  return n;
}
