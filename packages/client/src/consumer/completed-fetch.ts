/**
 * The records of one partition from one Fetch response, handed out lazily:
 * batches are walked with `iterateBatches` (a response may end with a
 * partial batch), records decoded one at a time, so `max.poll.records` can
 * stop anywhere and the rest waits for the next poll.
 *
 * Control batches (transaction markers) are never returned. With
 * read_committed, the response's aborted transaction list is applied as the
 * Java client does: an aborted transaction's producer id becomes "aborted"
 * once a batch at or after its first offset is reached, its transactional
 * batches are skipped, and its ABORT marker ends it.
 */
import { ControlRecordType, RecordIterator, RecordHeader, BatchView, iterateBatches, parseControlRecord, BatchIterator, TimestampType } from '@nagare/records';

export interface ConsumerRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  timestampType: 'CreateTime' | 'LogAppendTime';
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
  /** The partition leader epoch of the record's batch (-1 if unknown). */
  leaderEpoch: number;
}

export interface AbortedTxn {
  producerId: number;
  firstOffset: number;
}

export class CompletedFetch {
  private readonly batches: BatchIterator;
  private batch: BatchView | null = null;
  private records: RecordIterator | null = null;
  private readonly aborted: AbortedTxn[];
  private readonly abortedProducers = new Set<number>();
  /** The offset to fetch next once this is consumed. */
  nextOffset: number;
  exhausted = false;

  constructor(
    readonly topic: string,
    readonly partition: number,
    data: Buffer,
    fetchOffset: number,
    private readonly readCommitted: boolean,
    aborted: AbortedTxn[] | null,
    verifyCrc: boolean,
  ) {
    this.batches = iterateBatches(data, { allowPartialTail: true, verifyCrc });
    this.nextOffset = fetchOffset;
    this.aborted = (aborted ?? []).slice().sort((a, b) => a.firstOffset - b.firstOffset);
  }

  /**
   * Appends up to `max` records at or after the position to `out`; returns
   * how many were added. Throws RecordsError for a corrupt batch (records
   * before it have been handed out).
   */
  drain(out: ConsumerRecord[], max: number): number {
    let added = 0;
    const topic = this.topic;
    const partition = this.partition;
    while (added < max) {
      if (this.records === null) {
        const next = this.batches.next();
        if (next.done) {
          this.exhausted = true;
          return added;
        }
        const b = next.value;
        if (b.nextOffset <= this.nextOffset) continue; // entirely before the position
        const h = b.header;
        if (this.readCommitted && h.producerId >= 0 && h.isTransactional) {
          while (this.aborted.length > 0 && this.aborted[0].firstOffset <= b.lastOffset) this.abortedProducers.add(this.aborted.shift()!.producerId);
          if (h.isControl) {
            for (const rec of b.records()) {
              if (parseControlRecord(rec).type === ControlRecordType.Abort) this.abortedProducers.delete(h.producerId);
            }
            this.nextOffset = b.nextOffset;
            continue;
          }
          if (this.abortedProducers.has(h.producerId)) {
            this.nextOffset = b.nextOffset;
            continue;
          }
        }
        if (h.isControl) {
          this.nextOffset = b.nextOffset;
          continue;
        }
        this.batch = b;
        this.records = b.records();
      }
      const batch = this.batch!;
      const h = batch.header;
      const tsType = h.timestampType === TimestampType.LogAppendTime ? 'LogAppendTime' : 'CreateTime';
      const epoch = h.partitionLeaderEpoch;
      const it = this.records;
      let r = it.next();
      while (!r.done) {
        const rec = r.value;
        if (rec.offset >= this.nextOffset) {
          out.push({
            topic,
            partition,
            offset: rec.offset,
            timestamp: rec.timestamp,
            timestampType: tsType,
            key: rec.key,
            value: rec.value,
            headers: rec.headers,
            leaderEpoch: epoch,
          });
          this.nextOffset = rec.offset + 1;
          if (++added >= max) break;
        }
        r = it.next();
      }
      if (added >= max && !r.done) return added;
      // The batch is done (compaction may leave gaps at its end).
      if (this.nextOffset < batch.nextOffset) this.nextOffset = batch.nextOffset;
      this.records = null;
      this.batch = null;
    }
    return added;
  }
}
