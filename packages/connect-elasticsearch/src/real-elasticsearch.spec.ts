/**
 * Opt-in: the sink against a real Elasticsearch cluster when
 * ELASTICSEARCH_URL is set (e.g. `ELASTICSEARCH_URL=http://localhost:9200
 * npx jest -c packages/connect-elasticsearch/jest.config.js real`; the
 * docker/ compose file starts one). Skipped otherwise: Elasticsearch is in
 * neither Debian nor npm, so it cannot run on the test machine.
 */
import { Client } from '@elastic/elasticsearch';
import { SchemaBuilder, Schemas, SinkRecord, Struct, topicPartitionKey, type SinkTaskContext } from '@nagare/connect-api';
import { ElasticsearchSinkTask } from './task';

const url = process.env.ELASTICSEARCH_URL;
const maybe = url ? it : it.skip;

const schema = SchemaBuilder.struct().name('doc').field('id', Schemas.INT32_SCHEMA).field('name', Schemas.STRING_SCHEMA).build();
const doc = (id: number, name: string): Struct => new Struct(schema).put('id', id).put('name', name);

describe('Elasticsearch sink against a real cluster (ELASTICSEARCH_URL)', () => {
  maybe('indexes, versions by offset, deletes, and reports offsets only after the cluster acknowledged', async () => {
    const index = `nagare-test-${Date.now()}`;
    const es = new Client({ node: url! });
    const task = new ElasticsearchSinkTask();
    const props = { 'connection.url': url!, 'behavior.on.null.values': 'delete', 'flush.synchronously': 'true', 'linger.ms': '1' };
    task.initialize({ configs: () => props, offset: () => undefined, timeout: () => undefined, assignment: () => [], pause: () => undefined, resume: () => undefined, requestCommit: () => undefined, errantRecordReporter: () => null } as SinkTaskContext);
    await task.start(props);
    try {
      const r = (key: number, value: Struct | null, offset: number): SinkRecord => new SinkRecord(index, 0, Schemas.INT32_SCHEMA, key, value ? schema : null, value, offset);
      await task.put([r(1, doc(1, 'a'), 10), r(2, doc(2, 'b'), 11), r(1, doc(1, 'old replay'), 3), r(2, null, 12)]);
      const offsets = await task.preCommit(new Map([[topicPartitionKey({ topic: index, partition: 0 }), { topic: index, partition: 0, offset: 13 }]]));
      expect([...offsets.values()].map((o) => o.offset)).toEqual([13]);
      await es.indices.refresh({ index });
      const one = await es.get<{ name: string }>({ index, id: '1' });
      expect(one._source!.name).toBe('a');
      expect(one._version).toBe(10);
      await expect(es.get({ index, id: '2' })).rejects.toThrow();
      const mapping = await es.indices.getMapping({ index });
      expect(mapping[index].mappings.properties!.name).toEqual({ type: 'text', fields: { keyword: { type: 'keyword', ignore_above: 256 } } });
    } finally {
      await task.stop();
      await es.indices.delete({ index }).catch(() => undefined);
      await es.close();
    }
  }, 60_000);
});
