/**
 * kafka-leader-election: preferred or unclean leader elections (KIP-460, ElectLeaders) for one
 * partition (`--topic --partition`), the partitions of a JSON file (`--path-to-json-file`,
 * `{"partitions":[{"topic":"foo","partition":1}]}`) or every eligible partition
 * (`--all-topic-partitions`), with Kafka's LeaderElectionCommand checks, output lines and exit
 * status (1 when some election failed).
 */
import { readFileSync } from 'node:fs';
import { ErrorCode, type KafkaProtocolError } from '@nagare/protocol';
import { OptionDef } from '../cli/args';
import { CliError, UsageError, kafkaMessage } from '../cli/errors';
import { HELP, ToolDef, VERSION, fileProps, withAdmin } from '../cli/tool';

const options: OptionDef[] = [
  { name: 'bootstrap-server', arg: 'required', describedAs: 'host:port', help: 'A hostname and port for the broker to connect to, in the form host:port. Multiple comma separated URLs can be given. REQUIRED.' },
  { name: 'admin.config', arg: 'required', describedAs: 'config file', help: '(DEPRECATED) Configuration properties files to pass to the admin client. This option will be removed in a future version. Use --command-config instead.' },
  { name: 'command-config', arg: 'required', describedAs: 'Config file', help: 'Config properties file to pass to the admin client.' },
  {
    name: 'path-to-json-file',
    arg: 'required',
    describedAs: 'Path to JSON file',
    help: 'The JSON file with the list  of partition for which leader elections should be performed. This is an example format. \n{"partitions":\n\t[{"topic": "foo", "partition": 1},\n\t {"topic": "foobar", "partition": 2}]\n}\nNot allowed if --all-topic-partitions or --topic flags are specified.',
  },
  { name: 'topic', arg: 'required', describedAs: 'topic name', help: 'Name of topic for which to perform an election. Not allowed if --path-to-json-file or --all-topic-partitions is specified.' },
  { name: 'partition', arg: 'required', describedAs: 'partition id', help: 'Partition id for which to perform an election. REQUIRED if --topic is specified.' },
  { name: 'all-topic-partitions', help: 'Perform election on all of the eligible topic partitions based on the type of election (see the --election-type flag). Not allowed if --topic or --path-to-json-file is specified.' },
  {
    name: 'election-type',
    arg: 'required',
    describedAs: 'election type',
    help: 'Type of election to attempt. Possible values are "preferred" for preferred leader election or "unclean" for unclean leader election. If preferred election is selection, the election is only performed if the current leader is not the preferred leader for the topic partition. If unclean election is selected, the election is only performed if there are no leader for the topic partition. REQUIRED.',
  },
  HELP,
  VERSION,
];

interface Tp {
  topic: string;
  partition: number;
}

/** The --path-to-json-file format, with LeaderElectionCommand's checks. */
export function parseElectionJson(text: string): Tp[] {
  let js: unknown;
  try {
    js = JSON.parse(text);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  if (js === null || typeof js !== 'object' || Array.isArray(js)) throw new CliError('Replica election data is empty');
  const parts = (js as Record<string, unknown>).partitions;
  if (parts === undefined) throw new CliError('Replica election data is missing "partitions" field');
  if (!Array.isArray(parts)) throw new CliError('Expected JSON array for field partitions');
  const out: Tp[] = parts.map((p: Record<string, unknown>) => {
    if (typeof p?.topic !== 'string') throw new CliError(`No such field exists: \`topic\` or it is not a string`);
    if (!Number.isInteger(p.partition)) throw new CliError(`No such field exists: \`partition\` or it is not an int`);
    return { topic: p.topic, partition: p.partition as number };
  });
  const seen = new Set<string>();
  const dups = new Set<string>();
  for (const tp of out) {
    const k = `${tp.topic}-${tp.partition}`;
    if (seen.has(k)) dups.add(k);
    seen.add(k);
  }
  if (dups.size > 0) throw new CliError(`Replica election data contains duplicate partitions: [${[...dups].join(', ')}]`);
  return out;
}

const ELECTION_TYPES = { PREFERRED: 'preferred', UNCLEAN: 'unclean' } as const;

/** A Java exception's toString, as the tool prints the per-partition failures. */
function javaError(e: KafkaProtocolError): string {
  const names: Record<number, string> = {
    [ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE]: 'PreferredLeaderNotAvailableException',
    [ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE]: 'EligibleLeadersNotAvailableException',
    [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]: 'UnknownTopicOrPartitionException',
    [ErrorCode.INVALID_TOPIC_EXCEPTION]: 'InvalidTopicException',
    [ErrorCode.CLUSTER_AUTHORIZATION_FAILED]: 'ClusterAuthorizationException',
  };
  return `org.apache.kafka.common.errors.${names[e.code] ?? 'KafkaException'}: ${kafkaMessage(e)}`;
}

export const leaderElectionTool: ToolDef = {
  script: 'kafka-leader-election',
  command: 'leader-election',
  usage: 'This tool attempts to elect a new leader for a set of topic partitions. The type of elections supported are preferred replicas and unclean replicas.',
  options,
  async run(o, io) {
    const missingOpts = ['bootstrap-server', 'election-type'].filter((n) => !o.has(n));
    if (missingOpts.length > 0) throw new UsageError(`Missing required option(s): ${missingOpts.join(', ')}`);
    if (o.has('admin.config') && o.has('command-config')) throw new UsageError('Option "[admin.config]" can\'t be used with option "[command-config]"');
    const exclusive = ['topic', 'all-topic-partitions', 'path-to-json-file'];
    if (exclusive.filter((n) => o.has(n)).length !== 1) throw new UsageError(`One and only one of the following options is required: ${exclusive.join(', ')}`);
    if (o.has('topic') && !o.has('partition')) throw new UsageError('Missing required option(s): partition');
    if (!o.has('topic') && o.has('partition')) throw new UsageError('Option partition is only allowed if topic is used');
    const typeArg = o.value('election-type')!;
    const electionType = ELECTION_TYPES[typeArg.toUpperCase() as keyof typeof ELECTION_TYPES];
    if (electionType === undefined) throw new UsageError(`Value for argument [election-type] must be one of [PREFERRED, UNCLEAN] (got '${typeArg}')`);
    let partitions: Tp[] | null = null;
    if (o.has('path-to-json-file')) {
      const path = o.value('path-to-json-file')!;
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch {
        throw new CliError(`${path} (No such file or directory)`);
      }
      partitions = parseElectionJson(text);
    } else if (o.has('topic')) {
      const partition = o.int('partition')!;
      partitions = [{ topic: o.value('topic')!, partition }];
    }
    let props = fileProps(o);
    if (o.has('admin.config')) {
      io.out('Option --admin.config has been deprecated and will be removed in a future version. Use --command-config instead.\n');
      props = fileProps(o, 'admin.config');
    }
    if (!props.has('default.api.timeout.ms')) props.set('default.api.timeout.ms', '30000');
    if (!props.has('request.timeout.ms')) props.set('request.timeout.ms', '15000');
    return withAdmin(o.value('bootstrap-server')!, props, async (admin) => {
      const label = electionType.toUpperCase();
      let results;
      try {
        results = await admin.electLeaders(electionType, partitions);
      } catch (e) {
        if ((e as { kind?: string }).kind === 'REQUEST_TIMED_OUT') {
          io.out('Timeout waiting for election results\n');
          throw new CliError('Timeout waiting for election results');
        }
        throw e;
      }
      const name = (r: Tp) => `${r.topic}-${r.partition}`;
      const succeeded = results.filter((r) => r.error === null);
      const noop = results.filter((r) => r.error?.code === ErrorCode.ELECTION_NOT_NEEDED);
      const failed = results.filter((r) => r.error !== null && r.error.code !== ErrorCode.ELECTION_NOT_NEEDED);
      if (succeeded.length > 0) io.out(`Successfully completed leader election (${label}) for partitions ${succeeded.map(name).join(', ')}\n`);
      if (noop.length > 0) io.out(`Valid replica already elected for partitions ${noop.map(name).join(', ')}\n`);
      if (failed.length > 0) {
        for (const f of failed) io.out(`Error completing leader election (${label}) for partition: ${name(f)}: ${javaError(f.error!)}\n`);
        throw new CliError(`${failed.length} replica(s) could not be elected`);
      }
      return 0;
    });
  },
};
