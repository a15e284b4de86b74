/**
 * Idempotent and transactional producer state of one partition (KIP-98):
 * per producer id, its epoch, the metadata of its last 5 batches (for
 * duplicate detection), the coordinator epoch of its last transaction marker
 * and the first offset of its open transaction, if any.
 *
 * Built by replaying batch headers (and the one record of each control
 * batch), saved in `<offset>.snapshot` files so that a restart replays only
 * what follows the latest snapshot.
 *
 * Snapshot file, version 1 (big-endian):
 *   version int16 (1) | crc uint32 (CRC-32C of everything after it) |
 *   snapshotOffset int64 | producerCount int32 | producers:
 *     producerId int64 | producerEpoch int16 | coordinatorEpoch int32 |
 *     currentTxnFirstOffset int64 (-1: none) | lastTimestamp int64 |
 *     lastOffset int64 | batchCount int8 | batches:
 *       firstSeq int32 | lastSeq int32 | firstOffset int64 | lastOffset int64 | timestamp int64
 */
import { ErrorCode } from '@nagare/protocol';
import { BatchHeader, crc32c, readInt64, writeInt64 } from '@nagare/records';

export const SNAPSHOT_VERSION = 1;
/** Batches remembered per producer for duplicate detection (Kafka's max.in.flight for idempotence). */
export const PRODUCER_BATCHES_RETAINED = 5;
const EVICTED_REMEMBERED = 10_000;
const INT32_MAX = 0x7fffffff;

export interface ProducerBatchMeta {
  firstSeq: number;
  lastSeq: number;
  firstOffset: number;
  lastOffset: number;
  timestamp: number;
}

export interface ProducerEntry {
  producerId: number;
  producerEpoch: number;
  /** Oldest first, at most PRODUCER_BATCHES_RETAINED. */
  batches: ProducerBatchMeta[];
  coordinatorEpoch: number;
  /** First offset of the open transaction, -1 if none. */
  currentTxnFirstOffset: number;
  lastTimestamp: number;
  /** Last offset this producer wrote (data or marker). */
  lastOffset: number;
}

export interface CompletedTxn {
  producerId: number;
  firstOffset: number;
  lastOffset: number;
  isAborted: boolean;
}

/** Who is appending: a producer, the transaction coordinator (markers), or replication. */
export type AppendOrigin = 'client' | 'coordinator' | 'replication';

/** What a control batch says, from its single record. */
export interface MarkerInfo {
  isAbort: boolean;
  coordinatorEpoch: number;
}

/**
 * KIP-890 part 1: the token a partition leader hands out when it starts
 * verifying with the transaction coordinator that a producer's partition is
 * part of its transaction (Kafka's VerificationGuard). The first
 * transactional batch of a transaction is appended only with the guard that
 * is still current for its producer; a marker (or the first batch) clears
 * it, so a verification that raced with the end of the transaction cannot
 * let stale data in (the ABA case).
 */
export class VerificationGuard {
  private static next = 1;
  /** For logs. */
  readonly id: number;

  constructor() {
    this.id = VerificationGuard.next++;
  }

  /** No verification needed or possible: never verifies anything. */
  static readonly SENTINEL: VerificationGuard = new VerificationGuard();

  verify(request: VerificationGuard | undefined): boolean {
    return this !== VerificationGuard.SENTINEL && this === request;
  }
}

/** A producer whose transaction is being verified on this partition (Kafka's VerificationStateEntry). */
export interface VerificationState {
  guard: VerificationGuard;
  timestamp: number;
  lowestSequence: number;
  epoch: number;
}

export type ProducerVerdict =
  | { kind: 'ok' }
  | { kind: 'duplicate'; batch: ProducerBatchMeta }
  | { kind: 'error'; errorCode: number; message: string };

function cloneEntry(e: ProducerEntry): ProducerEntry {
  return { ...e, batches: e.batches.slice() };
}

function nextSeq(seq: number): number {
  return seq === INT32_MAX ? 0 : seq + 1;
}

/** lastSeq of a batch: baseSequence + lastOffsetDelta, wrapping past INT32_MAX to 0. */
export function batchLastSeq(h: BatchHeader): number {
  if (h.baseSequence < 0) return -1;
  const s = h.baseSequence + h.lastOffsetDelta;
  return s > INT32_MAX ? s - INT32_MAX - 1 : s;
}

export class ProducerStateManager {
  private producers = new Map<number, ProducerEntry>();
  /** producerId -> first offset of its open transaction. */
  private ongoing = new Map<number, number>();
  /** Completed transactions whose marker is not yet below the high watermark. */
  private unreplicated: CompletedTxn[] = [];
  /** Producers removed by retention or expiry, for UNKNOWN_PRODUCER_ID. */
  private evicted = new Map<number, number>();
  /** Producers being verified with the transaction coordinator (KIP-890), in memory only. */
  private verification = new Map<number, VerificationState>();
  /** Every batch below this offset has been applied. */
  mapEndOffset = 0;

  /** The verification of `producerId` (created if absent), as Kafka's maybeCreateVerificationStateEntry. */
  maybeCreateVerificationState(producerId: number, sequence: number, epoch: number, now: number): VerificationState {
    let v = this.verification.get(producerId);
    if (!v) {
      v = { guard: new VerificationGuard(), timestamp: now, lowestSequence: sequence, epoch };
      this.verification.set(producerId, v);
    } else if (epoch === v.epoch && sequence < v.lowestSequence) {
      v.lowestSequence = sequence;
    } else if (epoch > v.epoch) {
      v.epoch = epoch;
      v.lowestSequence = sequence;
    }
    return v;
  }

  /** The current verification guard of a producer (SENTINEL when none). */
  verificationGuard(producerId: number): VerificationGuard {
    return this.verification.get(producerId)?.guard ?? VerificationGuard.SENTINEL;
  }

  clearVerificationState(producerId: number): void {
    this.verification.delete(producerId);
  }

  /** Whether the producer has an open transaction on this partition. */
  hasOngoingTransaction(producerId: number): boolean {
    return this.ongoing.has(producerId);
  }

  get size(): number {
    return this.producers.size;
  }

  get(producerId: number): ProducerEntry | undefined {
    return this.producers.get(producerId);
  }

  entries(): IterableIterator<ProducerEntry> {
    return this.producers.values();
  }

  /** The first offset that is not yet decided: open transactions, or completed ones whose marker is above the HW. */
  firstUnstableOffset(): number | undefined {
    let min: number | undefined;
    for (const o of this.ongoing.values()) if (min === undefined || o < min) min = o;
    for (const t of this.unreplicated) if (min === undefined || t.firstOffset < min) min = t.firstOffset;
    return min;
  }

  /** Completed transactions with a marker below `highWatermark` become stable. */
  onHighWatermarkUpdated(highWatermark: number): void {
    if (this.unreplicated.length > 0) this.unreplicated = this.unreplicated.filter((t) => t.lastOffset >= highWatermark);
  }

  /** Checks one leader-path batch against `entry` (a staged copy, undefined if unknown); never mutates. */
  check(entry: ProducerEntry | undefined, h: BatchHeader, origin: AppendOrigin, marker: MarkerInfo | undefined): ProducerVerdict {
    const pid = h.producerId;
    if (h.isControl) {
      if (origin === 'client') return { kind: 'error', errorCode: ErrorCode.INVALID_RECORD, message: 'clients may not write control batches' };
      if (entry && h.producerEpoch < entry.producerEpoch) {
        return { kind: 'error', errorCode: ErrorCode.INVALID_PRODUCER_EPOCH, message: `marker epoch ${h.producerEpoch} is older than ${entry.producerEpoch} of producer ${pid}` };
      }
      if (entry && marker && marker.coordinatorEpoch < entry.coordinatorEpoch) {
        return {
          kind: 'error',
          errorCode: ErrorCode.TRANSACTION_COORDINATOR_FENCED,
          message: `coordinator epoch ${marker.coordinatorEpoch} is older than ${entry.coordinatorEpoch} for producer ${pid}`,
        };
      }
      return { kind: 'ok' };
    }
    const lastSeq = batchLastSeq(h);
    if (!entry) {
      if (h.baseSequence !== 0 && h.baseSequence >= 0) {
        if (this.evicted.has(pid)) {
          return { kind: 'error', errorCode: ErrorCode.UNKNOWN_PRODUCER_ID, message: `state of producer ${pid} was removed (retention or expiry); sequence ${h.baseSequence}` };
        }
        return { kind: 'error', errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, message: `unknown producer ${pid} must start at sequence 0, got ${h.baseSequence}` };
      }
    } else {
      if (h.producerEpoch < entry.producerEpoch) {
        return { kind: 'error', errorCode: ErrorCode.INVALID_PRODUCER_EPOCH, message: `epoch ${h.producerEpoch} is older than ${entry.producerEpoch} of producer ${pid}` };
      }
      if (h.baseSequence >= 0) {
        if (h.producerEpoch > entry.producerEpoch) {
          if (h.baseSequence !== 0) {
            return { kind: 'error', errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, message: `new epoch ${h.producerEpoch} of producer ${pid} must start at sequence 0, got ${h.baseSequence}` };
          }
        } else {
          const dup = entry.batches.find((b) => b.firstSeq === h.baseSequence && b.lastSeq === lastSeq);
          if (dup) return { kind: 'duplicate', batch: dup };
          const last = entry.batches.length > 0 ? entry.batches[entry.batches.length - 1].lastSeq : -1;
          const expected = last < 0 ? 0 : nextSeq(last);
          if (h.baseSequence !== expected) {
            return {
              kind: 'error',
              errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
              message: `producer ${pid} epoch ${h.producerEpoch}: expected sequence ${expected}, got ${h.baseSequence}`,
            };
          }
        }
      }
      if (!h.isTransactional && entry.currentTxnFirstOffset >= 0 && origin !== 'replication') {
        return { kind: 'error', errorCode: ErrorCode.INVALID_TXN_STATE, message: `producer ${pid} has an open transaction; non-transactional write refused` };
      }
    }
    return { kind: 'ok' };
  }

  /**
   * Applies one batch (with its assigned offsets) to `entry` (created if
   * undefined) and returns it, plus the transaction it completes if it is a
   * marker. Does not touch the manager: see `commit`.
   */
  apply(entry: ProducerEntry | undefined, h: BatchHeader, firstOffset: number, lastOffset: number, marker: MarkerInfo | undefined): { entry: ProducerEntry; completed?: CompletedTxn } {
    const e: ProducerEntry =
      entry ?? { producerId: h.producerId, producerEpoch: h.producerEpoch, batches: [], coordinatorEpoch: -1, currentTxnFirstOffset: -1, lastTimestamp: -1, lastOffset: -1 };
    if (h.producerEpoch > e.producerEpoch) {
      e.producerEpoch = h.producerEpoch;
      e.batches = [];
    }
    e.lastTimestamp = Math.max(e.lastTimestamp, h.maxTimestamp);
    e.lastOffset = lastOffset;
    let completed: CompletedTxn | undefined;
    if (h.isControl) {
      if (marker) {
        completed = { producerId: e.producerId, firstOffset: e.currentTxnFirstOffset >= 0 ? e.currentTxnFirstOffset : firstOffset, lastOffset, isAborted: marker.isAbort };
        e.coordinatorEpoch = marker.coordinatorEpoch;
        e.currentTxnFirstOffset = -1;
      }
    } else {
      if (h.baseSequence >= 0) {
        e.batches.push({ firstSeq: h.baseSequence, lastSeq: batchLastSeq(h), firstOffset, lastOffset, timestamp: h.maxTimestamp });
        if (e.batches.length > PRODUCER_BATCHES_RETAINED) e.batches.shift();
      }
      if (h.isTransactional && e.currentTxnFirstOffset < 0) e.currentTxnFirstOffset = firstOffset;
    }
    return { entry: e, completed };
  }

  /** A staging area for one append: copies of the entries it touches. */
  stage(): Map<number, ProducerEntry> {
    return new Map();
  }

  staged(stage: Map<number, ProducerEntry>, producerId: number): ProducerEntry | undefined {
    const s = stage.get(producerId);
    if (s) return s;
    const e = this.producers.get(producerId);
    return e ? cloneEntry(e) : undefined;
  }

  /** Makes staged entries current, after the append reached the log. */
  commit(stage: Map<number, ProducerEntry>, completed: CompletedTxn[], highWatermark: number, nextOffset: number): void {
    for (const [pid, e] of stage) {
      this.producers.set(pid, e);
      this.evicted.delete(pid);
      if (e.currentTxnFirstOffset >= 0) this.ongoing.set(pid, e.currentTxnFirstOffset);
      else this.ongoing.delete(pid);
    }
    for (const t of completed) if (t.lastOffset >= highWatermark) this.unreplicated.push(t);
    if (nextOffset > this.mapEndOffset) this.mapEndOffset = nextOffset;
  }

  /** Replays one batch from the log (no checks). Returns the completed transaction of a marker. */
  replay(h: BatchHeader, marker: MarkerInfo | undefined, highWatermark: number): CompletedTxn | undefined {
    const firstOffset = h.baseOffset;
    const lastOffset = h.baseOffset + h.lastOffsetDelta;
    if (lastOffset + 1 > this.mapEndOffset) this.mapEndOffset = lastOffset + 1;
    if (h.producerId < 0) return undefined;
    const { entry, completed } = this.apply(this.producers.get(h.producerId), h, firstOffset, lastOffset, marker);
    this.producers.set(h.producerId, entry);
    if (entry.currentTxnFirstOffset >= 0) this.ongoing.set(h.producerId, entry.currentTxnFirstOffset);
    else this.ongoing.delete(h.producerId);
    if (completed && completed.lastOffset >= highWatermark) this.unreplicated.push(completed);
    return completed;
  }

  /** The first unstable offset other than the transaction just completed (for the aborted index's lastStableOffset). */
  lastStableOffsetAfter(completed: CompletedTxn): number {
    let min = completed.lastOffset + 1;
    for (const [pid, o] of this.ongoing) if (pid !== completed.producerId && o < min) min = o;
    for (const t of this.unreplicated) if (t !== completed && t.producerId !== completed.producerId && t.firstOffset < min) min = t.firstOffset;
    return min;
  }

  private evict(pid: number, epoch: number): void {
    this.producers.delete(pid);
    this.ongoing.delete(pid);
    this.evicted.delete(pid);
    this.evicted.set(pid, epoch);
    if (this.evicted.size > EVICTED_REMEMBERED) this.evicted.delete(this.evicted.keys().next().value as number);
  }

  /** The log now starts at `logStartOffset`: producers whose last write is below it are forgotten. */
  truncateHead(logStartOffset: number): number {
    let n = 0;
    for (const e of [...this.producers.values()]) {
      if (e.lastOffset < logStartOffset && e.currentTxnFirstOffset < 0) {
        this.evict(e.producerId, e.producerEpoch);
        n++;
      }
    }
    this.unreplicated = this.unreplicated.filter((t) => t.lastOffset >= logStartOffset);
    if (this.mapEndOffset < logStartOffset) this.mapEndOffset = logStartOffset;
    return n;
  }

  /** producer.id.expiration.ms: forgets producers idle longer than `expirationMs` with no open transaction. */
  removeExpired(now: number, expirationMs: number): number {
    let n = 0;
    for (const [pid, v] of [...this.verification]) if (now - v.timestamp >= expirationMs) this.verification.delete(pid);
    for (const e of [...this.producers.values()]) {
      if (e.currentTxnFirstOffset < 0 && e.lastTimestamp >= 0 && now - e.lastTimestamp > expirationMs) {
        this.evict(e.producerId, e.producerEpoch);
        n++;
      }
    }
    return n;
  }

  clear(): void {
    this.producers.clear();
    this.verification.clear();
    this.ongoing.clear();
    this.unreplicated = [];
    this.mapEndOffset = 0;
  }

  // ---- snapshots ----------------------------------------------------------------------------------

  encodeSnapshot(snapshotOffset: number): Buffer {
    let size = 2 + 4 + 8 + 4;
    for (const e of this.producers.values()) size += 8 + 2 + 4 + 8 + 8 + 8 + 1 + e.batches.length * 32;
    const b = Buffer.allocUnsafe(size);
    b.writeInt16BE(SNAPSHOT_VERSION, 0);
    let p = 6;
    writeInt64(b, p, snapshotOffset);
    p += 8;
    b.writeInt32BE(this.producers.size, p);
    p += 4;
    for (const e of this.producers.values()) {
      writeInt64(b, p, e.producerId);
      b.writeInt16BE(e.producerEpoch, p + 8);
      b.writeInt32BE(e.coordinatorEpoch, p + 10);
      writeInt64(b, p + 14, e.currentTxnFirstOffset);
      writeInt64(b, p + 22, e.lastTimestamp);
      writeInt64(b, p + 30, e.lastOffset);
      b.writeInt8(e.batches.length, p + 38);
      p += 39;
      for (const m of e.batches) {
        b.writeInt32BE(m.firstSeq, p);
        b.writeInt32BE(m.lastSeq, p + 4);
        writeInt64(b, p + 8, m.firstOffset);
        writeInt64(b, p + 16, m.lastOffset);
        writeInt64(b, p + 24, m.timestamp);
        p += 32;
      }
    }
    b.writeUInt32BE(crc32c(b.subarray(6)), 2);
    return b;
  }

  /** Replaces the state with a snapshot's; returns false (state untouched) if the snapshot is invalid. */
  loadSnapshot(b: Buffer): boolean {
    try {
      if (b.length < 18 || b.readInt16BE(0) !== SNAPSHOT_VERSION) return false;
      if (b.readUInt32BE(2) !== crc32c(b.subarray(6))) return false;
      const snapshotOffset = readInt64(b, 6);
      const count = b.readInt32BE(14);
      let p = 18;
      const producers = new Map<number, ProducerEntry>();
      for (let i = 0; i < count; i++) {
        const e: ProducerEntry = {
          producerId: readInt64(b, p),
          producerEpoch: b.readInt16BE(p + 8),
          coordinatorEpoch: b.readInt32BE(p + 10),
          currentTxnFirstOffset: readInt64(b, p + 14),
          lastTimestamp: readInt64(b, p + 22),
          lastOffset: readInt64(b, p + 30),
          batches: [],
        };
        const n = b.readInt8(p + 38);
        p += 39;
        for (let j = 0; j < n; j++) {
          e.batches.push({ firstSeq: b.readInt32BE(p), lastSeq: b.readInt32BE(p + 4), firstOffset: readInt64(b, p + 8), lastOffset: readInt64(b, p + 16), timestamp: readInt64(b, p + 24) });
          p += 32;
        }
        producers.set(e.producerId, e);
      }
      if (p !== b.length) return false;
      this.producers = producers;
      this.ongoing.clear();
      for (const e of producers.values()) if (e.currentTxnFirstOffset >= 0) this.ongoing.set(e.producerId, e.currentTxnFirstOffset);
      this.unreplicated = [];
      this.mapEndOffset = snapshotOffset;
      return true;
    } catch {
      return false;
    }
  }
}
