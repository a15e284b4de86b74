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
import { closeSync, openSync, readFileSync, readSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext, BenchResult } from '@nagare/common';
import { adaptConfig, cleanupAll, freePort, readLines, startServer, startWorker, tempDir, waitFor } from './testing/harness';

const LINES = Number(process.env.CONNECT_BENCH_LINES ?? 1_000_000);

/** User + system CPU seconds of a process so far (Linux /proc). */
function cpuSeconds(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return NaN;
  }
}

let brokerPid = 0;

async function once(bootstrap: string, extraWorker: Record<string, string>, extraSource: Record<string, string>, extraSink: Record<string, string>, ctx: BenchContext, label: string): Promise<{ rate: number; note: string }> {
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
  const sinkFile = join(dir, 'test.sink.txt');
  const bytes = Buffer.byteLength(text);
  const lastId = String(LINES - 1).padStart(10, '0');
  // the tail of the sink file, not its lines: reading a 100 MB file every poll would take the CPU the worker needs
  const done = (): boolean => {
    let size = 0;
    try {
      size = statSync(sinkFile).size;
    } catch {
      return false;
    }
    if (size < bytes) return false;
    const fd = openSync(sinkFile, 'r');
    try {
      const tail = Buffer.alloc(512);
      const n = readSync(fd, tail, 0, tail.length, Math.max(0, size - tail.length));
      return tail.subarray(0, n).toString('latin1').includes(lastId);
    } finally {
      closeSync(fd);
    }
  };
  const cpu0 = cpuSeconds(brokerPid);
  const started = Date.now();
  const w = await startWorker(dir, [wp, src, sink], rest);
  await waitFor('every line in the sink', done, 900_000, 50);
  const secs = (Date.now() - started) / 1000;
  const workerCpu = cpuSeconds(w.proc.pid!);
  const brokerCpu = cpuSeconds(brokerPid) - cpu0;
  w.proc.kill('SIGTERM');
  await w.exited;
  const lines = readLines(sinkFile);
  const bad = lines.findIndex((l, i) => !l.includes(String(i).padStart(10, '0') + line));
  if (lines.length !== LINES || bad >= 0) throw new Error(`${label}: the sink file has ${lines.length} lines, not ${LINES} in order (first wrong line: ${bad})`);
  ctx.log(`${label}: ${LINES} lines in ${secs.toFixed(2)} s; CPU: worker ${workerCpu.toFixed(2)} s, broker ${brokerCpu.toFixed(2)} s`);
  return { rate: LINES / secs, note: `${secs.toFixed(2)} s incl. worker start-up; CPU: worker ${workerCpu.toFixed(2)} s, broker ${brokerCpu.toFixed(2)} s` };
}

export async function run(ctx: BenchContext): Promise<BenchResult[]> {
  const server = await startServer();
  brokerPid = server.proc.pid!;
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
      { name: `FileStream source->topic->sink, ${LINES} lines of 100 B, StringConverter`, value: Math.round(plain.rate), unit: 'records/s', target: 200_000, better: 'higher', note: plain.note },
      { name: `FileStream source->topic->sink, JsonConverter (schemas.enable=true) + HoistField/InsertField/ReplaceField`, value: Math.round(json.rate), unit: 'records/s', target: 100_000, better: 'higher', note: json.note },
    ];
  } finally {
    await cleanupAll();
  }
}
