/**
 * Protocol codec benchmarks (npm run bench -- protocol).
 */
import * as p from './index';
import type { BenchResult } from '@nagare/common';

function timeLoop(minMs: number, fn: () => void): { iterations: number; seconds: number } {
  // warm up
  for (let i = 0; i < 200; i++) fn();
  let iterations = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0n;
  const limit = BigInt(minMs) * 1_000_000n;
  while (elapsed < limit) {
    for (let i = 0; i < 100; i++) fn();
    iterations += 100;
    elapsed = process.hrtime.bigint() - start;
  }
  return { iterations, seconds: Number(elapsed) / 1e9 };
}

export async function run(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];

  // 1. A Produce request carrying a 1 MiB batch, decoded and re-encoded as a broker would.
  const batch = Buffer.alloc(1 << 20, 0x61);
  const produce: p.ProduceRequest = {
    transactionalId: null,
    acks: -1,
    timeoutMs: 30000,
    topicData: [{ name: 'bench', partitionData: [{ index: 0, records: batch }] }],
  };
  for (const version of [7, 9]) {
    const frame = Buffer.concat(p.encodeRequestFrame(p.ApiKey.Produce, version, 1, 'bench', produce)).subarray(4);
    let sink = 0;
    const t = timeLoop(1000, () => {
      const { header, bodyOffset } = p.decodeRequestHeader(frame);
      const body = p.decodeRequestBody(p.ApiKey.Produce, version, frame, bodyOffset);
      const chunks = p.encodeRequestFrame(p.ApiKey.Produce, version, header.correlationId, header.clientId, body);
      sink += chunks.length;
    });
    if (sink === 0) throw new Error('unreachable');
    results.push({
      name: `Produce v${version} request with a 1 MiB batch: decode + re-encode`,
      value: (t.iterations * batch.length) / t.seconds / 1e9,
      unit: 'GB/s',
      target: 2,
      better: 'higher' as const,
      note: 'the batch is a view of the frame and is passed through uncopied',
    });
  }
  {
    // For perspective: the same, then joined into one contiguous buffer (one copy of the batch).
    const frame = Buffer.concat(p.encodeRequestFrame(p.ApiKey.Produce, 9, 1, 'bench', produce)).subarray(4);
    const t = timeLoop(1000, () => {
      const { header, bodyOffset } = p.decodeRequestHeader(frame);
      const body = p.decodeRequestBody(p.ApiKey.Produce, 9, frame, bodyOffset);
      p.joinChunks(p.encodeRequestFrame(p.ApiKey.Produce, 9, header.correlationId, header.clientId, body));
    });
    results.push({
      name: 'Produce v9, 1 MiB batch: decode + re-encode + join into one buffer',
      value: (t.iterations * batch.length) / t.seconds / 1e9,
      unit: 'GB/s',
      note: 'one memcpy of the batch; what a contiguous encoding would cost',
    });
  }

  // 2. A Metadata response for 1,000 partitions.
  const partitions = Array.from({ length: 1000 }, (_, i) => ({
    errorCode: 0,
    partitionIndex: i,
    leaderId: 1,
    leaderEpoch: 0,
    replicaNodes: [1],
    isrNodes: [1],
    offlineReplicas: [],
  }));
  const metadata: p.MetadataResponse = {
    ...p.MetadataResponseCodec.defaults(),
    brokers: [{ nodeId: 1, host: 'localhost', port: 9092, rack: null }],
    clusterId: 'bench',
    controllerId: 1,
    topics: Array.from({ length: 10 }, (_, t) => ({
      errorCode: 0,
      name: `topic-${t}`,
      topicId: p.randomUuid((n) => Buffer.alloc(n, t + 1)),
      isInternal: false,
      partitions: partitions.slice(t * 100, t * 100 + 100),
      topicAuthorizedOperations: -2147483648,
    })),
  };
  for (const version of [1, 12]) {
    const t = timeLoop(1000, () => {
      p.encodeResponseFrame(p.ApiKey.Metadata, version, 1, metadata);
    });
    results.push({
      name: `Metadata v${version} response, 10 topics x 100 partitions: encode`,
      value: (t.seconds / t.iterations) * 1000,
      unit: 'ms',
      target: 1,
      better: 'lower' as const,
    });
  }
  const encoded = Buffer.concat(p.encodeResponseFrame(p.ApiKey.Metadata, 12, 1, metadata)).subarray(4);
  const td = timeLoop(1000, () => {
    p.decodeResponseFrame(p.ApiKey.Metadata, 12, encoded);
  });
  results.push({ name: 'Metadata v12 response, 1,000 partitions: decode', value: (td.seconds / td.iterations) * 1000, unit: 'ms' });
  return results;
}
