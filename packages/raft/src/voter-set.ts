/**
 * KIP-853 voter sets and their history in the log (Kafka's VoterSetHistory / LogHistory): the set in
 * force at any offset is the latest VotersRecord at or before it, else the base set (static
 * `controller.quorum.voters`, or the one in the latest snapshot / bootstrap checkpoint). Elections and
 * the high watermark use the latest set in the log, committed or not; truncation forgets entries past
 * the new log end, snapshots fold older entries into the base.
 */
import { ZERO_UUID } from '@nagare/protocol';
import type { Snapshot, SnapshotCodec, SnapshotId, Voter } from './types';

export interface HistoryEntry<T> {
  /** The offset of the record that set the value; -1 for the base (static or from a snapshot). */
  readonly offset: number;
  readonly value: T;
}

/** Values set at offsets, with a base value before any of them. */
export class LogHistory<T> {
  private entries: HistoryEntry<T>[];

  constructor(base: T, baseOffset = -1) {
    this.entries = [{ offset: baseOffset, value: base }];
  }

  latest(): HistoryEntry<T> {
    return this.entries[this.entries.length - 1];
  }

  /** The value in force at `offset`: the latest entry at or before it. */
  at(offset: number): HistoryEntry<T> {
    for (let i = this.entries.length - 1; i > 0; i--) if (this.entries[i].offset <= offset) return this.entries[i];
    return this.entries[0];
  }

  add(offset: number, value: T): void {
    const last = this.latest();
    if (offset <= last.offset) throw new RangeError(`history entry at ${offset} is not after ${last.offset}`);
    this.entries.push({ offset, value });
  }

  /** Forgets entries at offsets >= `offset` (the log was truncated there); the base stays. */
  truncateTo(offset: number): void {
    while (this.entries.length > 1 && this.latest().offset >= offset) this.entries.pop();
  }

  /** The log now starts at `offset`: the value in force just before it becomes the base. */
  compactBefore(offset: number): void {
    const keep = this.at(offset - 1);
    this.entries = [keep, ...this.entries.filter((e) => e.offset > keep.offset && e.offset >= offset)];
  }

  /** Starts over from one value (a snapshot was installed). */
  reset(value: T, offset: number): void {
    this.entries = [{ offset, value }];
  }
}

export function voterIds(voters: readonly Voter[]): number[] {
  return voters.map((v) => v.id).sort((a, b) => a - b);
}

/** Voters from static ids (kraft.version 0): no directory ids, no endpoints (those come from configuration). */
export function staticVoters(ids: readonly number[]): Voter[] {
  return [...new Set(ids)].sort((a, b) => a - b).map((id) => ({ id, directoryId: ZERO_UUID, endpoints: [] }));
}

/** Whether a replica key matches a voter: ids equal, and directory ids too when both are known. */
export function matchesVoter(v: Voter, id: number, directoryId: string | undefined): boolean {
  if (v.id !== id) return false;
  if (directoryId === undefined || directoryId === ZERO_UUID || v.directoryId === ZERO_UUID) return true;
  return v.directoryId === directoryId;
}

export function describeVoters(voters: readonly Voter[]): string {
  return '[' + voters.map((v) => (v.directoryId === ZERO_UUID ? `${v.id}` : `${v.id}:${v.directoryId}`)).join(', ') + ']';
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/**
 * The core's own snapshot framing (for the simulation and tests): a 4-byte length, a JSON header with
 * kraft.version and voters, then the state machine's bytes. Hosts use Kafka's record format instead.
 */
export const plainSnapshotCodec: SnapshotCodec = {
  encode(s: Snapshot): Uint8Array {
    const header = enc.encode(JSON.stringify({ kraftVersion: s.kraftVersion, voters: s.voters }));
    const out = new Uint8Array(4 + header.length + s.data.length);
    new DataView(out.buffer).setUint32(0, header.length);
    out.set(header, 4);
    out.set(s.data, 4 + header.length);
    return out;
  },
  decode(id: SnapshotId, bytes: Uint8Array): Snapshot {
    const n = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0);
    const h = JSON.parse(dec.decode(bytes.subarray(4, 4 + n))) as { kraftVersion?: number; voters?: Voter[] };
    return {
      id,
      data: bytes.slice(4 + n),
      ...(h.kraftVersion !== undefined ? { kraftVersion: h.kraftVersion } : {}),
      ...(h.voters !== undefined ? { voters: h.voters } : {}),
    };
  },
};
