/**
 * The Raft core's log entries as Kafka stores and sends them: RecordBatch v2, one batch per batch of
 * entries (entries proposed together), the batch's partitionLeaderEpoch = the entries' epoch. Data
 * records carry a metadata record (ApiMessageAndVersion) as value and no key. KRaft's own records go
 * in control batches: key = ControlRecordType (version 0), value = the message at its version
 * (LeaderChangeMessage type 2, KRaftVersionRecord type 5, VotersRecord type 6), as Kafka's
 * MemoryRecordsBuilder writes them. So `__cluster_metadata` is readable by Kafka's tools.
 */
import {
  KRaftVersionRecordCodec,
  LeaderChangeMessageCodec,
  VotersRecordCodec,
  ZERO_UUID,
  decode,
  encode,
  type KRaftVersionRecord,
  type LeaderChangeMessage,
  type VotersRecord,
} from '@nagare/protocol';
import { ControlRecordType, RecordBatchBuilder, encodeControlRecordKey, iterateBatches, parseControlRecord } from '@nagare/records';
import type { ControlRecord, LogEntry, Voter } from '@nagare/raft';

const EMPTY = new Uint8Array(0);

/** Versions Kafka 4.0 writes: LeaderChangeMessage 0, KRaftVersionRecord 0, VotersRecord 0. */
const LEADER_CHANGE_VERSION = 0;

export function encodeControlValue(c: ControlRecord): { type: ControlRecordType; value: Buffer } {
  switch (c.type) {
    case 'LeaderChange': {
      const m: LeaderChangeMessage = {
        version: LEADER_CHANGE_VERSION,
        leaderId: c.leaderId,
        voters: c.voters.map((voterId) => ({ voterId, voterDirectoryId: ZERO_UUID })),
        grantingVoters: c.grantingVoters.map((voterId) => ({ voterId, voterDirectoryId: ZERO_UUID })),
      };
      return { type: ControlRecordType.LeaderChange, value: encode(LeaderChangeMessageCodec, m, 0) };
    }
    case 'KRaftVersion': {
      const m: KRaftVersionRecord = { version: 0, kRaftVersion: c.kraftVersion };
      return { type: ControlRecordType.KRaftVersion, value: encode(KRaftVersionRecordCodec, m, 0) };
    }
    case 'Voters':
      return { type: ControlRecordType.KRaftVoters, value: encode(VotersRecordCodec, votersToRecord(c.voters), 0) };
  }
}

export function votersToRecord(voters: readonly Voter[]): VotersRecord {
  return {
    version: 0,
    voters: voters.map((v) => ({
      voterId: v.id,
      voterDirectoryId: v.directoryId,
      endpoints: v.endpoints.map((e) => ({ name: e.name, host: e.host, port: e.port })),
      kRaftVersionFeature: { minSupportedVersion: 0, maxSupportedVersion: 1 },
    })),
  };
}

export function votersFromRecord(r: VotersRecord): Voter[] {
  return r.voters
    .map((v) => ({ id: v.voterId, directoryId: v.voterDirectoryId, endpoints: v.endpoints.map((e) => ({ name: e.name, host: e.host, port: e.port })) }))
    .sort((a, b) => a.id - b.id);
}

/** A control record's key and value back to the core's form; undefined for types the log does not hold. */
export function decodeControlValue(type: number, value: Buffer | null): ControlRecord | undefined {
  if (value === null) return undefined;
  switch (type) {
    case ControlRecordType.LeaderChange: {
      const m = decode(LeaderChangeMessageCodec, value, 0);
      return { type: 'LeaderChange', leaderId: m.leaderId, voters: m.voters.map((v) => v.voterId), grantingVoters: m.grantingVoters.map((v) => v.voterId) };
    }
    case ControlRecordType.KRaftVersion:
      return { type: 'KRaftVersion', kraftVersion: decode(KRaftVersionRecordCodec, value, 0).kRaftVersion };
    case ControlRecordType.KRaftVoters:
      return { type: 'Voters', voters: votersFromRecord(decode(VotersRecordCodec, value, 0)) };
    default:
      return undefined;
  }
}

/** Groups entries into their batches: consecutive entries sharing a batchEnd (a lone entry is its own batch). */
export function splitBatches(entries: readonly LogEntry[]): LogEntry[][] {
  const out: LogEntry[][] = [];
  let cur: LogEntry[] = [];
  for (const e of entries) {
    const prev = cur[cur.length - 1];
    const continues = prev !== undefined && prev.batchEnd !== undefined && prev.batchEnd > e.offset && prev.batchEnd === e.batchEnd;
    if (!continues && cur.length > 0) {
      out.push(cur);
      cur = [];
    }
    cur.push(e);
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

/** One RecordBatch for one batch of entries. */
export function encodeBatch(batch: readonly LogEntry[], timestamp: number): Buffer {
  const first = batch[0];
  const control = first.control !== undefined;
  const b = new RecordBatchBuilder({
    baseOffset: first.offset,
    partitionLeaderEpoch: first.epoch,
    isControl: control,
    maxBytes: Number.MAX_SAFE_INTEGER,
    now: () => timestamp,
  });
  for (const e of batch) {
    if (e.control !== undefined) {
      const { type, value } = encodeControlValue(e.control);
      b.append({ timestamp, key: encodeControlRecordKey(type), value });
    } else {
      b.append({ timestamp, key: null, value: Buffer.from(e.payload.buffer, e.payload.byteOffset, e.payload.byteLength) });
    }
  }
  return b.build();
}

/** Entries to record batches (a Fetch response's records, or an append to the log). */
export function encodeEntries(entries: readonly LogEntry[], timestamp: number): Buffer {
  const batches = splitBatches(entries).map((b) => encodeBatch(b, timestamp));
  return batches.length === 1 ? batches[0] : Buffer.concat(batches);
}

/** Record batches back to entries (each with its batch's end), checking CRCs. */
export function decodeEntries(records: Buffer): LogEntry[] {
  const out: LogEntry[] = [];
  for (const batch of iterateBatches(records, { verifyCrc: true })) {
    const h = batch.header;
    const end = h.baseOffset + h.lastOffsetDelta + 1;
    const many = h.recordCount > 1;
    for (const r of batch.records({ verifyCrc: false })) {
      const base = { offset: r.offset, epoch: h.partitionLeaderEpoch, ...(many ? { batchEnd: end } : {}) };
      if (h.isControl) {
        const type = parseControlRecord(r).type;
        const control = decodeControlValue(type, r.value);
        // Control records the core does not model keep their offset as empty data.
        out.push(control !== undefined ? { ...base, payload: EMPTY, control } : { ...base, payload: EMPTY });
      } else {
        out.push({ ...base, payload: r.value ?? EMPTY });
      }
    }
  }
  return out;
}
