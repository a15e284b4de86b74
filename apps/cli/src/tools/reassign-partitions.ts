/**
 * kafka-reassign-partitions: move partitions between brokers (KIP-455) with Kafka's
 * ReassignPartitionsCommand actions, JSON formats and messages: `--generate` proposes an
 * assignment of some topics over a broker list, `--execute` starts a reassignment (printing the
 * current assignment to roll back to), `--verify` reports progress (and clears the throttles once
 * nothing moves), `--cancel` reverts ongoing reassignments, `--list` shows them.
 *
 * Reassignment JSON (version 1): `{"version":1,"partitions":[{"topic":"t","partition":0,
 * "replicas":[1,2],"log_dirs":["any","any"]}]}`; topics JSON: `{"version":1,"topics":[{"topic":"t"}]}`.
 * Log directory moves (`log_dirs` other than "any", AlterReplicaLogDirs) are refused: nagare has one
 * log directory per broker.
 */
import { readFileSync } from 'node:fs';
import { Admin, ConfigResourceType } from '@nagare/client';
import type { KafkaProtocolError } from '@nagare/protocol';
import { OptionDef, ParsedOptions } from '../cli/args';
import { CliError, UsageError, kafkaMessage } from '../cli/errors';
import { COMMAND_CONFIG, HELP, Io, ToolDef, VERSION, fileProps, withAdmin } from '../cli/tool';

const ANY_LOG_DIR = 'any';
const ACTIONS = ['generate', 'execute', 'verify', 'cancel', 'list'] as const;
type Action = (typeof ACTIONS)[number];

const CANNOT_EXECUTE_BECAUSE_OF_EXISTING =
  'Cannot execute because there is an existing partition assignment.  Use --additional to override this and create a new partition assignment in addition to the existing one. The --additional flag can also be used to change the throttle by resubmitting the current reassignment.';
const YOU_MUST_RUN_VERIFY = 'Warning: You must run --verify periodically, until the reassignment completes, to ensure the throttle is removed.';
const BROKER_LEVEL_THROTTLES = ['leader.replication.throttled.rate', 'follower.replication.throttled.rate', 'replica.alter.log.dirs.io.max.bytes.per.second'];
const TOPIC_LEVEL_THROTTLES = ['leader.replication.throttled.replicas', 'follower.replication.throttled.replicas'];

const options: OptionDef[] = [
  { name: 'bootstrap-server', arg: 'required', describedAs: 'Server(s) to use for bootstrapping', help: 'the server(s) to use for bootstrapping. REQUIRED if --bootstrap-controller is not specified.' },
  { name: 'bootstrap-controller', arg: 'required', describedAs: 'Controller(s) to use for bootstrapping', help: 'the controller(s) to use for bootstrapping (--list and --cancel).' },
  { ...COMMAND_CONFIG, describedAs: 'Admin client property file', help: 'Property file containing configs to be passed to Admin Client.' },
  { name: 'generate', help: 'Generate a candidate partition reassignment configuration. Note that this only generates a candidate assignment, it does not execute it.' },
  { name: 'execute', help: 'Kick off the reassignment as specified by the --reassignment-json-file option.' },
  { name: 'verify', help: 'Verify if the reassignment completed as specified by the --reassignment-json-file option. If there is a throttle engaged for the replicas specified, and the rebalance has completed, the throttle will be removed' },
  { name: 'cancel', help: 'Cancel an active reassignment.' },
  { name: 'list', help: 'List all active partition reassignments.' },
  {
    name: 'reassignment-json-file',
    arg: 'required',
    describedAs: 'manual assignment json file path',
    help: 'The JSON file with the partition reassignment configuration. The format to use is - \n{"partitions":\n\t[{"topic": "foo",\n\t  "partition": 1,\n\t  "replicas": [1,2,3],\n\t  "log_dirs": ["dir1","dir2","dir3"] }],\n"version":1\n}\nNote that "log_dirs" is optional. When it is specified, its length must equal the length of the replicas list. The value in this list can be either "any" or the absolution path of the log directory on the broker. If absolute log directory path is specified, the replica will be moved to the specified log directory on the broker.',
  },
  {
    name: 'topics-to-move-json-file',
    arg: 'required',
    describedAs: 'topics to reassign json file path',
    help: 'Generate a reassignment configuration to move the partitions of the specified topics to the list of brokers specified by the --broker-list option. The format to use is - \n{"topics":\n\t[{"topic": "foo"},{"topic": "foo1"}],\n"version":1\n}',
  },
  { name: 'broker-list', arg: 'required', describedAs: 'brokerlist', help: 'The list of brokers to which the partitions need to be reassigned in the form "0,1,2". This is required if --topics-to-move-json-file is used to generate reassignment configuration' },
  { name: 'disable-rack-aware', help: 'Disable rack aware replica assignment' },
  { name: 'throttle', arg: 'required', describedAs: 'throttle', default: '-1', help: 'The movement of partitions between brokers will be throttled to this value (bytes/sec). This option can be included with --execute when a reassignment is started, and it can be altered by resubmitting the current reassignment along with the --additional flag. The throttle rate should be at least 1 KB/s.' },
  { name: 'replica-alter-log-dirs-throttle', arg: 'required', describedAs: 'replicaAlterLogDirsThrottle', default: '-1', help: 'The movement of replicas between log directories on the same broker will be throttled to this value (bytes/sec).' },
  { name: 'timeout', arg: 'required', describedAs: 'timeout', default: '10000', help: 'The maximum time in ms to wait for log directory replica assignment to begin.' },
  { name: 'additional', help: 'Execute this reassignment in addition to any other ongoing ones. This option can also be used to change the throttle of an ongoing reassignment.' },
  { name: 'preserve-throttles', help: 'Do not modify broker or topic throttles.' },
  HELP,
  VERSION,
];

/** What each action needs and allows, as ReassignPartitionsCommand.validateAndParseArgs. */
const REQUIRED: Record<Action, string[]> = {
  verify: ['reassignment-json-file'],
  generate: ['topics-to-move-json-file', 'broker-list'],
  execute: ['reassignment-json-file'],
  cancel: ['reassignment-json-file'],
  list: [],
};
const PERMITTED: Record<Action, string[]> = {
  verify: ['bootstrap-server', 'command-config', 'preserve-throttles'],
  generate: ['bootstrap-server', 'broker-list', 'command-config', 'disable-rack-aware'],
  execute: ['additional', 'bootstrap-server', 'command-config', 'throttle', 'replica-alter-log-dirs-throttle', 'timeout'],
  cancel: ['bootstrap-server', 'bootstrap-controller', 'command-config', 'preserve-throttles', 'timeout'],
  list: ['bootstrap-server', 'bootstrap-controller', 'command-config'],
};

function checkArgs(o: ParsedOptions): Action {
  const actions = ACTIONS.filter((a) => o.has(a));
  if (actions.length !== 1) throw new UsageError(`Command must include exactly one action: ${ACTIONS.map((a) => `--${a}`).join(', ')}`);
  const action = actions[0];
  if (o.has('bootstrap-server') && o.has('bootstrap-controller')) throw new UsageError("Please don't specify both --bootstrap-server and --bootstrap-controller");
  if (!o.has('bootstrap-server') && !o.has('bootstrap-controller')) throw new UsageError('Please specify either --bootstrap-server or --bootstrap-controller', 'add --bootstrap-server host:port');
  for (const r of REQUIRED[action]) if (!o.has(r)) throw new UsageError(`Missing required argument "[${r}]"`);
  const permitted = new Set([action, ...REQUIRED[action], ...PERMITTED[action], 'help', 'version']);
  for (const opt of options) {
    // Options given explicitly (defaults do not count).
    if (o.has(opt.name) && !permitted.has(opt.name)) throw new UsageError(`Option "[${opt.name}]" can't be used with action "[${action}]"`);
  }
  return action;
}

interface TopicPartitionReplicas {
  topic: string;
  partition: number;
  replicas: number[];
}

const tpName = (tp: { topic: string; partition: number }) => `${tp.topic}-${tp.partition}`;
const compareTp = (a: { topic: string; partition: number }, b: { topic: string; partition: number }) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition);

function parseJson(text: string): Record<string, unknown> {
  let js: unknown;
  try {
    js = JSON.parse(text);
  } catch (e) {
    throw new CliError(`Error: ${(e as Error).message}`);
  }
  if (typeof js !== 'object' || js === null || Array.isArray(js)) throw new CliError('Error: The input string is not a valid JSON');
  return js as Record<string, unknown>;
}

function field<T>(obj: Record<string, unknown>, k: string, type: 'string' | 'int' | 'int-list' | 'string-list'): T {
  if (!(k in obj)) throw new CliError(`Error: No such field exists: \`${k}\``);
  const v = obj[k];
  const ok =
    type === 'string'
      ? typeof v === 'string'
      : type === 'int'
        ? Number.isInteger(v)
        : Array.isArray(v) && v.every((x) => (type === 'int-list' ? Number.isInteger(x) : typeof x === 'string'));
  if (!ok) throw new CliError(`Error: Expected ${type === 'string' ? 'string' : type === 'int' ? 'int' : 'array'} value for field ${k}, got ${JSON.stringify(v)}`);
  return v as T;
}

/** The reassignment JSON (`--reassignment-json-file`), as parsePartitionReassignmentData. */
export function parseReassignmentJson(text: string): TopicPartitionReplicas[] {
  const js = parseJson(text);
  const version = js.version ?? 1;
  if (version !== 1) throw new CliError(`Error: Not supported version field value ${String(version)}`);
  const out: TopicPartitionReplicas[] = [];
  const parts = js.partitions;
  if (parts === undefined) return out;
  if (!Array.isArray(parts)) throw new CliError('Error: Expected array value for field partitions');
  for (const p of parts as Record<string, unknown>[]) {
    const topic = field<string>(p, 'topic', 'string');
    const partition = field<number>(p, 'partition', 'int');
    const replicas = field<number[]>(p, 'replicas', 'int-list');
    const logDirs = 'log_dirs' in p ? field<string[]>(p, 'log_dirs', 'string-list') : replicas.map(() => ANY_LOG_DIR);
    if (logDirs.length !== replicas.length) {
      throw new CliError(`Error: Size of replicas list [${replicas.join(', ')}] is different from size of log dirs list [${logDirs.join(', ')}] for partition ${topic}-${partition}`);
    }
    if (logDirs.some((d) => d !== ANY_LOG_DIR)) {
      throw new CliError(`Error: Moving replicas between log directories is not supported by nagare (one log directory per broker): use "any" in log_dirs for partition ${topic}-${partition}`);
    }
    out.push({ topic, partition, replicas });
  }
  return out;
}

/** The checks of parseExecuteAssignmentArgs. */
function checkExecuteArgs(parts: TopicPartitionReplicas[]): void {
  if (parts.length === 0) throw new CliError('Error: Partition reassignment list cannot be empty');
  if (parts.some((p) => p.replicas.length === 0)) throw new CliError('Error: Partition replica list cannot be empty');
  const seen = new Set<string>();
  const dups = new Set<string>();
  for (const p of parts) {
    if (seen.has(tpName(p))) dups.add(tpName(p));
    seen.add(tpName(p));
  }
  if (dups.size > 0) throw new CliError(`Error: Partition reassignment contains duplicate topic partitions: ${[...dups].join(',')}`);
  const dupReplicas = parts
    .map((p) => ({ p, d: [...new Set(p.replicas.filter((r, i) => p.replicas.indexOf(r) !== i))] }))
    .filter((x) => x.d.length > 0)
    .map((x) => `${tpName(x.p)} contains multiple entries for ${x.d.join(',')}`);
  if (dupReplicas.length > 0) throw new CliError(`Error: Partition replica lists may not contain duplicate entries: ${dupReplicas.join('. ')}`);
}

/** The reassignment JSON Kafka writes (formatAsReassignmentJson): sorted by topic and partition, log_dirs "any". */
export function formatReassignmentJson(parts: readonly TopicPartitionReplicas[]): string {
  const sorted = [...parts].sort(compareTp);
  return JSON.stringify({ version: 1, partitions: sorted.map((p) => ({ topic: p.topic, partition: p.partition, replicas: p.replicas, log_dirs: p.replicas.map(() => ANY_LOG_DIR) })) });
}

/**
 * Kafka's AdminUtils.assignReplicasToBrokersRackUnaware: the first replica of partition p on broker
 * (p + start) mod n, the others shifted by a per-round offset. `rand` gives the random start index
 * and shift (fixed in tests).
 */
export function assignReplicasToBrokers(nPartitions: number, replicationFactor: number, brokers: readonly number[], rand: (n: number) => number = (n) => Math.floor(Math.random() * n)): number[][] {
  const b = [...brokers].sort((x, y) => x - y);
  if (replicationFactor <= 0) throw new CliError('Error: Replication factor must be larger than 0.');
  if (replicationFactor > b.length) throw new CliError(`Error: Replication factor: ${replicationFactor} larger than available brokers: ${b.length}.`);
  const startIndex = rand(b.length);
  let shift = rand(b.length);
  const out: number[][] = [];
  for (let p = 0; p < nPartitions; p++) {
    if (p > 0 && p % b.length === 0) shift++;
    const first = (p + startIndex) % b.length;
    const replicas = [b[first]];
    for (let j = 0; j < replicationFactor - 1; j++) replicas.push(b[(first + 1 + ((shift + j) % (b.length - 1))) % b.length]);
    out.push(replicas);
  }
  return out;
}

async function currentAssignment(admin: Admin, topics: readonly string[]): Promise<TopicPartitionReplicas[]> {
  const descs = await admin.describeTopics([...new Set(topics)]);
  const out: TopicPartitionReplicas[] = [];
  for (const d of descs) {
    if (d.error) throw new CliError(`Error: org.apache.kafka.common.errors.UnknownTopicOrPartitionException: Topic ${d.name} not found.`);
    for (const p of d.partitions) out.push({ topic: d.name, partition: p.partition, replicas: p.replicas.map((r) => r.nodeId) });
  }
  return out;
}

async function generate(admin: Admin, o: ParsedOptions, io: Io): Promise<number> {
  const brokerList = o.value('broker-list')!;
  const brokers = brokerList.split(',').map((s) => {
    const n = Number(s.trim());
    if (!Number.isInteger(n)) throw new CliError(`Error: For input string: "${s}"`);
    return n;
  });
  const dupBrokers = [...new Set(brokers.filter((b, i) => brokers.indexOf(b) !== i))];
  if (dupBrokers.length > 0) throw new CliError(`Error: Broker list contains duplicate entries: [${dupBrokers.join(', ')}]`);
  const js = parseJson(readFile(o.value('topics-to-move-json-file')!));
  const version = js.version ?? 1;
  if (version !== 1) throw new CliError(`Error: Not supported version field value ${String(version)}`);
  const topics = Array.isArray(js.topics) ? (js.topics as Record<string, unknown>[]).map((t) => field<string>(t, 'topic', 'string')) : [];
  const dupTopics = [...new Set(topics.filter((t, i) => topics.indexOf(t) !== i))];
  if (dupTopics.length > 0) throw new CliError(`Error: List of topics to reassign contains duplicate entries: [${dupTopics.join(', ')}]`);
  const current = await currentAssignment(admin, topics);
  const cluster = await admin.describeCluster();
  const live = cluster.brokers.filter((b) => brokers.includes(b.nodeId));
  const racks = live.filter((b) => b.rack !== null).length;
  if (!o.has('disable-rack-aware') && racks !== 0 && racks !== live.length) {
    throw new CliError('Error: Not all brokers have rack information. Add --disable-rack-aware in command line to make replica assignment without rack information.');
  }
  const proposed: TopicPartitionReplicas[] = [];
  for (const topic of [...new Set(current.map((c) => c.topic))]) {
    const parts = current.filter((c) => c.topic === topic).sort(compareTp);
    const assigned = assignReplicasToBrokers(
      parts.length,
      parts[0].replicas.length,
      live.map((b) => b.nodeId),
    );
    assigned.forEach((replicas, partition) => proposed.push({ topic, partition, replicas }));
  }
  io.out(`Current partition replica assignment\n${formatReassignmentJson(current)}\n\n`);
  io.out(`Proposed partition reassignment configuration\n${formatReassignmentJson(proposed)}\n`);
  return 0;
}

function readFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new CliError(`Error: ${path} (${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : (e as Error).message})`);
  }
}

function errorText(e: KafkaProtocolError): string {
  return kafkaMessage(e);
}

async function execute(admin: Admin, o: ParsedOptions, io: Io): Promise<number> {
  const parts = parseReassignmentJson(readFile(o.value('reassignment-json-file')!));
  checkExecuteArgs(parts);
  const ongoing = await admin.listPartitionReassignments();
  if (!o.has('additional') && ongoing.length > 0) throw new CliError(CANNOT_EXECUTE_BECAUSE_OF_EXISTING);
  const known = new Set((await admin.describeCluster()).brokers.map((b) => b.nodeId));
  for (const p of parts) {
    const unknown = p.replicas.find((r) => !known.has(r));
    if (unknown !== undefined) throw new CliError(`Error: Unknown broker id ${unknown}`);
  }
  const current = await currentAssignment(
    admin,
    parts.map((p) => p.topic),
  );
  const wanted = new Set(parts.map(tpName));
  const currentParts = current.filter((c) => wanted.has(tpName(c)));
  const missingParts = parts.filter((p) => !currentParts.some((c) => tpName(c) === tpName(p)));
  if (missingParts.length > 0) throw new CliError(`Error: org.apache.kafka.common.errors.UnknownTopicOrPartitionException: Unable to find partition: ${missingParts.map(tpName).join(', ')}`);
  io.out(`Current partition replica assignment\n\n${formatReassignmentJson(currentParts)}\n\nSave this to use as the --reassignment-json-file option during rollback\n`);
  const throttle = Number(o.value('throttle') ?? -1);
  if (Number(o.value('replica-alter-log-dirs-throttle') ?? -1) >= 0) throw new CliError('Error: --replica-alter-log-dirs-throttle needs log directory moves, which nagare does not support (one log directory per broker)');
  if (throttle >= 0) {
    io.out(`${YOU_MUST_RUN_VERIFY}\n`);
    // Leader throttles on the current replicas, follower throttles on the new ones (calculateProposedMoveMap).
    const topicOps = new Map<string, { leaders: Set<string>; followers: Set<string> }>();
    const brokers = new Set<number>();
    for (const p of parts) {
      const cur = currentParts.find((c) => tpName(c) === tpName(p))!.replicas;
      const t = topicOps.get(p.topic) ?? { leaders: new Set(), followers: new Set() };
      topicOps.set(p.topic, t);
      for (const s of cur) {
        t.leaders.add(`${p.partition}:${s}`);
        brokers.add(s);
      }
      for (const d of p.replicas.filter((r) => !cur.includes(r))) {
        t.followers.add(`${p.partition}:${d}`);
        brokers.add(d);
      }
    }
    const sortList = (s: Set<string>) => [...s].sort().join(',');
    const r1 = await admin.incrementalAlterConfigs(
      [...topicOps].map(([topic, t]) => ({
        type: ConfigResourceType.TOPIC,
        name: topic,
        ops: [
          { name: 'leader.replication.throttled.replicas', op: 'set' as const, value: sortList(t.leaders) },
          { name: 'follower.replication.throttled.replicas', op: 'set' as const, value: sortList(t.followers) },
        ],
      })),
    );
    const r2 = await admin.incrementalAlterConfigs(
      [...brokers].map((b) => ({
        type: ConfigResourceType.BROKER,
        name: String(b),
        ops: [
          { name: 'leader.replication.throttled.rate', op: 'set' as const, value: String(throttle) },
          { name: 'follower.replication.throttled.rate', op: 'set' as const, value: String(throttle) },
        ],
      })),
    );
    for (const r of [...r1, ...r2]) if (r.error) throw r.error;
    io.out(`The inter-broker throttle limit was set to ${throttle} B/s\n`);
  }
  const results = await admin.alterPartitionReassignments(parts.map((p) => ({ topic: p.topic, partition: p.partition, replicas: p.replicas })));
  const errors = results.filter((r) => r.error !== null).sort(compareTp);
  if (errors.length > 0) throw new CliError(`Error reassigning partition(s):\n${errors.map((r) => `${tpName(r)}: ${errorText(r.error!)}`).join('\n')}`);
  io.out(`Successfully started partition reassignment${parts.length === 1 ? '' : 's'} for ${[...parts].sort(compareTp).map(tpName).join(',')}\n`);
  return 0;
}

async function clearAllThrottles(admin: Admin, parts: readonly TopicPartitionReplicas[], io: Io): Promise<void> {
  const set = new Set((await admin.describeCluster()).brokers.map((b) => b.nodeId));
  for (const p of parts) for (const r of p.replicas) set.add(r);
  // Kafka prints a HashSet of small integers: ascending.
  const brokers = [...set].sort((a, b) => a - b);
  io.out(`Clearing broker-level throttles on broker${brokers.length === 1 ? '' : 's'} ${brokers.join(',')}\n`);
  const r1 = await admin.incrementalAlterConfigs(brokers.map((b) => ({ type: ConfigResourceType.BROKER, name: String(b), ops: BROKER_LEVEL_THROTTLES.map((name) => ({ name, op: 'delete' as const })) })));
  const topics = [...new Set(parts.map((p) => p.topic))];
  io.out(`Clearing topic-level throttles on topic${topics.length === 1 ? '' : 's'} ${topics.join(',')}\n`);
  const r2 = await admin.incrementalAlterConfigs(topics.map((t) => ({ type: ConfigResourceType.TOPIC, name: t, ops: TOPIC_LEVEL_THROTTLES.map((name) => ({ name, op: 'delete' as const })) })));
  for (const r of [...r1, ...r2]) if (r.error) throw r.error;
}

async function verify(admin: Admin, o: ParsedOptions, io: Io): Promise<number> {
  const parts = parseReassignmentJson(readFile(o.value('reassignment-json-file')!));
  const ongoing = await admin.listPartitionReassignments();
  const byTp = new Map(ongoing.map((r) => [tpName(r), r]));
  const notFound = parts.filter((p) => !byTp.has(tpName(p)));
  const current = new Map<string, number[]>();
  if (notFound.length > 0) {
    const descs = await admin.describeTopics([...new Set(notFound.map((p) => p.topic))]);
    for (const d of descs) for (const p of d.partitions) current.set(`${d.name}-${p.partition}`, p.replicas.map((r) => r.nodeId));
  }
  const lines = ['Status of partition reassignment:'];
  for (const p of [...parts].sort(compareTp)) {
    if (byTp.has(tpName(p))) {
      lines.push(`Reassignment of partition ${tpName(p)} is still in progress.`);
      continue;
    }
    const cur = current.get(tpName(p)) ?? [];
    if (cur.join(',') === p.replicas.join(',')) lines.push(`Reassignment of partition ${tpName(p)} is completed.`);
    else lines.push(`There is no active reassignment of partition ${tpName(p)}, but replica set is ${cur.join(',')} rather than ${p.replicas.join(',')}.`);
  }
  io.out(lines.join('\n') + '\n');
  // No log directory moves here (replicaMoveStatesToString of none: an empty line).
  io.out('\n');
  if (ongoing.length === 0 && !o.has('preserve-throttles')) await clearAllThrottles(admin, parts, io);
  return 0;
}

async function cancel(admin: Admin, o: ParsedOptions, io: Io): Promise<number> {
  const parts = parseReassignmentJson(readFile(o.value('reassignment-json-file')!));
  const ongoing = await admin.listPartitionReassignments(parts.map((p) => ({ topic: p.topic, partition: p.partition })));
  // As Kafka's cancelAssignment: the reassignments that add or remove replicas.
  const cancellable = ongoing.filter((r) => r.addingReplicas.length > 0 || r.removingReplicas.length > 0).sort(compareTp);
  if (cancellable.length > 0) {
    const results = await admin.alterPartitionReassignments(cancellable.map((r) => ({ topic: r.topic, partition: r.partition, replicas: null })));
    const errors = results.filter((r) => r.error !== null).sort(compareTp);
    if (errors.length > 0) {
      throw new CliError(`Error cancelling partition reassignment${errors.length === 1 ? '' : 's'} for:\n${errors.map((r) => `${tpName(r)}: ${errorText(r.error!)}`).join('\n')}`);
    }
    io.out(`Successfully cancelled partition reassignment${cancellable.length === 1 ? '' : 's'} for: ${cancellable.map(tpName).join(',')}\n`);
  } else {
    io.out('None of the specified partition reassignments are active.\n');
  }
  io.out('None of the specified partition moves are active.');
  if (!o.has('preserve-throttles')) await clearAllThrottles(admin, parts, io);
  else io.out('\n');
  return 0;
}

async function list(admin: Admin, io: Io): Promise<number> {
  const ongoing = (await admin.listPartitionReassignments()).sort(compareTp);
  if (ongoing.length === 0) {
    io.out('No partition reassignments found.\n');
    return 0;
  }
  const lines = ongoing.map(
    (r) =>
      `${tpName(r)}: replicas: ${r.replicas.join(',')}.${r.addingReplicas.length > 0 ? ` adding: ${r.addingReplicas.join(',')}.` : ''}${r.removingReplicas.length > 0 ? ` removing: ${r.removingReplicas.join(',')}.` : ''}`,
  );
  io.out(`Current partition reassignments:\n${lines.join('\n')}\n`);
  return 0;
}

export const reassignPartitionsTool: ToolDef = {
  script: 'kafka-reassign-partitions',
  command: 'reassign-partitions',
  usage: 'This tool helps to move topic partitions between replicas.',
  options,
  protocolError: (m) => `Error: ${m}`,
  async run(o, io) {
    const action = checkArgs(o);
    const props = fileProps(o);
    const controllers = o.has('bootstrap-controller');
    const bootstrap = controllers ? o.value('bootstrap-controller')! : o.value('bootstrap-server')!;
    if (!props.has('client.id')) props.set('client.id', 'reassign-partitions-tool');
    return withAdmin(
      bootstrap,
      props,
      (admin) => {
        switch (action) {
          case 'generate':
            return generate(admin, o, io);
          case 'execute':
            return execute(admin, o, io);
          case 'verify':
            return verify(admin, o, io);
          case 'cancel':
            return cancel(admin, o, io);
          default:
            return list(admin, io);
        }
      },
      controllers ? { bootstrapControllers: true } : {},
    );
  },
};
