import { RaftLog } from './log';
import type { LogEntry } from './types';

const P = new Uint8Array(0);
const e = (offset: number, epoch: number, batchEnd?: number): LogEntry => (batchEnd === undefined ? { offset, epoch, payload: P } : { offset, epoch, payload: P, batchEnd });

/** A log with epochs 1,1,1 | 2,2 | 4 at offsets 0..5. */
function sample(): RaftLog {
  const log = new RaftLog();
  log.append([e(0, 1), e(1, 1), e(2, 1), e(3, 2), e(4, 2), e(5, 4)]);
  return log;
}

describe('RaftLog', () => {
  it('appends in order and refuses gaps and older epochs', () => {
    const log = sample();
    expect([log.startOffset, log.endOffset, log.lastEpoch]).toEqual([0, 6, 4]);
    expect(() => log.append([e(7, 4)])).toThrow('append at 7, log end is 6');
    expect(() => log.append([e(6, 3)])).toThrow('append of epoch 3 after epoch 4');
    expect(log.endOffsetAndEpoch).toEqual({ offset: 6, epoch: 4 });
  });

  it('finds where an epoch ends (endOffsetForEpoch), as Kafka does for divergence', () => {
    const log = sample();
    expect(log.endOffsetForEpoch(1)).toEqual({ epoch: 1, offset: 3 });
    expect(log.endOffsetForEpoch(2)).toEqual({ epoch: 2, offset: 5 });
    // Epoch 3 was never written here: the largest epoch below it (2) and its end.
    expect(log.endOffsetForEpoch(3)).toEqual({ epoch: 2, offset: 5 });
    expect(log.endOffsetForEpoch(4)).toEqual({ epoch: 4, offset: 6 });
    expect(log.endOffsetForEpoch(9)).toEqual({ epoch: 4, offset: 6 });
    // Older than the log (empty history): epoch 0 at the start.
    expect(log.endOffsetForEpoch(0)).toEqual({ epoch: 0, offset: 0 });
  });

  it('validates fetches: valid, diverging (with the epoch end to truncate to) or behind the snapshot', () => {
    const log = sample();
    expect(log.validateFetch(3, 1)).toEqual({ kind: 'valid' });
    expect(log.validateFetch(6, 4)).toEqual({ kind: 'valid' });
    // The follower has epoch 1 up to offset 4, but epoch 1 ends at 3 here.
    expect(log.validateFetch(4, 1)).toEqual({ kind: 'diverging', epoch: 1, endOffset: 3 });
    // The follower has epoch 3, which this log never had.
    expect(log.validateFetch(6, 3)).toEqual({ kind: 'diverging', epoch: 2, endOffset: 5 });
    log.deleteBefore(3);
    expect(log.validateFetch(2, 1)).toEqual({ kind: 'snapshot' });
    // Epoch 0 is older than what remains after the snapshot: unknown, so the snapshot.
    expect(log.validateFetch(3, 0)).toEqual({ kind: 'snapshot' });
    expect(log.validateFetch(3, 1)).toEqual({ kind: 'valid' });
  });

  it('truncates (never below the start) and deletes before a snapshot, keeping the epoch before the start', () => {
    const log = sample();
    log.truncateTo(4);
    expect([log.endOffset, log.lastEpoch]).toEqual([4, 2]);
    log.truncateTo(10); // past the end: nothing
    expect(log.endOffset).toBe(4);
    log.deleteBefore(2);
    expect([log.startOffset, log.snapshotEpoch, log.endOffset]).toEqual([2, 1, 4]);
    expect(log.epochAt(1)).toBe(1);
    expect(() => log.epochAt(0)).toThrow('offset 0 is outside the log [2, 4)');
    expect(() => log.truncateTo(1)).toThrow('below the log start 2');
    expect(() => log.deleteBefore(5)).toThrow('past the log end 4');
    log.deleteBefore(4);
    expect([log.startOffset, log.endOffset, log.lastEpoch]).toEqual([4, 4, 2]);
    log.reset(100, 7);
    expect([log.startOffset, log.endOffset, log.lastEpoch, log.read(100, 5).length]).toEqual([100, 100, 7, 0]);
  });

  it('reads whole batches for Fetch and knows batch boundaries', () => {
    const log = new RaftLog();
    // a batch of three (0-2), one single (3), a batch of two (4-5)
    log.append([e(0, 1, 3), e(1, 1, 3), e(2, 1, 3), e(3, 1), e(4, 1, 6), e(5, 1, 6)]);
    expect(log.read(0, 2).map((x) => x.offset)).toEqual([0, 1]);
    expect(log.readBatches(0, 2).map((x) => x.offset)).toEqual([0, 1, 2]);
    expect(log.readBatches(3, 1).map((x) => x.offset)).toEqual([3]);
    expect(log.readBatches(3, 2).map((x) => x.offset)).toEqual([3, 4, 5]);
    expect(log.readBatches(6, 2)).toEqual([]);
    expect([0, 1, 2, 3, 4, 5, 6].map((o) => log.isBatchBoundary(o))).toEqual([true, false, false, true, true, false, true]);
  });
});
