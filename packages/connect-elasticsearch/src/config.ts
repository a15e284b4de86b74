/** `ElasticsearchSinkConnectorConfig`: Confluent's keys, defaults and cross-key checks. */
import { AbstractConfig, ConfigDef, ConfigException, ConfigType, Importance, LambdaValidator, Range, type ConfigValue, type Password } from '@nagare/connect-api';

export type BehaviorOnNullValues = 'IGNORE' | 'DELETE' | 'FAIL';
export type BehaviorOnMalformedDoc = 'IGNORE' | 'WARN' | 'FAIL';
export type WriteMethod = 'INSERT' | 'UPSERT';
export type DataStreamType = 'LOGS' | 'METRICS' | 'NONE';

export const CONNECTION_URL_CONFIG = 'connection.url';
export const BEHAVIOR_ON_NULL_VALUES_CONFIG = 'behavior.on.null.values';
export const BEHAVIOR_ON_MALFORMED_DOCS_CONFIG = 'behavior.on.malformed.documents';
export const FLUSH_TIMEOUT_MS_CONFIG = 'flush.timeout.ms';
export const MAX_BUFFERED_RECORDS_CONFIG = 'max.buffered.records';

function enumValidator(values: readonly string[]): LambdaValidator {
  return LambdaValidator.with(
    (name, value) => {
      if (value === null || value === undefined) return;
      if (!values.includes(String(value).toUpperCase())) throw new ConfigException(name, value, `String must be one of (case insensitive): ${values.join(', ')}`);
    },
    () => `[${values.join(', ')}]`,
  );
}

const urlList = LambdaValidator.with(
  (name, value) => {
    if (value === null || value === undefined) return; // reported as missing
    const urls = value as string[];
    if (urls.length === 0) throw new ConfigException(name, value, 'Expected a non-empty list of URLs.');
    for (const u of urls) {
      let parsed: URL;
      try {
        parsed = new URL(u);
      } catch {
        throw new ConfigException(name, value, `Invalid URL: ${u}`);
      }
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new ConfigException(name, value, `Invalid URL: ${u}`);
    }
  },
  () => 'List of valid URIs.',
);

const g = (group: string, orderInGroup: number): { group: string; orderInGroup: number } => ({ group, orderInGroup });

export const ES_CONFIG_DEF = new ConfigDef()
  .define({ name: CONNECTION_URL_CONFIG, type: ConfigType.LIST, validator: urlList, importance: Importance.HIGH, documentation: 'The comma-separated list of one or more Elasticsearch URLs, such as ``http://eshost1:9200,http://eshost2:9200``.', ...g('Connector', 1), displayName: 'Connection URLs' })
  .define({ name: 'connection.username', type: ConfigType.STRING, defaultValue: null, importance: Importance.MEDIUM, documentation: 'The username used to authenticate with Elasticsearch.', ...g('Connector', 2) })
  .define({ name: 'connection.password', type: ConfigType.PASSWORD, defaultValue: null, importance: Importance.MEDIUM, documentation: 'The password used to authenticate with Elasticsearch.', ...g('Connector', 3) })
  .define({ name: 'batch.size', type: ConfigType.INT, defaultValue: 2000, validator: Range.between(1, 1_000_000), importance: Importance.MEDIUM, documentation: 'The number of records to process as a batch when writing to Elasticsearch.', ...g('Connector', 4) })
  .define({ name: 'bulk.size.bytes', type: ConfigType.LONG, defaultValue: 5 * 1024 * 1024, validator: Range.atLeast(-1), importance: Importance.LOW, documentation: 'The maximum size (in bytes) to be process as a batch when writing records to Elasticsearch. Setting to -1 will disable this configuration.', ...g('Connector', 5) })
  .define({ name: 'max.in.flight.requests', type: ConfigType.INT, defaultValue: 5, validator: Range.between(1, 1000), importance: Importance.MEDIUM, documentation: 'The maximum number of indexing requests that can be in-flight to Elasticsearch before blocking further requests.', ...g('Connector', 6) })
  .define({ name: MAX_BUFFERED_RECORDS_CONFIG, type: ConfigType.INT, defaultValue: 20000, validator: Range.between(1, 2_147_483_647), importance: Importance.LOW, documentation: 'The maximum number of records each task will buffer before blocking acceptance of more records.', ...g('Connector', 7) })
  .define({ name: 'linger.ms', type: ConfigType.LONG, defaultValue: 1, validator: Range.between(0, 604_800_000), importance: Importance.LOW, documentation: 'Linger time in milliseconds for batching.', ...g('Connector', 8) })
  .define({ name: FLUSH_TIMEOUT_MS_CONFIG, type: ConfigType.LONG, defaultValue: 180_000, validator: Range.between(1000, 604_800_000), importance: Importance.LOW, documentation: 'The timeout in milliseconds to use for periodic flushing, and when waiting for buffer space to be made available by completed requests.', ...g('Connector', 9) })
  .define({ name: 'flush.synchronously', type: ConfigType.BOOLEAN, defaultValue: false, importance: Importance.LOW, documentation: 'True if flushes should wait for background processing to finish.', ...g('Connector', 10) })
  .define({ name: 'max.retries', type: ConfigType.INT, defaultValue: 5, validator: Range.atLeast(0), importance: Importance.LOW, documentation: 'The maximum number of retries that are allowed for failed indexing requests.', ...g('Connector', 11) })
  .define({ name: 'retry.backoff.ms', type: ConfigType.LONG, defaultValue: 100, validator: Range.between(0, 86_400_000), importance: Importance.LOW, documentation: 'How long to wait in milliseconds before attempting the first retry of a failed indexing request (exponential backoff, randomized).', ...g('Connector', 12) })
  .define({ name: 'connection.compression', type: ConfigType.BOOLEAN, defaultValue: false, importance: Importance.LOW, documentation: 'Whether to use GZip compression on HTTP connection to ElasticSearch.', ...g('Connector', 13) })
  .define({ name: 'max.connection.idle.time.ms', type: ConfigType.INT, defaultValue: 60_000, validator: Range.atLeast(-1), importance: Importance.LOW, documentation: 'How long to wait in milliseconds before dropping an idle connection.', ...g('Connector', 14) })
  .define({ name: 'connection.timeout.ms', type: ConfigType.INT, defaultValue: 1000, validator: Range.atLeast(0), importance: Importance.LOW, documentation: 'How long to wait in milliseconds when establishing a connection to the Elasticsearch server.', ...g('Connector', 15) })
  .define({ name: 'read.timeout.ms', type: ConfigType.INT, defaultValue: 3000, validator: Range.atLeast(0), importance: Importance.LOW, documentation: 'How long to wait in milliseconds for the Elasticsearch server to send a response.', ...g('Connector', 16) })
  .define({ name: 'key.ignore', type: ConfigType.BOOLEAN, defaultValue: false, importance: Importance.HIGH, documentation: 'Whether to ignore the record key for the purpose of forming the Elasticsearch document ID. When this is set to true, document IDs will be generated as the record’s topic+partition+offset.', ...g('Data Conversion', 1) })
  .define({ name: 'schema.ignore', type: ConfigType.BOOLEAN, defaultValue: false, importance: Importance.LOW, documentation: 'Whether to ignore schemas during indexing. When this is set to true, the record schema will be ignored for the purpose of registering an Elasticsearch mapping.', ...g('Data Conversion', 2) })
  .define({ name: 'compact.map.entries', type: ConfigType.BOOLEAN, defaultValue: true, importance: Importance.LOW, documentation: 'Defines how map entries with string keys within record values should be written to JSON.', ...g('Data Conversion', 3) })
  .define({ name: 'topic.key.ignore', type: ConfigType.LIST, defaultValue: '', importance: Importance.LOW, documentation: 'List of topics for which ``key.ignore`` should be ``true``.', ...g('Data Conversion', 4) })
  .define({ name: 'topic.schema.ignore', type: ConfigType.LIST, defaultValue: '', importance: Importance.LOW, documentation: 'List of topics for which ``schema.ignore`` should be ``true``.', ...g('Data Conversion', 5) })
  .define({ name: 'drop.invalid.message', type: ConfigType.BOOLEAN, defaultValue: false, importance: Importance.LOW, documentation: 'Whether to drop kafka message when it cannot be converted to output message.', ...g('Data Conversion', 6) })
  .define({ name: BEHAVIOR_ON_NULL_VALUES_CONFIG, type: ConfigType.STRING, defaultValue: 'FAIL', validator: enumValidator(['IGNORE', 'DELETE', 'FAIL']), importance: Importance.LOW, documentation: 'How to handle records with a non-null key and a null value (i.e. Kafka tombstone records). Valid options are IGNORE, DELETE, and FAIL.', ...g('Data Conversion', 7) })
  .define({ name: BEHAVIOR_ON_MALFORMED_DOCS_CONFIG, type: ConfigType.STRING, defaultValue: 'FAIL', validator: enumValidator(['IGNORE', 'WARN', 'FAIL']), importance: Importance.LOW, documentation: 'How to handle records that Elasticsearch rejects due to some malformation of the document itself. Valid options are IGNORE, WARN, and FAIL.', ...g('Data Conversion', 8) })
  .define({ name: 'write.method', type: ConfigType.STRING, defaultValue: 'INSERT', validator: enumValidator(['INSERT', 'UPSERT']), importance: Importance.LOW, documentation: 'Method used for writing data to Elasticsearch, and one of INSERT or UPSERT.', ...g('Data Conversion', 9) })
  .define({ name: 'use.autogenerated.ids', type: ConfigType.BOOLEAN, defaultValue: false, importance: Importance.LOW, documentation: 'Whether to use auto-generated Elasticsearch document IDs for insertion requests.', ...g('Data Conversion', 10) })
  .define({ name: 'external.version.header', type: ConfigType.STRING, defaultValue: '', importance: Importance.LOW, documentation: 'Header name to pull value for external versioning, defaults to using the kafka record offset.', ...g('Data Conversion', 11) })
  .define({ name: 'data.stream.namespace', type: ConfigType.STRING, defaultValue: '${topic}', importance: Importance.LOW, documentation: "Generic name describing user-configurable arbitrary grouping to be written to a data stream. Can be any arbitrary string that is no longer than 100 characters, in all lowercase, and does not contain any special characters ``/\\*\"<>|,#:-`` or spaces. Defaults to ``${topic}``.", ...g('Data Stream', 1) })
  .define({ name: 'data.stream.dataset', type: ConfigType.STRING, defaultValue: '', importance: Importance.LOW, documentation: 'Generic name describing data ingested and its structure to be written to a data stream.', ...g('Data Stream', 2) })
  .define({ name: 'data.stream.type', type: ConfigType.STRING, defaultValue: 'NONE', validator: enumValidator(['LOGS', 'METRICS', 'NONE']), importance: Importance.LOW, documentation: 'Generic type describing the data to be written to data stream. The default is NONE which indicates the connector will write to regular indices instead.', ...g('Data Stream', 3) })
  .define({ name: 'data.stream.timestamp.field', type: ConfigType.LIST, defaultValue: '', importance: Importance.LOW, documentation: 'The Kafka record field to use as the timestamp for the ``@timestamp`` field in documents sent to a data stream.', ...g('Data Stream', 4) })
  .define({ name: 'external.resource.usage', type: ConfigType.STRING, defaultValue: 'DISABLED', validator: enumValidator(['INDEX', 'DATASTREAM', 'ALIAS_INDEX', 'ALIAS_DATASTREAM', 'DISABLED']), importance: Importance.HIGH, documentation: 'The type of pre-existing Elasticsearch resource to write to, used with topic.to.external.resource.mapping.', ...g('Connector', 17) })
  .define({ name: 'topic.to.external.resource.mapping', type: ConfigType.LIST, defaultValue: '', importance: Importance.HIGH, documentation: 'A list of topic-to-resource mappings in the format ``topic:resource``.', ...g('Connector', 18) });

export class ElasticsearchSinkConnectorConfig extends AbstractConfig {
  readonly urls: string[];
  readonly batchSize: number;
  readonly bulkSizeBytes: number;
  readonly maxInFlightRequests: number;
  readonly maxBufferedRecords: number;
  readonly lingerMs: number;
  readonly flushTimeoutMs: number;
  readonly flushSynchronously: boolean;
  readonly maxRetries: number;
  readonly retryBackoffMs: number;
  readonly ignoreKey: boolean;
  readonly ignoreSchema: boolean;
  readonly ignoreKeyTopics: Set<string>;
  readonly ignoreSchemaTopics: Set<string>;
  readonly compactMapEntries: boolean;
  readonly dropInvalidMessage: boolean;
  readonly behaviorOnNullValues: BehaviorOnNullValues;
  readonly behaviorOnMalformedDoc: BehaviorOnMalformedDoc;
  readonly writeMethod: WriteMethod;
  readonly useAutogeneratedIds: boolean;
  readonly externalVersionHeader: string;
  readonly dataStreamType: DataStreamType;
  readonly dataStreamDataset: string;
  readonly dataStreamNamespace: string;
  readonly dataStreamTimestampField: string[];
  readonly topicToResource: Map<string, string>;
  readonly externalResourceUsage: string;

  constructor(props: Record<string, unknown>) {
    super(ES_CONFIG_DEF, props);
    this.urls = this.getList(CONNECTION_URL_CONFIG)!;
    this.batchSize = this.getInt('batch.size')!;
    this.bulkSizeBytes = this.getLong('bulk.size.bytes')!;
    this.maxInFlightRequests = this.getInt('max.in.flight.requests')!;
    this.maxBufferedRecords = this.getInt(MAX_BUFFERED_RECORDS_CONFIG)!;
    this.lingerMs = this.getLong('linger.ms')!;
    this.flushTimeoutMs = this.getLong(FLUSH_TIMEOUT_MS_CONFIG)!;
    this.flushSynchronously = this.getBoolean('flush.synchronously')!;
    this.maxRetries = this.getInt('max.retries')!;
    this.retryBackoffMs = this.getLong('retry.backoff.ms')!;
    this.ignoreKey = this.getBoolean('key.ignore')!;
    this.ignoreSchema = this.getBoolean('schema.ignore')!;
    this.ignoreKeyTopics = new Set(this.getList('topic.key.ignore')!);
    this.ignoreSchemaTopics = new Set(this.getList('topic.schema.ignore')!);
    this.compactMapEntries = this.getBoolean('compact.map.entries')!;
    this.dropInvalidMessage = this.getBoolean('drop.invalid.message')!;
    this.behaviorOnNullValues = this.getString(BEHAVIOR_ON_NULL_VALUES_CONFIG)!.toUpperCase() as BehaviorOnNullValues;
    this.behaviorOnMalformedDoc = this.getString(BEHAVIOR_ON_MALFORMED_DOCS_CONFIG)!.toUpperCase() as BehaviorOnMalformedDoc;
    this.writeMethod = this.getString('write.method')!.toUpperCase() as WriteMethod;
    this.useAutogeneratedIds = this.getBoolean('use.autogenerated.ids')!;
    this.externalVersionHeader = this.getString('external.version.header') ?? '';
    this.dataStreamType = this.getString('data.stream.type')!.toUpperCase() as DataStreamType;
    this.dataStreamDataset = this.getString('data.stream.dataset') ?? '';
    this.dataStreamNamespace = this.getString('data.stream.namespace') ?? '${topic}';
    this.dataStreamTimestampField = this.getList('data.stream.timestamp.field')!;
    this.externalResourceUsage = this.getString('external.resource.usage')!.toUpperCase();
    this.topicToResource = new Map();
    for (const m of this.getList('topic.to.external.resource.mapping')!) {
      const i = m.indexOf(':');
      if (i <= 0) throw new ConfigException('topic.to.external.resource.mapping', m, "Invalid format. Expected 'topic:resource'");
      this.topicToResource.set(m.slice(0, i).trim(), m.slice(i + 1).trim());
    }
  }

  get username(): string | null {
    return this.getString('connection.username');
  }
  get password(): string | null {
    return (this.getPassword('connection.password') as Password | null)?.value() ?? null;
  }
  isDataStream(): boolean {
    return this.dataStreamType !== 'NONE' && this.dataStreamDataset !== '';
  }
  shouldIgnoreKey(topic: string): boolean {
    return this.ignoreKey || this.ignoreKeyTopics.has(topic);
  }
  shouldIgnoreSchema(topic: string): boolean {
    return this.ignoreSchema || this.ignoreSchemaTopics.has(topic);
  }
  isExternalResourceUsageEnabled(): boolean {
    return this.externalResourceUsage !== 'DISABLED';
  }
}

/** Confluent's `Validator` cross-key checks (messages as upstream's). */
export function validateEsConfig(props: Record<string, string>, values: ConfigValue[]): void {
  const byName = new Map(values.map((v) => [v.name, v]));
  const add = (keys: string[], msg: string): void => keys.forEach((k) => byName.get(k)?.addErrorMessage(msg));
  const has = (k: string): boolean => (props[k] ?? '').trim() !== '';
  const is = (k: string, v: string): boolean => (props[k] ?? '').trim().toUpperCase() === v;
  const bool = (k: string): boolean => (props[k] ?? '').trim().toLowerCase() === 'true';
  if (has('connection.username') !== has('connection.password')) add(['connection.username', 'connection.password'], "Either both or neither 'connection.username' and 'connection.password' must be set.");
  if (has('topic.key.ignore') && bool('key.ignore')) add(['topic.key.ignore', 'key.ignore'], "'topic.key.ignore' can not be set if 'key.ignore' is true.");
  if (has('topic.schema.ignore') && bool('schema.ignore')) add(['topic.schema.ignore', 'schema.ignore'], "'topic.schema.ignore' can not be set if 'schema.ignore' is true.");
  const dsType = has('data.stream.type') && !is('data.stream.type', 'NONE');
  if (dsType !== has('data.stream.dataset')) {
    add(['data.stream.type', 'data.stream.dataset'], 'Invalid configuration: data.stream.type and data.stream.dataset must be configured together. Either both must be set, or both must be empty.');
  }
  const dataStream = dsType && has('data.stream.dataset');
  if (dataStream && is('write.method', 'UPSERT')) add(['write.method'], 'Upserts are not supported with data streams. write.method must not be UPSERT when using data streams.');
  if (dataStream && is('behavior.on.null.values', 'DELETE')) add(['behavior.on.null.values'], 'Deletes are not supported with data streams. behavior.on.null.values must not be DELETE when using data streams.');
  if (!dataStream && has('data.stream.timestamp.field')) add(['data.stream.timestamp.field'], "Mapping a field to the '@timestamp' field is only necessary when working with data streams. 'data.stream.timestamp.field' must not be set when not using data streams.");
  const lingerMs = Number(props['linger.ms'] ?? 1);
  const flushTimeoutMs = Number(props['flush.timeout.ms'] ?? 180000);
  if (Number.isFinite(lingerMs) && Number.isFinite(flushTimeoutMs) && lingerMs > flushTimeoutMs) add(['linger.ms', 'flush.timeout.ms'], `'linger.ms' (${lingerMs}) can not be larger than 'flush.timeout.ms' (${flushTimeoutMs}).`);
  const buffered = Number(props['max.buffered.records'] ?? 20000);
  const batch = Number(props['batch.size'] ?? 2000);
  const inflight = Number(props['max.in.flight.requests'] ?? 5);
  if ([buffered, batch, inflight].every(Number.isFinite) && buffered < batch * inflight) {
    add(['max.buffered.records', 'batch.size', 'max.in.flight.requests'], `'max.buffered.records' (${buffered}) must be larger than or equal to 'batch.size' (${batch}) x max.in.flight.requests (${inflight}).`);
  }
}
