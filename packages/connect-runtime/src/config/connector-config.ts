/**
 * Connector configuration validation as `AbstractHerder.validateConnectorConfig`
 * does it: the framework's keys (`ConnectorConfig`, `SinkConnectorConfig`,
 * `SourceConnectorConfig` with KIP-158 topic creation), each transformation's
 * and predicate's own ConfigDef embedded under `transforms.<alias>.` /
 * `predicates.<alias>.`, the connector's `validate()`, and the client
 * override policy for `producer.override.*` / `consumer.override.*` /
 * `admin.override.*`. The result is Kafka's `ConfigInfos` JSON.
 */
import {
  CaseInsensitiveValidString,
  ConfigDef,
  ConfigType,
  ConfigValue,
  Importance,
  NonEmptyString,
  NonEmptyStringWithoutControlChars,
  Range,
  type TransactionBoundary,
  type ConfigKey,
  type Connector,
  type SourceConnector,
} from '@nagare/connect-api';
import type { OverridePolicy } from './worker-config';
import type { PluginDesc, Plugins } from '../plugins/plugins';
import { parseList as aliases } from '../util/properties';

export interface ConfigKeyInfo {
  name: string;
  type: string;
  required: boolean;
  default_value: string | null;
  importance: string;
  documentation: string;
  group: string | null;
  order: number;
  width: string;
  display_name: string;
  dependents: string[];
}
export interface ConfigValueInfo {
  name: string;
  value: string | null;
  recommended_values: string[];
  errors: string[];
  visible: boolean;
}
export interface ConfigInfos {
  name: string;
  error_count: number;
  groups: string[];
  configs: Array<{ definition: ConfigKeyInfo; value: ConfigValueInfo }>;
}

const COMMON_GROUP = 'Common';
const TRANSFORMS_GROUP = 'Transforms';
const PREDICATES_GROUP = 'Predicates';
const ERROR_GROUP = 'Error Handling';
const TOPIC_CREATION_GROUP = 'Topic Creation';
const EXACTLY_ONCE_SUPPORT_GROUP = 'Exactly Once Support';
const OFFSETS_TOPIC_GROUP = 'offsets.topic';

export const EXACTLY_ONCE_SUPPORT_CONFIG = 'exactly.once.support';
export const TRANSACTION_BOUNDARY_CONFIG = 'transaction.boundary';
export const TRANSACTION_BOUNDARY_INTERVAL_CONFIG = 'transaction.boundary.interval.ms';
export const OFFSETS_TOPIC_CONFIG = 'offsets.storage.topic';

/** `transaction.boundary.interval.ms`: null (unset) or at least 0 (Kafka's LambdaValidator around Range.atLeast(0)). */
const NULL_OR_AT_LEAST_ZERO = {
  ensureValid(name: string, v: unknown): void {
    if (v === null || v === undefined) return;
    Range.atLeast(0).ensureValid(name, v);
  },
  toString(): string {
    return '[0,...]';
  },
};

/** The exactly-once settings of a source connector's config (`SourceConnectorConfig`), parsed. */
export interface SourceExactlyOnceConfig {
  exactlyOnceSupport: 'requested' | 'required';
  transactionBoundary: TransactionBoundary;
  /** null: the worker's offset.flush.interval.ms. */
  transactionBoundaryIntervalMs: number | null;
  /** null: the worker's offset.storage.topic. */
  offsetsTopic: string | null;
}

export function sourceExactlyOnceConfig(props: Readonly<Record<string, string>>): SourceExactlyOnceConfig {
  const eos = (props[EXACTLY_ONCE_SUPPORT_CONFIG] ?? 'requested').trim().toLowerCase();
  const boundary = (props[TRANSACTION_BOUNDARY_CONFIG] ?? 'poll').trim().toLowerCase();
  const interval = props[TRANSACTION_BOUNDARY_INTERVAL_CONFIG];
  const topic = props[OFFSETS_TOPIC_CONFIG];
  return {
    exactlyOnceSupport: eos === 'required' ? 'required' : 'requested',
    transactionBoundary: boundary === 'interval' || boundary === 'connector' ? boundary : 'poll',
    transactionBoundaryIntervalMs: interval === undefined || interval.trim() === '' ? null : Number(interval.trim()),
    offsetsTopic: topic === undefined || topic.trim() === '' ? null : topic.trim(),
  };
}

function def(d: ConfigDef, name: string, type: ConfigType, defaultValue: unknown, importance: Importance, documentation: string, group: string, order: number, validator: unknown = null): void {
  d.define({ name, type, defaultValue, importance, documentation, group, orderInGroup: order, displayName: name, validator: validator as never });
}

/** `ConnectorConfig.configDef()` plus the sink or source additions. */
export function connectorConfigDef(kind: 'source' | 'sink' | null): ConfigDef {
  const d = new ConfigDef();
  let o = 0;
  def(d, 'name', ConfigType.STRING, ConfigDef.NO_DEFAULT_VALUE, Importance.HIGH, 'Globally unique name to use for this connector.', COMMON_GROUP, ++o, new NonEmptyStringWithoutControlChars());
  def(d, 'connector.class', ConfigType.STRING, ConfigDef.NO_DEFAULT_VALUE, Importance.HIGH, 'Name or alias of the class for this connector.', COMMON_GROUP, ++o);
  def(d, 'tasks.max', ConfigType.INT, 1, Importance.HIGH, 'Maximum number of tasks to use for this connector.', COMMON_GROUP, ++o, Range.atLeast(1));
  def(d, 'tasks.max.enforce', ConfigType.BOOLEAN, true, Importance.LOW, 'Whether to fail tasks when a connector generates more task configurations than tasks.max (deprecated).', COMMON_GROUP, ++o);
  def(d, 'key.converter', ConfigType.CLASS, null, Importance.LOW, 'Converter class used to convert between Kafka Connect format and the serialized form that is written to Kafka.', COMMON_GROUP, ++o);
  def(d, 'value.converter', ConfigType.CLASS, null, Importance.LOW, 'Converter class used to convert between Kafka Connect format and the serialized form that is written to Kafka.', COMMON_GROUP, ++o);
  def(d, 'header.converter', ConfigType.CLASS, null, Importance.LOW, 'HeaderConverter class used to convert between Kafka Connect format and the serialized form that is written to Kafka.', COMMON_GROUP, ++o);
  def(d, 'config.action.reload', ConfigType.STRING, 'restart', Importance.LOW, 'The action that Connect should take on the connector when changes in external configuration providers result in a change in the connector configuration properties.', COMMON_GROUP, ++o, CaseInsensitiveValidString.in('none', 'restart'));
  def(d, 'transforms', ConfigType.LIST, '', Importance.LOW, 'Aliases for the transformations to be applied to records.', TRANSFORMS_GROUP, 1);
  def(d, 'predicates', ConfigType.LIST, '', Importance.LOW, 'Aliases for the predicates used by transformations.', PREDICATES_GROUP, 1);
  o = 0;
  def(d, 'errors.retry.timeout', ConfigType.LONG, 0, Importance.MEDIUM, 'The maximum duration in milliseconds that a failed operation will be reattempted. The default is 0, which means no retries will be attempted. Use -1 for infinite retries.', ERROR_GROUP, ++o);
  def(d, 'errors.retry.delay.max.ms', ConfigType.LONG, 60000, Importance.MEDIUM, 'The maximum duration in milliseconds between consecutive retry attempts. Jitter will be added to the delay once this limit is reached to prevent thundering herd issues.', ERROR_GROUP, ++o);
  def(d, 'errors.tolerance', ConfigType.STRING, 'none', Importance.MEDIUM, "Behavior for tolerating errors during connector operation. 'none' is the default value and signals that any error will result in an immediate connector task failure; 'all' changes the behavior to skip over problematic records.", ERROR_GROUP, ++o, CaseInsensitiveValidString.in('none', 'all'));
  def(d, 'errors.log.enable', ConfigType.BOOLEAN, false, Importance.MEDIUM, 'If true, write each error and the details of the failed operation and problematic record to the Connect application log.', ERROR_GROUP, ++o);
  def(d, 'errors.log.include.messages', ConfigType.BOOLEAN, false, Importance.MEDIUM, 'Whether to include in the log the Connect record that resulted in a failure.', ERROR_GROUP, ++o);
  if (kind === 'sink') {
    def(d, 'topics', ConfigType.LIST, '', Importance.HIGH, 'List of topics to consume, separated by commas', COMMON_GROUP, 4);
    def(d, 'topics.regex', ConfigType.STRING, '', Importance.HIGH, 'Regular expression giving topics to consume.', COMMON_GROUP, 4);
    def(d, 'errors.deadletterqueue.topic.name', ConfigType.STRING, '', Importance.MEDIUM, 'The name of the topic to be used as the dead letter queue (DLQ) for messages that result in an error when processed by this sink connector, or its transformations or converters. The topic name is blank by default, which means that no messages are to be recorded in the DLQ.', ERROR_GROUP, ++o);
    def(d, 'errors.deadletterqueue.topic.replication.factor', ConfigType.SHORT, 3, Importance.MEDIUM, 'Replication factor used to create the dead letter queue topic when it doesn\'t already exist.', ERROR_GROUP, ++o);
    def(d, 'errors.deadletterqueue.context.headers.enable', ConfigType.BOOLEAN, false, Importance.MEDIUM, 'If true, add headers containing error context to the messages written to the dead letter queue.', ERROR_GROUP, ++o);
  }
  if (kind === 'source') {
    // SourceConnectorConfig.configDef(): one order counter runs over the topic creation and exactly-once groups
    def(d, 'topic.creation.groups', ConfigType.LIST, '', Importance.LOW, 'Groups of configurations for topics created by source connectors', TOPIC_CREATION_GROUP, 1);
    def(
      d,
      EXACTLY_ONCE_SUPPORT_CONFIG,
      ConfigType.STRING,
      'requested',
      Importance.MEDIUM,
      'Permitted values are requested, required. With "required" the connector is checked, before it is created, to provide exactly-once semantics with its configuration (and the worker must have exactly-once source support enabled); use "requested" for connectors that do not say whether they do.',
      EXACTLY_ONCE_SUPPORT_GROUP,
      2,
      CaseInsensitiveValidString.in('requested', 'required'),
    );
    def(
      d,
      TRANSACTION_BOUNDARY_CONFIG,
      ConfigType.STRING,
      'poll',
      Importance.MEDIUM,
      "Permitted values are: poll, interval, connector. 'poll' commits a producer transaction for every batch a task returns from poll(); 'interval' commits every transaction.boundary.interval.ms; 'connector' lets the connector define the boundaries (only connectors that can do so accept it).",
      EXACTLY_ONCE_SUPPORT_GROUP,
      3,
      CaseInsensitiveValidString.in('poll', 'interval', 'connector'),
    );
    def(
      d,
      TRANSACTION_BOUNDARY_INTERVAL_CONFIG,
      ConfigType.LONG,
      null,
      Importance.LOW,
      "With transaction.boundary=interval, how often tasks commit their producer transaction. Unset: the worker's offset.flush.interval.ms. Ignored for other transaction boundaries.",
      EXACTLY_ONCE_SUPPORT_GROUP,
      4,
      NULL_OR_AT_LEAST_ZERO,
    );
    def(
      d,
      OFFSETS_TOPIC_CONFIG,
      ConfigType.STRING,
      null,
      Importance.LOW,
      "A separate offsets topic for this connector (created if missing); unset or empty: the worker's offset.storage.topic. Distributed mode only.",
      OFFSETS_TOPIC_GROUP,
      1,
      new NonEmptyString(),
    );
  }
  return d;
}

const PRINCIPAL_ALLOWED = new Set(['sasl.jaas.config', 'sasl.mechanism', 'security.protocol']);

/** Errors of `<prefix>.override.*` keys under the worker's override policy (messages as Kafka's policies write them). */
export function clientOverrideErrors(props: Readonly<Record<string, string>>, policy: OverridePolicy): ConfigValue[] {
  const out: ConfigValue[] = [];
  for (const prefix of ['producer.override.', 'consumer.override.', 'admin.override.']) {
    for (const [k, v] of Object.entries(props)) {
      if (!k.startsWith(prefix)) continue;
      const name = k.slice(prefix.length);
      const cv = new ConfigValue(k, v);
      if (policy === 'None' || (policy === 'Principal' && !PRINCIPAL_ALLOWED.has(name))) cv.addErrorMessage(`The '${policy}' policy does not allow '${name}' to be overridden`);
      out.push(cv);
    }
  }
  return out;
}

function keyInfo(k: ConfigKey): ConfigKeyInfo {
  const required = !k.hasDefault();
  const dv = required ? null : ConfigDef.convertToString(k.defaultValue, k.type);
  return {
    name: k.name,
    type: k.type,
    required,
    default_value: required ? '' : dv,
    importance: k.importance,
    documentation: k.documentation,
    group: k.group,
    order: k.orderInGroup,
    width: k.width,
    display_name: k.displayName,
    dependents: [...k.dependents],
  };
}

function valueInfo(v: ConfigValue, type: ConfigType | null): ConfigValueInfo {
  return {
    name: v.name,
    value: v.value === null || v.value === undefined ? null : ConfigDef.convertToString(v.value, type),
    recommended_values: v.recommendedValues.map((x) => String(x)),
    errors: [...v.errorMessages],
    visible: v.visible,
  };
}

export interface ValidationResult {
  infos: ConfigInfos;
  errorMessages: string[];
}

/**
 * Validates a connector configuration. `connector` is a fresh instance of
 * the connector class (null when connector.class is unknown: then only the
 * framework keys are checked and connector.class carries the error).
 */
export interface DistributedValidation {
  /** The worker's `group.id` (a sink's consumer group may not be it). */
  workerGroupId: string;
  /** `exactly.once.source.support=enabled` on this worker. */
  exactlyOnceSourceEnabled: boolean;
  /** Where a failed connector hook is logged. */
  onHookError?: (what: string, e: unknown) => void;
}

/** Kafka's "An unexpected error occurred during validation" text for a connector hook that threw. */
function unexpectedValidationError(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m && m.trim() !== '' ? `An unexpected error occurred during validation: ${m.trim()}` : 'An unexpected error occurred during validation; please see the worker logs for more details.';
}

/**
 * `DistributedHerder.validateSourceConnectorConfig` / `validateSinkConnectorConfig`:
 * the KIP-618 preflight checks of `exactly.once.support=required` and
 * `transaction.boundary=connector`, and the sink consumer group check.
 */
function distributedChecks(kind: 'source' | 'sink', props: Record<string, string>, values: Map<string, ConfigValue>, connector: Connector, dv: DistributedValidation): void {
  if (kind === 'sink') {
    const overrideKey = 'consumer.override.group.id';
    if (props[overrideKey] !== undefined) {
      const group = props[overrideKey];
      let cv = values.get(overrideKey);
      if (!cv) values.set(overrideKey, (cv = new ConfigValue(overrideKey, group)));
      if (group === dv.workerGroupId) cv.addErrorMessage(`Consumer group ${group} conflicts with Connect worker group ${dv.workerGroupId}`);
    } else {
      const name = values.get('name');
      if (name && `connect-${String(name.value)}` === dv.workerGroupId) name.addErrorMessage(`Consumer group for sink connector named ${String(name.value)} conflicts with Connect worker group ${dv.workerGroupId}`);
    }
    return;
  }
  const source = connector as SourceConnector;
  const eos = values.get(EXACTLY_ONCE_SUPPORT_CONFIG);
  if (eos && eos.errorMessages.length === 0 && String(eos.value).trim().toLowerCase() === 'required') {
    if (!dv.exactlyOnceSourceEnabled) eos.addErrorMessage('This worker does not have exactly-once source support enabled.');
    try {
      const support = typeof source.exactlyOnceSupport === 'function' ? source.exactlyOnceSupport({ ...props }) : null;
      if (support === null || support === undefined) {
        eos.addErrorMessage(
          'The connector does not implement the API required for preflight validation of exactly-once source support. Please consult the documentation for the connector to determine whether it supports exactly-once semantics, and then consider reconfiguring the connector to use the value "requested" for this property (which will disable this preflight check and allow the connector to be created).',
        );
      } else if (support === 'UNSUPPORTED') eos.addErrorMessage('The connector does not support exactly-once semantics with the provided configuration.');
      else if (support !== 'SUPPORTED') throw new Error(`Unexpected value returned from SourceConnector::exactlyOnceSupport: ${String(support)}`);
    } catch (e) {
      dv.onHookError?.('Failed while validating connector support for exactly-once semantics', e);
      eos.addErrorMessage(unexpectedValidationError(e));
    }
  }
  const boundary = values.get(TRANSACTION_BOUNDARY_CONFIG);
  if (boundary && boundary.errorMessages.length === 0 && String(boundary.value).trim().toLowerCase() === 'connector') {
    try {
      const can = typeof source.canDefineTransactionBoundaries === 'function' ? source.canDefineTransactionBoundaries({ ...props }) : 'UNSUPPORTED';
      if (can === null || can === undefined) {
        boundary.addErrorMessage(
          "This connector has returned a null value from its canDefineTransactionBoundaries method, which is not permitted. The connector will be treated as if it cannot define its own transaction boundaries, and cannot be configured with 'transaction.boundary' set to 'connector'.",
        );
      } else if (can !== 'SUPPORTED') {
        boundary.addErrorMessage('The connector does not support connector-defined transaction boundaries with the given configuration. Please reconfigure it to use a different transaction boundary definition.');
      }
    } catch (e) {
      dv.onHookError?.('Failed while validating connector support for defining its own transaction boundaries', e);
      boundary.addErrorMessage(unexpectedValidationError(e));
    }
  }
}

export function validateConnectorConfig(props: Record<string, string>, plugins: Plugins, policy: OverridePolicy, distributed?: DistributedValidation): ValidationResult {
  const cls = props['connector.class'];
  // AbstractHerder.validateConnectorConfig instantiates the connector first: an unknown class is
  // Plugins' ConnectException (a 500 through the REST API), not a validation error
  let desc: PluginDesc | undefined;
  if (cls !== undefined && cls.trim() !== '') desc = plugins.resolve(cls, ['source', 'sink']);
  const kind = desc ? (desc.type as 'source' | 'sink') : null;
  const d = connectorConfigDef(kind);
  const groups = [...d.groups()];
  const values = d.validateAll(props);

  // transforms / predicates: each alias's type and its own config keys
  const embedded = (kindName: 'transforms' | 'predicates', pluginType: 'transformation' | 'predicate', group: string): void => {
    const list = aliases(props[kindName]);
    const seen = new Set<string>();
    for (const alias of list) {
      if (seen.has(alias)) values.get(kindName)!.addErrorMessage(`Invalid value ${props[kindName]} for configuration ${kindName}: Duplicate alias provided.`);
      seen.add(alias);
      const typeKey = `${kindName}.${alias}.type`;
      const tv = new ConfigValue(typeKey, props[typeKey] ?? null);
      values.set(typeKey, tv);
      const t = props[typeKey];
      if (t === undefined || t.trim() === '') {
        tv.addErrorMessage(`Missing required configuration "${typeKey}" which has no default value.`);
        continue;
      }
      const pd = plugins.find(t);
      if (!pd || pd.type !== pluginType) {
        tv.addErrorMessage(`Invalid value ${t} for configuration ${typeKey}: Class ${t} could not be found.`);
        continue;
      }
      let inst: { config?: () => ConfigDef };
      try {
        inst = new pd.ctor();
      } catch (e) {
        tv.addErrorMessage(`Invalid value ${t} for configuration ${typeKey}: ${(e as Error).message}`);
        continue;
      }
      const cd = typeof inst.config === 'function' ? inst.config() : null;
      if (cd) {
        const sub: Record<string, string> = {};
        const prefix = `${kindName}.${alias}.`;
        for (const [k, v] of Object.entries(props)) if (k.startsWith(prefix)) sub[k.slice(prefix.length)] = v;
        for (const cv of cd.validate(sub)) {
          const full = new ConfigValue(prefix + cv.name, cv.value, cv.recommendedValues, cv.errorMessages.map((m) => m.split(`configuration ${cv.name}`).join(`configuration ${prefix}${cv.name}`).split(`"${cv.name}"`).join(`"${prefix}${cv.name}"`)), cv.visible);
          values.set(full.name, full);
        }
      }
      if (kindName === 'transforms') {
        const pred = props[`transforms.${alias}.predicate`];
        if (pred !== undefined && pred.trim() !== '' && !aliases(props['predicates']).includes(pred.trim())) {
          const pv = new ConfigValue(`transforms.${alias}.predicate`, pred);
          pv.addErrorMessage(`Invalid value ${pred} for configuration transforms.${alias}.predicate: Predicate alias ${pred} not found in predicates`);
          values.set(pv.name, pv);
        }
      }
      groups.push(`${kindName === 'transforms' ? 'Transforms' : 'Predicates'}: ${alias}`);
    }
    void group;
  };
  embedded('transforms', 'transformation', TRANSFORMS_GROUP);
  embedded('predicates', 'predicate', PREDICATES_GROUP);

  // sink rules (SinkConnectorConfig.validate)
  if (kind === 'sink') {
    const topics = (props['topics'] ?? '').trim();
    const regex = (props['topics.regex'] ?? '').trim();
    if (topics !== '' && regex !== '') {
      values.get('topics')!.addErrorMessage('topics and topics.regex are mutually exclusive options, but both are set.');
      values.get('topics.regex')!.addErrorMessage('topics and topics.regex are mutually exclusive options, but both are set.');
    } else if (topics === '' && regex === '') {
      values.get('topics')!.addErrorMessage('Must configure one of topics or topics.regex');
      values.get('topics.regex')!.addErrorMessage('Must configure one of topics or topics.regex');
    }
    const dlq = (props['errors.deadletterqueue.topic.name'] ?? '').trim();
    if (dlq !== '' && topics.split(/\s*,\s*/).includes(dlq)) {
      values.get('errors.deadletterqueue.topic.name')!.addErrorMessage(`The DLQ topic '${dlq}' may not be included in the list of topics ('topics=${topics}') consumed by the connector`);
    }
    if (regex !== '') {
      try {
        new RegExp(regex);
      } catch (e) {
        values.get('topics.regex')!.addErrorMessage(`Invalid value ${regex} for configuration topics.regex: ${(e as Error).message}`);
      }
    }
  }

  // source topic creation groups (KIP-158): include/exclude per group, default group needs RF and partitions when enabled
  if (kind === 'source') {
    const groupsList = aliases(props['topic.creation.groups']);
    for (const g of ['default', ...groupsList]) {
      for (const k of ['replication.factor', 'partitions']) {
        const key = `topic.creation.${g}.${k}`;
        const raw = props[key];
        if (raw === undefined) continue;
        const cv = new ConfigValue(key, raw);
        const n = Number(raw.trim());
        if (!/^-?\d+$/.test(raw.trim())) cv.addErrorMessage(`Invalid value ${raw} for configuration ${key}: Not a number of type INT`);
        else if (n === 0 || n < -1) cv.addErrorMessage(`Invalid value ${raw} for configuration ${key}: Number of ${k === 'partitions' ? 'partitions' : 'replicas'} must be positive, or -1 to use the broker's default`);
        values.set(key, cv);
      }
    }
  }

  // the distributed herder's own checks (KIP-618 preflight, sink group id)
  if (desc && distributed && kind !== null) {
    try {
      distributedChecks(kind, props, values, new desc.ctor() as Connector, distributed);
    } catch {
      // a connector that cannot be instantiated is reported below
    }
  }

  // the connector's own validation
  if (desc) {
    try {
      const conn = new desc.ctor() as Connector;
      for (const cv of conn.validate(props)) {
        const prev = values.get(cv.name);
        if (prev && prev !== cv) {
          for (const m of cv.errorMessages) if (!prev.errorMessages.includes(m)) prev.addErrorMessage(m);
        } else values.set(cv.name, cv);
      }
      const cd = conn.config();
      for (const g of cd.groups()) if (!groups.includes(g)) groups.push(g);
    } catch (e) {
      values.get('connector.class')!.addErrorMessage(`Invalid value ${cls} for configuration connector.class: ${(e as Error).message}`);
    }
  }
  for (const cv of clientOverrideErrors(props, policy)) {
    const prev = values.get(cv.name);
    if (prev) for (const m of cv.errorMessages) prev.addErrorMessage(m);
    else values.set(cv.name, cv);
  }

  const keys = new Map<string, ConfigKey>(d.configKeys());
  if (desc) {
    try {
      for (const [k, v] of (new desc.ctor() as Connector).config().configKeys()) if (!keys.has(k)) keys.set(k, v);
    } catch {
      // reported above
    }
  }
  const configs: ConfigInfos['configs'] = [];
  const errorMessages: string[] = [];
  let errorCount = 0;
  for (const v of values.values()) {
    const k = keys.get(v.name);
    if (v.errorMessages.length > 0) {
      errorCount++;
      errorMessages.push(...v.errorMessages);
    }
    configs.push({
      definition: k ? keyInfo(k) : { name: v.name, type: 'STRING', required: false, default_value: null, importance: 'LOW', documentation: '', group: null, order: -1, width: 'NONE', display_name: v.name, dependents: [] },
      value: valueInfo(v, k?.type ?? null),
    });
  }
  return { infos: { name: cls ?? '', error_count: errorCount, groups, configs }, errorMessages };
}

/** The 400 message of a create/update with an invalid config (`AbstractHerder.maybeAddConfigErrors`). */
export function invalidConfigMessage(r: ValidationResult): string {
  return (
    `Connector configuration is invalid and contains the following ${r.infos.error_count} error(s):` +
    r.errorMessages.map((m) => '\n' + m).join('') +
    '\nYou can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`'
  );
}
