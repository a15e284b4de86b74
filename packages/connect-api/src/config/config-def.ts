/**
 * `org.apache.kafka.common.config.ConfigDef`: how a plugin (connector,
 * converter, transformation, predicate) declares its configuration, so
 * parsing and validation are generic and read like Kafka's.
 *
 * Value types after parsing: BOOLEAN boolean; STRING string (trimmed);
 * INT, SHORT, LONG, DOUBLE number (LONG loses precision beyond 2^53, as a
 * JS number does); LIST string[]; PASSWORD `Password`; CLASS the class name
 * as a string, or the constructor/function given (resolving names to plugins
 * is the runtime's job, it knows the plugin path).
 */
import { ConfigException, javaString } from '../errors/errors';

export enum ConfigType {
  BOOLEAN = 'BOOLEAN',
  STRING = 'STRING',
  INT = 'INT',
  SHORT = 'SHORT',
  LONG = 'LONG',
  DOUBLE = 'DOUBLE',
  LIST = 'LIST',
  CLASS = 'CLASS',
  PASSWORD = 'PASSWORD',
}

export enum Importance {
  HIGH = 'HIGH',
  MEDIUM = 'MEDIUM',
  LOW = 'LOW',
}

export enum Width {
  NONE = 'NONE',
  SHORT = 'SHORT',
  MEDIUM = 'MEDIUM',
  LONG = 'LONG',
}

/** `ConfigDef.NO_DEFAULT_VALUE`: the key is required. */
export const NO_DEFAULT_VALUE: unique symbol = Symbol('NO_DEFAULT_VALUE');

/** `org.apache.kafka.common.config.types.Password`: printed as `[hidden]`. */
export class Password {
  static readonly HIDDEN = '[hidden]';
  constructor(private readonly _value: string) {}
  value(): string {
    return this._value;
  }
  toString(): string {
    return Password.HIDDEN;
  }
  toJSON(): string {
    return Password.HIDDEN;
  }
  equals(o: unknown): boolean {
    return o instanceof Password && o._value === this._value;
  }
}

/** `ConfigDef.Validator`. */
export interface Validator {
  /** Throws ConfigException when `value` is not valid for config `name`. */
  ensureValid(name: string, value: unknown): void;
  toString(): string;
}

/** `ConfigDef.Recommender`: valid values and visibility depending on other configs. */
export interface Recommender {
  validValues(name: string, parsedConfig: Record<string, unknown>): unknown[];
  visible(name: string, parsedConfig: Record<string, unknown>): boolean;
}

/** Java `Double.toString` / `Integer.toString` of a number (1 -> "1", 1.5 -> "1.5"). */
function num(n: unknown): string {
  return String(n);
}

/** `ConfigDef.Range`. */
export class Range implements Validator {
  private constructor(
    private readonly min: number | null,
    private readonly max: number | null,
  ) {}
  static atLeast(min: number): Range {
    return new Range(min, null);
  }
  static between(min: number, max: number): Range {
    return new Range(min, max);
  }
  ensureValid(name: string, o: unknown): void {
    if (o === null || o === undefined) throw new ConfigException(name, null, 'Value must be non-null');
    const n = Number(o);
    if (this.min !== null && n < this.min) throw new ConfigException(name, o, `Value must be at least ${num(this.min)}`);
    if (this.max !== null && n > this.max) throw new ConfigException(name, o, `Value must be no more than ${num(this.max)}`);
  }
  toString(): string {
    if (this.min === null && this.max === null) return '[...]';
    if (this.min === null) return `[...,${num(this.max)}]`;
    if (this.max === null) return `[${num(this.min)},...]`;
    return `[${num(this.min)},...,${num(this.max)}]`;
  }
}

/** `ConfigDef.ValidString`. */
export class ValidString implements Validator {
  protected constructor(readonly validStrings: readonly string[]) {}
  static in(...validStrings: string[]): ValidString {
    return new ValidString(validStrings);
  }
  ensureValid(name: string, o: unknown): void {
    if (!this.validStrings.includes(o as string)) throw new ConfigException(name, o, `String must be one of: ${this.validStrings.join(', ')}`);
  }
  toString(): string {
    return `[${this.validStrings.join(', ')}]`;
  }
}

/** `ConfigDef.ValidList`: every element one of the strings. */
export class ValidList implements Validator {
  private readonly validString: ValidString;
  private constructor(validStrings: string[]) {
    this.validString = ValidString.in(...validStrings);
  }
  static in(...validStrings: string[]): ValidList {
    return new ValidList(validStrings);
  }
  ensureValid(name: string, value: unknown): void {
    for (const s of (value as string[] | null) ?? []) this.validString.ensureValid(name, s);
  }
  toString(): string {
    return this.validString.toString();
  }
}

/** `ConfigDef.CaseInsensitiveValidString`. */
export class CaseInsensitiveValidString implements Validator {
  private readonly upper: Set<string>;
  private constructor(readonly validStrings: readonly string[]) {
    this.upper = new Set(validStrings.map((s) => s.toUpperCase()));
  }
  static in(...validStrings: string[]): CaseInsensitiveValidString {
    return new CaseInsensitiveValidString(validStrings);
  }
  ensureValid(name: string, o: unknown): void {
    const s = o as string | null;
    if (s === null || s === undefined || !this.upper.has(s.toUpperCase())) {
      throw new ConfigException(name, o, `String must be one of (case insensitive): ${this.validStrings.join(', ')}`);
    }
  }
  toString(): string {
    return `(case insensitive) [${this.validStrings.join(', ')}]`;
  }
}

/** `ConfigDef.NonNullValidator`. */
export class NonNullValidator implements Validator {
  ensureValid(name: string, value: unknown): void {
    if (value === null || value === undefined) throw new ConfigException(name, 'null', 'entry must be non null');
  }
  toString(): string {
    return 'non-null string';
  }
}

/** `ConfigDef.NonEmptyString`. */
export class NonEmptyString implements Validator {
  ensureValid(name: string, o: unknown): void {
    const s = o as string | null;
    if (s !== null && s !== undefined && s.length === 0) throw new ConfigException(name, o, 'String must be non-empty');
  }
  toString(): string {
    return 'non-empty string';
  }
}

/** `ConfigDef.NonEmptyStringWithoutControlChars`. */
export class NonEmptyStringWithoutControlChars implements Validator {
  static nonEmptyStringWithoutControlChars(): NonEmptyStringWithoutControlChars {
    return new NonEmptyStringWithoutControlChars();
  }
  ensureValid(name: string, value: unknown): void {
    const s = value as string | null;
    if (s === null || s === undefined) return; // Kafka: null is checked elsewhere
    if (s.length === 0) throw new ConfigException(name, value, 'String may not be empty');
    const bad: number[] = [];
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c <= 0x1f || (c >= 0x7f && c <= 0x9f)) bad.push(c);
    }
    if (bad.length > 0) throw new ConfigException(name, value, `String may not contain control sequences but had the following ASCII chars: ${bad.join(', ')}`);
  }
  toString(): string {
    return 'non-empty string without ISO control characters';
  }
}

/** `ConfigDef.ListSize`. */
export class ListSize implements Validator {
  private constructor(private readonly maxSize: number) {}
  static atMostOfSize(maxSize: number): ListSize {
    return new ListSize(maxSize);
  }
  ensureValid(name: string, value: unknown): void {
    const l = value as unknown[] | null;
    if (l && l.length > this.maxSize) throw new ConfigException(name, value, `exceeds maximum list size of [${this.maxSize}].`);
  }
  toString(): string {
    return `List containing maximum of ${this.maxSize} elements`;
  }
}

/** `ConfigDef.CompositeValidator`. */
export class CompositeValidator implements Validator {
  private constructor(private readonly validators: Validator[]) {}
  static of(...validators: Validator[]): CompositeValidator {
    return new CompositeValidator(validators);
  }
  ensureValid(name: string, value: unknown): void {
    for (const v of this.validators) v.ensureValid(name, value);
  }
  toString(): string {
    return this.validators.map(String).join(', ');
  }
}

/** `ConfigDef.LambdaValidator`. */
export class LambdaValidator implements Validator {
  private constructor(
    private readonly fn: (name: string, value: unknown) => void,
    private readonly describe: () => string,
  ) {}
  static with(ensureValid: (name: string, value: unknown) => void, toStringFn: () => string): LambdaValidator {
    return new LambdaValidator(ensureValid, toStringFn);
  }
  ensureValid(name: string, value: unknown): void {
    this.fn(name, value);
  }
  toString(): string {
    return this.describe();
  }
}

/** The definition of one key (`ConfigDef.ConfigKey`). */
export interface ConfigKeyOptions {
  name: string;
  type: ConfigType;
  /** Omitted or NO_DEFAULT_VALUE: required. */
  defaultValue?: unknown;
  validator?: Validator | null;
  importance: Importance;
  documentation: string;
  group?: string | null;
  orderInGroup?: number;
  width?: Width;
  displayName?: string;
  dependents?: string[];
  recommender?: Recommender | null;
  internalConfig?: boolean;
  alternativeString?: string | null;
}

export class ConfigKey {
  readonly name: string;
  readonly type: ConfigType;
  readonly defaultValue: unknown;
  readonly validator: Validator | null;
  readonly importance: Importance;
  readonly documentation: string;
  readonly group: string | null;
  readonly orderInGroup: number;
  readonly width: Width;
  readonly displayName: string;
  readonly dependents: readonly string[];
  readonly recommender: Recommender | null;
  readonly internalConfig: boolean;
  readonly alternativeString: string | null;

  constructor(o: ConfigKeyOptions) {
    this.name = o.name;
    this.type = o.type;
    const d = o.defaultValue === undefined ? NO_DEFAULT_VALUE : o.defaultValue;
    this.defaultValue = d === NO_DEFAULT_VALUE ? NO_DEFAULT_VALUE : ConfigDef.parseType(o.name, d, o.type);
    this.validator = o.validator ?? null;
    this.importance = o.importance;
    this.documentation = o.documentation;
    this.group = o.group ?? null;
    this.orderInGroup = o.orderInGroup ?? -1;
    this.width = o.width ?? Width.NONE;
    this.displayName = o.displayName ?? o.name;
    this.dependents = o.dependents ?? [];
    this.recommender = o.recommender ?? null;
    this.internalConfig = o.internalConfig ?? false;
    this.alternativeString = o.alternativeString ?? null;
    if (this.validator !== null && this.hasDefault()) this.validator.ensureValid(this.name, this.defaultValue);
  }

  hasDefault(): boolean {
    return this.defaultValue !== NO_DEFAULT_VALUE;
  }
}

/** `org.apache.kafka.common.config.ConfigValue`: one key's result of `ConfigDef.validate`. */
export class ConfigValue {
  constructor(
    readonly name: string,
    public value: unknown = null,
    public recommendedValues: unknown[] = [],
    public errorMessages: string[] = [],
    public visible = true,
  ) {}
  addErrorMessage(msg: string): void {
    this.errorMessages.push(msg);
  }
  toString(): string {
    return `[${this.name},${javaString(this.value)},${javaString(this.recommendedValues)},${javaString(this.errorMessages)},${this.visible}]`;
  }
}

const COMMA_WITH_WHITESPACE = /\s*,\s*/;
const JAVA_INT = /^[+-]?\d+$/;
const JAVA_DOUBLE = /^[+-]?(NaN|Infinity|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[fFdD]?)$/;

class NumberFormat extends Error {}

function parseJavaInteger(s: string, min: number, max: number): number {
  if (!JAVA_INT.test(s)) throw new NumberFormat();
  const n = Number(s);
  if (n < min || n > max) throw new NumberFormat();
  return n;
}

/** `ConfigDef`. */
export class ConfigDef {
  static readonly NO_DEFAULT_VALUE = NO_DEFAULT_VALUE;
  private readonly _configKeys = new Map<string, ConfigKey>();
  private readonly _groups: string[] = [];
  private configsWithNoParent: Set<string> | null = null;

  constructor(base?: ConfigDef) {
    if (base) {
      for (const [k, v] of base._configKeys) this._configKeys.set(k, v);
      this._groups.push(...base._groups);
    }
  }

  names(): Set<string> {
    return new Set(this._configKeys.keys());
  }

  /** Defaults of the keys that have one. */
  defaultValues(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const k of this._configKeys.values()) if (k.hasDefault()) out[k.name] = k.defaultValue;
    return out;
  }

  /** Adds a key: an options object, a ConfigKey, or Kafka's positional forms
   * `(name, type, importance, doc)`, `(name, type, default, importance, doc)`,
   * `(name, type, default, validator, importance, doc)`. */
  define(key: ConfigKey | ConfigKeyOptions): this;
  define(name: string, type: ConfigType, importance: Importance, documentation: string): this;
  define(name: string, type: ConfigType, defaultValue: unknown, importance: Importance, documentation: string): this;
  define(name: string, type: ConfigType, defaultValue: unknown, validator: Validator | null, importance: Importance, documentation: string): this;
  define(...args: unknown[]): this {
    let key: ConfigKey;
    if (args.length === 1) {
      key = args[0] instanceof ConfigKey ? args[0] : new ConfigKey(args[0] as ConfigKeyOptions);
    } else if (args.length === 4) {
      key = new ConfigKey({ name: args[0] as string, type: args[1] as ConfigType, importance: args[2] as Importance, documentation: args[3] as string });
    } else if (args.length === 5) {
      key = new ConfigKey({ name: args[0] as string, type: args[1] as ConfigType, defaultValue: args[2], importance: args[3] as Importance, documentation: args[4] as string });
    } else if (args.length === 6) {
      key = new ConfigKey({ name: args[0] as string, type: args[1] as ConfigType, defaultValue: args[2], validator: args[3] as Validator | null, importance: args[4] as Importance, documentation: args[5] as string });
    } else {
      throw new TypeError('ConfigDef.define: use an options object for more than 6 arguments');
    }
    if (this._configKeys.has(key.name)) throw new ConfigException(`Configuration ${key.name} is defined twice.`);
    if (key.group !== null && !this._groups.includes(key.group)) this._groups.push(key.group);
    this._configKeys.set(key.name, key);
    this.configsWithNoParent = null;
    return this;
  }

  /** An internal key (not documented), `defineInternal`. */
  defineInternal(name: string, type: ConfigType, defaultValue: unknown, importance: Importance, validator: Validator | null = null, documentation = ''): this {
    return this.define({ name, type, defaultValue, validator, importance, documentation, internalConfig: true });
  }

  configKeys(): ReadonlyMap<string, ConfigKey> {
    return this._configKeys;
  }

  groups(): readonly string[] {
    return this._groups;
  }

  /**
   * Parses and validates `props` (unknown keys ignored): every defined key
   * gets its typed value or default; throws the first ConfigException.
   */
  parse(props: Record<string, unknown> | ReadonlyMap<string, unknown>): Record<string, unknown> {
    const undefinedKeys = this.undefinedDependentConfigs();
    if (undefinedKeys.length > 0) throw new ConfigException(`Some configurations in are referred in the dependents, but not defined: ${undefinedKeys.join(',')}`);
    const get = props instanceof Map ? (k: string) => props.get(k) : (k: string) => (props as Record<string, unknown>)[k];
    const has = props instanceof Map ? (k: string) => props.has(k) : (k: string) => Object.prototype.hasOwnProperty.call(props, k);
    const values: Record<string, unknown> = {};
    for (const key of this._configKeys.values()) values[key.name] = this.parseValue(key, get(key.name), has(key.name));
    return values;
  }

  parseValue(key: ConfigKey, value: unknown, isSet: boolean): unknown {
    let parsed: unknown;
    if (isSet) parsed = ConfigDef.parseType(key.name, value, key.type);
    else if (key.defaultValue === NO_DEFAULT_VALUE) throw new ConfigException(`Missing required configuration "${key.name}" which has no default value.`);
    else parsed = key.defaultValue;
    if (key.validator !== null) key.validator.ensureValid(key.name, parsed);
    return parsed;
  }

  /** Validates every key, collecting errors instead of throwing (what Connect's validate REST endpoint reports). */
  validate(props: Record<string, string>): ConfigValue[] {
    return [...this.validateAll(props).values()];
  }

  validateAll(props: Record<string, string>): Map<string, ConfigValue> {
    const configValues = new Map<string, ConfigValue>();
    for (const name of this._configKeys.keys()) configValues.set(name, new ConfigValue(name));
    for (const undef of this.undefinedDependentConfigs()) {
      const v = new ConfigValue(undef);
      v.addErrorMessage(`${undef} is referred in the dependents, but not defined.`);
      v.visible = false;
      configValues.set(undef, v);
    }
    const parsed: Record<string, unknown> = {};
    const roots = this.getConfigsWithNoParent();
    for (const name of roots) this.parseForValidate(name, props, parsed, configValues);
    for (const name of roots) this.validateKey(name, parsed, configValues);
    return configValues;
  }

  private parseForValidate(name: string, props: Record<string, string>, parsed: Record<string, unknown>, configs: Map<string, ConfigValue>): void {
    const key = this._configKeys.get(name);
    if (!key) return;
    const config = configs.get(name)!;
    let value: unknown = null;
    if (Object.prototype.hasOwnProperty.call(props, key.name)) {
      try {
        value = ConfigDef.parseType(key.name, props[key.name], key.type);
      } catch (e) {
        if (!(e instanceof ConfigException)) throw e;
        config.addErrorMessage(e.message);
      }
    } else if (key.defaultValue === NO_DEFAULT_VALUE) {
      config.addErrorMessage(`Missing required configuration "${key.name}" which has no default value.`);
    } else {
      value = key.defaultValue;
    }
    if (key.validator !== null) {
      try {
        key.validator.ensureValid(key.name, value);
      } catch (e) {
        if (!(e instanceof ConfigException)) throw e;
        config.addErrorMessage(e.message);
      }
    }
    config.value = value;
    parsed[name] = value;
    for (const d of key.dependents) this.parseForValidate(d, props, parsed, configs);
  }

  private validateKey(name: string, parsed: Record<string, unknown>, configs: Map<string, ConfigValue>): void {
    const key = this._configKeys.get(name);
    if (!key) return;
    const value = configs.get(name)!;
    if (key.recommender !== null) {
      try {
        let recommended = key.recommender.validValues(name, parsed);
        if (value.recommendedValues.length > 0) {
          const orig = new Set(value.recommendedValues);
          recommended = recommended.filter((o) => orig.has(o));
        }
        value.recommendedValues = recommended;
        value.visible = key.recommender.visible(name, parsed);
      } catch (e) {
        if (!(e instanceof ConfigException)) throw e;
        value.addErrorMessage(e.message);
      }
    }
    for (const d of key.dependents) this.validateKey(d, parsed, configs);
  }

  private undefinedDependentConfigs(): string[] {
    const out = new Set<string>();
    for (const k of this._configKeys.values()) for (const d of k.dependents) if (!this._configKeys.has(d)) out.add(d);
    return [...out];
  }

  private getConfigsWithNoParent(): Set<string> {
    if (this.configsWithNoParent !== null) return this.configsWithNoParent;
    const withParent = new Set<string>();
    for (const k of this._configKeys.values()) for (const d of k.dependents) withParent.add(d);
    this.configsWithNoParent = new Set([...this._configKeys.keys()].filter((k) => !withParent.has(k)));
    return this.configsWithNoParent;
  }

  /**
   * Copies `child`'s keys under `keyPrefix` (validators and recommenders see
   * the unprefixed name), groups prefixed with `groupPrefix` — how Connect
   * embeds a transformation's config into the connector's as `transforms.<alias>.`.
   */
  embed(keyPrefix: string, groupPrefix: string, startingOrd: number, child: ConfigDef): this {
    for (const key of child._configKeys.values()) {
      const v = key.validator;
      const r = key.recommender;
      const unprefixed = (parsed: Record<string, unknown>) => {
        const out: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(parsed)) if (k.startsWith(keyPrefix)) out[k.slice(keyPrefix.length)] = x;
        return out;
      };
      this.define({
        name: keyPrefix + key.name,
        type: key.type,
        defaultValue: key.defaultValue,
        validator: v === null ? null : LambdaValidator.with((name, value) => v.ensureValid(name.slice(keyPrefix.length), value), () => v.toString()),
        importance: key.importance,
        documentation: key.documentation,
        group: groupPrefix + (key.group === null ? '' : ': ' + key.group),
        orderInGroup: startingOrd + key.orderInGroup,
        width: key.width,
        displayName: key.displayName,
        dependents: key.dependents.map((d) => keyPrefix + d),
        recommender:
          r === null
            ? null
            : {
                validValues: (name, parsed) => r.validValues(name.slice(keyPrefix.length), unprefixed(parsed)),
                visible: (name, parsed) => r.visible(name.slice(keyPrefix.length), unprefixed(parsed)),
              },
        internalConfig: key.internalConfig,
      });
    }
    return this;
  }

  /** `ConfigDef.parseType`: converts a raw (string or typed) value, with Kafka's messages. */
  static parseType(name: string, value: unknown, type: ConfigType): unknown {
    if (value === null || value === undefined) return null;
    const trimmed = typeof value === 'string' ? value.trim() : null;
    try {
      switch (type) {
        case ConfigType.BOOLEAN:
          if (trimmed !== null) {
            if (trimmed.toLowerCase() === 'true') return true;
            if (trimmed.toLowerCase() === 'false') return false;
            throw new ConfigException(name, value, 'Expected value to be either true or false');
          }
          if (typeof value === 'boolean') return value;
          throw new ConfigException(name, value, 'Expected value to be either true or false');
        case ConfigType.PASSWORD:
          if (value instanceof Password) return value;
          if (trimmed !== null) return new Password(trimmed);
          throw new ConfigException(name, value, `Expected value to be a string, but it was a ${javaTypeName(value)}`);
        case ConfigType.STRING:
          if (trimmed !== null) return trimmed;
          throw new ConfigException(name, value, `Expected value to be a string, but it was a ${javaTypeName(value)}`);
        case ConfigType.INT:
          if (typeof value === 'number' && Number.isInteger(value) && value >= -2147483648 && value <= 2147483647) return value;
          if (trimmed !== null) return parseJavaInteger(trimmed, -2147483648, 2147483647);
          throw new ConfigException(name, value, `Expected value to be a 32-bit integer, but it was a ${javaTypeName(value)}`);
        case ConfigType.SHORT:
          if (typeof value === 'number' && Number.isInteger(value) && value >= -32768 && value <= 32767) return value;
          if (trimmed !== null) return parseJavaInteger(trimmed, -32768, 32767);
          throw new ConfigException(name, value, `Expected value to be a 16-bit integer (short), but it was a ${javaTypeName(value)}`);
        case ConfigType.LONG:
          if (typeof value === 'number' && Number.isInteger(value)) return value;
          if (typeof value === 'bigint') return Number(value);
          if (trimmed !== null) {
            if (!JAVA_INT.test(trimmed)) throw new NumberFormat();
            const b = BigInt(trimmed);
            if (b < -(2n ** 63n) || b > 2n ** 63n - 1n) throw new NumberFormat();
            return Number(b);
          }
          throw new ConfigException(name, value, `Expected value to be a 64-bit integer (long), but it was a ${javaTypeName(value)}`);
        case ConfigType.DOUBLE:
          if (typeof value === 'number') return value;
          if (trimmed !== null) {
            if (!JAVA_DOUBLE.test(trimmed)) throw new NumberFormat();
            return Number(trimmed.replace(/[fFdD]$/, ''));
          }
          throw new ConfigException(name, value, `Expected value to be a double, but it was a ${javaTypeName(value)}`);
        case ConfigType.LIST:
          if (Array.isArray(value)) return value;
          if (trimmed !== null) return trimmed === '' ? [] : trimmed.split(COMMA_WITH_WHITESPACE);
          throw new ConfigException(name, value, 'Expected a comma separated list.');
        case ConfigType.CLASS:
          if (typeof value === 'function') return value;
          if (trimmed !== null) return trimmed;
          throw new ConfigException(name, value, 'Expected a Class instance or class name.');
      }
    } catch (e) {
      if (e instanceof NumberFormat) throw new ConfigException(name, value, `Not a number of type ${type}`);
      throw e;
    }
    throw new Error('Unknown type.');
  }

  /** `ConfigDef.convertToString`: the string form of a parsed value (lists comma-joined). */
  static convertToString(parsedValue: unknown, type: ConfigType | null): string | null {
    if (parsedValue === null || parsedValue === undefined) return null;
    if (type === null) return String(parsedValue);
    switch (type) {
      case ConfigType.PASSWORD:
        return parsedValue instanceof Password ? parsedValue.value() : String(parsedValue);
      case ConfigType.LIST:
        return (parsedValue as unknown[]).map(String).join(',');
      case ConfigType.CLASS:
        return typeof parsedValue === 'function' ? (parsedValue as { name: string }).name : String(parsedValue);
      case ConfigType.DOUBLE: {
        const n = parsedValue as number;
        return Number.isInteger(n) && Math.abs(n) < 1e7 ? n.toFixed(1) : String(n);
      }
      default:
        return String(parsedValue);
    }
  }
}

function javaTypeName(v: unknown): string {
  switch (typeof v) {
    case 'number':
      return Number.isInteger(v) ? 'java.lang.Integer' : 'java.lang.Double';
    case 'boolean':
      return 'java.lang.Boolean';
    case 'string':
      return 'java.lang.String';
    case 'bigint':
      return 'java.lang.Long';
    default:
      return Array.isArray(v) ? 'java.util.ArrayList' : 'java.lang.Object';
  }
}
