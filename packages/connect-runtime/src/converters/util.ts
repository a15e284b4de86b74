import { ConfigException } from '@nagare/connect-api';

/** A small LRU map (Kafka's `LRUCache`); size 0 disables caching. */
export class LruCache<K, V> {
  private readonly m = new Map<K, V>();
  constructor(private readonly max: number) {}
  get(k: K): V | undefined {
    const v = this.m.get(k);
    if (v !== undefined && this.m.size > 1) {
      this.m.delete(k);
      this.m.set(k, v);
    }
    return v;
  }
  set(k: K, v: V): void {
    if (this.max <= 0) return;
    this.m.delete(k);
    this.m.set(k, v);
    if (this.m.size > this.max) this.m.delete(this.m.keys().next().value as K);
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
