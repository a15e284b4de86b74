/**
 * The Jepsen-style checker of the chaos run (issue 12): a pure function from a history (what the
 * producers sent and had acknowledged, what the consumers read and committed, what the faults were,
 * whether the cluster recovered, and the final read of every partition) to the anomalies in it.
 * No I/O, no clock: the runner (`runner.ts`) records the history, this module judges it, and the
 * unit tests feed it synthetic histories holding each anomaly.
 *
 * Anomalies:
 * - `lost`: a record acknowledged (acks=all) is missing from the final read;
 * - `ack-mismatch`: the final read holds another record at the offset a record was acknowledged at;
 * - `duplicate`: one record (one producer's sequence number) is in the log more than once;
 * - `reorder`: within a partition, one producer's records are not in the order it sent them;
 * - `commit-backwards`: a group's committed offset for a partition went down;
 * - `phantom-read`: a consumer read a record the final read does not hold (it read data that was
 *   later lost: above the high watermark, or from a stale leader);
 * - `no-recovery`: the cluster did not serve every partition again within the bound after the
 *   faults stopped.
 */

/** One line of the history. `t` is milliseconds since the run started (for the report only). */
export type ChaosEvent =
  | { t: number; type: 'send'; producer: string; partition: number; seq: number }
  | { t: number; type: 'ack'; producer: string; partition: number; seq: number; offset: number }
  | { t: number; type: 'fail'; producer: string; partition: number; seq: number; error: string }
  | { t: number; type: 'consume'; consumer: string; partition: number; offset: number; value: string }
  /**
   * A committed offset seen: the acknowledgement of a commit, or a read of the group's offsets; `t`
   * when it completed, `since` when it was sent (a read sent before a commit completed may still
   * see the older offset).
   */
  | { t: number; type: 'committed'; group: string; partition: number; offset: number; source: string; since?: number }
  | { t: number; type: 'fault'; action: string; node?: number; detail?: string }
  /** Something a client logged (info and above: epoch bumps, ...), for the context of anomalies. */
  | { t: number; type: 'client'; client: string; message: string }
  | { t: number; type: 'recovery'; ok: boolean; ms: number; boundMs: number; detail?: string }
  | { t: number; type: 'final-read'; partition: number; offset: number; value: string };

export type AnomalyKind = 'lost' | 'ack-mismatch' | 'duplicate' | 'reorder' | 'commit-backwards' | 'phantom-read' | 'no-recovery';

export interface Anomaly {
  kind: AnomalyKind;
  message: string;
  /** The history lines that show it. */
  lines: string[];
}

export interface CheckResult {
  ok: boolean;
  anomalies: Anomaly[];
  stats: {
    sent: number;
    acked: number;
    failed: number;
    /** Records sent but neither acknowledged nor failed (indeterminate). */
    indeterminate: number;
    /** Acknowledged records found in the final read. */
    ackedFound: number;
    /** Failed or indeterminate records that are in the log anyway (allowed: the write may have happened). */
    unackedFound: number;
    finalRecords: number;
    consumed: number;
    commits: number;
    faults: number;
    faultsByAction: Record<string, number>;
    recoveryMs?: number;
  };
}

/** A record's value in the log: `<producer>:<partition>:<seq>`. */
export function recordValue(producer: string, partition: number, seq: number): string {
  return `${producer}:${partition}:${seq}`;
}

export function parseRecordValue(v: string): { producer: string; partition: number; seq: number } | undefined {
  const m = /^(.+):(\d+):(\d+)$/.exec(v);
  return m ? { producer: m[1], partition: Number(m[2]), seq: Number(m[3]) } : undefined;
}

/** The event as one history line. */
export function formatEvent(e: ChaosEvent): string {
  const t = `${(e.t / 1000).toFixed(3).padStart(8)}s`;
  switch (e.type) {
    case 'send':
      return `${t} send      ${recordValue(e.producer, e.partition, e.seq)}`;
    case 'ack':
      return `${t} ack       ${recordValue(e.producer, e.partition, e.seq)} offset ${e.offset}`;
    case 'fail':
      return `${t} fail      ${recordValue(e.producer, e.partition, e.seq)} ${e.error}`;
    case 'consume':
      return `${t} consume   ${e.consumer} partition ${e.partition} offset ${e.offset} ${e.value}`;
    case 'committed':
      return `${t} committed ${e.group} partition ${e.partition} offset ${e.offset} (${e.source}${e.since !== undefined ? `, sent at ${(e.since / 1000).toFixed(3)}s` : ''})`;
    case 'client':
      return `${t} client    ${e.client}: ${e.message}`;
    case 'fault':
      return `${t} fault     ${e.action}${e.node !== undefined ? ` node ${e.node}` : ''}${e.detail ? ` ${e.detail}` : ''}`;
    case 'recovery':
      return `${t} recovery  ${e.ok ? 'ok' : 'FAILED'} after ${e.ms} ms (bound ${e.boundMs} ms)${e.detail ? ` ${e.detail}` : ''}`;
    case 'final-read':
      return `${t} read      partition ${e.partition} offset ${e.offset} ${e.value}`;
  }
}

/** Up to `n` fault lines before time `t` (the context of an anomaly). */
function faultsBefore(history: readonly ChaosEvent[], t: number, n = 3): string[] {
  return history
    .filter((e) => e.type === 'fault' && e.t <= t)
    .slice(-n)
    .map(formatEvent);
}

export function check(history: readonly ChaosEvent[]): CheckResult {
  const anomalies: Anomaly[] = [];
  const key = (p: string, partition: number, seq: number) => recordValue(p, partition, seq);
  const sends = new Map<string, ChaosEvent & { type: 'send' }>();
  const acks = new Map<string, ChaosEvent & { type: 'ack' }>();
  const fails = new Map<string, ChaosEvent & { type: 'fail' }>();
  const finalByPartition = new Map<number, (ChaosEvent & { type: 'final-read' })[]>();
  const stats: CheckResult['stats'] = {
    sent: 0,
    acked: 0,
    failed: 0,
    indeterminate: 0,
    ackedFound: 0,
    unackedFound: 0,
    finalRecords: 0,
    consumed: 0,
    commits: 0,
    faults: 0,
    faultsByAction: {},
  };
  for (const e of history) {
    switch (e.type) {
      case 'send':
        sends.set(key(e.producer, e.partition, e.seq), e);
        stats.sent++;
        break;
      case 'ack':
        acks.set(key(e.producer, e.partition, e.seq), e);
        stats.acked++;
        break;
      case 'fail':
        fails.set(key(e.producer, e.partition, e.seq), e);
        stats.failed++;
        break;
      case 'final-read': {
        const l = finalByPartition.get(e.partition) ?? [];
        l.push(e);
        finalByPartition.set(e.partition, l);
        stats.finalRecords++;
        break;
      }
      case 'consume':
        stats.consumed++;
        break;
      case 'committed':
        stats.commits++;
        break;
      case 'fault':
        stats.faults++;
        stats.faultsByAction[e.action] = (stats.faultsByAction[e.action] ?? 0) + 1;
        break;
      case 'recovery':
        if (e.ok) stats.recoveryMs = e.ms;
        break;
    }
  }
  for (const k of sends.keys()) if (!acks.has(k) && !fails.has(k)) stats.indeterminate++;

  // Where each value is in the final read.
  const where = new Map<string, (ChaosEvent & { type: 'final-read' })[]>();
  for (const reads of finalByPartition.values()) {
    for (const r of reads) {
      const l = where.get(r.value) ?? [];
      l.push(r);
      where.set(r.value, l);
    }
  }

  // Lost and mismatched acknowledgements.
  for (const [k, a] of acks) {
    const found = where.get(k);
    if (found === undefined) {
      anomalies.push({
        kind: 'lost',
        message: `${k} was acknowledged at partition ${a.partition} offset ${a.offset} but is not in the log`,
        lines: [...(sends.has(k) ? [formatEvent(sends.get(k)!)] : []), formatEvent(a), ...faultsBefore(history, a.t + 60_000, 5), ...neighbours(finalByPartition.get(a.partition), a.offset)],
      });
      continue;
    }
    stats.ackedFound++;
    const atOffset = (finalByPartition.get(a.partition) ?? []).find((r) => r.offset === a.offset);
    if (atOffset !== undefined && atOffset.value !== k) {
      anomalies.push({
        kind: 'ack-mismatch',
        message: `${k} was acknowledged at partition ${a.partition} offset ${a.offset}, but that offset holds ${atOffset.value}`,
        lines: [formatEvent(a), formatEvent(atOffset), ...found.map(formatEvent)],
      });
    }
  }
  for (const [k, reads] of where) {
    if (!acks.has(k) && reads.length > 0) stats.unackedFound++;
    if (reads.length > 1) {
      anomalies.push({
        kind: 'duplicate',
        message: `${k} is in the log ${reads.length} times (offsets ${reads.map((r) => `${r.partition}/${r.offset}`).join(', ')})`,
        lines: [
          ...(sends.has(k) ? [formatEvent(sends.get(k)!)] : []),
          ...clientLines(history, parseRecordValue(k)?.producer, sends.get(k)?.t, acks.get(k)?.t),
          ...(acks.has(k) ? [formatEvent(acks.get(k)!)] : []),
          ...reads.map(formatEvent),
        ],
      });
    }
  }

  // Per-partition order of each producer's records.
  for (const [partition, reads] of finalByPartition) {
    const sorted = [...reads].sort((a, b) => a.offset - b.offset);
    const last = new Map<string, ChaosEvent & { type: 'final-read' }>();
    for (const r of sorted) {
      const v = parseRecordValue(r.value);
      if (v === undefined) continue;
      const prev = last.get(v.producer);
      if (prev !== undefined && parseRecordValue(prev.value)!.seq > v.seq) {
        anomalies.push({
          kind: 'reorder',
          message: `partition ${partition}: ${prev.value} at offset ${prev.offset} comes before ${r.value} at offset ${r.offset}, which ${v.producer} sent earlier`,
          lines: [formatEvent(prev), formatEvent(r)],
        });
      }
      if (prev === undefined || parseRecordValue(prev.value)!.seq < v.seq) last.set(v.producer, r);
    }
  }

  // Committed offsets never go backwards: an observation may not be lower than one that completed
  // before it was sent (per group and partition).
  const committed = new Map<string, (ChaosEvent & { type: 'committed' })[]>();
  for (const e of history) {
    if (e.type !== 'committed') continue;
    const k = `${e.group}/${e.partition}`;
    const seen = committed.get(k) ?? [];
    const bound = e.since ?? e.t;
    let prev: (ChaosEvent & { type: 'committed' }) | undefined;
    for (const p of seen) if (p.t <= bound && (prev === undefined || p.offset > prev.offset)) prev = p;
    if (prev !== undefined && e.offset < prev.offset) {
      const before = prev;
      anomalies.push({
        kind: 'commit-backwards',
        message: `group ${e.group} partition ${e.partition}: committed offset went from ${before.offset} back to ${e.offset}`,
        lines: [formatEvent(before), ...history.filter((f) => f.type === 'fault' && f.t >= before.t && f.t <= e.t).map(formatEvent), formatEvent(e)],
      });
    }
    seen.push(e);
    committed.set(k, seen);
  }

  // What consumers read must be in the log, at that offset.
  for (const e of history) {
    if (e.type !== 'consume') continue;
    const atOffset = (finalByPartition.get(e.partition) ?? []).find((r) => r.offset === e.offset);
    if (atOffset === undefined || atOffset.value !== e.value) {
      anomalies.push({
        kind: 'phantom-read',
        message: `${e.consumer} read ${e.value} at partition ${e.partition} offset ${e.offset}, but the log holds ${atOffset ? atOffset.value : 'nothing'} there`,
        lines: [formatEvent(e), ...(atOffset ? [formatEvent(atOffset)] : []), ...faultsBefore(history, e.t)],
      });
    }
  }

  const recoveries = history.filter((e): e is ChaosEvent & { type: 'recovery' } => e.type === 'recovery');
  if (recoveries.length === 0 || !recoveries[recoveries.length - 1].ok) {
    const r = recoveries[recoveries.length - 1];
    anomalies.push({
      kind: 'no-recovery',
      message: r ? `the cluster did not recover within ${r.boundMs} ms after the faults stopped${r.detail ? `: ${r.detail}` : ''}` : 'no recovery was recorded',
      lines: [...faultsBefore(history, Infinity, 5), ...(r ? [formatEvent(r)] : [])],
    });
  }
  return { ok: anomalies.length === 0, anomalies, stats };
}

/** What a client logged between two times (at most 5 lines). */
function clientLines(history: readonly ChaosEvent[], client: string | undefined, from: number | undefined, to: number | undefined): string[] {
  if (client === undefined || from === undefined) return [];
  return history
    .filter((e) => e.type === 'client' && e.client === client && e.t >= from && e.t <= (to ?? Infinity))
    .slice(0, 5)
    .map(formatEvent);
}

/** The final-read lines around an offset. */
function neighbours(reads: readonly (ChaosEvent & { type: 'final-read' })[] | undefined, offset: number): string[] {
  return (reads ?? []).filter((r) => Math.abs(r.offset - offset) <= 1).map(formatEvent);
}

/** The report of a check: the figures, then each anomaly with its history lines (at most `maxPerKind` of a kind). */
export function formatReport(r: CheckResult, header: string, maxPerKind = 5): string {
  const s = r.stats;
  const out = [
    header,
    `records: ${s.sent} sent, ${s.acked} acknowledged, ${s.failed} failed, ${s.indeterminate} indeterminate; final read ${s.finalRecords} records (${s.ackedFound} acknowledged, ${s.unackedFound} not acknowledged)`,
    `consumers: ${s.consumed} records read, ${s.commits} committed offsets seen`,
    `faults: ${s.faults} (${Object.entries(s.faultsByAction)
      .map(([a, n]) => `${a} ${n}`)
      .join(', ')}); recovery ${s.recoveryMs !== undefined ? `${s.recoveryMs} ms` : 'none'}`,
  ];
  if (r.ok) {
    out.push('no anomalies');
    return out.join('\n');
  }
  const byKind = new Map<AnomalyKind, Anomaly[]>();
  for (const a of r.anomalies) byKind.set(a.kind, [...(byKind.get(a.kind) ?? []), a]);
  out.push(`ANOMALIES: ${[...byKind].map(([k, l]) => `${k} ${l.length}`).join(', ')}`);
  for (const [kind, list] of byKind) {
    for (const a of list.slice(0, maxPerKind)) {
      out.push(`- ${kind}: ${a.message}`, ...a.lines.map((l) => `    ${l}`));
    }
    if (list.length > maxPerKind) out.push(`  ... and ${list.length - maxPerKind} more ${kind}`);
  }
  return out.join('\n');
}
