import type { ToolDef } from '../cli/tool';
import { configsTool } from './configs';
import { consoleConsumerTool } from './console-consumer';
import { consoleProducerTool } from './console-producer';
import { consumerGroupsTool } from './consumer-groups';
import { consumerPerfTool } from './consumer-perf';
import { deleteRecordsTool } from './delete-records';
import { getOffsetsTool } from './get-offsets';
import { producerPerfTool } from './producer-perf';
import { topicsTool } from './topics';

/** Every Kafka-compatible tool, in the order `nagare --help` lists them. */
export const TOOLS: ToolDef[] = [
  topicsTool,
  consoleProducerTool,
  consoleConsumerTool,
  consumerGroupsTool,
  configsTool,
  getOffsetsTool,
  deleteRecordsTool,
  producerPerfTool,
  consumerPerfTool,
];
