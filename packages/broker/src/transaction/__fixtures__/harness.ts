/**
 * Test scaffolding for the transaction coordinator: a coordinator on a
 * manual clock and scheduler over the in-memory coordinator store, producer
 * ids from a counter, and partition leaders that record the markers they get
 * (answering with errors a test queues). Not part of the build (__fixtures__).
 */
import { ManualClock, ManualScheduler } from '@nagare/common';
import { ErrorCode, type WriteTxnMarkersRequest, type WriteTxnMarkersResponse } from '@nagare/protocol';
import { MemoryOffsetsTopicStore } from '../../group/memory-store';
import { TransactionCoordinator, type TransactionConfig } from '../coordinator';

export const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

export interface MarkerWrite {
  node: number;
  producerId: bigint;
  producerEpoch: number;
  coordinatorEpoch: number;
  result: 'COMMIT' | 'ABORT';
  partitions: string[];
}

export interface TxnHarnessOptions {
  store?: MemoryOffsetsTopicStore;
  clock?: ManualClock;
  config?: Partial<TransactionConfig>;
  transactionVersion?: number;
  firstProducerId?: bigint;
  /** Topics that exist (partitions 0-3 each, led by node 1); others are deleted. */
  topics?: string[];
  leadership?: 'all' | 'external';
}

export function txnHarness(opts: TxnHarnessOptions = {}) {
  const clock = opts.clock ?? new ManualClock();
  const scheduler = new ManualScheduler(clock);
  const store = opts.store ?? new MemoryOffsetsTopicStore(3);
  let nextId = opts.firstProducerId ?? 1000n;
  const topics = new Set(opts.topics ?? ['t', 'u', '__consumer_offsets']);
  const markers: MarkerWrite[] = [];
  /** Error codes the partition leaders answer with next, per "topic-partition" (consumed one per request). */
  const failures = new Map<string, number[]>();
  /** Leaders: node id per topic (default 1); -1 for none. */
  const leaders = new Map<string, number>();
  const state = { transactionVersion: opts.transactionVersion ?? 2, sendFailures: 0 };
  const coord = new TransactionCoordinator({
    store,
    clock,
    scheduler,
    config: { abortTimedOutTransactionsIntervalMs: 1000, ...opts.config },
    generateProducerId: async () => nextId++,
    transactionVersion: () => state.transactionVersion,
    leaderOf: (topic, partition) => (topics.has(topic) && partition < 4 ? (leaders.get(topic) ?? 1) : undefined),
    sendMarkers: async (node: number, req: WriteTxnMarkersRequest): Promise<WriteTxnMarkersResponse> => {
      if (state.sendFailures > 0) {
        state.sendFailures--;
        throw new Error('connection refused');
      }
      return {
        markers: req.markers.map((m) => {
          markers.push({
            node,
            producerId: m.producerId,
            producerEpoch: m.producerEpoch,
            coordinatorEpoch: m.coordinatorEpoch,
            result: m.transactionResult ? 'COMMIT' : 'ABORT',
            partitions: m.topics.flatMap((t) => t.partitionIndexes.map((p) => `${t.name}-${p}`)),
          });
          return {
            producerId: m.producerId,
            topics: m.topics.map((t) => ({
              name: t.name,
              partitions: t.partitionIndexes.map((p) => ({ partitionIndex: p, errorCode: failures.get(`${t.name}-${p}`)?.shift() ?? ErrorCode.NONE })),
            })),
          };
        }),
      };
    },
    offsetsTopicPartitions: 50,
    leadership: opts.leadership,
    markerRetryBackoffMs: 100,
    deferMarkers: (fn) => queueMicrotask(fn),
    yieldToEventLoop: () => Promise.resolve(),
  });
  /** Runs timers due within `ms` and lets the promises they start settle. */
  const advance = async (ms: number) => {
    for (let i = 0; i < 5; i++) await flush();
    scheduler.advance(ms);
    for (let i = 0; i < 5; i++) await flush();
  };
  /** Awaits an operation while moving time on (100 ms steps), for operations that wait for timers. */
  const drive = async <T>(p: Promise<T>): Promise<T> => {
    let done = false;
    void p.then(
      () => (done = true),
      () => (done = true),
    );
    for (let i = 0; i < 5; i++) await flush();
    for (let i = 0; !done && i < 600; i++) await advance(100);
    return p;
  };
  return { clock, scheduler, store, coord, markers, failures, leaders, topics, state, advance, drive };
}

export type TxnHarness = ReturnType<typeof txnHarness>;

export const tp = (topic: string, partition: number) => ({ topic, partition });
