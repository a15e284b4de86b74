/**
 * kafka-producer-perf-test (ProducerPerformance): sends --num-records
 * records of --record-size bytes at up to --throughput records/s, printing
 * Kafka's 5-second window lines and the final summary with latency
 * percentiles; a progress bar when stdout is a terminal. With a
 * transactional id (--transactional-id, or transactional.id in the producer
 * properties) or --transaction-duration-ms the records go in transactions,
 * each committed once it is that old (3000 ms by default), as Kafka's tool.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Producer } from '@nagare/client';
import { OptionDef } from '../cli/args';
import { CliError, UsageError, describeError } from '../cli/errors';
import { Props, checkBootstrap, loadPropertiesFile, producerOptions } from '../cli/config';
import { checkReachable } from '../cli/connect';
import { fixed, pad } from '../cli/format';
import { createProgress } from '../cli/progress';
import { HELP, Io, ToolDef, probeTimeout } from '../cli/tool';

const options: OptionDef[] = [
  { name: 'topic', arg: 'required', describedAs: 'TOPIC', help: 'produce messages to this topic' },
  { name: 'num-records', arg: 'required', describedAs: 'NUM-RECORDS', help: 'number of messages to produce' },
  { name: 'record-size', arg: 'required', describedAs: 'RECORD-SIZE', help: 'message size in bytes. Note that you must provide exactly one of --record-size or --payload-file or --payload-monotonic.' },
  { name: 'payload-file', arg: 'required', describedAs: 'PAYLOAD-FILE', help: 'file to read the message payloads from. This works only for UTF-8 encoded text files. Payloads will be read from this file and a payload will be randomly selected when sending messages.' },
  { name: 'payload-monotonic', help: 'payload is monotonically increasing integer.' },
  { name: 'payload-delimiter', arg: 'required', describedAs: 'PAYLOAD-DELIMITER', help: 'provides delimiter to be used when --payload-file is provided. Defaults to new line.', default: '\\n' },
  { name: 'throughput', arg: 'required', describedAs: 'THROUGHPUT', help: 'throttle maximum message throughput to *approximately* THROUGHPUT messages/sec. Set this to -1 to disable throttling.' },
  { name: 'producer-props', nargs: '+', describedAs: 'PROP-NAME=PROP-VALUE', help: 'kafka producer related configuration properties like bootstrap.servers,client.id etc. These configs take precedence over those passed via --producer.config.' },
  { name: 'producer.config', arg: 'required', describedAs: 'CONFIG-FILE', help: 'producer config properties file.' },
  { name: 'bootstrap-server', arg: 'required', describedAs: 'BOOTSTRAP-SERVERS', help: 'nagare: the servers to connect to (instead of bootstrap.servers in --producer-props).' },
  { name: 'print-metrics', help: 'print out metrics at the end of the test.' },
  {
    name: 'transactional-id',
    arg: 'required',
    describedAs: 'TRANSACTIONAL-ID',
    help: 'The transactional id to use. This config takes precedence over the transactional.id specified via --producer.config or --producer-props. Note that if the transactional id is not specified while --transaction-duration-ms is provided, the default value for the transactional id will be performance-producer- followed by a random uuid.',
  },
  {
    name: 'transaction-duration-ms',
    arg: 'required',
    describedAs: 'TRANSACTION-DURATION',
    help: 'The max age of each transaction. The commitTransaction will be called after this time has elapsed. The value should be greater than 0. If the transactional id is specified via --producer-props, --producer.config, or --transactional-id but --transaction-duration-ms is not specified, the default value will be 3000.',
  },
  HELP,
];

const usageError = (m: string) => new UsageError(`producer-performance: error: ${m}`);

/** Latency statistics as ProducerPerformance.Stats: 5 s windows, sampled latencies for the percentiles. */
export class Stats {
  private readonly start: number;
  private readonly latencies: Int32Array;
  private readonly sampling: number;
  private iteration = 0;
  private index = 0;
  count = 0;
  bytes = 0;
  private maxLatency = 0;
  private totalLatency = 0;
  private windowCount = 0;
  private windowMaxLatency = 0;
  private windowTotalLatency = 0;
  private windowBytes = 0;
  private windowStart: number;

  constructor(
    numRecords: number,
    private readonly reportingInterval: number,
    private readonly print: (line: string) => void,
    private readonly now: () => number = Date.now,
  ) {
    this.start = now();
    this.windowStart = this.start;
    this.sampling = Math.floor(numRecords / Math.min(numRecords, 500000));
    this.latencies = new Int32Array(Math.floor(numRecords / this.sampling) + 1);
  }

  record(latency: number, bytes: number, time: number): void {
    this.count++;
    this.bytes += bytes;
    this.totalLatency += latency;
    this.maxLatency = Math.max(this.maxLatency, latency);
    this.windowCount++;
    this.windowBytes += bytes;
    this.windowTotalLatency += latency;
    this.windowMaxLatency = Math.max(this.windowMaxLatency, latency);
    if (this.iteration % this.sampling === 0 && this.index < this.latencies.length) this.latencies[this.index++] = latency;
    this.iteration++;
    if (time - this.windowStart >= this.reportingInterval) {
      this.printWindow();
      this.newWindow();
    }
  }

  printWindow(): void {
    const elapsed = this.now() - this.windowStart;
    const recsPerSec = (1000.0 * this.windowCount) / elapsed;
    const mbPerSec = (1000.0 * this.windowBytes) / elapsed / (1024.0 * 1024.0);
    this.print(
      `${this.windowCount} records sent, ${fixed(recsPerSec, 1)} records/sec (${fixed(mbPerSec, 2)} MB/sec), ${fixed(this.windowTotalLatency / this.windowCount, 1)} ms avg latency, ${fixed(this.windowMaxLatency, 1)} ms max latency.\n`,
    );
  }

  private newWindow(): void {
    this.windowStart = this.now();
    this.windowCount = 0;
    this.windowMaxLatency = 0;
    this.windowTotalLatency = 0;
    this.windowBytes = 0;
  }

  summary(): string {
    const elapsed = this.now() - this.start;
    const recsPerSec = (1000.0 * this.count) / elapsed;
    const mbPerSec = (1000.0 * this.bytes) / elapsed / (1024.0 * 1024.0);
    const size = Math.min(this.index, this.latencies.length);
    const sorted = this.latencies.slice(0, size).sort();
    const perc = (p: number) => (size === 0 ? 0 : sorted[Math.floor(p * size)]);
    return (
      `${this.count} records sent, ${fixed(recsPerSec, 1)} records/sec (${fixed(mbPerSec, 2)} MB/sec), ${fixed(this.totalLatency / this.count, 2)} ms avg latency, ${fixed(this.maxLatency, 2)} ms max latency, ` +
      `${perc(0.5)} ms 50th, ${perc(0.95)} ms 95th, ${perc(0.99)} ms 99th, ${perc(0.999)} ms 99.9th.\n`
    );
  }

  get maxLatencyMs(): number {
    return this.maxLatency;
  }

  get elapsedMs(): number {
    return this.now() - this.start;
  }
}

/** Kafka's `--producer-props`: each `k=v` must split into exactly two pieces. */
function readProps(list: string[], file: string | undefined): Props {
  const props: Props = file ? loadPropertiesFile(file) : new Map();
  for (const p of list) {
    const pieces = p.split('=');
    if (pieces.length !== 2) throw new CliError(`Invalid property: ${p}`);
    props.set(pieces[0], pieces[1]);
  }
  if (!props.has('client.id')) props.set('client.id', 'perf-producer-client');
  return props;
}

/**
 * Random payloads of upper-case letters, as Kafka's tool makes them (its
 * SplittableRandom refills one array per record). Here 64 KiB of random letters
 * (xorshift32, fixed seed) is made once and cut into 4,096 views of `size`
 * bytes at random offsets; each record takes one of them at random. Content
 * varies from record to record as in Kafka's tool, but no bytes are generated
 * or allocated per record (the producer copies the value into its batch).
 */
function payloadGenerator(size: number): () => Buffer {
  let x = 2463534242;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
  const span = Math.max(1 << 16, size);
  const pool = Buffer.allocUnsafe(span + size);
  for (let j = 0; j < pool.length; j++) pool[j] = 65 + (next() % 26);
  const views: Buffer[] = new Array(4096);
  for (let i = 0; i < views.length; i++) {
    const at = next() % (span - size + 1);
    views[i] = pool.subarray(at, at + size);
  }
  return () => views[next() & 4095];
}

export const producerPerfTool: ToolDef = {
  script: 'kafka-producer-perf-test',
  command: 'producer-perf-test',
  usage: 'This tool is used to verify the producer performance.',
  options,
  noArgsExit: 0,
  async run(o, io) {
    if (!o.has('topic')) throw usageError('argument --topic is required');
    if (!o.has('num-records')) throw usageError('argument --num-records is required');
    if (!o.has('throughput')) throw usageError('argument --throughput is required');
    const payloadOpts = ['record-size', 'payload-file', 'payload-monotonic'].filter((x) => o.has(x));
    if (payloadOpts.length === 0) throw usageError('one of the arguments --record-size --payload-file --payload-monotonic is required');
    if (payloadOpts.length > 1) throw usageError(`argument --${payloadOpts[1]}: not allowed with argument --${payloadOpts[0]}`);
    const numRecords = o.int('num-records')!;
    const recordSize = o.int('record-size');
    const throughput = o.number('throughput')!;
    if (numRecords <= 0) throw usageError('--num-records should be greater than zero');
    if (recordSize !== undefined && recordSize <= 0) throw usageError('--record-size should be greater than zero');
    if (!o.has('producer-props') && !o.has('producer.config') && !o.has('bootstrap-server')) throw usageError('Either --producer-props or --producer.config must be specified.');
    const durationArg = o.int('transaction-duration-ms');
    if (durationArg !== undefined && durationArg <= 0) throw usageError('--transaction-duration-ms should be greater than zero');
    const props = readProps(o.values('producer-props'), o.value('producer.config'));
    // Transactions: as ProducerPerformance decides (an id from the flag, the properties, or a random one).
    const transactionsEnabled = durationArg !== undefined || o.has('transactional-id') || props.has('transactional.id');
    let transactionDurationMs = 0;
    if (transactionsEnabled) {
      props.set('transactional.id', o.value('transactional-id') ?? props.get('transactional.id') ?? `performance-producer-${randomUUID()}`);
      transactionDurationMs = durationArg ?? 3000;
    }
    if (o.has('bootstrap-server')) props.set('bootstrap.servers', o.value('bootstrap-server')!);
    const bootstrap = props.get('bootstrap.servers');
    if (bootstrap === undefined) throw new CliError('Missing required configuration "bootstrap.servers" which has no default value.');
    checkBootstrap(bootstrap);

    let payloads: Buffer[] = [];
    if (o.has('payload-file')) {
      const path = resolve(o.value('payload-file')!);
      io.out(`Reading payloads from: ${path}\n`);
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch {
        throw new CliError('File does not exist or empty file provided.');
      }
      if (text.length === 0) throw new CliError('File does not exist or empty file provided.');
      const d = o.value('payload-delimiter') === '\\n' ? '\n' : o.value('payload-delimiter')!;
      const list = text.split(d);
      while (list.length > 1 && list[list.length - 1] === '') list.pop();
      io.out(`Number of messages read: ${list.length}\n`);
      payloads = list.map((p) => Buffer.from(p, 'utf8'));
    }
    const popts = producerOptions(bootstrap, props);
    await checkReachable(bootstrap, probeTimeout(props));
    const producer = new Producer(popts);
    const nextPayload: (i: number) => Buffer =
      payloads.length > 0
        ? () => payloads[Math.floor(Math.random() * payloads.length)]
        : recordSize !== undefined
          ? payloadGenerator(recordSize)
          : (i) => Buffer.from(String(i), 'utf8');
    if (transactionsEnabled) await producer.initTransactions();
    return perfLoop(producer, io, {
      topic: o.value('topic')!,
      numRecords,
      throughput,
      nextPayload,
      printMetrics: o.has('print-metrics'),
      clientId: props.get('client.id')!,
      bufferMemory: popts.bufferMemory ?? 33554432,
      transactionDurationMs,
    });
  },
};

interface LoopConfig {
  topic: string;
  numRecords: number;
  throughput: number;
  nextPayload: (i: number) => Buffer;
  printMetrics: boolean;
  clientId: string;
  bufferMemory: number;
  /** Commit a transaction once it is this old (0: no transactions). */
  transactionDurationMs: number;
}

/**
 * Sends awaiting acknowledgement, at most. Kafka's tool blocks in send() once
 * buffer.memory is full; a JS loop cannot block, so it waits here. The bound is
 * well below what 32 MiB would hold: sends that wait long for their
 * acknowledgement outlive the young generation, and collecting them from the
 * old one costs more than the deeper queue gains (measured: 100,000
 * outstanding ran at 0.79M records/s, 10,000 at 1.0M).
 */
const MAX_OUTSTANDING = 10000;
/** Records sent between yields to the event loop, so acknowledgements and the sender run promptly. */
const YIELD_EVERY = 250;

async function perfLoop(producer: Producer, io: Io, c: LoopConfig): Promise<number> {
  const progress = createProgress(io, c.numRecords, 'records');
  const stats = new Stats(c.numRecords, 5000, (l) => progress.log(l));
  let errors = 0;
  let firstError: string | null = null;
  let outstanding = 0;
  let outstandingBytes = 0;
  let wake: (() => void) | null = null;
  const startMs = Date.now();
  let maxSize = 0;
  let totalSize = 0;
  let transactionSize = 0;
  let transactionStart = 0;
  const ticker = progress.active
    ? setInterval(() => progress.update(stats.count + errors, { rate: fixed((1000 * stats.count) / Math.max(1, Date.now() - startMs), 1) }), 200)
    : null;
  try {
    for (let i = 0; i < c.numRecords; i++) {
      const payload = c.nextPayload(i);
      maxSize = Math.max(maxSize, payload.length);
      totalSize += payload.length;
      // Bound what is queued in memory (the Java producer blocks on buffer.memory instead).
      while (outstanding >= MAX_OUTSTANDING || (outstanding > 0 && outstandingBytes + payload.length > c.bufferMemory)) {
        await new Promise<void>((r) => (wake = r));
      }
      if (c.transactionDurationMs > 0 && transactionSize === 0) {
        producer.beginTransaction();
        transactionStart = Date.now();
      }
      const sendStart = Date.now();
      outstanding++;
      outstandingBytes += payload.length;
      // The callback form (Java's send(record, callback)): no promise per record.
      producer.send({ topic: c.topic, value: payload }, (e) => {
        if (e === null) {
          const now = Date.now();
          stats.record(now - sendStart, payload.length, now);
        } else {
          errors++;
          if (firstError === null || errors <= 10) io.err(`${describeError(e)}\n`);
          firstError ??= describeError(e);
        }
        done(payload.length);
      });
      transactionSize++;
      if (c.transactionDurationMs > 0 && c.transactionDurationMs <= sendStart - transactionStart) {
        // commitTransaction() flushes: it waits for the transaction's records, as Kafka's blocking call.
        await producer.commitTransaction();
        transactionSize = 0;
      }
      if (c.throughput >= 0) {
        // Pace sends at the target rate (ThroughputThrottler's effect).
        const due = startMs + ((i + 1) * 1000) / c.throughput;
        const wait = due - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        else if (i % YIELD_EVERY === YIELD_EVERY - 1) await new Promise((r) => setImmediate(r));
      } else if (i % YIELD_EVERY === YIELD_EVERY - 1) await new Promise((r) => setImmediate(r));
    }
    if (c.transactionDurationMs > 0 && transactionSize !== 0) await producer.commitTransaction();
    if (c.printMetrics) await producer.flush();
    else await producer.close();
  } finally {
    if (ticker) clearInterval(ticker);
    progress.update(stats.count + errors);
    progress.stop();
  }
  io.out(stats.summary());
  if (c.printMetrics) {
    const tags = `{client-id=${c.clientId}}`;
    const elapsed = Math.max(1, stats.elapsedMs) / 1000;
    const metrics: Array<[string, string]> = [
      [`producer-metrics:record-error-total:${tags}`, fixed(errors, 3)],
      [`producer-metrics:record-send-rate:${tags}`, fixed(stats.count / elapsed, 3)],
      [`producer-metrics:record-send-total:${tags}`, fixed(stats.count, 3)],
      [`producer-metrics:record-size-avg:${tags}`, fixed(c.numRecords > 0 ? totalSize / c.numRecords : 0, 3)],
      [`producer-metrics:record-size-max:${tags}`, fixed(maxSize, 3)],
      [`producer-metrics:request-latency-max:${tags}`, fixed(stats.maxLatencyMs, 3)],
    ];
    const w = Math.max(...metrics.map((m) => m[0].length));
    io.out(`\n${pad('Metric Name', w)}   Value\n`);
    for (const [k, v] of metrics) io.out(`${pad(k, w)} : ${v}\n`);
    await producer.close();
  }
  return errors > 0 ? 1 : 0;

  function done(bytes: number): void {
    outstanding--;
    outstandingBytes -= bytes;
    const w = wake;
    wake = null;
    w?.();
  }
}
