/**
 * `org.apache.kafka.common.config.AbstractConfig`: parsed, typed access to
 * a plugin's configuration (parse errors thrown at construction).
 */
import { ConfigException } from '../errors/errors';
import { ConfigDef, ConfigType, Password } from './config-def';

export class AbstractConfig {
  protected readonly _originals: Record<string, unknown>;
  protected readonly _values: Record<string, unknown>;
  private readonly used = new Set<string>();

  constructor(
    readonly definition: ConfigDef,
    originals: Record<string, unknown>,
  ) {
    for (const k of Object.keys(originals)) {
      if (typeof k !== 'string') throw new ConfigException(`Key ${String(k)} was provided as a non-string.`);
    }
    this._originals = { ...originals };
    this._values = definition.parse(this._originals);
  }

  /** The parsed value; unknown keys throw `Unknown configuration 'x'`. */
  get(key: string): unknown {
    if (!Object.prototype.hasOwnProperty.call(this._values, key)) throw new ConfigException(`Unknown configuration '${key}'`);
    this.used.add(key);
    return this._values[key];
  }
  getShort(key: string): number | null {
    return this.get(key) as number | null;
  }
  getInt(key: string): number | null {
    return this.get(key) as number | null;
  }
  getLong(key: string): number | null {
    return this.get(key) as number | null;
  }
  getDouble(key: string): number | null {
    return this.get(key) as number | null;
  }
  getBoolean(key: string): boolean | null {
    return this.get(key) as boolean | null;
  }
  getString(key: string): string | null {
    return this.get(key) as string | null;
  }
  getList(key: string): string[] | null {
    return this.get(key) as string[] | null;
  }
  getPassword(key: string): Password | null {
    return this.get(key) as Password | null;
  }
  /** CLASS keys: the class name (or the function given). */
  getClass(key: string): unknown {
    return this.get(key);
  }

  /** The type of a defined key, or null. */
  typeOf(key: string): ConfigType | null {
    return this.definition.configKeys().get(key)?.type ?? null;
  }

  /** All parsed values. */
  values(): Record<string, unknown> {
    return { ...this._values };
  }
  /** The configuration as given. */
  originals(): Record<string, unknown> {
    return { ...this._originals };
  }
  /** The given configuration with every value as a string. */
  originalsStrings(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(this._originals)) {
      if (typeof v !== 'string') throw new ConfigException(k, v, 'Not a string.');
      out[k] = v;
    }
    return out;
  }
  /** Given keys starting with `prefix` (stripped unless `strip` is false). */
  originalsWithPrefix(prefix: string, strip = true): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(this._originals)) {
      if (k.startsWith(prefix) && k.length > prefix.length) out[strip ? k.slice(prefix.length) : k] = v;
    }
    return out;
  }
  /** Keys given but never read through `get` (Kafka logs them as unused). */
  unused(): Set<string> {
    const out = new Set(Object.keys(this._originals));
    for (const k of this.used) out.delete(k);
    return out;
  }
  /** Parsed values as strings, as `ConfigDef.convertToString` writes them. */
  valuesAsStrings(): Record<string, string | null> {
    const out: Record<string, string | null> = {};
    for (const [k, v] of Object.entries(this._values)) out[k] = ConfigDef.convertToString(v, this.typeOf(k));
    return out;
  }
}
