/**
 * The chaos checker on synthetic histories: a clean one, and one for each anomaly it must find.
 */
import { check, formatReport, recordValue, type ChaosEvent } from './checker';

/** A clean history: producer a writes seq 0..n-1 to partition 0, all acked at offsets 0..n-1, read back; a consumer reads and commits. */
function clean(n = 5): ChaosEvent[] {
  const h: ChaosEvent[] = [];
  let t = 0;
  for (let seq = 0; seq < n; seq++) h.push({ t: t++, type: 'send', producer: 'a', partition: 0, seq });
  h.push({ t: t++, type: 'fault', action: 'kill-leader', node: 2 });
  for (let seq = 0; seq < n; seq++) h.push({ t: t++, type: 'ack', producer: 'a', partition: 0, seq, offset: seq });
  for (let seq = 0; seq < n; seq++) h.push({ t: t++, type: 'consume', consumer: 'c1', partition: 0, offset: seq, value: recordValue('a', 0, seq) });
  h.push({ t: t++, type: 'committed', group: 'g', partition: 0, offset: 2, source: 'commit' });
  h.push({ t: t++, type: 'committed', group: 'g', partition: 0, offset: n, source: 'commit' });
  h.push({ t: t++, type: 'recovery', ok: true, ms: 1200, boundMs: 60_000 });
  for (let seq = 0; seq < n; seq++) h.push({ t: t++, type: 'final-read', partition: 0, offset: seq, value: recordValue('a', 0, seq) });
  return h;
}

const kinds = (h: ChaosEvent[]) => check(h).anomalies.map((a) => a.kind);

describe('chaos checker', () => {
  it('finds nothing in a clean history, and counts it', () => {
    const r = check(clean());
    expect(r.anomalies).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.stats).toMatchObject({ sent: 5, acked: 5, failed: 0, indeterminate: 0, ackedFound: 5, finalRecords: 5, consumed: 5, commits: 2, faults: 1, recoveryMs: 1200 });
    expect(r.stats.faultsByAction).toEqual({ 'kill-leader': 1 });
    expect(formatReport(r, 'seed 1')).toContain('no anomalies');
  });

  it('allows a failed or indeterminate write to be in the log or not', () => {
    const h = clean();
    h.push({ t: 100, type: 'send', producer: 'a', partition: 0, seq: 5 });
    h.push({ t: 101, type: 'fail', producer: 'a', partition: 0, seq: 5, error: 'REQUEST_TIMED_OUT' });
    h.push({ t: 102, type: 'final-read', partition: 0, offset: 5, value: recordValue('a', 0, 5) });
    h.push({ t: 103, type: 'send', producer: 'a', partition: 0, seq: 6 });
    const r = check(h);
    expect(r.ok).toBe(true);
    expect(r.stats).toMatchObject({ failed: 1, indeterminate: 1, unackedFound: 1 });
  });

  it('finds an acknowledged record missing from the log, with the ack and the faults before it', () => {
    const h = clean().filter((e) => !(e.type === 'final-read' && e.offset === 3));
    // The consumer read it too: without the record in the log that read is a phantom as well.
    const r = check(h);
    expect(r.anomalies.map((a) => a.kind).sort()).toEqual(['lost', 'phantom-read']);
    const lost = r.anomalies.find((a) => a.kind === 'lost')!;
    expect(lost.message).toBe('a:0:3 was acknowledged at partition 0 offset 3 but is not in the log');
    expect(lost.lines.some((l) => /ack\s+a:0:3 offset 3/.test(l))).toBe(true);
    expect(lost.lines.some((l) => /fault\s+kill-leader node 2/.test(l))).toBe(true);
    const report = formatReport(r, 'chaos run seed 42');
    expect(report).toContain('chaos run seed 42');
    expect(report).toContain('ANOMALIES: lost 1, phantom-read 1');
  });

  it('finds an acknowledged offset holding another record', () => {
    const h = clean().map((e) => (e.type === 'ack' && e.seq === 1 ? { ...e, offset: 2 } : e));
    expect(kinds(h)).toEqual(['ack-mismatch']);
  });

  it('finds a duplicate', () => {
    const h = clean();
    h.push({ t: 200, type: 'final-read', partition: 0, offset: 5, value: recordValue('a', 0, 4) });
    h.push({ t: 4.5, type: 'client', client: 'a', message: 'info bumping the producer epoch' });
    const r = check(h);
    expect(r.anomalies.map((a) => a.kind)).toEqual(['duplicate']);
    expect(r.anomalies[0].message).toBe('a:0:4 is in the log 2 times (offsets 0/4, 0/5)');
    // What the producer logged between sending and the acknowledgement is shown with it.
    expect(r.anomalies[0].lines.some((l) => /client\s+a: info bumping the producer epoch/.test(l))).toBe(true);
  });

  it('finds a producer’s records out of order in a partition', () => {
    const h = clean().map((e) => {
      if (e.type !== 'final-read') return e;
      if (e.offset === 1) return { ...e, value: recordValue('a', 0, 2) };
      if (e.offset === 2) return { ...e, value: recordValue('a', 0, 1) };
      return e;
    });
    // The acks and reads named offsets 1 and 2 the other way round, so those disagree too.
    const ks = kinds(h);
    expect(ks.filter((k) => k === 'reorder')).toHaveLength(1);
    expect(check(h).anomalies.find((a) => a.kind === 'reorder')!.message).toBe('partition 0: a:0:2 at offset 1 comes before a:0:1 at offset 2, which a sent earlier');
  });

  it('does not call interleaved producers a reordering', () => {
    const h: ChaosEvent[] = [
      { t: 0, type: 'final-read', partition: 1, offset: 0, value: recordValue('a', 1, 0) },
      { t: 0, type: 'final-read', partition: 1, offset: 1, value: recordValue('b', 1, 0) },
      { t: 0, type: 'final-read', partition: 1, offset: 2, value: recordValue('a', 1, 1) },
      { t: 0, type: 'final-read', partition: 1, offset: 3, value: recordValue('b', 1, 1) },
      { t: 1, type: 'recovery', ok: true, ms: 1, boundMs: 10 },
    ];
    expect(kinds(h)).toEqual([]);
  });

  it('finds a committed offset going backwards, with the faults in between', () => {
    const h = clean();
    h.push({ t: 300, type: 'fault', action: 'kill-controller', node: 1 });
    h.push({ t: 301, type: 'committed', group: 'g', partition: 0, offset: 3, source: 'offset-fetch' });
    const r = check(h);
    expect(r.anomalies.map((a) => a.kind)).toEqual(['commit-backwards']);
    expect(r.anomalies[0].message).toBe('group g partition 0: committed offset went from 5 back to 3');
    expect(r.anomalies[0].lines.join('\n')).toMatch(/kill-controller node 1/);
    // A read sent before a commit completed may see the older offset; one sent after it may not.
    const h3 = clean();
    h3.push({ t: 310, type: 'committed', group: 'g', partition: 0, offset: 9, source: 'commit', since: 305 });
    h3.push({ t: 312, type: 'committed', group: 'g', partition: 0, offset: 5, source: 'offset-fetch', since: 309 });
    expect(kinds(h3)).toEqual([]);
    h3.push({ t: 320, type: 'committed', group: 'g', partition: 0, offset: 5, source: 'offset-fetch', since: 311 });
    expect(kinds(h3)).toEqual(['commit-backwards']);
    expect(check(h3).anomalies[0].message).toBe('group g partition 0: committed offset went from 9 back to 5');
    // Other groups and partitions are separate sequences.
    const h2 = clean();
    h2.push({ t: 300, type: 'committed', group: 'g', partition: 1, offset: 1, source: 'commit' });
    h2.push({ t: 301, type: 'committed', group: 'other', partition: 0, offset: 0, source: 'commit' });
    expect(kinds(h2)).toEqual([]);
  });

  it('finds a consumer reading a record that is not in the log', () => {
    const h = clean();
    h.push({ t: 400, type: 'consume', consumer: 'c2', partition: 0, offset: 5, value: recordValue('a', 0, 9) });
    expect(kinds(h)).toEqual(['phantom-read']);
  });

  it('finds a cluster that did not recover, or no recovery recorded', () => {
    const failed = clean().map((e) => (e.type === 'recovery' ? { ...e, ok: false, ms: 60_000, detail: 'partition 2 has no leader' } : e));
    const r = check(failed);
    expect(r.anomalies.map((a) => a.kind)).toEqual(['no-recovery']);
    expect(r.anomalies[0].message).toBe('the cluster did not recover within 60000 ms after the faults stopped: partition 2 has no leader');
    expect(kinds(clean().filter((e) => e.type !== 'recovery'))).toEqual(['no-recovery']);
  });
});
