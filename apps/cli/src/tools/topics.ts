/**
 * kafka-topics: create, list, describe, alter (partitions) and delete
 * topics, with Kafka's TopicCommand flags, checks, messages and layout.
 */
import { Admin, ConfigResourceType } from '@nagare/client';
import { ApiKey, ErrorCode, KafkaProtocolError, ZERO_UUID } from '@nagare/protocol';
import { OptionDef, ParsedOptions } from '../cli/args';
import { CliError, UsageError } from '../cli/errors';
import { BOOTSTRAP, COMMAND_CONFIG, HELP, Io, OUTPUT, ToolDef, VERSION, cantCombine, fileProps, jsonOutput, missing, printJson, requireBootstrap, withAdmin } from '../cli/tool';

const INTERNAL_TOPICS = new Set(['__consumer_offsets', '__transaction_state', '__share_group_state']);
const ALTER_WITH_CONFIGS = 'To alter topic configurations, the kafka-configs tool can be used.';
const ACTIONS = ['create', 'list', 'alter', 'describe', 'delete'] as const;
const REPORTS = ['under-replicated-partitions', 'under-min-isr-partitions', 'at-min-isr-partitions', 'unavailable-partitions'] as const;

const options: OptionDef[] = [
  BOOTSTRAP,
  COMMAND_CONFIG,
  { name: 'list', help: 'List all available topics.' },
  { name: 'create', help: 'Create a new topic.' },
  { name: 'delete', help: 'Delete a topic.' },
  { name: 'alter', help: `Alter the number of partitions and replica assignment. (${ALTER_WITH_CONFIGS})` },
  { name: 'describe', help: 'List details for the given topics.' },
  { name: 'topic', arg: 'required', describedAs: 'topic', help: 'The topic to create, alter, describe or delete. It also accepts a regular expression, except for --create option.' },
  { name: 'topic-id', arg: 'required', describedAs: 'topic-id', help: 'The topic-id to describe.' },
  { name: 'config', arg: 'required', describedAs: 'name=value', help: `A topic configuration override for the topic being created (repeatable). It is supported only in combination with --create. (${ALTER_WITH_CONFIGS})` },
  { name: 'delete-config', arg: 'required', describedAs: 'name', help: 'This option is no longer supported and has been deprecated since 4.0' },
  { name: 'partitions', arg: 'required', describedAs: '# of partitions', help: 'The number of partitions for the topic being created or altered. If not supplied with --create, the topic uses the cluster default.' },
  { name: 'replication-factor', arg: 'required', describedAs: 'replication factor', help: 'The replication factor for each partition in the topic being created. If not supplied, the topic uses the cluster default.' },
  { name: 'replica-assignment', arg: 'required', describedAs: 'broker_id_for_part1_replica1 : broker_id_for_part1_replica2 , broker_id_for_part2_replica1 : broker_id_for_part2_replica2 , ...', help: 'A list of manual partition-to-broker assignments for the topic being created or altered.' },
  { name: 'under-replicated-partitions', help: 'If set when describing topics, only show under-replicated partitions.' },
  { name: 'unavailable-partitions', help: 'If set when describing topics, only show partitions whose leader is not available.' },
  { name: 'under-min-isr-partitions', help: 'If set when describing topics, only show partitions whose isr count is less than the configured minimum.' },
  { name: 'at-min-isr-partitions', help: 'If set when describing topics, only show partitions whose isr count is equal to the configured minimum.' },
  { name: 'topics-with-overrides', help: 'If set when describing topics, only show topics that have overridden configs.' },
  { name: 'if-exists', help: 'If set when altering or deleting or describing topics, the action will only execute if the topic exists.' },
  { name: 'if-not-exists', help: 'If set when creating topics, the create request will not fail if the topic already exists, but the request will still be sent.' },
  { name: 'exclude-internal', help: 'Exclude internal topics when listing or describing topics. By default, the internal topics are included.' },
  { name: 'partition-size-limit-per-response', arg: 'required', describedAs: 'maximum number of partitions per response', help: 'The maximum partition size to be included in one DescribeTopicPartitions response.' },
  OUTPUT,
  HELP,
  VERSION,
];

function checkArgs(o: ParsedOptions): (typeof ACTIONS)[number] {
  const actions = ACTIONS.filter((a) => o.has(a));
  if (actions.length !== 1) {
    throw new UsageError('Command must include exactly one action: --list, --describe, --create, --alter or --delete', actions.length === 0 ? 'add one of them' : `got ${actions.map((a) => `--${a}`).join(' and ')}`);
  }
  const action = actions[0];
  const allowed = (opt: string, ok: readonly string[], hint: string) => {
    if (!o.has(opt)) return;
    for (const a of ACTIONS) if (!ok.includes(a) && o.has(a)) throw cantCombine(opt, a, hint);
  };
  // Required arguments.
  if (!o.has('bootstrap-server')) throw new UsageError('--bootstrap-server must be specified', 'add --bootstrap-server host:port');
  if (o.has('describe') && o.has('if-exists') && !o.has('topic') && !o.has('topic-id')) throw new UsageError('--topic or --topic-id is required to describe a topic', 'add --topic <name>');
  if (!o.has('list') && !o.has('describe') && !o.has('topic')) throw missing('topic', `--${action} needs --topic <name>`);
  if (o.has('alter')) {
    if (o.has('config')) throw new UsageError(`Option combination "[bootstrap-server, config]" can't be used with option "[alter]" ${ALTER_WITH_CONFIGS}`, 'use kafka-configs --alter --add-config');
    if (!o.has('partitions')) throw missing('partitions', '--alter needs --partitions <new total count>');
  }
  // Invalid combinations.
  allowed('config', ['alter', 'create'], '--config applies to --create only; use kafka-configs to change configs');
  allowed('partitions', ['alter', 'create'], '--partitions applies to --create and --alter only');
  allowed('replication-factor', ['create'], '--replication-factor applies to --create only');
  allowed('replica-assignment', ['alter', 'create'], '--replica-assignment applies to --create and --alter only');
  if (o.has('create') && o.has('replica-assignment')) {
    if (o.has('partitions')) throw cantCombine('replica-assignment', 'partitions', '--replica-assignment already gives the partitions');
    if (o.has('replication-factor')) throw cantCombine('replica-assignment', 'replication-factor', '--replica-assignment already gives the replication factor');
  }
  for (const r of REPORTS) {
    allowed(r, ['describe'], `--${r} applies to --describe only`);
    if (o.has(r) && o.has('topics-with-overrides')) throw cantCombine(r, 'topics-with-overrides', 'use one of them');
  }
  allowed('topics-with-overrides', ['describe'], '--topics-with-overrides applies to --describe only');
  allowed('if-exists', ['alter', 'delete', 'describe'], '--if-exists applies to --alter, --delete and --describe');
  allowed('if-not-exists', ['create'], '--if-not-exists applies to --create only');
  allowed('exclude-internal', ['list', 'describe'], '--exclude-internal applies to --list and --describe');
  if (o.has('output') && !o.has('list') && !o.has('describe')) throw cantCombine('output', action, '--output applies to --list and --describe');
  return action;
}

function parseReplicaAssignment(s: string): Record<number, number[]> {
  const out: Record<number, number[]> = {};
  const parts = s.split(',');
  let rf = -1;
  parts.forEach((p, i) => {
    const brokers = p.split(':').map((x) => {
      const t = x.trim();
      if (!/^-?\d+$/.test(t)) throw new CliError(`Error while executing topic command : For input string: "${t}"`);
      return Number(t);
    });
    const dups = brokers.filter((b, j) => brokers.indexOf(b) !== j);
    if (dups.length > 0) throw new CliError(`Error while executing topic command : Partition replica lists may not contain duplicate entries: ${[...new Set(dups)].join(',')}`);
    if (rf < 0) rf = brokers.length;
    if (brokers.length !== rf) throw new CliError(`Error while executing topic command : Partition ${i} has different replication factor: [${brokers.join(', ')}]`);
    out[i] = brokers;
  });
  return out;
}

function parseTopicConfigs(values: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const kv = v.split(/\s*=\s*/);
    if (kv.length !== 2) throw new UsageError('requirement failed: Invalid topic config: all configs to be added must be in the format "key=val".', `got --config ${v}`);
    out[kv[0].trim()] = kv[1].trim();
  }
  return out;
}

/** Kafka's IncludeList: commas mean alternatives, the whole name must match. */
function topicFilter(raw: string): RegExp {
  const re = raw.trim().replace(/,/g, '|').replace(/ /g, '').replace(/^["']+/, '').replace(/["']+$/, '');
  try {
    return new RegExp(`^(?:${re})$`);
  } catch {
    throw new CliError(`${re} is an invalid regex.`);
  }
}

async function getTopics(admin: Admin, topic: string | undefined, excludeInternal: boolean): Promise<Array<{ name: string; topicId: string }>> {
  const all = (await admin.listTopics({ listInternal: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const f = topic === undefined ? null : topicFilter(topic);
  return all.filter((t) => (f ? f.test(t.name) : true) && !(excludeInternal && INTERNAL_TOPICS.has(t.name)));
}

function ensureExists(found: unknown[], requested: string | undefined, required: boolean): void {
  if (requested !== undefined && requested !== '' && required && found.length === 0) {
    throw new CliError(`Topic '${requested}' does not exist as expected`);
  }
}

interface PartitionInfo {
  partition: number;
  leader: number;
  replicas: number[];
  isr: number[];
  /** null: the broker does not report ELRs (Metadata fallback): "N/A". */
  elr: number[] | null;
  lastKnownElr: number[] | null;
}

interface TopicInfo {
  name: string;
  topicId: string;
  partitions: PartitionInfo[];
}

/** DescribeTopicPartitions (KIP-966, as Kafka 4.0's admin), paginated; Metadata when the broker lacks it. */
async function describeTopics(admin: Admin, names: string[], limit: number): Promise<TopicInfo[]> {
  if (names.length === 0) return [];
  await admin.cluster.refresh();
  const conn = admin.cluster.anyConnection();
  await conn.connect();
  if (conn.versionFor(ApiKey.DescribeTopicPartitions) < 0) {
    const descs = await admin.describeTopics(names);
    return descs.map((d) => {
      if (d.error) throw d.error;
      return {
        name: d.name,
        topicId: d.topicId,
        partitions: d.partitions.map((p) => ({ partition: p.partition, leader: p.leader?.nodeId ?? -1, replicas: p.replicas.map((b) => b.nodeId), isr: p.isr.map((b) => b.nodeId), elr: null, lastKnownElr: null })),
      };
    });
  }
  const byName = new Map<string, TopicInfo>();
  let cursor: { topicName: string; partitionIndex: number } | null = null;
  for (;;) {
    const res = await conn.request(ApiKey.DescribeTopicPartitions, () => ({ topics: names.map((name) => ({ name })), responsePartitionLimit: limit, cursor }));
    for (const t of res.topics) {
      if (t.errorCode !== ErrorCode.NONE) throw new KafkaProtocolError(t.errorCode, t.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION ? null : `describe topic ${t.name}`);
      let info = byName.get(t.name!);
      if (!info) byName.set(t.name!, (info = { name: t.name!, topicId: t.topicId, partitions: [] }));
      for (const p of t.partitions) {
        info.partitions.push({ partition: p.partitionIndex, leader: p.leaderId, replicas: p.replicaNodes, isr: p.isrNodes, elr: p.eligibleLeaderReplicas ?? [], lastKnownElr: p.lastKnownElr ?? [] });
      }
    }
    if (!res.nextCursor) break;
    cursor = { topicName: res.nextCursor.topicName, partitionIndex: res.nextCursor.partitionIndex };
  }
  return names.filter((n) => byName.has(n)).map((n) => {
    const t = byName.get(n)!;
    t.partitions.sort((a, b) => a.partition - b.partition);
    return t;
  });
}

interface CreatePlan {
  name: string;
  partitions?: number;
  rf?: number;
  configs: Record<string, string>;
  assignment?: Record<number, number[]>;
}

/** Checks --create's arguments before connecting (TopicCommand does the same checks). */
function planCreate(o: ParsedOptions): CreatePlan {
  const rf = o.int('replication-factor');
  const partitions = o.int('partitions');
  if (rf !== undefined && (rf > 32767 || rf < 1)) throw new UsageError('The replication factor must be between 1 and 32767 inclusive', `got --replication-factor ${rf}`);
  if (partitions !== undefined && partitions < 1) throw new UsageError('The partitions must be greater than 0', `got --partitions ${partitions}`);
  const configs = parseTopicConfigs(o.values('config'));
  const ra = o.value('replica-assignment');
  return { name: o.value('topic')!, partitions, rf, configs, assignment: ra ? parseReplicaAssignment(ra) : undefined };
}

async function create(admin: Admin, o: ParsedOptions, io: Io, plan: CreatePlan): Promise<number> {
  const name = plan.name;
  if (name.includes('.') || name.includes('_')) {
    io.out("WARNING: Due to limitations in metric names, topics with a period ('.') or underscore ('_') could collide. To avoid issues it is best to use either, but not both.\n");
  }
  const a = plan.assignment;
  const [r] = await admin.createTopics([{ name, numPartitions: a ? undefined : plan.partitions, replicationFactor: a ? undefined : plan.rf, replicaAssignment: a, configs: plan.configs }]);
  if (r.error) {
    if (r.error.code === ErrorCode.TOPIC_ALREADY_EXISTS && o.has('if-not-exists')) return 0;
    throw r.error;
  }
  io.out(`Created topic ${name}.\n`);
  return 0;
}

async function list(admin: Admin, o: ParsedOptions, io: Io): Promise<number> {
  const topics = (await getTopics(admin, o.value('topic'), o.has('exclude-internal'))).map((t) => t.name);
  if (jsonOutput(o)) printJson(io, { topics });
  else io.out(topics.join('\n') + '\n');
  return 0;
}

async function alter(admin: Admin, o: ParsedOptions): Promise<number> {
  const topics = await getTopics(admin, o.value('topic'), o.has('exclude-internal'));
  ensureExists(topics, o.value('topic'), !o.has('if-exists'));
  if (topics.length === 0) return 0;
  const total = o.int('partitions')!;
  const ra = o.value('replica-assignment');
  const assignment = ra ? parseReplicaAssignment(ra) : undefined;
  const descs = assignment ? await describeTopics(admin, topics.map((t) => t.name), 2000) : [];
  const results = await admin.createPartitions(
    topics.map((t) => {
      if (!assignment) return { topic: t.name, totalCount: total };
      const start = descs.find((d) => d.name === t.name)?.partitions.length ?? 0;
      const extra = Object.entries(assignment).filter(([p]) => Number(p) >= start).map(([, b]) => b);
      return { topic: t.name, totalCount: total, assignments: extra };
    }),
  );
  for (const r of results) if (r.error) throw r.error;
  return 0;
}

async function del(admin: Admin, o: ParsedOptions): Promise<number> {
  const topics = await getTopics(admin, o.value('topic'), o.has('exclude-internal'));
  ensureExists(topics, o.value('topic'), !o.has('if-exists'));
  if (topics.length === 0) return 0;
  const results = await admin.deleteTopics(topics.map((t) => t.name));
  for (const r of results) if (r.error) throw r.error;
  return 0;
}

async function describe(admin: Admin, o: ParsedOptions, io: Io): Promise<number> {
  const exclude = o.has('exclude-internal');
  let names: string[];
  const topicIdArg = o.value('topic-id');
  if (topicIdArg !== undefined && topicIdArg !== ZERO_UUID) {
    const all = await getTopics(admin, undefined, exclude);
    const hit = all.filter((t) => t.topicId === topicIdArg);
    if (hit.length === 0 && !o.has('if-exists')) throw new CliError(`TopicId '${topicIdArg}' does not exist as expected`);
    names = hit.map((t) => t.name);
  } else {
    const topics = await getTopics(admin, o.value('topic'), exclude);
    ensureExists(topics, o.value('topic'), !o.has('if-exists'));
    names = topics.map((t) => t.name);
  }
  const limit = o.int('partition-size-limit-per-response') ?? 2000;
  const descs = await describeTopics(admin, names, Math.max(1, limit));
  const configs = await admin.describeConfigs(descs.map((d) => ({ type: ConfigResourceType.TOPIC, name: d.name })));
  const live = new Set((await admin.describeCluster()).brokers.map((b) => b.nodeId));
  const reports = REPORTS.filter((r) => o.has(r));
  // A partition's replication factor leaves out the replicas a reassignment is adding (TopicCommand's getReplicationFactor).
  const adding = new Map<string, number>();
  if (o.has('under-replicated-partitions')) {
    for (const r of await admin.listPartitionReassignments().catch(() => [])) adding.set(`${r.topic}-${r.partition}`, r.addingReplicas.length);
  }
  const describeConfigs = reports.length === 0;
  const describePartitions = !o.has('topics-with-overrides');
  const json: unknown[] = [];
  for (const d of descs) {
    const c = configs.find((x) => x.name === d.name)!;
    if (c.error) throw c.error;
    const overrides = c.configs.filter((e) => !e.isDefault).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const minIsr = Number(c.configs.find((e) => e.name === 'min.insync.replicas')?.value ?? '1');
    const rf = d.partitions[0]?.replicas.length ?? 0;
    const shownPartitions = d.partitions.filter((p) => {
      if (describeConfigs) return true;
      const hasLeader = p.leader >= 0;
      return (
        (o.has('under-replicated-partitions') && p.replicas.length - (adding.get(`${d.name}-${p.partition}`) ?? 0) - p.isr.length > 0) ||
        (o.has('unavailable-partitions') && (!hasLeader || !live.has(p.leader))) ||
        (o.has('under-min-isr-partitions') && (!hasLeader || p.isr.length < minIsr)) ||
        (o.has('at-min-isr-partitions') && p.isr.length === minIsr)
      );
    });
    const showTopic = describeConfigs && (!o.has('topics-with-overrides') || overrides.length > 0) && d.partitions.length > 0;
    if (jsonOutput(o)) {
      if (!showTopic && (!describePartitions || shownPartitions.length === 0)) continue;
      json.push({
        name: d.name,
        topicId: d.topicId,
        partitionCount: d.partitions.length,
        replicationFactor: rf,
        configs: Object.fromEntries(overrides.map((e) => [e.name, e.value])),
        partitions: (describePartitions ? shownPartitions : []).map((p) => ({
          partition: p.partition,
          leader: p.leader >= 0 ? p.leader : null,
          replicas: p.replicas,
          isr: p.isr,
          elr: p.elr,
          lastKnownElr: p.lastKnownElr,
        })),
      });
      continue;
    }
    if (showTopic) {
      let line = `Topic: ${d.name}`;
      if (d.topicId !== ZERO_UUID) line += `\tTopicId: ${d.topicId}`;
      line += `\tPartitionCount: ${d.partitions.length}\tReplicationFactor: ${rf}\tConfigs: ${overrides.map((e) => `${e.name}=${e.value}`).join(',')}`;
      io.out(line + '\n');
    }
    if (describePartitions) {
      for (const p of shownPartitions) {
        const elr = p.elr === null ? 'N/A' : p.elr.join(',');
        const lke = p.lastKnownElr === null ? 'N/A' : p.lastKnownElr.join(',');
        io.out(`\tTopic: ${d.name}\tPartition: ${p.partition}\tLeader: ${p.leader >= 0 ? p.leader : 'none'}\tReplicas: ${p.replicas.join(',')}\tIsr: ${p.isr.join(',')}\tElr: ${elr}\tLastKnownElr: ${lke}\n`);
      }
    }
  }
  if (jsonOutput(o)) printJson(io, { topics: json });
  return 0;
}

export const topicsTool: ToolDef = {
  script: 'kafka-topics',
  command: 'topics',
  usage: 'Create, delete, describe, or change a topic.',
  options,
  protocolError: (m) => `Error while executing topic command : ${m}`,
  async run(o, io) {
    const action = checkArgs(o);
    if (o.has('delete-config')) io.err('delete-config option is no longer supported and deprecated since version 4.0. The config will be fully removed in future releases.\n');
    jsonOutput(o);
    const bootstrap = requireBootstrap(o);
    const plan = action === 'create' ? planCreate(o) : null;
    if (action === 'alter' && o.value('replica-assignment')) parseReplicaAssignment(o.value('replica-assignment')!);
    const props = fileProps(o);
    return withAdmin(bootstrap, props, (admin) => {
      switch (action) {
        case 'create':
          return create(admin, o, io, plan!);
        case 'list':
          return list(admin, o, io);
        case 'alter':
          return alter(admin, o);
        case 'delete':
          return del(admin, o);
        default:
          return describe(admin, o, io);
      }
    });
  },
};
