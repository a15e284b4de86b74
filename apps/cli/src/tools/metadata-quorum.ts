/**
 * kafka-metadata-quorum: the KRaft metadata quorum, through `Admin.describeMetadataQuorum` (KIP-836),
 * with Kafka 4's output: `describe --status` (leader, epoch, high watermark, the furthest follower's
 * lag, voters and observers) and `describe --replication` (a row per replica: log end offset, lag,
 * last fetch and last caught-up times, Leader/Follower/Observer; `--human-readable` for "N ms ago").
 * `add-controller --command-config <controller.properties>` and `remove-controller --controller-id
 * --controller-directory-id` change the voters of a dynamic quorum (KIP-853). Reaches the quorum
 * through a broker (`--bootstrap-server`, which forwards to the active controller) or a controller
 * listener (`--bootstrap-controller`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Admin, QuorumInfo, QuorumReplicaState } from '@nagare/client';
import { OptionDef } from '../cli/args';
import { loadPropertiesFile, parseProperties, type Props } from '../cli/config';
import { CliError, UsageError } from '../cli/errors';
import { COMMAND_CONFIG, HELP, ToolDef, VERSION, fileProps, withAdmin } from '../cli/tool';

const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

const options: OptionDef[] = [
  { name: 'bootstrap-server', arg: 'required', describedAs: 'host:port', help: 'A comma-separated list of host:port pairs to use for establishing the connection to the Kafka cluster.' },
  { name: 'bootstrap-controller', arg: 'required', describedAs: 'host:port', help: 'A comma-separated list of host:port pairs to use for establishing the connection to the Kafka controllers.' },
  { ...COMMAND_CONFIG, help: 'Property file containing configs to be passed to Admin Client (for add-controller: the configuration file of the controller being added).' },
  { name: 'status', help: 'describe: a short summary of the quorum status.' },
  { name: 'replication', help: 'describe: detailed information about the status of replication.' },
  { name: 'human-readable', help: 'describe --replication: human-readable times ("N ms ago").' },
  { name: 'controller-id', arg: 'required', describedAs: 'id', help: 'remove-controller: the id of the controller to remove.' },
  { name: 'controller-directory-id', arg: 'required', describedAs: 'directory id', help: 'remove-controller: the directory id of the controller to remove.' },
  { name: 'dry-run', help: 'add-controller / remove-controller: show what would be done without doing it.' },
  HELP,
  VERSION,
];

/** ToolsUtils.prettyPrintTable: columns padded to the widest value, each followed by a tab. */
export function prettyTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((v, i) => v.padEnd(widths[i]) + '\t').join('');
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

function replicaNode(q: QuorumInfo, r: QuorumReplicaState): string {
  const dir = r.replicaDirectoryId === ZERO_UUID ? 'null' : `"${r.replicaDirectoryId}"`;
  const eps = q.nodes.get(r.replicaId) ?? [];
  const endpoints = eps.length > 0 ? `, "endpoints": [${eps.map((e) => `"${e.name}://${e.host.includes(':') ? `[${e.host}]` : e.host}:${e.port}"`).join(', ')}]` : '';
  return `{"id": ${r.replicaId}, "directoryId": ${dir}${endpoints}}`;
}

export function formatStatus(clusterId: string | null, q: QuorumInfo): string {
  const leader = q.voters.find((v) => v.replicaId === q.leaderId);
  if (leader === undefined) throw new CliError(`The quorum leader ${q.leaderId} is not among the voters`);
  const maxLag = q.voters.reduce((a, b) => (b.logEndOffset < a.logEndOffset ? b : a), q.voters[0]);
  let lagTime: number;
  if (maxLag === leader) lagTime = 0;
  else if (leader.lastCaughtUpTimestamp >= 0 && maxLag.lastCaughtUpTimestamp >= 0) lagTime = leader.lastCaughtUpTimestamp - maxLag.lastCaughtUpTimestamp;
  else lagTime = -1;
  return [
    `ClusterId:              ${clusterId}`,
    `LeaderId:               ${q.leaderId}`,
    `LeaderEpoch:            ${q.leaderEpoch}`,
    `HighWatermark:          ${q.highWatermark}`,
    `MaxFollowerLag:         ${leader.logEndOffset - maxLag.logEndOffset}`,
    `MaxFollowerLagTimeMs:   ${lagTime}`,
    `CurrentVoters:          [${q.voters.map((v) => replicaNode(q, v)).join(', ')}]`,
    `CurrentObservers:       [${q.observers.map((v) => replicaNode(q, v)).join(', ')}]`,
    '',
  ].join('\n');
}

export function formatReplication(q: QuorumInfo, humanReadable: boolean, now: number): string {
  const leader = q.voters.find((v) => v.replicaId === q.leaderId);
  if (leader === undefined) throw new CliError(`The quorum leader ${q.leaderId} is not among the voters`);
  const time = (t: number, what: string) => {
    if (t < 0) return '-1';
    if (!humanReadable) return String(t);
    if (t > now) throw new CliError(`Error while computing relative time, possible drift in system clock.\nCurrent timestamp is ${now}, ${what} timestamp is ${t}`);
    return `${now - t} ms ago`;
  };
  const rows = (rs: QuorumReplicaState[], status: string) =>
    rs.map((r) => [String(r.replicaId), r.replicaDirectoryId, String(r.logEndOffset), String(leader.logEndOffset - r.logEndOffset), time(r.lastFetchTimestamp, 'last fetch'), time(r.lastCaughtUpTimestamp, 'last caught up'), status]);
  return prettyTable(
    ['NodeId', 'DirectoryId', 'LogEndOffset', 'Lag', 'LastFetchTimestamp', 'LastCaughtUpTimestamp', 'Status'],
    [...rows([leader], 'Leader'), ...rows(q.voters.filter((v) => v.replicaId !== q.leaderId), 'Follower'), ...rows(q.observers, 'Observer')],
  );
}

/** What add-controller reads from the controller's own configuration: id, directory id (meta.properties), endpoints. */
export function controllerToAdd(props: Props): { id: number; directoryId: string; endpoints: Array<{ name: string; host: string; port: number }> } {
  const get = (k: string) => props.get(k);
  const id = Number(get('node.id'));
  if (!Number.isInteger(id) || id < 0) throw new CliError('node.id not found in the controller configuration (--command-config)');
  const dir = get('metadata.log.dir') ?? (get('log.dirs') ?? get('log.dir') ?? '').split(',')[0].trim();
  if (!dir) throw new CliError('metadata.log.dir or log.dirs not found in the controller configuration');
  let meta: Map<string, string>;
  try {
    meta = parseProperties(readFileSync(join(dir, 'meta.properties'), 'utf8'));
  } catch {
    throw new CliError(`${join(dir, 'meta.properties')} not found: format the controller's storage first ('nagare storage format --no-initial-controllers ...')`);
  }
  const directoryId = meta.get('directory.id');
  if (!directoryId) throw new CliError(`${join(dir, 'meta.properties')} has no directory.id`);
  const names = (get('controller.listener.names') ?? '').split(',').map((x) => x.trim().toUpperCase()).filter(Boolean);
  if (names.length === 0) throw new CliError('controller.listener.names not found in the controller configuration');
  const listeners = (get('advertised.listeners') || get('listeners') || '').split(',').map((x) => x.trim()).filter(Boolean);
  const endpoints: Array<{ name: string; host: string; port: number }> = [];
  for (const l of listeners) {
    const m = /^([A-Za-z0-9_]+):\/\/(\[[^\]]*\]|[^:]*):(\d+)$/.exec(l);
    if (!m || !names.includes(m[1].toUpperCase())) continue;
    endpoints.push({ name: m[1].toUpperCase(), host: m[2].replace(/^\[|\]$/g, '') || 'localhost', port: Number(m[3]) });
  }
  if (endpoints.length === 0) throw new CliError('no controller listener (controller.listener.names) found in listeners/advertised.listeners of the controller configuration');
  return { id, directoryId, endpoints };
}

export const metadataQuorumTool: ToolDef = {
  script: 'kafka-metadata-quorum',
  command: 'metadata-quorum',
  usage: 'This tool describes kraft metadata quorum status.\nUsage: kafka-metadata-quorum (--bootstrap-server host:port | --bootstrap-controller host:port) [--command-config file] {describe [--status | --replication [--human-readable]] | add-controller | remove-controller --controller-id id --controller-directory-id id}',
  options,
  positional: true,
  async run(o, io) {
    const server = o.value('bootstrap-server');
    const controller = o.value('bootstrap-controller');
    if ((server === undefined) === (controller === undefined)) {
      throw new UsageError('exactly one of --bootstrap-server or --bootstrap-controller must be specified', 'add --bootstrap-server host:port (a broker) or --bootstrap-controller host:port (a controller listener)');
    }
    const command = o.positional[0];
    if (command === undefined) throw new UsageError('a command is required: describe, add-controller or remove-controller', 'e.g. describe --status');
    const props = fileProps(o);
    const bootstrap = (server ?? controller)!;
    const run = (fn: (admin: Admin) => Promise<number>) => withAdmin(bootstrap, props, fn, { bootstrapControllers: controller !== undefined });
    switch (command) {
      case 'describe': {
        const status = o.has('status');
        const replication = o.has('replication');
        if (status && replication) throw new CliError('Only one of --status or --replication should be specified with describe sub-command');
        if (!status && !replication) throw new CliError('One of --status or --replication must be specified with describe sub-command');
        if (status && o.has('human-readable')) throw new CliError('The option --human-readable is only supported along with --replication');
        return run(async (admin) => {
          const q = await admin.describeMetadataQuorum();
          if (status) {
            const cluster = await admin.describeCluster({ endpointType: controller !== undefined ? 2 : 1 });
            io.out(formatStatus(cluster.clusterId, q));
          } else {
            io.out(formatReplication(q, o.has('human-readable'), Date.now()));
          }
          return 0;
        });
      }
      case 'add-controller': {
        const file = o.value('command-config');
        if (file === undefined) throw new CliError('You must supply the configuration file of the controller you are adding when using add-controller.');
        const c = controllerToAdd(loadPropertiesFile(file));
        if (o.has('dry-run')) {
          io.out(`DRY RUN of adding controller ${c.id} with directory id ${c.directoryId} and endpoints: ${c.endpoints.map((e) => `${e.name}://${e.host}:${e.port}`).join(', ')}\n`);
          return 0;
        }
        return run(async (admin) => {
          await admin.addRaftVoter(c.id, c.directoryId, c.endpoints);
          io.out(`Added controller ${c.id} with directory id ${c.directoryId} and endpoints: ${c.endpoints.map((e) => `${e.name}://${e.host}:${e.port}`).join(', ')}\n`);
          return 0;
        });
      }
      case 'remove-controller': {
        const id = Number(o.value('controller-id'));
        const dir = o.value('controller-directory-id');
        if (!Number.isInteger(id) || dir === undefined) throw new CliError('remove-controller needs --controller-id and --controller-directory-id');
        if (o.has('dry-run')) {
          io.out(`DRY RUN of removing KRaft controller ${id} with directory id ${dir}\n`);
          return 0;
        }
        return run(async (admin) => {
          await admin.removeRaftVoter(id, dir);
          io.out(`Removed KRaft controller ${id} with directory id ${dir}\n`);
          return 0;
        });
      }
      default:
        throw new UsageError(`unknown command '${command}'`, 'use describe, add-controller or remove-controller');
    }
  },
};
