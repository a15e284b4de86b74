/**
 * FileStream source -> topic -> FileStream sink through `connect-standalone`
 * as users run it (run: `npm run bench -- connect`): 1,000,000 lines of 100
 * bytes (CONNECT_BENCH_LINES to change), against a fresh `nagare server`.
 * Timed from the worker's start until the sink file holds every line, so the
 * figure includes the worker's start-up (about a second).
 *
 *  1. StringConverter for keys and values (issue goal >= 200,000 records/s);
 *  2. JsonConverter with schemas.enable=true and two SMTs, InsertField$Value
 *     (static field) and ReplaceField$Value, on HoistField-wrapped lines
 *     (issue goal >= 100,000 records/s).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext, BenchResult } from '@nagare/common';
import { adaptConfig, cleanupAll, freePort, readLines, startServer, startWorker, tempDir, waitFor } from './testing/harness';

const LINES = Number(process.env.CONNECT_BENCH_LINES ?? 1_000_000);

async function once(bootstrap: string, extraWorker: Record<string, string>, extraSource: Record<string, string>, extraSink: Record<string, string>, ctx: BenchContext, label: string): Promise<number> {
  const dir = tempDir();
  const rest = await freePort();
  const line = 'x'.repeat(89);
  let text = '';
  for (let i = 0; i < LINES; i++) text += String(i).padStart(10, '0') + line + '\n';
  writeFileSync(join(dir, 'test.txt'), text);
  const topic = `bench-${label}`;
  const wp = adaptConfig('connect-standalone.properties', { 'bootstrap.servers': bootstrap, 'offset.storage.file.filename': join(dir, 'connect.offsets'), listeners: `http://127.0.0.1:${rest}`, ...extraWorker }, join(dir, 'worker.properties'));
  const src = adaptConfig('connect-file-source.properties', { topic, ...extraSource }, join(dir, 'source.properties'));
  const sink = adaptConfig('connect-file-sink.properties', { topics: topic, ...extraSink }, join(dir, 'sink.properties'));
  const started = Date.now();
  const w = await startWorker(dir, [wp, src, sink], rest);
  await waitFor('every line in the sink', () => readLines(join(dir, 'test.sink.txt')).length >= LINES, 900_000, 500);
  const secs = (Date.now() - started) / 1000;
  w.proc.kill('SIGTERM');
  await w.exited;
  ctx.log(`${label}: ${LINES} lines in ${secs.toFixed(1)} s`);
  return LINES / secs;
}

export async function run(ctx: BenchContext): Promise<BenchResult[]> {
  const server = await startServer();
  try {
    const str = 'org.apache.kafka.connect.storage.StringConverter';
    const plain = await once(server.bootstrap, { 'key.converter': str, 'value.converter': str }, {}, {}, ctx, 'string');
    const smts = {
      transforms: 'hoist,insert,replace',
      'transforms.hoist.type': 'org.apache.kafka.connect.transforms.HoistField$Value',
      'transforms.hoist.field': 'line',
      'transforms.insert.type': 'org.apache.kafka.connect.transforms.InsertField$Value',
      'transforms.insert.static.field': 'source',
      'transforms.insert.static.value': 'bench',
      'transforms.replace.type': 'org.apache.kafka.connect.transforms.ReplaceField$Value',
      'transforms.replace.renames': 'line:text',
    };
    const json = await once(server.bootstrap, {}, smts, {}, ctx, 'json');
    return [
      { name: `FileStream source->topic->sink, ${LINES} lines of 100 B, StringConverter`, value: Math.round(plain), unit: 'records/s', target: 200_000, better: 'higher', note: 'includes worker start-up' },
      { name: `FileStream source->topic->sink, JsonConverter (schemas.enable=true) + HoistField/InsertField/ReplaceField`, value: Math.round(json), unit: 'records/s', target: 100_000, better: 'higher', note: 'includes worker start-up' },
    ];
  } finally {
    await cleanupAll();
  }
}
