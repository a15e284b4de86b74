import { Errors, NagareError, isNagareError } from './errors';
import { ManualClock } from './clock';
import { memoryLogger } from './logger';

describe('error registry', () => {
  it('has unique, stable codes', () => {
    const codes = Object.values(Errors).map((e) => e.code);
    expect(new Set(codes).size).toBe(codes.length);
    expect(Errors.LOG_DIR_OFFLINE.code).toBe(2002);
  });

  it('builds errors carrying code, retriable flag and Kafka error code', () => {
    const e = new NagareError('STORAGE_IO', 'disk full');
    expect(e).toMatchObject({ code: 2003, retriable: false, kafkaErrorCode: 56, kind: 'STORAGE_IO', message: 'disk full' });
    expect(isNagareError(e, 'STORAGE_IO')).toBe(true);
    expect(isNagareError(e, 'LOG_CLOSED')).toBe(false);
    expect(isNagareError(new Error('x'))).toBe(false);
  });
});

describe('ManualClock', () => {
  it('moves only when advanced, and monotonic time never goes back', () => {
    const c = new ManualClock(1000);
    expect(c.now()).toBe(1000);
    c.advance(5);
    expect([c.now(), c.monotonicMs()]).toEqual([1005, 5]);
    c.setWallClock(10);
    expect([c.now(), c.monotonicMs()]).toEqual([10, 5]);
    expect(() => c.advance(-1)).toThrow();
  });
});

describe('memoryLogger', () => {
  it('records entries with child bindings', () => {
    const log = memoryLogger();
    log.child({ partition: 'a-0' }).warn({ offset: 3 }, 'truncated');
    expect(log.entries).toEqual([{ level: 'warn', msg: 'truncated', fields: { partition: 'a-0', offset: 3 } }]);
  });
});

import { ManualScheduler } from './scheduler';

describe('ManualScheduler', () => {
  it('runs due tasks in time order as time advances, including ones scheduled meanwhile, and skips cancelled ones', () => {
    const clock = new ManualClock(0);
    const s = new ManualScheduler(clock);
    const ran: string[] = [];
    s.schedule(10, () => {
      ran.push(`a@${clock.monotonicMs()}`);
      s.schedule(5, () => ran.push(`c@${clock.monotonicMs()}`));
    });
    s.schedule(12, () => ran.push(`b@${clock.monotonicMs()}`));
    const d = s.schedule(11, () => ran.push('d'));
    d.cancel();
    s.advance(14);
    expect(ran).toEqual(['a@10', 'b@12']);
    expect(clock.monotonicMs()).toBe(14);
    s.advance(1);
    expect(ran).toEqual(['a@10', 'b@12', 'c@15']);
    expect(s.size()).toBe(0);
  });
});
