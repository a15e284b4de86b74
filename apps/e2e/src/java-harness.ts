/**
 * Apache Kafka's own Java client and tools (../shared/java-client beside the
 * repository, see its README) for the e2e suites: where they are, whether
 * this machine can run them, the tools' scripts, and javac for the suite's
 * own Java programs (src/java).
 *
 * A clone without ../shared skips these suites with one line; with it, a
 * missing JDK or Debian jar fails the suite naming the package
 * (tools/scripts/system-deps.js, run first by `npm test`, installs them).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ROOT, RunOptions, RunResult, E2E_SRC, LineProcess, run, runOk, spawnLines, tempDir } from './harness';

export const SHARED_DIR = resolve(ROOT, '../shared');
export const JAVA_CLIENT_DIR = join(SHARED_DIR, 'java-client');
export const JAVA_BIN = join(JAVA_CLIENT_DIR, 'bin');
export const KAFKA_CLIENTS_JAR = join(JAVA_CLIENT_DIR, 'kafka-clients-4.0.0-SNAPSHOT.jar');
export const JAVA_SRC = join(E2E_SRC, 'java');

/** Why the Java suites cannot run on this checkout, or undefined when they can. */
export function javaClientMissing(): string | undefined {
  if (!existsSync(JAVA_BIN)) return `${JAVA_CLIENT_DIR} is absent (Apache Kafka's Java client is not beside this clone)`;
  return undefined;
}

/**
 * `describe` when ../shared/java-client is there; otherwise one skipped test
 * whose name says why, and one line on stderr.
 */
export function describeWithJava(name: string, body: () => void): void {
  const missing = javaClientMissing();
  if (missing === undefined) {
    describe(name, body);
    return;
  }
  process.stderr.write(`skipping ${name}: ${missing}\n`);
  describe(name, () => {
    it.skip(`skipped: ${missing}`, () => undefined);
  });
}

/** The Debian jars kafka-run-class.sh puts on the class path, with the package of each. */
const JARS: Array<[string, string]> = [
  ['slf4j-api.jar', 'libslf4j-java'],
  ['slf4j-simple.jar', 'libslf4j-java'],
  ['zstd-jni.jar', 'libzstd-jni-java'],
  ['lz4-java.jar', 'liblz4-java'],
  ['snappy-java.jar', 'libsnappy-java'],
  ['jackson-core.jar', 'libjackson2-core-java'],
  ['jackson-databind.jar', 'libjackson2-databind-java'],
  ['jackson-annotations.jar', 'libjackson2-annotations-java'],
  ['argparse4j.jar', 'libargparse4j-java'],
  ['joptsimple.jar', 'libjoptsimple-java'],
  ['protobuf.jar', 'libprotobuf-java'],
];

/** Fails naming the Debian packages when java, javac or a jar the tools need is missing. */
export function requireJava(opts: { javac?: boolean } = {}): void {
  const missing = new Set<string>();
  if (!existsSync('/usr/bin/java')) missing.add('default-jre-headless');
  if (opts.javac && !existsSync('/usr/bin/javac')) missing.add('default-jdk-headless');
  for (const [jar, pkg] of JARS) if (!existsSync(join('/usr/share/java', jar))) missing.add(pkg);
  if (missing.size > 0) {
    throw new Error(`Apache Kafka's Java tools need Debian packages: apt-get install -y ${[...missing].join(' ')} (or run node tools/scripts/system-deps.js as root)`);
  }
}

// Short-lived tools: the client compiler only and the serial collector start a JVM about 20% faster and use less CPU.
const JAVA_ENV = { LOG_LEVEL: 'warn', KAFKA_HEAP_OPTS: '-Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC' };

/** Runs one of Kafka's bin/*.sh tools (e.g. 'kafka-topics.sh') to completion. */
export function kafkaTool(script: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return run(join(JAVA_BIN, script), args, { timeoutMs: 90000, ...opts, env: { ...JAVA_ENV, ...opts.env } });
}

/** Runs one of Kafka's tools that must exit 0; returns stdout. */
export function kafkaToolOk(script: string, args: string[], opts: RunOptions = {}): Promise<string> {
  return runOk(join(JAVA_BIN, script), args, { timeoutMs: 90000, ...opts, env: { ...JAVA_ENV, ...opts.env } });
}

/** Compiles src/java/*.java against kafka-clients with javac into a temp dir (removed by cleanupAll); returns that dir. */
export async function compileJava(): Promise<string> {
  const out = tempDir('nagare-e2e-java-');
  const sources = readdirSync(JAVA_SRC)
    .filter((f) => f.endsWith('.java'))
    .map((f) => join(JAVA_SRC, f));
  await runOk('javac', ['--release', '17', '-Xlint:all', '-Xlint:-options', '-cp', KAFKA_CLIENTS_JAR, '-d', out, ...sources], { timeoutMs: 120000 });
  return out;
}

/** Runs a main class compiled by compileJava (with the client's dependencies, via kafka-run-class.sh). */
export function runJavaMain(classes: string, main: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return run(join(JAVA_BIN, 'kafka-run-class.sh'), [main, ...args], { timeoutMs: 120000, ...opts, env: { ...JAVA_ENV, EXTRA_CP: classes, ...opts.env } });
}

/** Starts a main class compiled by compileJava as a long-running child whose stdout lines are collected. */
export function spawnJavaMain(classes: string, main: string, args: string[]): LineProcess {
  return spawnLines(join(JAVA_BIN, 'kafka-run-class.sh'), [main, ...args], { env: { ...JAVA_ENV, EXTRA_CP: classes } });
}

/**
 * Splits a table printed by Kafka's tools (a header line of upper-case column
 * names, then rows whose cells start under their column's name, as printf
 * pads them) into objects keyed by column name. Several tables (one per
 * group) are concatenated.
 */
export function parseTable(out: string): Array<Record<string, string>> {
  const rows: Array<Record<string, string>> = [];
  let cols: Array<{ name: string; start: number }> | undefined;
  for (const raw of out.split('\n')) {
    if (raw.trim() === '') continue;
    const line = raw.replace('COORDINATOR (ID)', 'COORDINATOR-(ID)');
    if (/^(GROUP|TOPIC)\s/.test(line) && line.trim().split(/\s+/).every((c) => /^[A-Z#][A-Z0-9-]*(-\(ID\))?$/.test(c))) {
      cols = [...line.matchAll(/\S+/g)].map((m) => ({ name: m[0], start: m.index! }));
      continue;
    }
    if (!cols) continue;
    const c = cols;
    rows.push(Object.fromEntries(c.map((col, i) => [col.name, raw.slice(col.start, i + 1 < c.length ? c[i + 1].start : undefined).trim()])));
  }
  return rows;
}

/** ProducerPerformance's summary line ("N records sent, R records/sec (M MB/sec), A ms avg latency, X ms max latency, P50 ms 50th, ..."). */
export interface ProducerPerfSummary {
  records: number;
  recordsPerSec: number;
  mbPerSec: number;
  avgLatencyMs: number;
  maxLatencyMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  p999Ms: number;
}

export function parseProducerPerf(out: string): ProducerPerfSummary {
  const line = out.trim().split('\n').pop() ?? '';
  const m =
    /^(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99\.9th\.$/.exec(line);
  if (!m) throw new Error(`not a ProducerPerformance summary line: ${line}`);
  const n = m.slice(1).map(Number);
  return { records: n[0], recordsPerSec: n[1], mbPerSec: n[2], avgLatencyMs: n[3], maxLatencyMs: n[4], p50Ms: n[5], p95Ms: n[6], p99Ms: n[7], p999Ms: n[8] };
}

/** ConsumerPerformance's CSV result (header "start.time, end.time, data.consumed.in.MB, ..." and one row), keyed by column. */
export function parseConsumerPerf(out: string): Record<string, string> {
  const lines = out.trim().split('\n');
  const h = lines.findIndex((l) => l.startsWith('start.time, end.time'));
  if (h < 0 || h + 1 >= lines.length) throw new Error(`no ConsumerPerformance result in:\n${out}`);
  const values = lines[h + 1].split(', ');
  return Object.fromEntries(lines[h].split(', ').map((k, i) => [k.trim(), (values[i] ?? '').trim()]));
}
