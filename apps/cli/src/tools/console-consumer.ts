/**
 * kafka-console-consumer: consumes a topic (or topics matching --include)
 * and prints each record with Kafka's DefaultMessageFormatter layout
 * (`--property print.key=true` ...), then "Processed a total of N
 * messages" on stderr.
 */
import { Consumer, ConsumerRecord, TopicPartition } from '@nagare/client';
import { OptionDef, ParsedOptions } from '../cli/args';
import { CliError, UsageError, describeError } from '../cli/errors';
import { Props, checkBootstrap, consumerOptions, loadPropertiesFile, mergeProps, parseKeyValues } from '../cli/config';
import { checkReachable } from '../cli/connect';
import { HELP, Io, ToolDef, VERSION, missing, probeTimeout } from '../cli/tool';

const options: OptionDef[] = [
  { name: 'topic', arg: 'required', describedAs: 'topic', help: 'The topic to consume on.' },
  { name: 'include', arg: 'required', describedAs: 'Java regex (String)', help: 'Regular expression specifying list of topics to include for consumption.' },
  { name: 'partition', arg: 'required', describedAs: 'partition', help: "The partition to consume from. Consumption starts from the end of the partition unless '--offset' is specified." },
  { name: 'offset', arg: 'required', describedAs: 'consume offset', help: "The offset to consume from (a non-negative number), or 'earliest' which means from beginning, or 'latest' which means from end", default: 'latest' },
  { name: 'consumer-property', arg: 'required', describedAs: 'consumer_prop', help: 'A mechanism to pass user-defined properties in the form key=value to the consumer.' },
  { name: 'consumer.config', arg: 'required', describedAs: 'config file', help: 'Consumer config properties file. Note that --consumer-property takes precedence over this config.' },
  { name: 'formatter', arg: 'required', describedAs: 'class', help: 'The name of a class to use for formatting kafka messages for display (only the default is available).', default: 'org.apache.kafka.tools.consumer.DefaultMessageFormatter' },
  {
    name: 'property',
    arg: 'required',
    describedAs: 'prop',
    help: 'The properties to initialize the message formatter (repeatable): print.timestamp, print.key, print.offset, print.partition, print.headers, print.value, print.epoch (true|false), key.separator, line.separator, headers.separator, null.literal, key.deserializer, value.deserializer, headers.deserializer.',
  },
  { name: 'formatter-config', arg: 'required', describedAs: 'config file', help: 'Config properties file to initialize the message formatter. Note that --property takes precedence over this config.' },
  { name: 'from-beginning', help: 'If the consumer does not already have an established offset to consume from, start with the earliest message present in the log rather than the latest message.' },
  { name: 'max-messages', arg: 'required', describedAs: 'num_messages', help: 'The maximum number of messages to consume before exiting. If not set, consumption is continual.' },
  { name: 'timeout-ms', arg: 'required', describedAs: 'timeout_ms', help: 'If specified, exit if no message is available for consumption for the specified interval.' },
  { name: 'skip-message-on-error', help: 'If there is an error when processing a message, skip it instead of halt.' },
  { name: 'bootstrap-server', arg: 'required', describedAs: 'server to connect to', help: 'REQUIRED: The server(s) to connect to.' },
  { name: 'key-deserializer', arg: 'required', describedAs: 'deserializer for key', help: 'Deserializer for keys (org.apache.kafka.common.serialization.StringDeserializer, LongDeserializer, ...).' },
  { name: 'value-deserializer', arg: 'required', describedAs: 'deserializer for values', help: 'Deserializer for values.' },
  { name: 'enable-systest-events', help: 'Log lifecycle events of the consumer in addition to logging consumed messages. (This is specific for system tests.)' },
  { name: 'isolation-level', arg: 'required', describedAs: 'String', help: 'Set to read_committed in order to filter out transactional messages which are not committed. Set to read_uncommitted to read all messages.', default: 'read_uncommitted' },
  { name: 'group', arg: 'required', describedAs: 'consumer group id', help: 'The consumer group id of the consumer.' },
  HELP,
  VERSION,
];

const EARLIEST = -2;
const LATEST = -1;

type Deserializer = (b: Buffer) => string;

const SERDE = 'org.apache.kafka.common.serialization.';
const DESERIALIZERS: Record<string, Deserializer> = {
  StringDeserializer: (b) => b.toString('utf8'),
  ByteArrayDeserializer: (b) => `[${[...b].map((x) => (x > 127 ? x - 256 : x)).join(', ')}]`,
  BytesDeserializer: (b) => b.toString('utf8'),
  ByteBufferDeserializer: (b) => `java.nio.HeapByteBuffer[pos=0 lim=${b.length} cap=${b.length}]`,
  VoidDeserializer: () => 'null',
  LongDeserializer: (b) => fixedWidth(b, 8, 'LongDeserializer', () => b.readBigInt64BE().toString()),
  IntegerDeserializer: (b) => fixedWidth(b, 4, 'IntegerDeserializer', () => String(b.readInt32BE())),
  ShortDeserializer: (b) => fixedWidth(b, 2, 'ShortDeserializer', () => String(b.readInt16BE())),
  DoubleDeserializer: (b) => fixedWidth(b, 8, 'DoubleDeserializer', () => javaDouble(b.readDoubleBE())),
  FloatDeserializer: (b) => fixedWidth(b, 4, 'FloatDeserializer', () => javaDouble(b.readFloatBE())),
  BooleanDeserializer: (b) => fixedWidth(b, 1, 'BooleanDeserializer', () => String(b[0] !== 0)),
  UUIDDeserializer: (b) => b.toString('utf8'),
};

function fixedWidth(b: Buffer, n: number, name: string, f: () => string): string {
  if (b.length !== n) throw new CliError(`org.apache.kafka.common.errors.SerializationException: Size of data received by ${name} is not ${n}`);
  return f();
}

function javaDouble(x: number): string {
  if (Number.isInteger(x) && Math.abs(x) < 1e7) return `${x}.0`;
  return String(x);
}

function deserializer(name: string | undefined): Deserializer | null {
  if (name === undefined || name === '') return null;
  const short = name.startsWith(SERDE) ? name.slice(SERDE.length) : name;
  const d = DESERIALIZERS[short];
  if (!d) throw new UsageError(`Unable to instantiate a deserializer from ${name}`, `available: ${Object.keys(DESERIALIZERS).join(', ')}`);
  return d;
}

interface Formatter {
  printTimestamp: boolean;
  printKey: boolean;
  printValue: boolean;
  printPartition: boolean;
  printOffset: boolean;
  printEpoch: boolean;
  printHeaders: boolean;
  keySeparator: Buffer;
  lineSeparator: Buffer;
  headersSeparator: Buffer;
  nullLiteral: Buffer;
  key: Deserializer | null;
  value: Deserializer | null;
  headers: Deserializer | null;
}

function formatter(p: Props): Formatter {
  const bool = (k: string, d: boolean) => (p.has(k) ? p.get(k)!.trim().toLowerCase() === 'true' : d);
  const bytes = (k: string, d: string) => Buffer.from(p.get(k) ?? d, 'utf8');
  return {
    printTimestamp: bool('print.timestamp', false),
    printKey: bool('print.key', false),
    printValue: bool('print.value', true),
    printPartition: bool('print.partition', false),
    printOffset: bool('print.offset', false),
    printEpoch: bool('print.epoch', false),
    printHeaders: bool('print.headers', false),
    keySeparator: bytes('key.separator', '\t'),
    lineSeparator: bytes('line.separator', '\n'),
    headersSeparator: bytes('headers.separator', ','),
    nullLiteral: bytes('null.literal', 'null'),
    key: deserializer(p.get('key.deserializer')),
    value: deserializer(p.get('value.deserializer')),
    headers: deserializer(p.get('headers.deserializer')),
  };
}

/** The bytes DefaultMessageFormatter writes for a record. */
export function formatRecord(f: Formatter, r: ConsumerRecord): Buffer {
  const parts: Buffer[] = [];
  const text = (s: string) => parts.push(Buffer.from(s, 'utf8'));
  const sep = (more: boolean) => parts.push(more ? f.keySeparator : f.lineSeparator);
  const field = (b: Buffer | null, d: Deserializer | null) => {
    if (b === null) return f.nullLiteral;
    return d ? Buffer.from(d(b), 'utf8') : b;
  };
  if (f.printTimestamp) {
    text(`${r.timestampType}:${r.timestamp}`);
    sep(f.printPartition || f.printOffset || f.printEpoch || f.printHeaders || f.printKey || f.printValue);
  }
  if (f.printPartition) {
    text(`Partition:${r.partition}`);
    sep(f.printOffset || f.printEpoch || f.printHeaders || f.printKey || f.printValue);
  }
  if (f.printOffset) {
    text(`Offset:${r.offset}`);
    sep(f.printEpoch || f.printHeaders || f.printKey || f.printValue);
  }
  if (f.printEpoch) {
    text(`Epoch:${r.leaderEpoch >= 0 ? r.leaderEpoch : 'NOT_PRESENT'}`);
    sep(f.printHeaders || f.printKey || f.printValue);
  }
  if (f.printHeaders) {
    if (r.headers.length === 0) text('NO_HEADERS');
    r.headers.forEach((h, i) => {
      text(`${h.key}:`);
      parts.push(field(h.value, f.headers));
      if (i < r.headers.length - 1) parts.push(f.headersSeparator);
    });
    sep(f.printKey || f.printValue);
  }
  if (f.printKey) {
    parts.push(field(r.key, f.key));
    sep(f.printValue);
  }
  if (f.printValue) {
    parts.push(field(r.value, f.value));
    parts.push(f.lineSeparator);
  }
  return Buffer.concat(parts);
}

function parseOffset(o: ParsedOptions): number {
  if (o.has('offset')) {
    const v = o.value('offset')!;
    const l = v.toLowerCase();
    if (l === 'earliest') return EARLIEST;
    if (l === 'latest') return LATEST;
    if (/^\+?\d+$/.test(v.trim()) && Number.isSafeInteger(Number(v.trim()))) return Number(v.trim());
    throw new UsageError(`The provided offset value '${v}' is incorrect. Valid values are 'earliest', 'latest', or a non-negative long.`);
  }
  return o.has('from-beginning') ? EARLIEST : LATEST;
}

export const consoleConsumerTool: ToolDef = {
  script: 'kafka-console-consumer',
  command: 'console-consumer',
  usage: 'This tool helps to read data from Kafka topics and outputs it to standard output.',
  options,
  async run(o, io) {
    // Checks in ConsoleConsumerOptions' order and with its messages.
    if ((o.has('topic') ? 1 : 0) + (o.has('include') ? 1 : 0) !== 1) throw new UsageError('Exactly one of --include/--topic is required. ', o.has('topic') ? 'use one of them' : 'add --topic <name>');
    const partition = o.int('partition');
    if (partition !== undefined) {
      if (!o.has('topic')) throw new UsageError('The topic is required when partition is specified.');
      if (o.has('from-beginning') && o.has('offset')) throw new UsageError('Options from-beginning and offset cannot be specified together.');
    } else if (o.has('offset')) throw new UsageError('The partition is required when offset is specified.', 'add --partition <n>');
    if (!o.has('bootstrap-server')) throw missing('bootstrap-server', 'add --bootstrap-server host:port');
    const bootstrap = checkBootstrap(o.value('bootstrap-server'));

    const fileP = o.has('consumer.config') ? loadPropertiesFile(o.value('consumer.config')!) : new Map<string, string>();
    const extraP = parseKeyValues(o.values('consumer-property'));
    const groups = new Set<string>();
    if (o.has('group')) groups.add(o.value('group')!);
    if (fileP.has('group.id')) groups.add(fileP.get('group.id')!);
    if (extraP.has('group.id')) groups.add(extraP.get('group.id')!);
    if (groups.size > 1) {
      throw new UsageError(
        `The group ids provided in different places (directly using '--group', via '--consumer-property', or via '--consumer.config') do not match. Detected group ids: ${[...groups].map((g) => `'${g}'`).join(', ')}`,
      );
    }
    if (groups.size > 0 && partition !== undefined) throw new UsageError('Options group and partition cannot be specified together.', 'drop --group, or --partition to consume with the group');
    const props = mergeProps(fileP, extraP);
    if (props.has('auto.offset.reset')) {
      const v = props.get('auto.offset.reset')!;
      if (o.has('from-beginning') && v !== 'earliest') throw new CliError(`Can't simultaneously specify --from-beginning and 'auto.offset.reset=${v}', please remove one option`);
    } else props.set('auto.offset.reset', o.has('from-beginning') ? 'earliest' : 'latest');
    if (!props.has('client.id')) props.set('client.id', 'console-consumer');
    if (o.has('isolation-level') || !props.has('isolation.level')) props.set('isolation.level', o.value('isolation-level')!);
    if (groups.size === 0) {
      props.set('group.id', `console-consumer-${Math.floor(Math.random() * 100000)}`);
      if (!props.has('enable.auto.commit')) props.set('enable.auto.commit', 'false');
    } else props.set('group.id', [...groups][0]);
    const offset = parseOffset(o);
    const maxMessages = o.int('max-messages') ?? -1;
    const timeoutArg = o.int('timeout-ms');
    const timeoutMs = timeoutArg !== undefined && timeoutArg >= 0 ? timeoutArg : Infinity;
    if (o.value('formatter') !== 'org.apache.kafka.tools.consumer.DefaultMessageFormatter' && o.value('formatter') !== 'kafka.tools.DefaultMessageFormatter') {
      throw new UsageError(`--formatter ${o.value('formatter')} is not available`, 'only the default org.apache.kafka.tools.consumer.DefaultMessageFormatter is');
    }
    const fprops = mergeProps(o.has('formatter-config') ? loadPropertiesFile(o.value('formatter-config')!) : undefined);
    if (o.value('key-deserializer')) fprops.set('key.deserializer', o.value('key-deserializer')!);
    if (o.value('value-deserializer')) fprops.set('value.deserializer', o.value('value-deserializer')!);
    for (const [k, v] of parseKeyValues(o.values('property'))) fprops.set(k, v);
    const fmt = formatter(fprops);
    const copts = consumerOptions(bootstrap, props);
    let include: RegExp | null = null;
    if (o.has('include')) {
      try {
        include = new RegExp(`^(?:${o.value('include')})$`);
      } catch (e) {
        throw new UsageError(`${o.value('include')} is an invalid regex.`, (e as Error).message);
      }
    }

    await checkReachable(bootstrap, probeTimeout(props));
    const consumer = new Consumer(copts);
    return consume(consumer, { topic: o.value('topic'), include, partition, offset, maxMessages, timeoutMs, skipOnError: o.has('skip-message-on-error'), systest: o.has('enable-systest-events') }, fmt, io);
  },
};

interface Plan {
  topic: string | undefined;
  include: RegExp | null;
  partition: number | undefined;
  offset: number;
  maxMessages: number;
  timeoutMs: number;
  skipOnError: boolean;
  systest: boolean;
}

async function consume(consumer: Consumer, plan: Plan, fmt: Formatter, io: Io): Promise<number> {
  let count = 0;
  let stopSignal: NodeJS.Signals | null = null;
  const onSignal = (s: NodeJS.Signals) => {
    stopSignal = s;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let buffered: ConsumerRecord[] = [];
  let index = 0;
  let failure: unknown = null;
  try {
    if (plan.partition !== undefined) {
      const tp: TopicPartition = { topic: plan.topic!, partition: plan.partition };
      consumer.assign([tp]);
      if (plan.offset === EARLIEST) consumer.seekToBeginning([tp]);
      else if (plan.offset === LATEST) consumer.seekToEnd([tp]);
      else consumer.seek(tp, plan.offset);
    } else if (plan.include) consumer.subscribe(plan.include);
    else consumer.subscribe([plan.topic!]);

    outer: while (plan.maxMessages < 0 || count < plan.maxMessages) {
      // receive(): the next record, polling until one arrives or --timeout-ms passes.
      const started = Date.now();
      while (index >= buffered.length) {
        if (stopSignal) break outer;
        // Let pending I/O events (a broken stdout pipe, signals) arrive between batches.
        await new Promise((r) => setImmediate(r));
        if (io.outFailed()) {
          io.err('Unable to write to standard out, closing consumer.\n');
          break outer;
        }
        const left = plan.timeoutMs - (Date.now() - started);
        buffered = await consumer.poll(Math.max(0, Math.min(500, left)));
        index = 0;
        if (buffered.length === 0 && Date.now() - started > plan.timeoutMs) {
          io.err('ERROR Error processing message, terminating consumer process: org.apache.kafka.common.errors.TimeoutException\n');
          break outer;
        }
      }
      const rec = buffered[index++];
      count++;
      try {
        io.out(formatRecord(fmt, rec));
      } catch (e) {
        if (!plan.skipOnError) throw e;
        io.err(`ERROR Error processing message, skipping this message: ${describeError(e)}\n`);
      }
      if (io.outFailed()) {
        io.err('Unable to write to standard out, closing consumer.\n');
        break;
      }
    }
  } catch (e) {
    failure = e;
  } finally {
    // Leave unconsumed records uncommitted: seek back to the first one of each partition.
    const firstUnconsumed = new Map<string, ConsumerRecord>();
    for (const r of buffered.slice(index)) if (!firstUnconsumed.has(`${r.topic}\u0000${r.partition}`)) firstUnconsumed.set(`${r.topic}\u0000${r.partition}`, r);
    for (const r of firstUnconsumed.values()) {
      try {
        consumer.seek({ topic: r.topic, partition: r.partition }, r.offset);
      } catch {
        // no longer assigned
      }
    }
    await consumer.close().catch(() => undefined);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    io.err(`Processed a total of ${count} messages\n`);
    if (plan.systest) io.out('shutdown_complete\n');
  }
  if (failure) {
    if (failure instanceof CliError) throw failure;
    io.err(`ERROR Error processing message, terminating consumer process: ${describeError(failure)}\n`);
    return 1;
  }
  if (stopSignal === 'SIGINT') return 130;
  if (stopSignal === 'SIGTERM') return 143;
  return 0;
}
