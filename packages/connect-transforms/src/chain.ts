/**
 * The built-in plugin registry (Kafka class names and their aliases) and
 * the runtime's transformation chain: `transforms=<a>,<b>`,
 * `transforms.<a>.type=<class>`, `transforms.<a>.predicate=<p>`,
 * `transforms.<a>.negate=true|false`, `predicates=<p>`,
 * `predicates.<p>.type=<class>` (KIP-66, KIP-585), with the messages of
 * Kafka's `ConnectorConfig`.
 */
import {
  CompositeValidator,
  ConfigDef,
  ConfigException,
  ConfigType,
  ConnectException,
  Importance,
  LambdaValidator,
  NonNullValidator,
  type ConnectRecord,
  type Predicate,
  type PredicateClass,
  type Transformation,
  type TransformationClass,
} from '@nagare/connect-api';
import { CastKey, CastValue } from './transforms/cast';
import { ExtractFieldKey, ExtractFieldValue } from './transforms/extract-field';
import { FlattenKey, FlattenValue } from './transforms/flatten';
import { DropHeaders, HeaderFromKey, HeaderFromValue, InsertHeader } from './transforms/headers';
import { HoistFieldKey, HoistFieldValue } from './transforms/hoist-field';
import { InsertFieldKey, InsertFieldValue } from './transforms/insert-field';
import { MaskFieldKey, MaskFieldValue } from './transforms/mask-field';
import { ReplaceFieldKey, ReplaceFieldValue } from './transforms/replace-field';
import { Filter, RegexRouter, TimestampRouter } from './transforms/routing';
import { SetSchemaMetadataKey, SetSchemaMetadataValue } from './transforms/set-schema-metadata';
import { TimestampConverterKey, TimestampConverterValue } from './transforms/timestamp-converter';
import { ValueToKey } from './transforms/value-to-key';
import { HasHeaderKey, RecordIsTombstone, TopicNameMatches } from './predicates/predicates';

const T = 'org.apache.kafka.connect.transforms.';
const P = 'org.apache.kafka.connect.transforms.predicates.';

/** Every built-in transformation by Kafka class name. */
export const BUILTIN_TRANSFORMATIONS: Readonly<Record<string, TransformationClass>> = {
  [`${T}Cast$Key`]: CastKey,
  [`${T}Cast$Value`]: CastValue,
  [`${T}DropHeaders`]: DropHeaders,
  [`${T}ExtractField$Key`]: ExtractFieldKey,
  [`${T}ExtractField$Value`]: ExtractFieldValue,
  [`${T}Filter`]: Filter,
  [`${T}Flatten$Key`]: FlattenKey,
  [`${T}Flatten$Value`]: FlattenValue,
  [`${T}HeaderFrom$Key`]: HeaderFromKey,
  [`${T}HeaderFrom$Value`]: HeaderFromValue,
  [`${T}HoistField$Key`]: HoistFieldKey,
  [`${T}HoistField$Value`]: HoistFieldValue,
  [`${T}InsertField$Key`]: InsertFieldKey,
  [`${T}InsertField$Value`]: InsertFieldValue,
  [`${T}InsertHeader`]: InsertHeader,
  [`${T}MaskField$Key`]: MaskFieldKey,
  [`${T}MaskField$Value`]: MaskFieldValue,
  [`${T}RegexRouter`]: RegexRouter,
  [`${T}ReplaceField$Key`]: ReplaceFieldKey,
  [`${T}ReplaceField$Value`]: ReplaceFieldValue,
  [`${T}SetSchemaMetadata$Key`]: SetSchemaMetadataKey,
  [`${T}SetSchemaMetadata$Value`]: SetSchemaMetadataValue,
  [`${T}TimestampConverter$Key`]: TimestampConverterKey,
  [`${T}TimestampConverter$Value`]: TimestampConverterValue,
  [`${T}TimestampRouter`]: TimestampRouter,
  [`${T}ValueToKey`]: ValueToKey,
};

/** Every built-in predicate by Kafka class name. */
export const BUILTIN_PREDICATES: Readonly<Record<string, PredicateClass>> = {
  [`${P}HasHeaderKey`]: HasHeaderKey,
  [`${P}RecordIsTombstone`]: RecordIsTombstone,
  [`${P}TopicNameMatches`]: TopicNameMatches,
};

function withAliases<C>(byClass: Readonly<Record<string, C>>): Map<string, C> {
  const m = new Map<string, C>();
  for (const [cls, ctor] of Object.entries(byClass)) {
    m.set(cls, ctor);
    m.set(cls.slice(cls.lastIndexOf('.') + 1), ctor); // simple name, e.g. InsertField$Value (Kafka's plugin alias)
  }
  return m;
}

const TRANSFORMATIONS = withAliases(BUILTIN_TRANSFORMATIONS);
const PREDICATES = withAliases(BUILTIN_PREDICATES);

/** A built-in transformation class by full class name or alias (`InsertField$Value`), or undefined. */
export function builtinTransformation(name: string): TransformationClass | undefined {
  return TRANSFORMATIONS.get(name.trim());
}

/** A built-in predicate class by full class name or alias (`TopicNameMatches`), or undefined. */
export function builtinPredicate(name: string): PredicateClass | undefined {
  return PREDICATES.get(name.trim());
}

/** The Kafka class name of a built-in plugin class (for `GET /connector-plugins`), or undefined. */
export function builtinClassName(ctor: TransformationClass | PredicateClass): string | undefined {
  for (const [n, c] of Object.entries(BUILTIN_TRANSFORMATIONS)) if (c === ctor) return n;
  for (const [n, c] of Object.entries(BUILTIN_PREDICATES)) if (c === ctor) return n;
  return undefined;
}

/** `TransformationStage`: a transformation applied when its predicate (xor negate) holds, or always without one. */
export class TransformationStage<R extends ConnectRecord<R> = ConnectRecord<any>> {
  static readonly PREDICATE_CONFIG = 'predicate';
  static readonly NEGATE_CONFIG = 'negate';

  /** The transformation's class name (Kafka's, for built-ins): what errors, logs and DLQ headers name. */
  readonly className: string;

  constructor(
    readonly alias: string,
    readonly transformation: Transformation<R>,
    readonly predicate: Predicate<R> | null = null,
    readonly negate = false,
    className?: string,
  ) {
    this.className = className ?? pluginClassNameOf(transformation.constructor as TransformationClass);
  }

  apply(record: R): R | null {
    if (this.predicate === null || this.negate !== this.predicate.test(record)) return this.transformation.apply(record);
    return record;
  }

  close(): void {
    this.transformation.close();
    this.predicate?.close();
  }
}

/** The class name of a plugin class: Kafka's for built-ins, else its static `className`, else its JS name. */
export function pluginClassNameOf(ctor: TransformationClass | PredicateClass): string {
  return builtinClassName(ctor) ?? (ctor as unknown as { className?: string }).className ?? ctor.name;
}

export interface ChainOptions {
  /** Resolves a class name/alias to a transformation class (plugins on `plugin.path`); built-ins are tried first. */
  resolveTransformation?: (name: string) => TransformationClass | undefined;
  resolvePredicate?: (name: string) => PredicateClass | undefined;
}

/** The connector-level keys defining the chain (`ConnectorConfig`'s `transforms` / `predicates`). */
export function aliasListValidator(kind: string) {
  return CompositeValidator.of(
    new NonNullValidator(),
    LambdaValidator.with(
      (name, value) => {
        const aliases = value as string[];
        if (aliases.length > new Set(aliases).size) throw new ConfigException(name, value, 'Duplicate alias provided.');
      },
      () => `unique ${kind} aliases`,
    ),
  );
}

const CHAIN_DEF = new ConfigDef()
  .define('transforms', ConfigType.LIST, [], aliasListValidator('transformation'), Importance.LOW, 'Aliases for the transformations to be applied to records.')
  .define('predicates', ConfigType.LIST, [], aliasListValidator('predicate'), Importance.LOW, 'Aliases for the predicates used by transformations.');

function withPrefix(props: Record<string, unknown>, prefix: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(props)) if (k.startsWith(prefix) && k.length > prefix.length) out[k.slice(prefix.length)] = v;
  return out;
}

/** The ordered stages a connector applies to each record (what Kafka's `WorkerTask` runs). */
export class TransformationChain<R extends ConnectRecord<R> = ConnectRecord<any>> {
  constructor(readonly stages: readonly TransformationStage<R>[]) {}

  /**
   * Builds and configures the chain from a connector configuration. Errors
   * are ConfigExceptions naming the key (`transforms.<a>.type`, ...) or, for
   * a plugin's own configure failure, a ConnectException wrapping it, as
   * `ConnectorConfig.transformationStages` throws.
   */
  static fromConfig<R extends ConnectRecord<R> = ConnectRecord<any>>(props: Record<string, unknown>, options: ChainOptions = {}): TransformationChain<R> {
    const parsed = CHAIN_DEF.parse(props);
    const stages: TransformationStage<R>[] = [];
    const predicateAliases = new Set(parsed['predicates'] as string[]);
    try {
      for (const alias of parsed['transforms'] as string[]) {
        const prefix = `transforms.${alias}.`;
        const cls = resolve(prefix + 'type', props[prefix + 'type'], (n) => builtinTransformation(n) ?? options.resolveTransformation?.(n));
        const configs = withPrefix(props, prefix);
        const predicateAlias = configs[TransformationStage.PREDICATE_CONFIG];
        const negate = configs[TransformationStage.NEGATE_CONFIG];
        delete configs[TransformationStage.PREDICATE_CONFIG];
        delete configs[TransformationStage.NEGATE_CONFIG];
        delete configs['type'];
        if (negate !== undefined && predicateAlias === undefined) {
          throw new ConfigException(`Config '${prefix}negate' was provided but there is no config '${prefix}predicate' defining a predicate to be negated.`);
        }
        if (negate !== undefined) ConfigDef.parseType(prefix + 'negate', negate, ConfigType.BOOLEAN);
        const transformation = new cls() as Transformation<R>;
        configurePlugin(transformation, configs);
        if (predicateAlias !== undefined && predicateAlias !== null) {
          const pAlias = String(predicateAlias).trim();
          if (!predicateAliases.has(pAlias)) throw new ConfigException(prefix + 'predicate', predicateAlias, `Predicate alias ${pAlias} is not defined in 'predicates'.`);
          const pPrefix = `predicates.${pAlias}.`;
          const pcls = resolve(pPrefix + 'type', props[pPrefix + 'type'], (n) => builtinPredicate(n) ?? options.resolvePredicate?.(n));
          const predicate = new pcls() as Predicate<R>;
          const pConfigs = withPrefix(props, pPrefix);
          delete pConfigs['type'];
          configurePlugin(predicate, pConfigs);
          stages.push(new TransformationStage(alias, transformation, predicate, negate !== undefined && String(negate).trim().toLowerCase() === 'true'));
        } else {
          stages.push(new TransformationStage(alias, transformation));
        }
      }
    } catch (e) {
      for (const s of stages) s.close();
      throw e;
    }
    return new TransformationChain(stages);
  }

  get empty(): boolean {
    return this.stages.length === 0;
  }

  /** Applies each stage in order; null (dropped) stops the chain. */
  apply(record: R): R | null {
    let r: R | null = record;
    for (let i = 0; i < this.stages.length && r !== null; i++) r = this.stages[i].apply(r);
    return r;
  }

  close(): void {
    for (const s of this.stages) s.close();
  }
}

function resolve<C>(key: string, value: unknown, lookup: (name: string) => C | undefined): C {
  if (value === undefined || value === null) throw new ConfigException(`Missing required configuration "${key}" which has no default value.`);
  if (typeof value === 'function') return value as C;
  const name = String(value).trim();
  const c = lookup(name);
  if (c === undefined) throw new ConfigException(key, name, `Class ${name} could not be found.`);
  return c;
}

function configurePlugin(plugin: { configure(c: Record<string, unknown>): void }, configs: Record<string, unknown>): void {
  try {
    plugin.configure(configs);
  } catch (e) {
    if (e instanceof ConfigException) throw e;
    throw new ConnectException((e as Error).message, { cause: e });
  }
}
