/**
 * KRaft snapshots in Kafka's format (KIP-630, RecordsSnapshotWriter): record batches from offset 0,
 * first a control batch with a SnapshotHeaderRecord (type 3) and, at kraft.version 1 (KIP-853), the
 * KRaftVersionRecord and VotersRecord; then the state machine's batches (metadata records); last a
 * control batch with the SnapshotFooterRecord (type 4). The same bytes go in the
 * `<endOffset>-<epoch>.checkpoint` file and in FetchSnapshot chunks.
 *
 * The core's `Snapshot.data` is the state machine's part: its record batches, as written.
 */
import { SnapshotFooterRecordCodec, SnapshotHeaderRecordCodec, encode } from '@nagare/protocol';
import { ControlRecordType, RecordBatchBuilder, encodeControlRecordKey, iterateBatches, parseControlRecord, setBaseOffset } from '@nagare/records';
import type { Snapshot, SnapshotCodec, SnapshotId } from '@nagare/raft';
import { decodeControlValue, encodeControlValue } from './entry-codec';

export class SnapshotFormatError extends Error {
  override readonly name = 'SnapshotFormatError';
}

function controlBatch(baseOffset: number, epoch: number, timestamp: number, records: Array<{ type: ControlRecordType; value: Buffer }>): Buffer {
  const b = new RecordBatchBuilder({ baseOffset, partitionLeaderEpoch: epoch, isControl: true, maxBytes: Number.MAX_SAFE_INTEGER, now: () => timestamp });
  for (const r of records) b.append({ timestamp, key: encodeControlRecordKey(r.type), value: r.value });
  return b.build();
}

/** `lastContainedLogTimestamp` for the header: injected, since the core reads no clock. */
export function kafkaSnapshotCodec(lastContainedLogTimestamp: () => number = () => 0): SnapshotCodec {
  return {
    encode(s: Snapshot): Uint8Array {
      const ts = lastContainedLogTimestamp();
      const header: Array<{ type: ControlRecordType; value: Buffer }> = [
        { type: ControlRecordType.SnapshotHeader, value: encode(SnapshotHeaderRecordCodec, { version: 0, lastContainedLogTimestamp: BigInt(ts) }, 0) },
      ];
      if (s.kraftVersion !== undefined && s.kraftVersion > 0 && s.voters !== undefined) {
        header.push(encodeControlValue({ type: 'KRaftVersion', kraftVersion: s.kraftVersion }));
        header.push(encodeControlValue({ type: 'Voters', voters: s.voters }));
      }
      const parts: Buffer[] = [controlBatch(0, s.id.epoch, ts, header)];
      let next = header.length;
      const data = Buffer.from(s.data.buffer, s.data.byteOffset, s.data.byteLength);
      if (data.length > 0) {
        const copy = Buffer.from(data);
        for (const batch of iterateBatches(copy, { verifyCrc: false })) {
          setBaseOffset(copy, batch.position, next);
          next += batch.header.lastOffsetDelta + 1;
        }
        parts.push(copy);
      }
      parts.push(controlBatch(next, s.id.epoch, ts, [{ type: ControlRecordType.SnapshotFooter, value: encode(SnapshotFooterRecordCodec, { version: 0 }, 0) }]));
      return Buffer.concat(parts);
    },

    decode(id: SnapshotId, bytes: Uint8Array): Snapshot {
      const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      let kraftVersion: number | undefined;
      let voters: Snapshot['voters'];
      let sawHeader = false;
      let sawFooter = false;
      const data: Buffer[] = [];
      for (const batch of iterateBatches(buf, { verifyCrc: true })) {
        if (sawFooter) throw new SnapshotFormatError(`snapshot ${describe(id)} has batches after its footer`);
        if (!batch.header.isControl) {
          if (!sawHeader) throw new SnapshotFormatError(`snapshot ${describe(id)} does not start with a SnapshotHeaderRecord`);
          data.push(batch.bytes);
          continue;
        }
        for (const r of batch.records({ verifyCrc: false })) {
          const type = parseControlRecord(r).type;
          if (type === ControlRecordType.SnapshotHeader) sawHeader = true;
          else if (type === ControlRecordType.SnapshotFooter) sawFooter = true;
          else {
            const c = decodeControlValue(type, r.value);
            if (c?.type === 'KRaftVersion') kraftVersion = c.kraftVersion;
            else if (c?.type === 'Voters') voters = c.voters;
          }
        }
      }
      if (!sawHeader || !sawFooter) throw new SnapshotFormatError(`snapshot ${describe(id)} is incomplete (no ${sawHeader ? 'footer' : 'header'})`);
      return {
        id,
        data: data.length === 1 ? data[0] : Buffer.concat(data),
        ...(kraftVersion !== undefined ? { kraftVersion } : {}),
        ...(voters !== undefined ? { voters } : {}),
      };
    },
  };
}

function describe(id: SnapshotId): string {
  return snapshotFileName(id);
}

/** Kafka's snapshot file name: 20-digit end offset, '-', 10-digit epoch, `.checkpoint`. */
export function snapshotFileName(id: SnapshotId): string {
  return `${String(id.endOffset).padStart(20, '0')}-${String(id.epoch).padStart(10, '0')}.checkpoint`;
}

export function parseSnapshotFileName(name: string): SnapshotId | undefined {
  const m = /^(\d{20})-(\d{10})\.checkpoint$/.exec(name);
  return m ? { endOffset: Number(m[1]), epoch: Number(m[2]) } : undefined;
}
