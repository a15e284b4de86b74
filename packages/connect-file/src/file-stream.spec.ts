/**
 * FileStream tasks on their own: lines and byte positions (\n, \r\n, \r),
 * batch.size, resuming from a stored offset without duplicates or gaps, a
 * partial last line held back, the sink's lines, and Kafka's validation messages.
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SinkRecord, Schemas, type SourceRecord } from '@nagare/connect-api';
import { FileStreamSinkTask, FileStreamSourceConnector, FileStreamSourceTask } from './index';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'nagare-file-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sourceTask(stored: Record<string, unknown> | null): FileStreamSourceTask {
  const t = new FileStreamSourceTask();
  t.initialize({ configs: () => ({}), offsetStorageReader: () => ({ offset: async () => stored, offsets: async () => new Map() }) });
  return t;
}

const lines = (rs: SourceRecord[] | null) => (rs ?? []).map((r) => [r.value(), (r.sourceOffset() as { position: number }).position]);

test('lines with their byte positions, batch.size, partial lines held back, resume from an offset', async () => {
  const f = join(dir, 'in.txt');
  writeFileSync(f, 'a\r\nbé\ncc\rdd\npartial');
  const t = sourceTask(null);
  t.start({ file: f, topic: 'x', 'batch.size': '3' });
  const first = await t.poll();
  expect(lines(first)).toEqual([['a', 3], ['bé', 7], ['cc', 10]]);
  expect(first![0].sourcePartition()).toEqual({ filename: f });
  expect(first![0].topic()).toBe('x');
  expect(first![0].valueSchema()).toBe(Schemas.STRING_SCHEMA);
  expect(lines(await t.poll())).toEqual([['dd', 13]]);
  appendFileSync(f, '-done\n');
  expect(lines(await t.poll())).toEqual([['partial-done', 26]]);
  t.stop();
  const resumed = sourceTask({ position: 10 });
  resumed.start({ file: f, topic: 'x' });
  expect(lines(await resumed.poll())).toEqual([['dd', 13], ['partial-done', 26]]);
  resumed.stop();
});

test('the connector: one task, Kafka\'s validation messages', () => {
  const c = new FileStreamSourceConnector();
  c.start({ file: 'f', topic: 't' });
  expect(c.taskConfigs(5)).toEqual([{ file: 'f', topic: 't', 'batch.size': '2000' }]);
  const errs = c.validate({ 'batch.size': 'x' }).filter((v) => v.errorMessages.length).map((v) => [v.name, v.errorMessages]);
  expect(errs).toEqual([
    ['topic', ['Missing required configuration "topic" which has no default value.']],
    ['batch.size', ['Invalid value x for configuration batch.size: Not a number of type INT']],
  ]);
  expect(() => c.alterOffsets({}, new Map([[{ filename: 'f' }, { position: -1 }]]))).toThrow("The value for the 'position' key in the offset should be a non-negative value");
});

test('the sink appends one line per value (string form; null as "null")', async () => {
  const f = join(dir, 'out.txt');
  const t = new FileStreamSinkTask();
  t.start({ file: f });
  t.put([new SinkRecord('t', 0, null, null, Schemas.STRING_SCHEMA, 'one', 0), new SinkRecord('t', 0, null, null, null, { a: 1 }, 1), new SinkRecord('t', 0, null, null, null, null, 2)]);
  await t.preCommit(new Map());
  t.stop();
  expect(readFileSync(f, 'utf8')).toBe('one\n{a=1}\nnull\n');
});
