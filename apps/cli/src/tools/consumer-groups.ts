/**
 * kafka-consumer-groups: list, describe (offsets and lag, members, state),
 * delete, reset offsets and delete offsets of consumer groups, with the
 * options, checks, messages and tables of Kafka 4.0's ConsumerGroupCommand.
 */
import { readFileSync } from 'node:fs';
import { Admin, BrokerInfo, CommittedOffset, ConsumerGroupDescription, TopicPartition, groupByTopic } from '@nagare/client';
import { ErrorCode, KafkaProtocolError } from '@nagare/protocol';
import { OptionDef, ParsedOptions } from '../cli/args';
import { CliError, UsageError, javaException } from '../cli/errors';
import { pad } from '../cli/format';
import { BOOTSTRAP, COMMAND_CONFIG, HELP, Io, OUTPUT, ToolDef, VERSION, cantCombine, fileProps, jsonOutput, printJson, requireBootstrap, withAdmin } from '../cli/tool';

const MISSING = '-';
const ACTIONS = ['list', 'describe', 'delete', 'reset-offsets', 'delete-offsets'] as const;
const SCENARIOS = ['to-offset', 'shift-by', 'to-datetime', 'by-duration', 'to-earliest', 'to-latest', 'to-current', 'from-file'] as const;

const options: OptionDef[] = [
  { ...BOOTSTRAP, help: 'REQUIRED: The server(s) to connect to.' },
  { name: 'group', arg: 'required', describedAs: 'consumer group', help: 'The consumer group we wish to act on (repeatable).' },
  { name: 'topic', arg: 'required', describedAs: 'topic', help: "The topic whose consumer group information should be deleted or topic whose should be included in the reset offset process. In `reset-offsets` case, partitions can be specified using this format: `topic1:0,1,2`, where 0,1,2 are the partition to be included in the process. Reset-offsets also supports multiple topic inputs." },
  { name: 'all-topics', help: 'Consider all topics assigned to a group in the `reset-offsets` process.' },
  { name: 'list', help: 'List all consumer groups.' },
  { name: 'describe', help: 'Describe consumer group and list offset lag (number of messages not yet processed) related to given group.' },
  { name: 'all-groups', help: 'Apply to all consumer groups.' },
  { name: 'delete', help: 'Pass in groups to delete topic partition offsets and ownership information over the entire consumer group. For instance --group g1 --group g2' },
  { name: 'timeout', arg: 'required', describedAs: 'timeout (ms)', help: 'The timeout that can be set for some use cases. For example, it can be used when describing the group to specify the maximum amount of time in milliseconds to wait before the group stabilizes.', default: '5000' },
  COMMAND_CONFIG,
  { name: 'reset-offsets', help: 'Reset offsets of consumer group. Supports one consumer group at the time, and instances should be inactive. Has 2 execution options: --dry-run (the default) to plan which offsets to reset, and --execute to update the offsets.' },
  { name: 'delete-offsets', help: 'Delete offsets of consumer group. Supports one consumer group at the time, and multiple topics.' },
  { name: 'dry-run', help: 'Only show results without executing changes on Consumer Groups. Supported operations: reset-offsets.' },
  { name: 'execute', help: 'Execute operation. Supported operations: reset-offsets.' },
  { name: 'export', help: 'Export operation execution to a CSV file. Supported operations: reset-offsets.' },
  { name: 'to-offset', arg: 'required', describedAs: 'offset', help: 'Reset offsets to a specific offset.' },
  { name: 'from-file', arg: 'required', describedAs: 'path to CSV file', help: 'Reset offsets to values defined in CSV file.' },
  { name: 'to-datetime', arg: 'required', describedAs: 'datetime', help: "Reset offsets to offset from datetime. Format: 'YYYY-MM-DDTHH:mm:SS.sss'" },
  { name: 'by-duration', arg: 'required', describedAs: 'duration', help: "Reset offsets to offset by duration from current timestamp. Format: 'PnDTnHnMnS'" },
  { name: 'to-earliest', help: 'Reset offsets to earliest offset.' },
  { name: 'to-latest', help: 'Reset offsets to latest offset.' },
  { name: 'to-current', help: 'Reset offsets to current offset.' },
  { name: 'shift-by', arg: 'required', describedAs: 'number-of-offsets', help: "Reset offsets shifting current offset by 'n', where 'n' can be positive or negative." },
  { name: 'members', help: "Describe members of the group. This option may be used with '--describe' and '--bootstrap-server' options only." },
  { name: 'verbose', help: "Provide additional information, if any, when describing the group. This option may be used with '--offsets'/'--members'/'--state' and '--bootstrap-server' options only." },
  { name: 'offsets', help: "Describe the group and list all topic partitions in the group along with their offset lag. This is the default sub-action of and may be used with '--describe' and '--bootstrap-server' options only." },
  { name: 'state', arg: 'optional', describedAs: 'String', help: "When specified with '--describe', includes the state of the group. When specified with '--list', it displays the state of all groups. It can also be used to list groups with specific states, e.g. --list --state stable,empty." },
  { name: 'type', arg: 'optional', describedAs: 'String', help: "When specified with '--list', it displays the types of all the groups. It can also be used to list groups with specific types, e.g. --list --type classic,consumer." },
  OUTPUT,
  HELP,
  VERSION,
];

const STATES = ['PreparingRebalance', 'CompletingRebalance', 'Stable', 'Dead', 'Empty', 'Assigning', 'Reconciling'];
const TYPES = ['classic', 'consumer'];

function unavailable(o: ParsedOptions): void {
  const need: Array<[string, string[]]> = [
    ['members', ['describe']],
    ['verbose', ['describe']],
    ['offsets', ['describe']],
    ['state', ['describe', 'list']],
    ['type', ['list']],
  ];
  for (const [opt, deps] of need) {
    if (o.has(opt) && !deps.some((d) => o.has(d))) {
      throw new UsageError(`Option(s) [${opt}] are unavailable given other options on the command line`, `--${opt} goes with ${deps.map((d) => `--${d}`).join(' or ')}`);
    }
  }
}

function checkArgs(o: ParsedOptions): (typeof ACTIONS)[number] {
  unavailable(o);
  const actions = ACTIONS.filter((a) => o.has(a));
  if (actions.length !== 1) {
    throw new UsageError('Command must include exactly one action: --list, --describe, --delete, --reset-offsets, --delete-offsets', actions.length === 0 ? 'add one of them' : `got ${actions.map((a) => `--${a}`).join(' and ')}`);
  }
  const action = actions[0];
  if (!o.has('bootstrap-server')) throw new UsageError('Missing required argument "[bootstrap-server]"', 'add --bootstrap-server host:port');
  const scope = 'takes one of these options: [group], [all-groups]';
  if (o.has('describe')) {
    if (!o.has('group') && !o.has('all-groups')) throw new UsageError(`Option [describe] ${scope}`, 'add --group <group> or --all-groups');
    if (['members', 'offsets', 'state'].filter((x) => o.has(x)).length > 1) throw new UsageError('Option [describe] takes at most one of these options: [members], [offsets], [state]');
    if (o.has('state') && o.value('state') !== undefined) throw new UsageError('Option [describe] does not take a value for [state]');
  }
  if (o.has('delete')) {
    if (!o.has('group') && !o.has('all-groups')) throw new UsageError(`Option [delete] ${scope}`, 'add --group <group> or --all-groups');
    if (o.has('topic')) throw new UsageError('The consumer does not support topic-specific offset deletion from a consumer group.', 'use --delete-offsets --group <group> --topic <topic>');
  }
  if (o.has('delete-offsets') && (!o.has('group') || !o.has('topic'))) {
    throw new UsageError('Option [delete-offsets] takes the following options: [group], [topic]', 'add --group <group> --topic <topic>');
  }
  if (o.has('reset-offsets')) {
    if (o.has('dry-run') && o.has('execute')) throw new UsageError('Option [reset-offsets] only accepts one of [execute] and [dry-run]');
    if (!o.has('group') && !o.has('all-groups')) throw new UsageError(`Option [reset-offsets] ${scope}`, 'add --group <group> or --all-groups');
    const given = SCENARIOS.filter((s) => o.has(s));
    if (given.length > 1) throw cantCombine(given[0], given[1], 'use one reset scenario');
  }
  if (o.has('group') && o.has('all-groups')) throw cantCombine('group', 'all-groups', 'use one of them');
  if (o.has('group') && o.has('list')) throw cantCombine('group', 'list', '--list shows every group');
  if (o.has('topic') && (o.has('list') || o.has('describe'))) throw cantCombine('topic', o.has('list') ? 'list' : 'describe', '--topic applies to --reset-offsets and --delete-offsets');
  if (o.has('output') && !o.has('list') && !o.has('describe')) throw cantCombine('output', action, '--output applies to --list and --describe');
  return action;
}

// ---------------------------------------------------------------- data

interface Group {
  groupId: string;
  /** Kafka's state name; 'Dead' for groups that do not exist. */
  state: string;
  desc: ConsumerGroupDescription | null;
}

/** Both kinds of consumer groups (ConsumerGroupDescribe for KIP-848 groups, DescribeGroups for classic ones). */
async function describeGroups(admin: Admin, ids: string[]): Promise<Group[]> {
  const descs = await admin.describeConsumerGroups(ids);
  return descs.map((d) => {
    if (d.error) {
      if (d.error.code === ErrorCode.GROUP_ID_NOT_FOUND) return { groupId: d.groupId, state: 'Dead', desc: null };
      throw d.error;
    }
    return { groupId: d.groupId, state: d.state, desc: d };
  });
}

async function consumerGroupIds(admin: Admin): Promise<string[]> {
  const all = await admin.listGroups();
  return all.filter((g) => g.protocolType === 'consumer' || g.protocolType === '').map((g) => g.groupId);
}

function groupIds(admin: Admin, o: ParsedOptions): Promise<string[]> {
  return o.has('all-groups') ? consumerGroupIds(admin) : Promise.resolve([...new Set(o.values('group'))]);
}

function tpCompare(a: TopicPartition, b: TopicPartition): number {
  return a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition;
}

async function committedOffsets(admin: Admin, groupId: string): Promise<CommittedOffset[]> {
  return (await admin.listConsumerGroupOffsets(groupId)).filter((c) => c.offset >= 0);
}

/** Latest (or earliest / at a timestamp) offsets; partitions without an answer are missing from the map. */
async function logOffsets(admin: Admin, tps: readonly TopicPartition[], spec: 'latest' | 'earliest' | { timestamp: number }): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (tps.length === 0) return out;
  const res = await admin.listOffsets(tps.map((tp) => ({ ...tp, spec })));
  for (const r of res) if (!r.error) out.set(`${r.topic}\u0000${r.partition}`, r.offset);
  return out;
}

const key = (tp: TopicPartition) => `${tp.topic}\u0000${tp.partition}`;

interface LagRow {
  group: string;
  topic: string | null;
  partition: number | null;
  leaderEpoch: number | null;
  offset: number | null;
  logEndOffset: number | null;
  lag: number | null;
  consumerId: string;
  host: string;
  clientId: string;
}

async function collectOffsets(admin: Admin, g: Group): Promise<LagRow[]> {
  const committed = await committedOffsets(admin, g.groupId);
  const byTp = new Map(committed.map((c) => [key(c), c]));
  const members = [...(g.desc?.members ?? [])].filter((m) => m.assignment.length > 0);
  // Members with the most partitions first (a stable sort keeps the coordinator's order otherwise).
  members.sort((a, b) => b.assignment.length - a.assignment.length);
  const assigned = new Set<string>();
  const groupsOfRows: Array<{ tps: TopicPartition[]; consumerId: string; host: string; clientId: string }> = [];
  for (const m of members) {
    for (const tp of m.assignment) assigned.add(key(tp));
    groupsOfRows.push({ tps: [...m.assignment].sort(tpCompare), consumerId: m.memberId, host: m.host, clientId: m.clientId });
  }
  const unassigned = committed.filter((c) => !assigned.has(key(c))).map((c) => ({ topic: c.topic, partition: c.partition }));
  if (unassigned.length > 0) groupsOfRows.push({ tps: unassigned.sort(tpCompare), consumerId: MISSING, host: MISSING, clientId: MISSING });
  const ends = await logOffsets(admin, groupsOfRows.flatMap((r) => r.tps), 'latest');
  const rows: LagRow[] = [];
  for (const r of groupsOfRows) {
    for (const tp of r.tps) {
      const c = byTp.get(key(tp));
      const offset = c ? c.offset : null;
      const end = ends.get(key(tp)) ?? null;
      rows.push({
        group: g.groupId,
        topic: tp.topic,
        partition: tp.partition,
        leaderEpoch: c && c.leaderEpoch >= 0 ? c.leaderEpoch : null,
        offset,
        logEndOffset: end,
        lag: offset !== null && offset !== -1 && end !== null ? end - offset : null,
        consumerId: r.consumerId,
        host: r.host,
        clientId: r.clientId,
      });
    }
  }
  return rows;
}

/** Kafka's shouldPrintMemberState: the notices for empty, rebalancing and missing groups. */
function shouldPrint(io: Io, groupId: string, state: string, numRows: number): boolean {
  switch (state) {
    case 'Dead':
      throw new CliError(`Error: Consumer group '${groupId}' does not exist.`);
    case 'Empty':
      io.err(`\nConsumer group '${groupId}' has no active members.\n`);
      break;
    case 'PreparingRebalance':
    case 'CompletingRebalance':
    case 'Assigning':
    case 'Reconciling':
      io.err(`\nWarning: Consumer group '${groupId}' is rebalancing.\n`);
      break;
    case 'Stable':
      break;
    default:
      throw new CliError(`Error: Expected a valid consumer group state, but found '${state}'.`);
  }
  return numRows > 0;
}

function show(v: number | string | null): string {
  return v === null ? MISSING : String(v);
}

function coordinatorText(c: BrokerInfo | null): string {
  return c ? `${c.host}:${c.port}  (${c.nodeId})` : MISSING;
}

function assignmentString(tps: readonly TopicPartition[]): string {
  return groupByTopic(tps)
    .map(({ topic, partitions }) => `${topic}:${partitions.sort((a, b) => a - b).join(',')}`)
    .sort()
    .join(';');
}

// ---------------------------------------------------------------- actions

async function list(admin: Admin, o: ParsedOptions, io: Io): Promise<number> {
  const includeState = o.has('state');
  const includeType = o.has('type');
  const parseList = (v: string | undefined, valid: string[], what: string): string[] => {
    if (v === undefined || v === '') return [];
    const parsed = v.split(',').map((s) => s.trim());
    for (const p of parsed) {
      if (!valid.some((x) => x.toLowerCase() === p.toLowerCase())) {
        throw new UsageError(`Invalid ${what} list '${v}'. Valid ${what === 'state' ? 'states' : 'types'} are: ${valid.map((x) => (what === 'type' ? x[0].toUpperCase() + x.slice(1) : x)).join(', ')}`);
      }
    }
    return parsed.map((p) => valid.find((x) => x.toLowerCase() === p.toLowerCase())!);
  };
  const states = includeState ? parseList(o.value('state'), STATES, 'state') : [];
  const types = includeType ? parseList(o.value('type'), TYPES, 'type') : [];
  let listing = (await admin.listGroups({ states: states.length > 0 ? states : undefined, types: types.length > 0 ? types : undefined })).filter((g) => g.protocolType === 'consumer' || g.protocolType === '');
  if (states.length > 0) listing = listing.filter((g) => g.state === '' || states.includes(g.state));
  const typeName = (t: string) => (t === '' ? 'Classic' : t[0].toUpperCase() + t.slice(1));
  if (jsonOutput(o)) {
    printJson(io, { groups: listing.map((g) => ({ group: g.groupId, state: g.state || null, type: g.type ? g.type : 'classic' })) });
    return 0;
  }
  if (!includeState && !includeType) {
    for (const g of listing) io.out(`${g.groupId}\n`);
    return 0;
  }
  const w = Math.max(15, ...listing.map((g) => g.groupId.length)) + 10;
  const line = (cols: string[]) => {
    let s = pad(cols[0], w);
    for (const c of cols.slice(1)) s += ' ' + pad(c, 20);
    return s + '\n';
  };
  const header = ['GROUP'];
  if (includeType) header.push('TYPE');
  if (includeState) header.push('STATE');
  io.out(line(header));
  for (const g of listing) {
    const cols = [g.groupId];
    if (includeType) cols.push(typeName(g.type));
    if (includeState) cols.push(g.state || 'Unknown');
    io.out(line(cols));
  }
  return 0;
}

async function describe(admin: Admin, o: ParsedOptions, io: Io): Promise<number> {
  const ids = (await groupIds(admin, o)).sort();
  const groups = await describeGroups(admin, ids);
  const verbose = o.has('verbose');
  const json = jsonOutput(o);
  const out: unknown[] = [];
  const mode = o.has('members') ? 'members' : o.has('state') ? 'state' : 'offsets';
  for (const g of groups) {
    if (json) {
      if (g.state === 'Dead') throw new CliError(`Error: Consumer group '${g.groupId}' does not exist.`);
      const base = { group: g.groupId, state: g.state, coordinator: g.desc?.coordinator ? { id: g.desc.coordinator.nodeId, host: g.desc.coordinator.host, port: g.desc.coordinator.port } : null };
      if (mode === 'offsets') {
        const rows = await collectOffsets(admin, g);
        out.push({
          ...base,
          offsets: rows.map((r) => ({ topic: r.topic, partition: r.partition, currentOffset: r.offset, logEndOffset: r.logEndOffset, lag: r.lag, leaderEpoch: r.leaderEpoch, consumerId: r.consumerId === MISSING ? null : r.consumerId, host: r.host === MISSING ? null : r.host, clientId: r.clientId === MISSING ? null : r.clientId })),
        });
      } else if (mode === 'members') {
        out.push({
          ...base,
          members: (g.desc?.members ?? []).map((m) => ({ consumerId: m.memberId, groupInstanceId: m.groupInstanceId, host: m.host, clientId: m.clientId, partitions: m.assignment.length, assignment: [...m.assignment].sort(tpCompare) })),
        });
      } else {
        out.push({ ...base, assignmentStrategy: g.desc?.protocol || null, members: g.desc?.members.length ?? 0 });
      }
      continue;
    }
    if (mode === 'offsets') printOffsets(io, g, await collectOffsets(admin, g), verbose);
    else if (mode === 'members') printMembers(io, g, verbose);
    else printState(io, g, verbose);
  }
  if (json) printJson(io, { groups: out });
  return 0;
}

function printOffsets(io: Io, g: Group, rows: LagRow[], verbose: boolean): void {
  if (!shouldPrint(io, g.groupId, g.state, rows.length)) return;
  const gw = Math.max(15, ...rows.map((r) => r.group.length));
  const tw = Math.max(15, ...rows.map((r) => (r.topic ?? MISSING).length));
  const cw = Math.max(15, ...rows.map((r) => r.consumerId.length));
  const hw = Math.max(15, ...rows.map((r) => r.host.length));
  const line = (c: string[]) =>
    verbose
      ? `\n${pad(c[0], gw)} ${pad(c[1], tw)} ${pad(c[2], 10)} ${pad(c[3], 15)} ${pad(c[4], 15)} ${pad(c[5], 15)} ${pad(c[6], 15)} ${pad(c[7], cw)} ${pad(c[8], hw)} ${c[9]}`
      : `\n${pad(c[0], gw)} ${pad(c[1], tw)} ${pad(c[2], 10)} ${pad(c[3], 15)} ${pad(c[4], 15)} ${pad(c[5], 15)} ${pad(c[6], cw)} ${pad(c[7], hw)} ${c[8]}`;
  let s = verbose
    ? line(['GROUP', 'TOPIC', 'PARTITION', 'LEADER-EPOCH', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'CONSUMER-ID', 'HOST', 'CLIENT-ID'])
    : line(['GROUP', 'TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'CONSUMER-ID', 'HOST', 'CLIENT-ID']);
  for (const r of rows) {
    const common = [show(r.offset), show(r.logEndOffset), show(r.lag), r.consumerId, r.host, r.clientId];
    s += verbose ? line([r.group, show(r.topic), show(r.partition), show(r.leaderEpoch), ...common]) : line([r.group, show(r.topic), show(r.partition), ...common]);
  }
  io.out(s + '\n');
}

function printMembers(io: Io, g: Group, verbose: boolean): void {
  const members = g.desc?.members ?? [];
  let gw = 15;
  let cw = 15;
  let iw = 17;
  let hw = 15;
  let clw = 15;
  let caw = 20;
  let taw = 20;
  let withInstance = false;
  if (shouldPrint(io, g.groupId, g.state, members.length)) {
    for (const m of members) {
      gw = Math.max(gw, g.groupId.length);
      cw = Math.max(cw, m.memberId.length);
      iw = Math.max(iw, (m.groupInstanceId ?? '').length);
      hw = Math.max(hw, m.host.length);
      clw = Math.max(clw, m.clientId.length);
      withInstance = withInstance || (m.groupInstanceId ?? '') !== '';
      caw = Math.max(caw, (m.assignment.length === 0 ? MISSING : assignmentString(m.assignment)).length);
      taw = Math.max(taw, (m.targetAssignment === null || m.targetAssignment.length === 0 ? MISSING : assignmentString(m.targetAssignment)).length);
    }
  }
  const row = (c: string[]) =>
    withInstance ? `${pad(c[0], gw)} ${pad(c[1], cw)} ${pad(c[2], iw)} ${pad(c[3], hw)} ${pad(c[4], clw)} ${pad(c[5], 15)} ` : `${pad(c[0], gw)} ${pad(c[1], cw)} ${pad(c[3], hw)} ${pad(c[4], clw)} ${pad(c[5], 15)} `;
  const extra = (c: string[]) => `${pad(c[0], 15)} ${pad(c[1], caw)} ${pad(c[2], 15)} ${pad(c[3], taw)}`;
  let s = '\n' + row(['GROUP', 'CONSUMER-ID', 'GROUP-INSTANCE-ID', 'HOST', 'CLIENT-ID', '#PARTITIONS']);
  if (verbose) s += extra(['CURRENT-EPOCH', 'CURRENT-ASSIGNMENT', 'TARGET-EPOCH', 'TARGET-ASSIGNMENT']);
  s += '\n';
  for (const m of members) {
    s += row([g.groupId, m.memberId, m.groupInstanceId ?? '', m.host, m.clientId, String(m.assignment.length)]);
    // Classic groups have no member epochs or target assignments (KIP-848 groups do).
    const target = m.targetAssignment === null ? MISSING : m.targetAssignment.length === 0 ? MISSING : assignmentString(m.targetAssignment);
    const targetEpoch = g.desc?.assignmentEpoch ?? null;
    if (verbose) s += extra([show(m.memberEpoch), m.assignment.length === 0 ? MISSING : assignmentString(m.assignment), show(targetEpoch), target]);
    s += '\n';
  }
  io.out(s);
}

function printState(io: Io, g: Group, verbose: boolean): void {
  if (!shouldPrint(io, g.groupId, g.state, 1)) return;
  const coordinator = coordinatorText(g.desc?.coordinator ?? null);
  const cw = Math.max(25, coordinator.length);
  const gw = Math.max(15, g.groupId.length);
  const strategy = g.desc?.protocol ? g.desc.protocol : MISSING;
  const members = String(g.desc?.members.length ?? 0);
  const line = (c: string[]) =>
    verbose ? `\n${pad(c[0], gw)} ${pad(c[1], cw)} ${pad(c[2], 20)} ${pad(c[3], 20)} ${pad(c[4], 15)} ${pad(c[5], 25)} ${c[6]}` : `\n${pad(c[0], gw)} ${pad(c[1], cw)} ${pad(c[2], 20)} ${pad(c[3], 20)} ${c[4]}`;
  const s = verbose
    ? line(['GROUP', 'COORDINATOR (ID)', 'ASSIGNMENT-STRATEGY', 'STATE', 'GROUP-EPOCH', 'TARGET-ASSIGNMENT-EPOCH', '#MEMBERS']) +
      line([g.groupId, coordinator, strategy, g.state, show(g.desc?.groupEpoch ?? null), show(g.desc?.assignmentEpoch ?? null), members])
    : line(['GROUP', 'COORDINATOR (ID)', 'ASSIGNMENT-STRATEGY', 'STATE', '#MEMBERS']) + line([g.groupId, coordinator, strategy, g.state, members]);
  io.out(s + '\n');
}

async function deleteGroups(admin: Admin, o: ParsedOptions, io: Io): Promise<number> {
  const ids = await groupIds(admin, o);
  const results = await admin.deleteGroups(ids);
  const ok = results.filter((r) => !r.error).map((r) => r.groupId);
  const failed = results.filter((r) => r.error);
  if (failed.length === 0) {
    io.out(`Deletion of requested consumer groups ('${ok.join(', ')}') was successful.\n`);
    return 0;
  }
  io.err('\nError: Deletion of some consumer groups failed:\n');
  for (const f of failed) io.err(`* Group '${f.groupId}' could not be deleted due to: ${javaException(f.error!)}\n`);
  if (ok.length > 0) io.out(`\nThese consumer groups were deleted successfully: '${ok.join("', '")}'\n`);
  return 1;
}

// ---------------------------------------------------------------- reset offsets

function parseTopicArgs(args: string[]): { explicit: TopicPartition[]; topics: string[] } {
  const explicit: TopicPartition[] = [];
  const topics: string[] = [];
  for (const a of args) {
    if (!a.includes(':')) {
      topics.push(a);
      continue;
    }
    const parts = a.split(':');
    if (parts.length !== 2) throw new UsageError(`Invalid topic arg '${a}', expected topic name and partitions`);
    for (const p of parts[1].split(',')) {
      if (!/^-?\d+$/.test(p)) throw new UsageError(`Invalid partition '${p}' specified in topic arg '${a}''`);
      explicit.push({ topic: parts[0], partition: Number(p) });
    }
  }
  return { explicit, topics };
}

async function topicPartitions(admin: Admin, args: string[]): Promise<TopicPartition[]> {
  const { explicit, topics } = parseTopicArgs(args);
  const out = [...explicit];
  if (topics.length > 0) {
    for (const d of await admin.describeTopics(topics)) {
      if (d.error) throw d.error;
      for (const p of d.partitions) out.push({ topic: d.name, partition: p.partition });
    }
  }
  return out;
}

/** Utils.getDateTime: ISO-8601 with a 'T'; without a zone, local time. */
function parseDateTime(s: string): number {
  const parts = s.split('T');
  if (parts.length < 2) throw new UsageError("Error parsing timestamp. It does not contain a 'T' according to ISO8601 format", `got --to-datetime ${s}; e.g. 2024-01-31T12:00:00.000`);
  const t = Date.parse(s);
  if (Number.isNaN(t)) throw new UsageError(`Unparseable date: "${s}"`, 'use YYYY-MM-DDTHH:mm:SS.sss, optionally with a zone like Z or +01:00');
  return t;
}

/** java.time.Duration.parse: PnDTnHnMn.nS (with optional signs). */
function parseDuration(s: string): number {
  const m = /^([-+]?)P(?:([-+]?\d+)D)?(?:T(?:([-+]?\d+)H)?(?:([-+]?\d+)M)?(?:([-+]?\d+)(?:[.,](\d{0,9}))?S)?)?$/i.exec(s);
  if (!m || s.toUpperCase().endsWith('T') || s.toUpperCase() === 'P') throw new UsageError(`Text cannot be parsed to a Duration`, `got --by-duration ${s}; e.g. PT1H or P1DT30M`);
  const n = (x: string | undefined) => (x ? Number(x) : 0);
  const frac = m[6] ? Number(`0.${m[6]}`) * (m[5]?.startsWith('-') ? -1 : 1) : 0;
  const ms = ((n(m[2]) * 24 + n(m[3])) * 60 + n(m[4])) * 60000 + (n(m[5]) + frac) * 1000;
  return m[1] === '-' ? -ms : ms;
}

function parseResetPlan(text: string, groups: string[]): Map<string, Map<string, { tp: TopicPartition; offset: number }>> {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const plan = new Map<string, Map<string, { tp: TopicPartition; offset: number }>>();
  const single = groups.length === 1;
  const oldFormat = lines.length > 0 && lines[0].split(',').length === 3;
  for (const l of lines) {
    const f = l.split(',').map((x) => x.trim());
    let group: string;
    let rest: string[];
    if (single && oldFormat) {
      group = groups[0];
      rest = f;
    } else {
      if (f.length !== 4) throw new CliError(`Error: Executing consumer group command failed due to invalid CSV line '${l}' (expected group,topic,partition,offset)`);
      group = f[0];
      rest = f.slice(1);
    }
    if (rest.length !== 3 || !/^\d+$/.test(rest[1]) || !/^-?\d+$/.test(rest[2])) throw new CliError(`Error: Executing consumer group command failed due to invalid CSV line '${l}' (expected topic,partition,offset)`);
    let m = plan.get(group);
    if (!m) plan.set(group, (m = new Map()));
    const tp = { topic: rest[0], partition: Number(rest[1]) };
    m.set(key(tp), { tp, offset: Number(rest[2]) });
  }
  return plan;
}

async function checkRange(admin: Admin, io: Io, requested: Array<{ tp: TopicPartition; offset: number }>): Promise<Map<string, { tp: TopicPartition; offset: number }>> {
  const tps = requested.map((r) => r.tp);
  const starts = await logOffsets(admin, tps, 'earliest');
  const ends = await logOffsets(admin, tps, 'latest');
  const out = new Map<string, { tp: TopicPartition; offset: number }>();
  for (const r of requested) {
    const end = ends.get(key(r.tp));
    const start = starts.get(key(r.tp));
    const name = `${r.tp.topic}-${r.tp.partition}`;
    if (end === undefined) throw new CliError(`Error: Executing consumer group command failed due to Unexpected non-existing offset value for topic partition ${name}`);
    if (r.offset > end) {
      io.err(`WARN New offset (${r.offset}) is higher than latest offset for topic partition ${name}. Value will be set to ${end}\n`);
      out.set(key(r.tp), { tp: r.tp, offset: end });
    } else if (start !== undefined && r.offset < start) {
      io.err(`WARN New offset (${r.offset}) is lower than earliest offset for topic partition ${name}. Value will be set to ${start}\n`);
      out.set(key(r.tp), { tp: r.tp, offset: start });
    } else out.set(key(r.tp), r);
  }
  return out;
}

async function prepareReset(admin: Admin, o: ParsedOptions, io: Io, groupId: string, tps: TopicPartition[], plan: ReturnType<typeof parseResetPlan> | null): Promise<Map<string, { tp: TopicPartition; offset: number }>> {
  const fromSpec = async (spec: 'earliest' | 'latest', what: string) => {
    const offs = await logOffsets(admin, tps, spec);
    const out = new Map<string, { tp: TopicPartition; offset: number }>();
    for (const tp of tps) {
      const v = offs.get(key(tp));
      if (v === undefined) throw new CliError(`Error getting ${what} offset of topic partition: ${tp.topic}-${tp.partition}`);
      out.set(key(tp), { tp, offset: v });
    }
    return out;
  };
  const byTimestamp = async (ts: number) => {
    const offs = await logOffsets(admin, tps, { timestamp: ts });
    const out = new Map<string, { tp: TopicPartition; offset: number }>();
    const empty: TopicPartition[] = [];
    for (const tp of tps) {
      const v = offs.get(key(tp));
      if (v === undefined) throw new CliError(`Error getting offset by timestamp of topic partition: ${tp.topic}-${tp.partition}`);
      if (v === -1) empty.push(tp);
      else out.set(key(tp), { tp, offset: v });
    }
    for (const tp of empty) io.out(`\nWarn: Partition ${tp.partition} from topic ${tp.topic} is empty. Falling back to latest known offset.\n`);
    const latest = await logOffsets(admin, empty, 'latest');
    for (const tp of empty) out.set(key(tp), { tp, offset: latest.get(key(tp)) ?? 0 });
    return out;
  };
  if (o.has('to-offset')) return checkRange(admin, io, tps.map((tp) => ({ tp, offset: o.int('to-offset')! })));
  if (o.has('to-earliest')) return fromSpec('earliest', 'starting');
  if (o.has('to-latest')) return fromSpec('latest', 'ending');
  if (o.has('shift-by')) {
    const current = new Map((await committedOffsets(admin, groupId)).map((c) => [key(c), c.offset]));
    const shift = o.int('shift-by')!;
    return checkRange(
      admin,
      io,
      tps.map((tp) => {
        const c = current.get(key(tp));
        if (c === undefined) throw new UsageError(`Cannot shift offset for partition ${tp.topic}-${tp.partition} since there is no current committed offset`);
        return { tp, offset: c + shift };
      }),
    );
  }
  if (o.has('to-datetime')) return byTimestamp(parseDateTime(o.value('to-datetime')!));
  if (o.has('by-duration')) return byTimestamp(Date.now() - parseDuration(o.value('by-duration')!));
  if (plan) {
    const p = plan.get(groupId);
    if (!p) {
      io.err(`\nError: No reset plan for group ${groupId} found\n`);
      return new Map();
    }
    return checkRange(admin, io, [...p.values()]);
  }
  if (o.has('to-current')) {
    const current = new Map((await committedOffsets(admin, groupId)).map((c) => [key(c), c.offset]));
    const without = tps.filter((tp) => !current.has(key(tp)));
    const ends = await logOffsets(admin, without, 'latest');
    const out = new Map<string, { tp: TopicPartition; offset: number }>();
    for (const tp of tps) {
      const v = current.get(key(tp)) ?? ends.get(key(tp));
      if (v === undefined) throw new CliError(`Error getting ending offset of topic partition: ${tp.topic}-${tp.partition}`);
      out.set(key(tp), { tp, offset: v });
    }
    return out;
  }
  throw new UsageError(`Option '[reset-offsets]' requires one of the following scenarios: [${SCENARIOS.join(', ')}]`, 'e.g. --to-earliest');
}

async function resetOffsets(admin: Admin, o: ParsedOptions, io: Io): Promise<number> {
  if (!o.has('dry-run') && !o.has('execute')) {
    io.err(
      'WARN: No action will be performed as the --execute option is missing.In a future major release, the default behavior of this command will be to prompt the user before executing the reset rather than doing a dry run. You should add the --dry-run option explicitly if you are scripting this command and want to keep the current default behavior without prompting.\n',
    );
  }
  if (!SCENARIOS.some((s) => o.has(s))) throw new UsageError(`Option '[reset-offsets]' requires one of the following scenarios: [${SCENARIOS.join(', ')}]`, 'e.g. --to-earliest');
  if (!o.has('all-topics') && !o.has('topic') && !o.has('from-file')) throw new UsageError('One of the reset scopes should be defined: --all-topics, --topic.');
  const ids = await groupIds(admin, o);
  const plan = o.has('from-file') ? parseResetPlan(readText(o.value('from-file')!), ids) : null;
  const groups = await describeGroups(admin, ids);
  const result = new Map<string, Map<string, { tp: TopicPartition; offset: number }>>();
  let failed = false;
  for (const g of groups) {
    if (g.state !== 'Empty' && g.state !== 'Dead') {
      io.err(`\nError: Assignments can only be reset if the group '${g.groupId}' is inactive, but the current state is ${g.state}.\n`);
      result.set(g.groupId, new Map());
      failed = true;
      continue;
    }
    let tps: TopicPartition[];
    if (o.has('all-topics')) tps = (await committedOffsets(admin, g.groupId)).map((c) => ({ topic: c.topic, partition: c.partition }));
    else if (o.has('topic')) tps = await topicPartitions(admin, o.values('topic'));
    else tps = [];
    const prepared = await prepareReset(admin, o, io, g.groupId, tps, plan);
    if (o.has('execute') && prepared.size > 0) {
      const res = await admin.alterConsumerGroupOffsets(
        g.groupId,
        [...prepared.values()].map((p) => ({ ...p.tp, offset: p.offset })),
        { timeoutMs: o.int('timeout') },
      );
      for (const r of res) if (r.error) throw r.error;
    }
    result.set(g.groupId, prepared);
  }
  const sorted = [...result].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  if (o.has('export')) {
    const single = o.values('group').length === 1;
    let csv = '';
    for (const [g, m] of sorted) for (const p of [...m.values()].sort((a, b) => tpCompare(a.tp, b.tp))) csv += single ? `${p.tp.topic},${p.tp.partition},${p.offset}\n` : `${g},${p.tp.topic},${p.tp.partition},${p.offset}\n`;
    io.out(csv + '\n');
  } else {
    const line = (c: string[]) => `\n${pad(c[0], 30)} ${pad(c[1], 30)} ${pad(c[2], 10)} ${pad(c[3], 15)}`;
    let s = sorted.length > 0 ? line(['GROUP', 'TOPIC', 'PARTITION', 'NEW-OFFSET']) : '';
    for (const [g, m] of sorted) for (const p of [...m.values()].sort((a, b) => tpCompare(a.tp, b.tp))) s += line([g, p.tp.topic, String(p.tp.partition), String(p.offset)]);
    io.out(s + '\n');
  }
  return failed ? 1 : 0;
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new CliError(`Error: Executing consumer group command failed due to ${path} (${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : (e as Error).message})`);
  }
}

// ---------------------------------------------------------------- delete offsets

async function deleteOffsets(admin: Admin, o: ParsedOptions, io: Io): Promise<number> {
  const groupId = o.values('group')[0];
  const topics = o.values('topic');
  const { explicit, topics: whole } = parseTopicArgs(topics);
  const status = new Map<string, { tp: TopicPartition; error: string | null }>();
  const partitions = [...explicit];
  if (whole.length > 0) {
    for (const d of await admin.describeTopics(whole)) {
      if (d.error) status.set(key({ topic: d.name, partition: -1 }), { tp: { topic: d.name, partition: -1 }, error: `java.util.concurrent.ExecutionException: ${javaException(d.error)}` });
      else for (const p of d.partitions) partitions.push({ topic: d.name, partition: p.partition });
    }
  }
  const res = await admin.deleteConsumerGroupOffsets(groupId, partitions);
  for (const tp of partitions) {
    const r = res.partitions.find((x) => x.topic === tp.topic && x.partition === tp.partition);
    const e = res.error ?? r?.error ?? null;
    status.set(key(tp), { tp, error: e ? `java.util.concurrent.ExecutionException: ${javaException(e)}` : null });
  }
  const top = res.error?.code ?? (res.partitions.find((p) => p.error)?.error?.code ?? ErrorCode.NONE);
  switch (top) {
    case ErrorCode.NONE:
      io.out(`Request succeed for deleting offsets with topic ${topics.join(', ')} group ${groupId}\n`);
      break;
    case ErrorCode.INVALID_GROUP_ID:
      io.err(`\nError: '${groupId}' is not valid.\n`);
      break;
    case ErrorCode.GROUP_ID_NOT_FOUND:
      io.err(`\nError: '${groupId}' does not exist.\n`);
      break;
    case ErrorCode.GROUP_AUTHORIZATION_FAILED:
      io.err(`\nError: Access to '${groupId}' is not authorized.\n`);
      break;
    case ErrorCode.NON_EMPTY_GROUP:
      io.err(`\nError: Deleting offsets of a consumer group '${groupId}' is forbidden if the group is not empty.\n`);
      break;
    case ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC:
    case ErrorCode.TOPIC_AUTHORIZATION_FAILED:
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
      io.err('\nError: Encounter some partition level error, see the follow-up details:\n');
      break;
    default:
      io.err(`\nError: Encounter some unknown error: ${new KafkaProtocolError(top).errorName}\n`);
  }
  const line = (c: string[]) => `\n${pad(c[0], 30)} ${pad(c[1], 15)} ${pad(c[2], 15)}`;
  let s = line(['TOPIC', 'PARTITION', 'STATUS']);
  const rows = [...status.values()].sort((a, b) => {
    const x = a.tp.topic + a.tp.partition;
    const y = b.tp.topic + b.tp.partition;
    return x < y ? -1 : x > y ? 1 : 0;
  });
  for (const r of rows) s += line([r.tp.topic, r.tp.partition >= 0 ? String(r.tp.partition) : 'Not Provided', r.error !== null ? `Error: :${r.error}` : 'Successful']);
  io.out(s + '\n');
  return top === ErrorCode.NONE ? 0 : 1;
}

export const consumerGroupsTool: ToolDef = {
  script: 'kafka-consumer-groups',
  command: 'consumer-groups',
  usage: 'This tool helps to list all consumer groups, describe a consumer group, delete consumer group info, or reset consumer group offsets.',
  options,
  protocolError: (m) => `Error: Executing consumer group command failed due to ${m}`,
  async run(o, io) {
    const action = checkArgs(o);
    jsonOutput(o);
    const bootstrap = requireBootstrap(o);
    const props = fileProps(o);
    const timeout = o.int('timeout')!;
    return withAdmin(
      bootstrap,
      props,
      (admin) => {
        switch (action) {
          case 'list':
            return list(admin, o, io);
          case 'describe':
            return describe(admin, o, io);
          case 'delete':
            return deleteGroups(admin, o, io);
          case 'reset-offsets':
            return resetOffsets(admin, o, io);
          default:
            return deleteOffsets(admin, o, io);
        }
      },
      { defaultApiTimeoutMs: timeout },
    );
  },
};

