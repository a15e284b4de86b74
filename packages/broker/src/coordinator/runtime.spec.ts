import { ManualClock, ManualScheduler } from '@nagare/common';
import { ErrorCode } from '@nagare/protocol';
import { MemoryOffsetsTopicStore } from '../group/memory-store';
import { CoordinatorRuntime } from './runtime';
import { CoordinatorError, type CoordinatorResult, type CoordinatorShard, type RecordSerde, type ShardContext, type TransactionResult } from './types';

/**
 * A coordinator of its own to exercise the runtime: a key-value shard whose
 * records are "key=value" (value null deletes), with transactional writes
 * and a timer operation, the way a transaction coordinator will use it.
 */
type KvRecord = { key: string; value: string | null };

const serde: RecordSerde<KvRecord> = {
  serialize: (r) => ({ key: Buffer.from(r.key), value: r.value === null ? null : Buffer.from(r.value) }),
  deserialize: (k, v) => (k.toString().startsWith('?') ? null : { key: k.toString(), value: v === null ? null : v.toString() }),
};

class KvShard implements CoordinatorShard<KvRecord> {
  readonly state = new Map<string, string>();
  readonly replayed: Array<{ offset: number; producerId: bigint; record: KvRecord }> = [];
  readonly pending = new Map<bigint, KvRecord[]>();
  loadedWith: number | null = null;
  unloaded = false;
  images = 0;

  constructor(readonly ctx: ShardContext<KvRecord>) {}

  replay(offset: number, producerId: bigint, _epoch: number, record: KvRecord): void {
    this.replayed.push({ offset, producerId, record });
    if (producerId !== -1n) {
      this.pending.set(producerId, [...(this.pending.get(producerId) ?? []), record]);
      return;
    }
    this.apply(record);
  }

  private apply(record: KvRecord): void {
    if (record.value === null) this.state.delete(record.key);
    else this.state.set(record.key, record.value);
  }

  replayEndTransactionMarker(producerId: bigint, _epoch: number, result: TransactionResult): void {
    const recs = this.pending.get(producerId) ?? [];
    this.pending.delete(producerId);
    if (result === 'COMMIT') recs.forEach((r) => this.apply(r));
  }

  onLoaded(): void {
    this.loadedWith = this.state.size;
  }

  onUnloaded(): void {
    this.unloaded = true;
  }

  onNewMetadataImage(): void {
    this.images++;
  }

  put(key: string, value: string | null): CoordinatorResult<string, KvRecord> {
    return { records: [{ key, value }], response: `put ${key}` };
  }
}

function setup(partitions = 2) {
  const clock = new ManualClock();
  const scheduler = new ManualScheduler(clock);
  const store = new MemoryOffsetsTopicStore(partitions);
  const shards: KvShard[] = [];
  const make = () =>
    new CoordinatorRuntime<KvShard, KvRecord>({
      name: 'kv coordinator',
      writer: store,
      loader: store,
      serde,
      buildShard: (ctx) => {
        const s = new KvShard(ctx);
        shards.push(s);
        return s;
      },
      clock,
      scheduler,
      loadChunkBytes: 100,
    });
  return { clock, scheduler, store, shards, make, runtime: make() };
}

const settled = async <T>(p: Promise<T>) => {
  let state: 'pending' | 'resolved' | 'rejected' = 'pending';
  p.then(
    () => (state = 'resolved'),
    () => (state = 'rejected'),
  );
  await new Promise((r) => setImmediate(r));
  return state;
};

describe('CoordinatorRuntime', () => {
  it('appends an operation\'s records, replays them at their offsets, and answers when the high watermark passes them', async () => {
    const { runtime, store, shards } = setup();
    await runtime.scheduleLoadOperation(0, 0);
    store.holdHighWatermark = true;
    const first = runtime.scheduleWriteOperation('put a', 0, (s) => s.put('a', '1'));
    // Replayed at once (the state moves), but not answered before it is committed.
    expect(shards[0].state.get('a')).toBe('1');
    expect(shards[0].replayed.map((r) => r.offset)).toEqual([0]);
    expect(await settled(first)).toBe('pending');
    // A read (no records) waits for what was written before it.
    const read = runtime.scheduleReadOperation('get a', 0, (s) => s.state.get('a'));
    expect(await settled(read)).toBe('pending');
    store.advanceHighWatermark(0);
    await expect(first).resolves.toBe('put a');
    await expect(read).resolves.toBe('1');
    expect(runtime.offsets(0)).toEqual({ lastWrittenOffset: 1, committedOffset: 1, waiting: 0 });
  });

  it('fails an operation whose append fails with the storage error and replays nothing', async () => {
    const { runtime, store, shards } = setup();
    await runtime.scheduleLoadOperation(0, 0);
    store.failAppends = ErrorCode.NOT_LEADER_OR_FOLLOWER;
    await expect(runtime.scheduleWriteOperation('put', 0, (s) => s.put('a', '1'))).rejects.toMatchObject({ errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER });
    expect(shards[0].state.size).toBe(0);
    // An operation that handles its own append failures gets the code and its response stands.
    const seen: number[] = [];
    const r = await runtime.scheduleWriteOperation('put', 0, (s) => ({ ...s.put('b', '2'), onCommitted: (code) => seen.push(code) }));
    expect([r, seen]).toEqual(['put b', [ErrorCode.NOT_LEADER_OR_FOLLOWER]]);
    // An operation that throws writes nothing.
    store.failAppends = null;
    await expect(
      runtime.scheduleWriteOperation('bad', 0, () => {
        throw new CoordinatorError(ErrorCode.INVALID_REQUEST, 'no');
      }),
    ).rejects.toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, message: 'no' });
    expect(store.size()).toBe(0);
  });

  it('answers NOT_COORDINATOR for partitions it does not host and COORDINATOR_LOAD_IN_PROGRESS while loading', async () => {
    const { runtime, store } = setup();
    await expect(runtime.scheduleReadOperation('r', 1, () => 1)).rejects.toMatchObject({ errorCode: ErrorCode.NOT_COORDINATOR });
    store.append(1, [{ key: Buffer.from('k'), value: Buffer.from('v') }], { timestampMs: 0 });
    const loading = runtime.scheduleLoadOperation(1, 0);
    expect(runtime.state(1)).toBe('loading');
    await expect(runtime.scheduleReadOperation('r', 1, () => 1)).rejects.toMatchObject({ errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS });
    await loading;
    expect(runtime.state(1)).toBe('active');
    await expect(runtime.scheduleReadOperation('r', 1, (s) => s.state.get('k'))).resolves.toBe('v');
  });

  it('rebuilds a shard from the log chunk by chunk: the same state, producer ids and transaction markers, unknown records skipped', async () => {
    const { make, store, shards } = setup();
    const live = make();
    await live.scheduleLoadOperation(0, 0);
    for (let i = 0; i < 50; i++) await live.scheduleWriteOperation('put', 0, (s) => s.put(`k${i % 7}`, i % 5 === 0 ? null : `v${i}`));
    await live.scheduleWriteOperation('txn', 0, (s) => ({ ...s.put('t1', 'committed'), producerId: 42n, producerEpoch: 0 }));
    await live.scheduleWriteOperation('txn', 0, (s) => ({ ...s.put('t2', 'aborted'), producerId: 43n, producerEpoch: 0 }));
    store.appendMarker(0, 42n, 0, 'COMMIT');
    store.appendMarker(0, 43n, 0, 'ABORT');
    store.append(0, [{ key: Buffer.from('?newer-record-type'), value: Buffer.from('x') }], { timestampMs: 0 });
    live.close();
    const liveState = new Map(shards[0].state);
    liveState.set('t1', 'committed');
    const reloaded = make();
    await reloaded.scheduleLoadOperation(0, 1);
    const shard = shards[1];
    expect(shard.state).toEqual(liveState);
    expect(shard.state.has('t2')).toBe(false);
    expect(shard.replayed.map((r) => r.offset)).toEqual(shards[0].replayed.map((r) => r.offset));
    expect(shard.replayed.filter((r) => r.producerId === 42n).map((r) => r.record)).toEqual([{ key: 't1', value: 'committed' }]);
    expect(shard.loadedWith).toBe(liveState.size);
    expect(reloaded.offsets(0)).toMatchObject({ lastWrittenOffset: 55 });
  });

  it('unloads on resignation: timers stop, waiting operations get NOT_COORDINATOR; stale epochs are ignored', async () => {
    const { runtime, store, shards, scheduler } = setup();
    await runtime.scheduleLoadOperation(0, 5);
    let fired = 0;
    shards[0].ctx.timer.schedule('tick', 1000, () => {
      fired++;
      return { records: [{ key: 'timer', value: 'ran' }], response: undefined };
    });
    scheduler.advance(1000);
    expect([fired, shards[0].state.get('timer')]).toEqual([1, 'ran']);
    shards[0].ctx.timer.schedule('tick', 1000, () => {
      fired++;
      return { records: [], response: undefined };
    });
    store.holdHighWatermark = true;
    const waiting = runtime.scheduleWriteOperation('put', 0, (s) => s.put('x', '1'));
    // An older epoch does not move anything; a load at the same epoch neither.
    runtime.scheduleUnloadOperation(0, 5);
    await runtime.scheduleLoadOperation(0, 4);
    expect(runtime.state(0)).toBe('active');
    runtime.scheduleUnloadOperation(0, 6);
    expect(runtime.state(0)).toBeUndefined();
    expect(shards[0].unloaded).toBe(true);
    await expect(waiting).rejects.toMatchObject({ errorCode: ErrorCode.NOT_COORDINATOR });
    scheduler.advance(5000);
    expect(fired).toBe(1);
    await expect(runtime.scheduleReadOperation('r', 0, () => 1)).rejects.toMatchObject({ errorCode: ErrorCode.NOT_COORDINATOR });
    // Leadership comes back: a new shard from the log.
    store.advanceHighWatermark();
    await runtime.scheduleLoadOperation(0, 7);
    expect(shards[1].state.get('timer')).toBe('ran');
  });

  it('passes metadata images to active shards', async () => {
    const { runtime, shards } = setup();
    await runtime.scheduleLoadOperation(0, 0);
    const image = { provenance: { offset: 1, epoch: 1 } } as never;
    runtime.onNewMetadataImage(image, image);
    expect(shards[0].images).toBe(1);
  });
});
