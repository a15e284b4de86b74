/**
 * The Kafka-compatible tools. Each tool's module (and what it imports) is
 * loaded only when that tool runs, so `kafka-topics --list` does not pay for
 * the console consumer, the perf tools' progress bar, and so on.
 */
import type { ToolDef } from '../cli/tool';

interface ToolEntry {
  script: string;
  command: string;
  load(): ToolDef;
}

/** Every tool, in the order `nagare --help` lists them. */
const ENTRIES: ToolEntry[] = [
  { script: 'kafka-topics', command: 'topics', load: () => (require('./topics') as typeof import('./topics')).topicsTool },
  { script: 'kafka-console-producer', command: 'console-producer', load: () => (require('./console-producer') as typeof import('./console-producer')).consoleProducerTool },
  { script: 'kafka-console-consumer', command: 'console-consumer', load: () => (require('./console-consumer') as typeof import('./console-consumer')).consoleConsumerTool },
  { script: 'kafka-consumer-groups', command: 'consumer-groups', load: () => (require('./consumer-groups') as typeof import('./consumer-groups')).consumerGroupsTool },
  { script: 'kafka-configs', command: 'configs', load: () => (require('./configs') as typeof import('./configs')).configsTool },
  { script: 'kafka-get-offsets', command: 'get-offsets', load: () => (require('./get-offsets') as typeof import('./get-offsets')).getOffsetsTool },
  { script: 'kafka-delete-records', command: 'delete-records', load: () => (require('./delete-records') as typeof import('./delete-records')).deleteRecordsTool },
  { script: 'kafka-transactions', command: 'transactions', load: () => (require('./transactions') as typeof import('./transactions')).transactionsTool },
  { script: 'kafka-producer-perf-test', command: 'producer-perf-test', load: () => (require('./producer-perf') as typeof import('./producer-perf')).producerPerfTool },
  { script: 'kafka-consumer-perf-test', command: 'consumer-perf-test', load: () => (require('./consumer-perf') as typeof import('./consumer-perf')).consumerPerfTool },
  { script: 'kafka-reassign-partitions', command: 'reassign-partitions', load: () => (require('./reassign-partitions') as typeof import('./reassign-partitions')).reassignPartitionsTool },
  { script: 'kafka-leader-election', command: 'leader-election', load: () => (require('./leader-election') as typeof import('./leader-election')).leaderElectionTool },
  { script: 'kafka-metadata-quorum', command: 'metadata-quorum', load: () => (require('./metadata-quorum') as typeof import('./metadata-quorum')).metadataQuorumTool },
];

/** The tool named by its `nagare` subcommand or its Kafka script name; loads only that tool. */
export function findTool(command: string): ToolDef | undefined {
  const e = ENTRIES.find((t) => t.command === command || t.script === command);
  if (!e) return undefined;
  const tool = e.load();
  if (tool.script !== e.script || tool.command !== e.command) throw new Error(`tool table out of date for ${e.script}`);
  return tool;
}

/** Every tool (loads them all: for `nagare --help` and tests). */
export function allTools(): ToolDef[] {
  return ENTRIES.map((e) => findTool(e.command)!);
}
