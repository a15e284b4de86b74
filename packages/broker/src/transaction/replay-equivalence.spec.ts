/**
 * Replay equivalence for the transaction coordinator: for seeded random
 * sequences of InitProducerId (with and without KIP-360 epochs),
 * AddPartitionsToTxn, EndTxn (transaction.version 0 and 2), timeouts,
 * expiration, failed appends, failed marker writes and leadership moving
 * away and back (the shard rebuilt from its log), the state built live
 * equals the state a fresh coordinator replays from the written records.
 * lastProducerEpoch is left out: Kafka does not persist it either (it is -1
 * after a load). NAGARE_REPLAY_SEEDS sets the number of seeds (30 by default).
 */
import { ErrorCode } from '@nagare/protocol';
import { MemoryOffsetsTopicStore } from '../group/memory-store';
import type { TransactionMetadata } from './state';
import { txnHarness, tp, type TxnHarness } from './__fixtures__/harness';

function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x100000000;
  };
}

function snapshot(h: TxnHarness): Record<string, Omit<TransactionMetadata, 'lastProducerEpoch'>> {
  const out: Record<string, Omit<TransactionMetadata, 'lastProducerEpoch'>> = {};
  for (const { shard } of h.coord.runtime.activeShards()) {
    for (const [id, m] of shard.transactions) {
      const { lastProducerEpoch: _ignored, ...rest } = m;
      out[id] = rest;
    }
  }
  return out;
}

const SEEDS = Number(process.env.NAGARE_REPLAY_SEEDS ?? 30);

describe('transaction coordinator replay equivalence', () => {
  for (let seed = 1; seed <= SEEDS; seed++) {
    it(`seed ${seed}: the live state equals the replayed state`, async () => {
      const r = rng(seed);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
      const store = new MemoryOffsetsTopicStore(3);
      const h = txnHarness({
        store,
        transactionVersion: seed % 2 === 0 ? 2 : 0,
        config: { transactionalIdExpirationMs: 20000, removeExpiredTransactionalIdsIntervalMs: 5000, abortTimedOutTransactionsIntervalMs: 1000 },
      });
      await h.coord.start();
      const ids = ['a', 'b', 'c', 'd', 'e'];
      const known = new Map<string, { producerId: bigint; producerEpoch: number }>();
      const outcomes = new Map<number, number>();
      let leaderEpoch = 0;
      for (let step = 0; step < 120; step++) {
        if (r() < 0.04) {
          // Leadership of a partition moves away and comes back: the shard is rebuilt from its log (markers resent).
          const p = Math.floor(r() * 3);
          h.coord.onResignation(p, ++leaderEpoch);
          await h.drive(h.coord.onElection(p, ++leaderEpoch));
        }
        const id = pick(ids);
        const cur = known.get(id);
        const roll = r();
        let code = 0;
        if (r() < 0.05) store.failAppends = pick([ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.NOT_ENOUGH_REPLICAS]);
        if (r() < 0.1) h.failures.set(`t-${Math.floor(r() * 3)}`, [pick([ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.REQUEST_TIMED_OUT, ErrorCode.INVALID_PRODUCER_EPOCH])]);
        if (roll < 0.2 || !cur) {
          const res = await h.drive(h.coord.initProducerId(id, pick([3000, 60000]), cur && r() < 0.5 ? cur : null));
          code = res.errorCode;
          if (code === 0) known.set(id, { producerId: res.producerId, producerEpoch: res.producerEpoch });
        } else if (roll < 0.55) {
          code = await h.drive(h.coord.addPartitions(id, cur.producerId, cur.producerEpoch, [tp(pick(['t', 'u']), Math.floor(r() * 3))], r() < 0.5 ? 0 : 2));
        } else if (roll < 0.8) {
          const tv = h.coord.transaction(id)?.clientTransactionVersion ?? 0;
          const res = await h.drive(h.coord.endTransaction(id, cur.producerId, cur.producerEpoch, r() < 0.6, tv >= 2 ? 2 : 0));
          code = res.errorCode;
          if (code === 0) known.set(id, { producerId: res.producerId, producerEpoch: res.producerEpoch });
        } else {
          await h.advance(Math.floor(r() * 6000));
        }
        store.failAppends = null;
        outcomes.set(code, (outcomes.get(code) ?? 0) + 1);
        if (r() < 0.3) await h.advance(150);
      }
      // Mid-flight (markers may still be pending) and after everything settled.
      const replayed = async () => {
        const fresh = txnHarness({ store });
        fresh.leaders.set('t', -1);
        fresh.leaders.set('u', -1);
        await fresh.coord.start();
        const s = snapshot(fresh);
        await fresh.coord.shutdown();
        return s;
      };
      expect(await replayed()).toEqual(snapshot(h));
      await h.advance(10000);
      expect(await replayed()).toEqual(snapshot(h));
      // The sequence exercised more than the happy path.
      expect(outcomes.size).toBeGreaterThan(1);
      await h.coord.shutdown();
    });
  }
});
