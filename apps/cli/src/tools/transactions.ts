/**
 * kafka-transactions: the transactional state of producers in the cluster
 * (Kafka's TransactionsCommand, KIP-664), with its subcommands and output:
 *
 *   list [--duration-filter ms]             transactional ids per coordinator
 *   describe --transactional-id id          one id's state at its coordinator
 *   describe-producers --topic t --partition p [--broker-id b]
 *   abort --topic t --partition p (--start-offset o | --producer-id .. --producer-epoch .. --coordinator-epoch ..)
 *   find-hanging (--topic t [--partition p] | --broker-id b) [--max-transaction-timeout min]
 *
 * Tables are printed as Kafka's ToolsUtils.prettyPrintTable does (columns
 * padded to their widest value, each followed by a tab). A hanging
 * transaction is an open one (DescribeProducers shows a start offset) older
 * than --max-transaction-timeout whose producer id no coordinator knows, or
 * whose transaction no longer lists the partition.
 */
import type { Admin, DescribeProducersResult, ProducerState, TransactionDescription } from '@nagare/client';
import { ErrorCode, KafkaProtocolError } from '@nagare/protocol';
import type { OptionDef, ParsedOptions } from '../cli/args';
import { CliError, kafkaMessage } from '../cli/errors';
import { COMMAND_CONFIG, HELP, type Io, type ToolDef, fileProps, requireBootstrap, withAdmin } from '../cli/tool';

const PROG = 'kafka-transactions.sh';
const COMMANDS = ['list', 'describe', 'describe-producers', 'abort', 'find-hanging'] as const;
type Command = (typeof COMMANDS)[number];

const options: OptionDef[] = [
  { name: 'bootstrap-server', arg: 'required', describedAs: 'host:port', help: 'hostname and port for the broker to connect to, in the form `host:port`  (multiple comma-separated entries can be given)' },
  { ...COMMAND_CONFIG, describedAs: 'FILE', help: 'property file containing configs to be passed to admin client' },
  { name: 'version', short: 'v', help: 'show the version of this Kafka distribution and exit' },
  HELP,
  { name: 'duration-filter', arg: 'required', describedAs: 'DURATION_FILTER', help: 'list: Duration (in millis) to filter by: if < 0, all transactions will be returned; otherwise, only transactions running longer than this duration will be returned' },
  { name: 'transactional-id', arg: 'required', describedAs: 'TRANSACTIONAL_ID', help: 'describe: transactional id' },
  { name: 'broker-id', arg: 'required', describedAs: 'BROKER_ID', help: 'describe-producers: optional broker id to describe the producer state on a specific replica; find-hanging: broker id to search for hanging transactions' },
  { name: 'topic', arg: 'required', describedAs: 'TOPIC', help: 'describe-producers, abort: topic name; find-hanging: topic name to limit search to (required if --partition is specified)' },
  { name: 'partition', arg: 'required', describedAs: 'PARTITION', help: 'partition number' },
  { name: 'start-offset', arg: 'required', describedAs: 'START_OFFSET', help: 'abort: start offset of the transaction to abort' },
  { name: 'producer-id', arg: 'required', describedAs: 'PRODUCER_ID', help: 'abort (brokers older than 3.0): producer id' },
  { name: 'producer-epoch', arg: 'required', describedAs: 'PRODUCER_EPOCH', help: 'abort (brokers older than 3.0): producer epoch' },
  { name: 'coordinator-epoch', arg: 'required', describedAs: 'COORDINATOR_EPOCH', help: 'abort (brokers older than 3.0): coordinator epoch' },
  { name: 'max-transaction-timeout', arg: 'required', describedAs: 'MAX_TRANSACTION_TIMEOUT', help: 'find-hanging: maximum transaction timeout in minutes to limit the scope of the search (15 minutes by default)', default: '15' },
];

/** Which options each command takes (argparse's subparsers: another command's option is an error). */
const COMMAND_OPTIONS: Record<Command, string[]> = {
  list: ['duration-filter'],
  describe: ['transactional-id'],
  'describe-producers': ['broker-id', 'topic', 'partition'],
  abort: ['topic', 'partition', 'start-offset', 'producer-id', 'producer-epoch', 'coordinator-epoch'],
  'find-hanging': ['broker-id', 'max-transaction-timeout', 'topic', 'partition'],
};
const GLOBAL = new Set(['bootstrap-server', 'command-config', 'version', 'help']);

/** An argparse-style usage error: `kafka-transactions.sh: error: <message>`. */
function argError(message: string): CliError {
  return new CliError(`usage: ${PROG} [-h] [-v] [--command-config FILE] --bootstrap-server host:port COMMAND ...\n${PROG}: error: ${message}`);
}

/** Kafka's printErrorAndExit(message, t): "<message>: <cause>. Enable debug logging for additional detail." */
function failure(message: string, cause: unknown): CliError {
  const text = cause instanceof KafkaProtocolError ? kafkaMessage(cause) : cause instanceof Error ? cause.message : String(cause);
  return new CliError(`${message}: ${text}. Enable debug logging for additional detail.`);
}

/** Kafka's ToolsUtils.prettyPrintTable: every cell padded to its column's width and followed by a tab. */
export function prettyPrintTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: readonly string[]) => r.map((c, i) => c.padEnd(widths[i]) + '\t').join('') + '\n';
  return line(headers) + rows.map(line).join('');
}

function int(o: ParsedOptions, name: string): number | undefined {
  const v = o.value(name);
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v.trim())) throw argError(`argument --${name}: could not convert '${v}' to ${name === 'duration-filter' || name.endsWith('-offset') || name === 'producer-id' ? 'Long' : name === 'producer-epoch' ? 'Short' : 'Integer'} (For input string: "${v}")`);
  return Number(v);
}

function required(o: ParsedOptions, name: string): void {
  if (!o.has(name)) throw argError(`argument --${name} is required`);
}

async function list(admin: Admin, o: ParsedOptions, io: Io): Promise<number> {
  const duration = int(o, 'duration-filter');
  let listings;
  try {
    listings = await admin.listTransactions(duration !== undefined ? { durationFilterMs: duration } : {});
  } catch (e) {
    throw failure('Failed to list transactions', e);
  }
  const rows = listings.map((l) => [l.transactionalId, String(l.coordinatorId), String(l.producerId), l.state]);
  io.out(prettyPrintTable(['TransactionalId', 'Coordinator', 'ProducerId', 'TransactionState'], rows));
  return 0;
}

async function describe(admin: Admin, o: ParsedOptions, io: Io, now: () => number): Promise<number> {
  required(o, 'transactional-id');
  const id = o.value('transactional-id')!;
  let d: TransactionDescription;
  try {
    [d] = await admin.describeTransactions([id]);
  } catch (e) {
    throw failure(`Failed to describe transaction state of transactional-id \`${id}\``, e);
  }
  if (d.error) {
    // The messages Kafka's admin client (DescribeTransactionsHandler) gives these errors.
    const code = d.error.code;
    const message =
      code === ErrorCode.TRANSACTIONAL_ID_NOT_FOUND
        ? `DescribeTransactions request for transactionalId \`${id}\` failed because the ID could not be found`
        : code === ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED
          ? `DescribeTransactions request for transactionalId \`${id}\` failed due to authorization failure`
          : `DescribeTransactions request for transactionalId \`${id}\` failed due to unexpected error`;
    throw failure(`Failed to describe transaction state of transactional-id \`${id}\``, new Error(message));
  }
  const start = d.transactionStartTimeMs;
  const row = [
    String(d.coordinatorId),
    id,
    String(d.producerId),
    String(d.producerEpoch),
    d.state,
    String(d.transactionTimeoutMs),
    start === null ? 'None' : String(start),
    start === null ? 'None' : String(now() - start),
    d.topicPartitions.map((tp) => `${tp.topic}-${tp.partition}`).join(','),
  ];
  io.out(
    prettyPrintTable(
      ['CoordinatorId', 'TransactionalId', 'ProducerId', 'ProducerEpoch', 'TransactionState', 'TransactionTimeoutMs', 'CurrentTransactionStartTimeMs', 'TransactionDurationMs', 'TopicPartitions'],
      [row],
    ),
  );
  return 0;
}

async function producersOf(admin: Admin, topic: string, partition: number, brokerId: number | undefined): Promise<DescribeProducersResult> {
  const [r] = await admin.describeProducers([{ topic, partition }], brokerId !== undefined ? { brokerId } : {});
  if (r.error) throw r.error;
  return r;
}

async function describeProducers(admin: Admin, o: ParsedOptions, io: Io): Promise<number> {
  required(o, 'topic');
  required(o, 'partition');
  const topic = o.value('topic')!;
  const partition = int(o, 'partition')!;
  const brokerId = int(o, 'broker-id');
  let r: DescribeProducersResult;
  try {
    r = await producersOf(admin, topic, partition, brokerId);
  } catch (e) {
    throw failure(`Failed to describe producers for partition ${topic}-${partition} on ${brokerId !== undefined ? `broker ${brokerId}` : 'leader'}`, e);
  }
  const rows = r.activeProducers.map((p) => [
    String(p.producerId),
    String(p.producerEpoch),
    String(p.coordinatorEpoch),
    String(p.lastSequence),
    String(p.lastTimestamp),
    p.currentTransactionStartOffset >= 0 ? String(p.currentTransactionStartOffset) : 'None',
  ]);
  io.out(prettyPrintTable(['ProducerId', 'ProducerEpoch', 'LatestCoordinatorEpoch', 'LastSequence', 'LastTimestamp', 'CurrentTransactionStartOffset'], rows));
  return 0;
}

async function abort(admin: Admin, o: ParsedOptions): Promise<number> {
  required(o, 'topic');
  required(o, 'partition');
  const topic = o.value('topic')!;
  const partition = int(o, 'partition')!;
  const startOffset = int(o, 'start-offset');
  const producerIdOpt = int(o, 'producer-id');
  if (startOffset === undefined && producerIdOpt === undefined) {
    throw new CliError(
      'The transaction to abort must be identified either with --start-offset (for brokers on 3.0 or above) or with --producer-id, --producer-epoch, and --coordinator-epoch (for older brokers)',
    );
  }
  let spec: { topic: string; partition: number; producerId: number; producerEpoch: number; coordinatorEpoch: number };
  if (startOffset === undefined) {
    const producerEpoch = int(o, 'producer-epoch');
    if (producerEpoch === undefined) throw new CliError('Missing required argument --producer-epoch');
    let coordinatorEpoch = int(o, 'coordinator-epoch');
    if (coordinatorEpoch === undefined) throw new CliError('Missing required argument --coordinator-epoch');
    // A transaction of a new producer id that hung before its first marker has coordinator epoch -1: 0 is at most any leader epoch.
    if (coordinatorEpoch < 0) coordinatorEpoch = 0;
    spec = { topic, partition, producerId: producerIdOpt!, producerEpoch, coordinatorEpoch };
  } else {
    let r: DescribeProducersResult;
    try {
      r = await producersOf(admin, topic, partition, undefined);
    } catch (e) {
      throw failure(`Failed to validate producer state for partition ${topic}-${partition}`, e);
    }
    const found = r.activeProducers.find((p) => p.currentTransactionStartOffset >= 0 && p.currentTransactionStartOffset === startOffset);
    if (!found) throw new CliError(`Could not find any open transactions starting at offset ${startOffset} on partition ${topic}-${partition}`);
    spec = { topic, partition, producerId: found.producerId, producerEpoch: found.producerEpoch, coordinatorEpoch: Math.max(0, found.coordinatorEpoch) };
  }
  try {
    await admin.abortTransaction(spec);
  } catch (e) {
    throw failure(
      `Failed to abort transaction AbortTransactionSpec(topicPartition=${topic}-${partition}, producerId=${spec.producerId}, producerEpoch=${spec.producerEpoch}, coordinatorEpoch=${spec.coordinatorEpoch})`,
      e,
    );
  }
  return 0;
}

interface OpenTransaction {
  topic: string;
  partition: number;
  state: ProducerState;
}

async function findHanging(admin: Admin, o: ParsedOptions, io: Io, now: () => number): Promise<number> {
  const brokerId = int(o, 'broker-id');
  const topic = o.value('topic');
  if (topic === undefined && brokerId === undefined) throw new CliError('The `find-hanging` command requires either --topic or --broker-id to limit the scope of the search');
  const partition = int(o, 'partition');
  if (partition !== undefined && topic === undefined) throw new CliError('The --partition argument requires --topic to be provided');
  const maxTimeoutMs = int(o, 'max-transaction-timeout')! * 60000;

  // The partitions to look at.
  let partitions: Array<{ topic: string; partition: number }>;
  if (topic !== undefined && partition !== undefined) partitions = [{ topic, partition }];
  else {
    let topics: string[];
    try {
      topics = topic !== undefined ? [topic] : (await admin.listTopics({ listInternal: true })).map((t) => t.name);
    } catch (e) {
      throw failure('Failed to list topics', e);
    }
    partitions = [];
    for (let i = 0; i < topics.length; i += 500) {
      const batch = topics.slice(i, i + 500);
      try {
        for (const d of await admin.describeTopics(batch)) {
          if (d.error) throw d.error;
          for (const p of d.partitions) if (brokerId === undefined || p.replicas.some((r) => r.nodeId === brokerId)) partitions.push({ topic: d.name, partition: p.partition });
        }
      } catch (e) {
        throw failure(`Failed to describe ${batch.length} topics`, e);
      }
    }
  }

  // Open transactions older than the maximum timeout.
  const candidates: OpenTransaction[] = [];
  for (let i = 0; i < partitions.length; i += 500) {
    const batch = partitions.slice(i, i + 500);
    let results: DescribeProducersResult[];
    try {
      results = await admin.describeProducers(batch, brokerId !== undefined ? { brokerId } : {});
    } catch (e) {
      throw failure(`Failed to describe producers for ${batch.length} partitions on broker ${brokerId !== undefined ? `Optional[${brokerId}]` : 'Optional.empty'}`, e);
    }
    const t = now();
    for (const r of results) {
      if (r.error) throw failure(`Failed to describe producers for ${batch.length} partitions on broker ${brokerId !== undefined ? `Optional[${brokerId}]` : 'Optional.empty'}`, r.error);
      for (const s of r.activeProducers) if (s.currentTransactionStartOffset >= 0 && t - s.lastTimestamp > maxTimeoutMs) candidates.push({ topic: r.topic, partition: r.partition, state: s });
    }
  }

  const hanging: OpenTransaction[] = [];
  if (candidates.length > 0) {
    const producerIds = [...new Set(candidates.map((c) => c.state.producerId))];
    let listings;
    try {
      listings = await admin.listTransactions({ producerIdFilters: producerIds });
    } catch (e) {
      throw failure(`Failed to list transactions for ${producerIds.length} producers`, e);
    }
    const idOf = new Map(listings.filter((l) => producerIds.includes(l.producerId)).map((l) => [l.producerId, l.transactionalId]));
    const ids = [...new Set(idOf.values())];
    let descriptions: TransactionDescription[] = [];
    if (ids.length > 0) {
      try {
        descriptions = await admin.describeTransactions(ids);
      } catch (e) {
        throw failure(`Failed to describe ${ids.length} transactions`, e);
      }
    }
    const byId = new Map(descriptions.map((d) => [d.transactionalId, d]));
    for (const c of candidates) {
      const id = idOf.get(c.state.producerId);
      const d = id === undefined ? undefined : byId.get(id);
      // Unknown to every coordinator, or its transaction no longer lists the partition: nobody will write its marker.
      if (!d || d.error || !d.topicPartitions.some((tp) => tp.topic === c.topic && tp.partition === c.partition)) hanging.push(c);
    }
  }
  const t = now();
  const rows = hanging.map((h) => [
    h.topic,
    String(h.partition),
    String(h.state.producerId),
    String(h.state.producerEpoch),
    String(h.state.coordinatorEpoch),
    String(h.state.currentTransactionStartOffset),
    String(h.state.lastTimestamp),
    String(Math.floor((t - h.state.lastTimestamp) / 60000)),
  ]);
  io.out(prettyPrintTable(['Topic', 'Partition', 'ProducerId', 'ProducerEpoch', 'CoordinatorEpoch', 'StartOffset', 'LastTimestamp', 'Duration(min)'], rows));
  return 0;
}

export const transactionsTool: ToolDef = {
  script: 'kafka-transactions',
  command: 'transactions',
  usage:
    'This tool is used to analyze the transactional state of producers in the cluster. It can be used to detect and recover from hanging transactions.\n' +
    `usage: ${PROG} [-h] [-v] [--command-config FILE] --bootstrap-server host:port COMMAND ...\n` +
    'commands: list (list transactions), describe (describe the state of an active transactional-id), describe-producers (describe the states of active producers for a topic partition), abort (abort a hanging transaction (requires administrative privileges)), find-hanging (find hanging transactions)',
  options,
  acceptsPositional: true,
  async run(o, io) {
    const [command, ...extra] = o.positional;
    if (!o.has('bootstrap-server')) throw argError('argument --bootstrap-server is required');
    if (command === undefined) throw argError('too few arguments');
    if (!(COMMANDS as readonly string[]).includes(command)) {
      throw argError(`argument COMMAND: invalid choice: '${command}' (choose from ${COMMANDS.map((c) => `'${c}'`).join(', ')})`);
    }
    if (extra.length > 0) throw argError(`unrecognized arguments: '${extra.join(' ')}'`);
    const cmd = command as Command;
    for (const name of o.order) if (!GLOBAL.has(name) && !COMMAND_OPTIONS[cmd].includes(name)) throw argError(`unrecognized arguments: '--${name}'`);
    const bootstrap = requireBootstrap(o);
    const now = () => Date.now();
    return withAdmin(bootstrap, fileProps(o), async (admin) => {
      switch (cmd) {
        case 'list':
          return list(admin, o, io);
        case 'describe':
          return describe(admin, o, io, now);
        case 'describe-producers':
          return describeProducers(admin, o, io);
        case 'abort':
          return abort(admin, o);
        case 'find-hanging':
          return findHanging(admin, o, io, now);
      }
    });
  },
};
