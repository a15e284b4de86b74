/**
 * Test support for the pipeline suites: reading a topic back with kafkajs,
 * creating connectors through the REST API, comparing PostgreSQL tables,
 * and an Elasticsearch client whose transport is @elastic/elasticsearch-mock
 * answering from a FakeElasticsearch (Elasticsearch cannot run here).
 */
import { Client as EsClient, errors } from '@elastic/elasticsearch';
import Mock from '@elastic/elasticsearch-mock';
import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import { ElasticsearchSinkConnector, ElasticsearchSinkTask, createEsClient, type ElasticsearchSinkConnectorConfig } from '@nagare/connect-elasticsearch';
import type { TaskClass } from '@nagare/connect-api';
import { FakeElasticsearch, type FakeEsResponse, type PostgresServer } from '@nagare/testing';
import { sendJson, waitFor } from './harness';

export interface TopicMessage {
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

/** Every message of `topic` (one partition) read from the beginning until `until` holds. */
export async function readTopic(bootstrap: string, topic: string, until: (ms: TopicMessage[]) => boolean, timeoutMs = 120_000): Promise<TopicMessage[]> {
  const kafka = new Kafka({ brokers: [bootstrap], clientId: 'pipeline-test', logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `reader-${topic}-${Date.now()}-${Math.random()}` });
  const out: TopicMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }: { message: KafkaMessage }) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = v === undefined ? '' : Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
        out.push({ offset: Number(message.offset), key: message.key, value: message.value, headers });
      },
    });
    await waitFor(`messages of ${topic}`, () => until(out), timeoutMs, 200);
    return out;
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
}

/** POST /connectors with `{name, config}` (values as a user would write them, numbers included). */
export async function createConnector(rest: string, name: string, config: Record<string, unknown>): Promise<void> {
  const r = await sendJson('POST', `${rest}/connectors`, { name, config });
  if (r.status !== 201) throw new Error(`creating ${name} failed: ${r.status} ${JSON.stringify(r.body)}`);
}

/** A table's rows as text, ordered by its first column (psql -At). */
export function tableRows(pg: PostgresServer, db: string, table: string, columns: string): string {
  return pg.psql(`SELECT ${columns} FROM ${table} ORDER BY 1`, db);
}

/** Elasticsearch behind @elastic/elasticsearch-mock, answering from a FakeElasticsearch. */
export class MockedElasticsearch {
  readonly fake = new FakeElasticsearch();
  private readonly mock = new Mock();

  constructor() {
    const toMock = (r: FakeEsResponse): Record<string, unknown> | string | errors.ResponseError =>
      r.status >= 300 ? new errors.ResponseError({ body: r.body as Record<string, unknown>, statusCode: r.status, headers: {}, warnings: null, meta: {} as never }) : (r.body as Record<string, unknown> | string);
    this.mock.add({ method: ['GET', 'HEAD', 'PUT', 'POST', 'DELETE'], path: '*' }, (p) =>
      toMock(this.fake.handle({ method: String(p.method), path: String(p.path), querystring: p.querystring as Record<string, unknown>, body: p.body })),
    );
  }

  client(config: ElasticsearchSinkConnectorConfig): EsClient {
    return createEsClient(config, { Connection: this.mock.getConnection() as never });
  }

  /**
   * The Elasticsearch sink connector class, under Confluent's class name,
   * whose tasks talk to this mock: register it before the bundled plugins.
   */
  connectorClass(): typeof ElasticsearchSinkConnector {
    const es = this;
    class MockedTask extends ElasticsearchSinkTask {
      protected override createClient(config: ElasticsearchSinkConnectorConfig): EsClient {
        return es.client(config);
      }
    }
    return class MockedElasticsearchSinkConnector extends ElasticsearchSinkConnector {
      static override readonly className = 'io.confluent.connect.elasticsearch.ElasticsearchSinkConnector';
      override taskClass(): TaskClass {
        return MockedTask;
      }
    };
  }
}
