import { ErrorCode } from '@nagare/protocol';
import { ManualClock, ManualScheduler } from '@nagare/common';
import { FetchSessionCache } from './fetch-session';
import { Purgatory } from './purgatory';

describe('FetchSessionCache (KIP-227)', () => {
  it('creates sessions on epoch 0, advances epochs, and rejects wrong ids and epochs', () => {
    const c = new FetchSessionCache(2);
    expect(c.lookup(0, -1, 0, false)).toEqual({ kind: 'none' });
    const created = c.lookup(0, 0, 0, false);
    expect(created.kind).toBe('new');
    const id = created.kind === 'new' ? created.session.id : -1;
    expect(c.lookup(id, 1, 1, false).kind).toBe('existing');
    expect(c.lookup(id, 1, 2, false)).toEqual({ kind: 'error', errorCode: ErrorCode.INVALID_FETCH_SESSION_EPOCH });
    expect(c.lookup(id, 2, 3, false).kind).toBe('existing');
    expect(c.lookup(999, 1, 4, false)).toEqual({ kind: 'error', errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND });
    expect(c.lookup(id, 3, 5, true)).toEqual({ kind: 'error', errorCode: ErrorCode.FETCH_SESSION_TOPIC_ID_ERROR });
    // Closing a session (epoch -1) removes it.
    c.lookup(id, -1, 6, false);
    expect(c.size()).toBe(0);
  });

  it('evicts the least recently used session when full', () => {
    const c = new FetchSessionCache(2);
    const a = c.lookup(0, 0, 0, false);
    const b = c.lookup(0, 0, 1, false);
    const idA = a.kind === 'new' ? a.session.id : 0;
    const idB = b.kind === 'new' ? b.session.id : 0;
    c.lookup(idA, 1, 2, false); // a used more recently than b
    c.lookup(0, 0, 3, false);
    expect(c.lookup(idB, 1, 4, false)).toEqual({ kind: 'error', errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND });
    expect(c.lookup(idA, 2, 5, false).kind).toBe('existing');
  });
});

describe('Purgatory', () => {
  it('completes a waiter when a notification makes its check true, or at its timeout', async () => {
    const clock = new ManualClock(0);
    const s = new ManualScheduler(clock);
    const p = new Purgatory(s);
    let data = 0;
    const order: string[] = [];
    const a = p.wait([Purgatory.key('t', 0)], 500, () => data >= 2).then(() => order.push(`a@${clock.monotonicMs()}`));
    const b = p.wait([Purgatory.key('t', 1)], 300, () => false).then(() => order.push(`b@${clock.monotonicMs()}`));
    data = 1;
    p.notify(Purgatory.key('t', 0));
    s.advance(100);
    data = 2;
    p.notify(Purgatory.key('t', 0));
    await a;
    s.advance(200);
    await b;
    expect(order).toEqual(['a@100', 'b@300']);
    expect(p.size()).toBe(0);
  });
});
