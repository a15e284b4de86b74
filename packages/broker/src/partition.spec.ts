import { PartitionState, type PartitionAssignment } from './partition';

const LAG = 30000;
const all = () => true;

function assignment(o: Partial<PartitionAssignment> = {}): PartitionAssignment {
  return { leader: 1, leaderEpoch: 0, partitionEpoch: 0, replicas: [1, 2, 3], isr: [1, 2, 3], ...o };
}

describe('PartitionState', () => {
  it('becomes leader, follower, and ignores registrations no newer than the one held', () => {
    const s = new PartitionState(1);
    expect(s.apply(assignment(), 10, 1000)).toBe('leader');
    expect(s.isLeader).toBe(true);
    expect(s.leaderEpochStartOffset).toBe(10);
    expect([...s.remotes.keys()]).toEqual([2, 3]);
    expect(s.apply(assignment(), 10, 1000)).toBe('none');
    expect(s.apply(assignment({ partitionEpoch: 1, isr: [1, 2] }), 10, 1000)).toBe('isr');
    expect(s.isr).toEqual([1, 2]);
    expect(s.apply(assignment({ leader: 2, leaderEpoch: 1, partitionEpoch: 2 }), 12, 1000)).toBe('follower');
    expect(s.isLeader).toBe(false);
    expect(s.remotes.size).toBe(0);
    // A stale registration (older leader epoch) changes nothing.
    expect(s.apply(assignment({ leader: 1, leaderEpoch: 0, partitionEpoch: 5 }), 12, 1000)).toBe('none');
    expect(s.leader).toBe(2);
  });

  it('high watermark: the smallest log end offset of the ISR, never going back (maybeIncrementLeaderHW)', () => {
    const s = new PartitionState(1);
    s.apply(assignment(), 0, 0);
    // Leader at 10, followers have not fetched yet: the HW stays.
    expect(s.highWatermarkCandidate(10, 0, 100, LAG, all)).toBe(0);
    s.updateFollowerFetchState(2, 10, 10, 100, 7n);
    expect(s.highWatermarkCandidate(10, 0, 100, LAG, all)).toBe(0);
    s.updateFollowerFetchState(3, 6, 10, 100, 8n);
    expect(s.highWatermarkCandidate(10, 0, 100, LAG, all)).toBe(6);
    s.updateFollowerFetchState(3, 10, 10, 200, 8n);
    expect(s.highWatermarkCandidate(10, 6, 200, LAG, all)).toBe(10);
    expect(s.remotes.get(2)!.brokerEpoch).toBe(7n);
    // Never backwards.
    expect(s.highWatermarkCandidate(10, 12, 200, LAG, all)).toBe(12);
  });

  it('a follower outside the ISR that is caught up holds the HW back; one that is not does not', () => {
    const s = new PartitionState(1);
    s.apply(assignment({ isr: [1, 2] }), 0, 0);
    s.updateFollowerFetchState(2, 20, 20, 1000, 1n);
    // 3 never fetched: not caught up (lastCaughtUpTimeMs 0, now - 0 > lag).
    expect(s.highWatermarkCandidate(20, 0, LAG + 1000, LAG, all)).toBe(20);
    // 3 caught up at 1000 (fetched at the leader's end), then the leader moved on.
    s.updateFollowerFetchState(3, 20, 20, 1000, 1n);
    expect(s.highWatermarkCandidate(25, 0, 2000, LAG, all)).toBe(20);
    // Not eligible (fenced): ignored.
    expect(s.highWatermarkCandidate(25, 0, 2000, LAG, (id) => id !== 3)).toBe(20);
  });

  it('caught-up time follows Kafka: at the leader end now, or at the previous fetch when it reached the leader end seen then', () => {
    const s = new PartitionState(1);
    s.apply(assignment(), 0, 0);
    s.updateFollowerFetchState(2, 10, 10, 1000, 1n);
    expect(s.remotes.get(2)!.lastCaughtUpTimeMs).toBe(1000);
    // Behind now (leader at 15) but reached what the leader had at the previous fetch (10).
    s.updateFollowerFetchState(2, 10, 15, 2000, 1n);
    expect(s.remotes.get(2)!.lastCaughtUpTimeMs).toBe(1000);
    s.updateFollowerFetchState(2, 15, 20, 3000, 1n);
    expect(s.remotes.get(2)!.lastCaughtUpTimeMs).toBe(2000);
    // Behind what the leader had at the previous fetch: no progress.
    s.updateFollowerFetchState(2, 16, 25, 4000, 1n);
    expect(s.remotes.get(2)!.lastCaughtUpTimeMs).toBe(2000);
    expect(s.updateFollowerFetchState(9, 0, 0, 0, 1n)).toBe(false);
  });

  it('shrinks the ISR after replica.lag.time.max.ms and expands it when a follower reaches the HW', () => {
    const s = new PartitionState(1);
    s.apply(assignment(), 0, 0);
    s.updateFollowerFetchState(2, 0, 0, 0, 1n);
    s.updateFollowerFetchState(3, 0, 0, 0, 1n);
    expect(s.shrinkCandidate(5, LAG, LAG)).toBeNull();
    s.updateFollowerFetchState(2, 5, 5, LAG, 1n);
    expect(s.outOfSyncReplicas(5, LAG + 1, LAG)).toEqual([3]);
    const isr = s.shrinkCandidate(5, LAG + 1, LAG)!;
    expect(isr).toEqual([1, 2]);
    const change = s.startIsrChange('shrink', isr);
    // During a shrink the maximal ISR still counts the replica being removed; no second change.
    expect(s.maximalIsr).toEqual([1, 2, 3]);
    expect(s.shrinkCandidate(5, LAG + 1, LAG)).toBeNull();
    expect(s.completeIsrChange(change, { errorCode: 0, leaderEpoch: 0, partitionEpoch: 1, isr: [1, 2], leaderRecoveryState: 0 })).toBe(true);
    expect(s.isr).toEqual([1, 2]);
    expect(s.partitionEpoch).toBe(1);
    // 3 comes back: below the HW it cannot join; at the HW it can.
    s.updateFollowerFetchState(3, 3, 5, LAG + 2, 1n);
    expect(s.expansionCandidate(3, 5, all)).toBeNull();
    s.updateFollowerFetchState(3, 5, 5, LAG + 3, 1n);
    expect(s.expansionCandidate(3, 5, (id) => id !== 3)).toBeNull();
    const grown = s.expansionCandidate(3, 5, all)!;
    expect(grown).toEqual([1, 2, 3]);
    const exp = s.startIsrChange('expand', grown);
    expect(s.maximalIsr).toEqual([1, 2, 3]);
    // A failed AlterPartition drops the pending change so it can be retried.
    expect(s.completeIsrChange(exp, { errorCode: 56, leaderEpoch: -1, partitionEpoch: -1, isr: [], leaderRecoveryState: 0 })).toBe(false);
    expect(s.pending).toBeNull();
    expect(s.isr).toEqual([1, 2]);
  });

  it('a follower that has not reached the start of the leader epoch may not join', () => {
    const s = new PartitionState(1);
    s.apply(assignment({ isr: [1] }), 100, 0);
    s.updateFollowerFetchState(2, 50, 100, 10, 1n);
    expect(s.expansionCandidate(2, 40, all)).toBeNull();
    s.updateFollowerFetchState(2, 100, 100, 20, 1n);
    expect(s.expansionCandidate(2, 40, all)).toEqual([1, 2]);
  });

  it('a metadata update settles the change in flight; a stale answer is not adopted', () => {
    const s = new PartitionState(1);
    s.apply(assignment(), 0, 0);
    const change = s.startIsrChange('shrink', [1, 2]);
    expect(s.apply(assignment({ partitionEpoch: 1, isr: [1, 2] }), 0, 0)).toBe('isr');
    expect(s.pending).toBeNull();
    expect(s.completeIsrChange(change, { errorCode: 0, leaderEpoch: 0, partitionEpoch: 1, isr: [1, 2], leaderRecoveryState: 0 })).toBe(false);
    expect(s.isr).toEqual([1, 2]);
  });
});
