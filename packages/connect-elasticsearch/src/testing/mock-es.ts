/**
 * Test support: an Elasticsearch client whose transport is
 * @elastic/elasticsearch-mock answering from a FakeElasticsearch, with the
 * raw request bodies recorded (the exact bulk bytes) and an optional gate
 * that holds requests back (responses Elasticsearch has not sent yet).
 */
import { Client, errors } from '@elastic/elasticsearch';
import Mock from '@elastic/elasticsearch-mock';
import { FakeElasticsearch, type FakeEsResponse } from '@nagare/testing';
import { ElasticsearchSinkConnectorConfig } from '../config';
import { createEsClient } from '../client';
import { ElasticsearchSinkTask } from '../task';

export interface RawRequest {
  method: string;
  path: string;
  querystring: string;
  body: string;
}

export class MockedElasticsearch {
  readonly fake = new FakeElasticsearch();
  readonly raw: RawRequest[] = [];
  private readonly mock = new Mock();
  /** While set, _bulk requests wait for it (responses Elasticsearch has not sent yet). */
  gate: Promise<void> | null = null;

  constructor() {
    const toMock = (r: FakeEsResponse): Record<string, unknown> | string | errors.ResponseError =>
      r.status >= 300 ? new errors.ResponseError({ body: r.body as Record<string, unknown>, statusCode: r.status, headers: {}, warnings: null, meta: {} as never }) : (r.body as Record<string, unknown> | string);
    this.mock.add({ method: ['GET', 'HEAD', 'PUT', 'POST', 'DELETE'], path: '*' }, (p) =>
      toMock(this.fake.handle({ method: String(p.method), path: String(p.path), querystring: p.querystring as Record<string, unknown>, body: p.body })),
    );
  }

  /** A Connection class recording raw bodies and honouring the gate. */
  connection(): unknown {
    const Base = this.mock.getConnection() as unknown as new (...a: unknown[]) => { request(params: Record<string, unknown>, options: unknown): Promise<unknown> };
    const self = this;
    return class Recording extends Base {
      override async request(params: Record<string, unknown>, options: unknown): Promise<unknown> {
        const body = params.body;
        self.raw.push({
          method: String(params.method),
          path: String(params.path),
          querystring: String(params.querystring ?? ''),
          body: body === undefined || body === null ? '' : Buffer.isBuffer(body) ? body.toString('utf8') : String(body),
        });
        if (self.gate && params.path === '/_bulk') await self.gate;
        return super.request(params, options);
      }
    };
  }

  client(config: ElasticsearchSinkConnectorConfig): Client {
    return createEsClient(config, { Connection: this.connection() as never });
  }

  /** Raw bodies of the `_bulk` requests. */
  bulks(): string[] {
    return this.raw.filter((r) => r.path === '/_bulk').map((r) => r.body);
  }
}

/** The sink task talking to `es` instead of a real cluster. */
export function mockedTaskClass(es: MockedElasticsearch): new () => ElasticsearchSinkTask {
  return class MockedElasticsearchSinkTask extends ElasticsearchSinkTask {
    static override readonly className = 'io.confluent.connect.elasticsearch.ElasticsearchSinkTask';
    protected override createClient(config: ElasticsearchSinkConnectorConfig): Client {
      return es.client(config);
    }
  };
}
