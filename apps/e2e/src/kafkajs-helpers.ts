/**
 * kafkajs helpers for the e2e suites: snappy/lz4/zstd codecs backed by
 * @nagare/records (kafkajs still builds and parses the batches; these do only
 * the byte-level codec), a quiet client, and "consume N records" with a fresh
 * consumer group.
 */
import { Admin, CompressionCodecs, CompressionTypes, Consumer, Kafka, KafkaConfig, logLevel } from 'kafkajs';
import { Compression, compress, decompress } from '@nagare/records';
import { onCleanup, waitFor } from './harness';

let codecsRegistered = false;

export function registerKafkajsCodecs(): void {
  if (codecsRegistered) return;
  codecsRegistered = true;
  const codec = (type: Compression) => () => ({
    compress: async (encoder: { buffer: Buffer }) => compress(type, encoder.buffer),
    decompress: async (buffer: Buffer) => decompress(type, buffer),
  });
  const codecs = CompressionCodecs as unknown as Record<number, unknown>;
  codecs[CompressionTypes.Snappy] = codec(Compression.Snappy);
  codecs[CompressionTypes.LZ4] = codec(Compression.Lz4);
  codecs[CompressionTypes.ZSTD] = codec(Compression.Zstd);
}

export function newKafka(bootstrap: string, clientId: string, extra: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({
    clientId,
    brokers: [bootstrap],
    logLevel: process.env.E2E_DEBUG ? logLevel.INFO : logLevel.NOTHING,
    retry: { initialRetryTime: 100, retries: 8 },
    connectionTimeout: 3000,
    requestTimeout: 10000,
    ...extra,
  });
}

/** A connected admin client, disconnected at cleanup. */
export async function connectedAdmin(kafka: Kafka): Promise<Admin> {
  const admin = kafka.admin();
  await admin.connect();
  onCleanup(() => admin.disconnect());
  return admin;
}

export interface ConsumedMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

export function toConsumed(topic: string, partition: number, m: { offset: string; key: Buffer | null; value: Buffer | null; headers?: Record<string, unknown> }): ConsumedMessage {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.headers ?? {})) headers[k] = Buffer.isBuffer(v) ? v.toString() : String(v);
  return { topic, partition, offset: m.offset, key: m.key ? m.key.toString() : null, value: m.value ? m.value.toString() : null, headers };
}

/** A consumer tracked for cleanup. */
export function trackedConsumer(kafka: Kafka, config: Parameters<Kafka['consumer']>[0]): Consumer {
  const c = kafka.consumer(config);
  onCleanup(() => c.disconnect());
  return c;
}

/**
 * Consumes with a fresh group until `count` records arrived (fails after
 * timeoutMs), then disconnects. Returns the records in arrival order.
 */
export async function consumeN(
  kafka: Kafka,
  topics: string[],
  count: number,
  opts: { groupId?: string; timeoutMs?: number; fromBeginning?: boolean } = {},
): Promise<ConsumedMessage[]> {
  const consumer = trackedConsumer(kafka, {
    groupId: opts.groupId ?? `e2e-read-${Math.random().toString(36).slice(2)}`,
    sessionTimeout: 6000,
    heartbeatInterval: 500,
    maxWaitTimeInMs: 200,
  });
  const out: ConsumedMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics, fromBeginning: opts.fromBeginning ?? true });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        out.push(toConsumed(topic, partition, message));
      },
    });
    await waitFor(() => out.length >= count, { timeoutMs: opts.timeoutMs ?? 20000, what: () => `${count} records from ${topics.join(',')} (have ${out.length})` });
  } finally {
    await consumer.disconnect();
  }
  return out;
}
