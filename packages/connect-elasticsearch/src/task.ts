/**
 * `io.confluent.connect.elasticsearch.ElasticsearchSinkTask`: each record
 * goes to its index (the topic name made valid, a data stream
 * `<type>-<dataset>-<namespace>`, or a mapped external resource), created
 * on first use with a mapping from the record's schema unless the schema
 * is ignored, then into the bulk processor. `preCommit` sends what is
 * buffered (waiting for it with `flush.synchronously`) and returns only
 * offsets Elasticsearch acknowledged. When too much is pending the task
 * pauses its partitions.
 */
import type { Client } from '@elastic/elasticsearch';
import { ConnectException, DataException, SinkTask, type ErrantRecordReporter, type PartitionOffsets, type SinkRecord, type TopicPartition } from '@nagare/connect-api';
import { createEsClient, ElasticsearchClient } from './client';
import { ElasticsearchSinkConnectorConfig } from './config';
import { DataConverter, recordString } from './data-converter';
import { OffsetTracker } from './offset-tracker';
import { logger } from './util/log';
import { CONNECT_ELASTICSEARCH_VERSION } from './version';

const log = logger('io.confluent.connect.elasticsearch.ElasticsearchSinkTask');

/** `convertTopicToIndexName`. */
export function indexName(topic: string): string {
  let index = topic.toLowerCase();
  if (index.length > 255) index = index.slice(0, 255);
  if (index.startsWith('-') || index.startsWith('_')) index = index.slice(1);
  if (index === '.' || index === '..') {
    index = index.replace(/\./g, 'dot');
    log('warn', `Elasticsearch cannot have indices named ${topic}. Index will be named ${index}.`);
  }
  return index;
}

export class ElasticsearchSinkTask extends SinkTask {
  static readonly className = 'io.confluent.connect.elasticsearch.ElasticsearchSinkTask';
  private config!: ElasticsearchSinkConnectorConfig;
  private converter!: DataConverter;
  private client!: ElasticsearchClient;
  private tracker!: OffsetTracker;
  private reporter: ErrantRecordReporter | null = null;
  private readonly indexCache = new Set<string>();
  private readonly existingMappings = new Set<string>();
  private paused = false;

  version(): string {
    return CONNECT_ELASTICSEARCH_VERSION;
  }

  /** The Elasticsearch client (tests substitute a mocked transport). */
  protected createClient(config: ElasticsearchSinkConnectorConfig): Client {
    return createEsClient(config);
  }

  async start(props: Record<string, string>): Promise<void> {
    log('info', 'Starting ElasticsearchSinkTask.');
    this.config = new ElasticsearchSinkConnectorConfig(props);
    this.converter = new DataConverter(this.config);
    this.tracker = new OffsetTracker();
    try {
      this.reporter = this.context.errantRecordReporter();
    } catch {
      this.reporter = null;
    }
    if (this.reporter === null) log('info', 'Errant record reporter not configured.');
    this.client = new ElasticsearchClient(this.config, this.createClient(this.config), this.reporter, () => this.tracker.updateOffsets(), log);
    await this.client.init();
    log('info', `Started ElasticsearchSinkTask. Connecting to ES server version: ${this.client.esVersion}`);
  }

  private resourceName(topic: string): string {
    const c = this.config;
    if (c.isExternalResourceUsageEnabled()) {
      const r = c.topicToResource.get(topic);
      if (r === undefined) {
        throw new ConnectException(
          `Topic '${topic}' is not mapped to any resource. All topics must be mapped when using topic-to-resource mapping configuration. Please check the 'topic.to.external.resource.mapping' configuration to ensure all topics are properly mapped.`,
        );
      }
      return r;
    }
    if (c.isDataStream()) {
      let ns = c.dataStreamNamespace.replace(/\$\{topic\}/g, topic.toLowerCase());
      if (ns.length > 100) ns = ns.slice(0, 100);
      return `${c.dataStreamType.toLowerCase()}-${c.dataStreamDataset}-${ns}`;
    }
    return indexName(topic);
  }

  async put(records: SinkRecord[]): Promise<void> {
    this.client.throwIfFailed();
    this.maybeResume();
    for (const record of records) {
      const state = this.tracker.addPendingRecord(record);
      if ((record.value() === null || record.value() === undefined) && this.config.behaviorOnNullValues === 'IGNORE') {
        state.markProcessed();
        await this.reportBadRecord(record, new ConnectException('Cannot write null valued record.'));
        continue;
      }
      const resource = this.resourceName(record.topic());
      if (!this.config.isExternalResourceUsageEnabled() && !this.indexCache.has(resource)) {
        log('info', `Creating index ${resource}.`);
        await this.client.createIndexOrDataStream(resource);
        this.indexCache.add(resource);
      }
      if (!this.config.shouldIgnoreSchema(record.topic()) && !this.existingMappings.has(resource) && record.valueSchema() !== null) {
        if (!(await this.client.hasMapping(resource))) await this.client.createMapping(resource, record.valueSchema());
        this.existingMappings.add(resource);
      }
      let item;
      try {
        item = this.converter.convertRecord(record, resource);
      } catch (e) {
        if (!(e instanceof DataException)) throw e;
        await this.reportBadRecord(record, e);
        if (this.config.dropInvalidMessage) {
          log('error', `Can't convert ${recordString(record)}. Failure type: ${e.kafkaClass}`);
          state.markProcessed();
          continue;
        }
        throw e;
      }
      if (item === null) {
        state.markProcessed();
        continue;
      }
      await this.client.index(record, item, state);
    }
    this.maybePause();
  }

  private async reportBadRecord(record: SinkRecord, error: Error): Promise<void> {
    if (this.reporter !== null) await this.reporter.report(record, error);
  }

  private maybePause(): void {
    if (!this.paused && this.tracker.numOffsetStateEntries() > this.config.maxBufferedRecords * 10) {
      log('debug', 'Pausing all partitions');
      this.context.pause(...this.context.assignment());
      this.context.timeout(100);
      this.paused = true;
    }
  }

  private maybeResume(): void {
    if (!this.paused) return;
    this.tracker.updateOffsets();
    if (this.tracker.numOffsetStateEntries() <= this.config.maxBufferedRecords * 5) {
      log('debug', 'Resuming all partitions');
      this.context.resume(...this.context.assignment());
      this.paused = false;
    } else this.context.timeout(100);
  }

  override async preCommit(currentOffsets: PartitionOffsets): Promise<PartitionOffsets> {
    await this.client.flush();
    if (this.config.flushSynchronously) await this.client.waitForInFlightRequests(this.config.flushTimeoutMs);
    const offsets = this.tracker.offsets(currentOffsets);
    log('debug', `preCommitting offsets ${JSON.stringify([...offsets.values()])}`);
    return offsets;
  }

  override close(partitions: TopicPartition[]): void {
    this.tracker.closePartitions(partitions);
  }

  async stop(): Promise<void> {
    log('debug', 'Stopping Elasticsearch client.');
    await this.client?.close();
  }
}
