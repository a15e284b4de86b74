/**
 * KRaft's framing of a metadata record inside a record's value
 * ("ApiMessageAndVersion"): unsigned varint frame version (1), unsigned varint
 * record type, unsigned varint record version, then the record itself. Using
 * Kafka's own formats keeps `__cluster_metadata` readable by Kafka's tools.
 */
import { MessageCodec, ProtocolDecodeError, Reader, Writer, newSizeContext, sizeOfUvarint } from '@nagare/protocol';
import { METADATA_RECORD_CODECS, MetadataRecordType } from './generated/record-types';
import type * as R from './generated/records';

export const METADATA_FRAME_VERSION = 1;

/** A metadata record with its type and version. */
export type MetadataRecord =
  | { type: typeof MetadataRecordType.RegisterBrokerRecord; version: number; data: R.RegisterBrokerRecord }
  | { type: typeof MetadataRecordType.UnregisterBrokerRecord; version: number; data: R.UnregisterBrokerRecord }
  | { type: typeof MetadataRecordType.TopicRecord; version: number; data: R.TopicRecord }
  | { type: typeof MetadataRecordType.PartitionRecord; version: number; data: R.PartitionRecord }
  | { type: typeof MetadataRecordType.ConfigRecord; version: number; data: R.ConfigRecord }
  | { type: typeof MetadataRecordType.PartitionChangeRecord; version: number; data: R.PartitionChangeRecord }
  | { type: typeof MetadataRecordType.FenceBrokerRecord; version: number; data: R.FenceBrokerRecord }
  | { type: typeof MetadataRecordType.UnfenceBrokerRecord; version: number; data: R.UnfenceBrokerRecord }
  | { type: typeof MetadataRecordType.RemoveTopicRecord; version: number; data: R.RemoveTopicRecord }
  | { type: typeof MetadataRecordType.FeatureLevelRecord; version: number; data: R.FeatureLevelRecord }
  | { type: typeof MetadataRecordType.ProducerIdsRecord; version: number; data: R.ProducerIdsRecord }
  | { type: typeof MetadataRecordType.BrokerRegistrationChangeRecord; version: number; data: R.BrokerRegistrationChangeRecord }
  | { type: typeof MetadataRecordType.NoOpRecord; version: number; data: R.NoOpRecord }
  | { type: number; version: number; data: unknown };

function codecFor(type: number): MessageCodec<unknown> {
  const codec = METADATA_RECORD_CODECS[type];
  if (!codec) throw new Error(`unknown metadata record type ${type}`);
  return codec;
}

export function encodeMetadataRecord(record: MetadataRecord): Buffer {
  const codec = codecFor(record.type);
  const s = newSizeContext();
  const body = codec.size(record.data, record.version, s);
  const size = sizeOfUvarint(METADATA_FRAME_VERSION) + sizeOfUvarint(record.type) + sizeOfUvarint(record.version) + body;
  const w = new Writer(size - s.external);
  w.uvarint(METADATA_FRAME_VERSION);
  w.uvarint(record.type);
  w.uvarint(record.version);
  codec.write(w, record.data, record.version);
  const chunks = w.finish();
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
}

export function decodeMetadataRecord(value: Buffer): MetadataRecord {
  const r = new Reader(value);
  const frame = r.uvarint('frameVersion');
  if (!r.failed && frame !== METADATA_FRAME_VERSION) r.fail('frameVersion', `unsupported frame version ${frame}`);
  const type = r.uvarint('type');
  const version = r.uvarint('version');
  if (r.failed) throw new ProtocolDecodeError('MetadataRecord', version, r.errField, r.errReason, r.errOffset);
  const codec = METADATA_RECORD_CODECS[type];
  if (!codec) throw new ProtocolDecodeError('MetadataRecord', version, 'type', `unknown record type ${type}`, 1);
  if (version < codec.lowestVersion || version > codec.highestVersion) {
    throw new ProtocolDecodeError(codec.name, version, 'version', 'unsupported record version', 2);
  }
  const data = codec.read(r, version);
  if (r.failed) throw new ProtocolDecodeError(codec.name, version, r.errField, r.errReason, r.errOffset);
  return { type, version, data } as MetadataRecord;
}

const decodedBatches = new WeakMap<readonly Buffer[], ReadonlyArray<MetadataRecord | Error>>();

/**
 * Decodes the records of a committed batch once per batch: a node's metadata loader and its
 * controller are handed the same array, so the second reads what the first decoded (and the
 * images share the decoded records, which nothing changes). A record that does not decode is
 * its Error.
 */
export function decodeMetadataBatch(values: readonly Buffer[]): ReadonlyArray<MetadataRecord | Error> {
  let decoded = decodedBatches.get(values);
  if (decoded === undefined) {
    decoded = values.map((v) => {
      try {
        return decodeMetadataRecord(v);
      } catch (e) {
        return e instanceof Error ? e : new Error(String(e));
      }
    });
    decodedBatches.set(values, decoded);
  }
  return decoded;
}
