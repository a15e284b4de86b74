/**
 * kafka-get-offsets (GetOffsetShell): offsets of topic partitions at a
 * time: `topic:partition:offset` lines.
 */
import { Admin, OffsetSpec } from '@nagare/client';
import { OptionDef } from '../cli/args';
import { CliError, UsageError, kafkaMessage } from '../cli/errors';
import { COMMAND_CONFIG, HELP, OUTPUT, ToolDef, VERSION, fileProps, jsonOutput, missing, printJson, requireBootstrap, withAdmin } from '../cli/tool';

const INTERNAL_TOPICS = new Set(['__consumer_offsets', '__transaction_state', '__share_group_state']);

const options: OptionDef[] = [
  { name: 'bootstrap-server', arg: 'required', describedAs: 'HOST1:PORT1,...,HOST3:PORT3', help: 'REQUIRED. The server(s) to connect to in the form HOST1:PORT1,HOST2:PORT2.' },
  {
    name: 'topic-partitions',
    arg: 'required',
    describedAs: 'topic1:1,topic2:0-3,topic3,topic4:5-,topic5:-3',
    help: "Comma separated list of topic-partition patterns to get the offsets for. The first group is an optional regex for the topic name, if omitted, it matches any topic name. The section after ':' describes a 'partition' pattern, which can be: a number, a range in the format of 'NUMBER-NUMBER' (lower inclusive, upper exclusive), an inclusive lower bound in the format of 'NUMBER-', an exclusive upper bound in the format of '-NUMBER' or may be omitted to accept all partitions.",
  },
  { name: 'topic', arg: 'required', describedAs: 'topic', help: 'The topic to get the offsets for. It also accepts a regular expression. If not present, all authorized topics are queried. Cannot be used if --topic-partitions is present.' },
  { name: 'partitions', arg: 'required', describedAs: 'partition ids', help: 'Comma separated list of partition ids to get the offsets for. If not present, all partitions of the authorized topics are queried. Cannot be used if --topic-partitions is present.' },
  { name: 'time', arg: 'required', describedAs: '<timestamp> / -1 or latest / -2 or earliest / -3 or max-timestamp', help: 'timestamp of the offsets before that. [Note: No offset is returned, if the timestamp greater than recently committed record timestamp is given.]', default: 'latest' },
  { ...COMMAND_CONFIG, describedAs: 'config file' },
  { name: 'exclude-internal-topics', help: 'By default, internal topics are included. If specified, internal topics are excluded.' },
  OUTPUT,
  HELP,
  VERSION,
];

type Filter = (topic: string, partition: number | null) => boolean;

function includeList(raw: string): RegExp {
  const re = raw.trim().replace(/,/g, '|').replace(/ /g, '').replace(/^["']+/, '').replace(/["']+$/, '');
  try {
    return new RegExp(`^(?:${re})$`);
  } catch {
    throw new CliError(`Error occurred: ${re} is an invalid regex.`);
  }
}

/** --topic-partitions: TopicPattern(:PartitionPattern)?, comma separated. */
function patternFilter(spec: string): Filter {
  const rules = spec.split(',').map((rule) => {
    const m = /^([^:,]*)(?::(?:([0-9]*)|(?:([0-9]*)-([0-9]*))))?$/.exec(rule);
    if (!m) throw new CliError(`Error occurred: Invalid rule specification: ${rule}`);
    const topic = m[1] ? includeList(m[1]) : /^(?:.*)$/;
    let part: (p: number) => boolean;
    if (m[2]) {
      const n = Number(m[2]);
      part = (p) => p === n;
    } else {
      const lo = m[3] ? Number(m[3]) : 0;
      const hi = m[4] ? Number(m[4]) : 2147483647;
      part = (p) => p >= lo && p < hi;
    }
    return { topic, part };
  });
  return (t, p) => rules.some((r) => r.topic.test(t) && (p === null || r.part(p)));
}

function parseTime(v: string): OffsetSpec {
  switch (v) {
    case 'earliest':
      return 'earliest';
    case 'latest':
      return 'latest';
    case 'max-timestamp':
      return 'max-timestamp';
    case 'earliest-local':
    case 'latest-tiered':
      throw new CliError(`Error occurred: --time ${v} needs tiered storage, which nagare does not have`);
  }
  if (!/^-?\d+$/.test(v)) {
    throw new CliError(`Error occurred: Malformed time argument ${v}. Please use -1 or latest / -2 or earliest / -3 or max-timestamp / -4 or earliest-local / -5 or latest-tiered, or a specified long format timestamp`);
  }
  const n = Number(v);
  if (n === -2) return 'earliest';
  if (n === -1) return 'latest';
  if (n === -3) return 'max-timestamp';
  if (n === -4 || n === -5) throw new CliError(`Error occurred: --time ${v} needs tiered storage, which nagare does not have`);
  return { timestamp: n };
}

async function fetchOffsets(admin: Admin, filter: Filter, spec: OffsetSpec, excludeInternal: boolean, err: (s: string) => void): Promise<Array<{ topic: string; partition: number; offset: number }>> {
  const topics = (await admin.listTopics({ listInternal: !excludeInternal })).map((t) => t.name).filter((t) => !(excludeInternal && INTERNAL_TOPICS.has(t)) && filter(t, null));
  const tps: Array<{ topic: string; partition: number }> = [];
  if (topics.length > 0) {
    for (const d of await admin.describeTopics(topics)) {
      if (d.error) continue;
      for (const p of d.partitions) if (filter(d.name, p.partition)) tps.push({ topic: d.name, partition: p.partition });
    }
  }
  if (tps.length === 0) throw new CliError('Error occurred: Could not match any topic-partitions with the specified filters');
  const res = await admin.listOffsets(tps.map((tp) => ({ ...tp, spec })));
  const out: Array<{ topic: string; partition: number; offset: number }> = [];
  for (const r of res) {
    if (r.error) {
      err(`Skip getting offsets for topic-partition ${r.topic}-${r.partition} due to error: ${kafkaMessage(r.error)}\n`);
      continue;
    }
    if (r.offset !== -1) out.push({ topic: r.topic, partition: r.partition, offset: r.offset });
  }
  // TopicPartition.toString order ("topic-partition"), as GetOffsetShell's TreeMap.
  const name = (x: { topic: string; partition: number }) => `${x.topic}-${x.partition}`;
  return out.sort((a, b) => (name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0));
}

export const getOffsetsTool: ToolDef = {
  script: 'kafka-get-offsets',
  command: 'get-offsets',
  usage: 'An interactive shell for getting topic-partition offsets.',
  options,
  protocolError: (m) => `Error occurred: ${m}`,
  async run(o, io) {
    if (!o.has('bootstrap-server')) throw missing('bootstrap-server', 'add --bootstrap-server host:port');
    const bootstrap = requireBootstrap(o);
    if (o.has('topic-partitions') && (o.has('topic') || o.has('partitions'))) throw new UsageError('Error occurred: --topic-partitions cannot be used with --topic or --partitions', 'use one way to select partitions');
    const spec = parseTime(o.value('time')!);
    let filter: Filter;
    if (o.has('topic-partitions')) filter = patternFilter(o.value('topic-partitions')!);
    else {
      const topic = includeList(o.value('topic') ?? '.*');
      const pv = o.value('partitions');
      let parts: Set<number> | null = null;
      if (pv !== undefined && pv !== '') {
        const list = pv.split(',');
        if (!list.every((x) => /^-?\d+$/.test(x.trim()))) throw new UsageError(`Error occurred: --partitions expects a comma separated list of numeric partition ids, but received: ${pv}`);
        parts = new Set(list.map((x) => Number(x.trim())));
      }
      filter = (t, p) => topic.test(t) && (p === null || parts === null || parts.has(p));
    }
    const json = jsonOutput(o);
    const props = fileProps(o);
    props.set('client.id', 'GetOffsetShell');
    const offsets = await withAdmin(bootstrap, props, (admin) => fetchOffsets(admin, filter, spec, o.has('exclude-internal-topics'), io.err));
    if (json) printJson(io, { offsets });
    else for (const r of offsets) io.out(`${r.topic}:${r.partition}:${r.offset}\n`);
    return 0;
  },
};

