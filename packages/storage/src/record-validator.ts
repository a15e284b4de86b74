/**
 * The per-record checks of Kafka's LogValidator (validateRecord: validateKey,
 * validateTimestamp) for a batch a client produced, with Kafka's error codes
 * and messages. Every record of the batch is checked and every bad one
 * reported (RecordError: its index in the batch and a message, KIP-467), so
 * clients can tell the bad records from the good ones; the batch is then
 * rejected whole: INVALID_TIMESTAMP when any record has a bad timestamp, else
 * INVALID_RECORD, with Kafka's partition-level message (processRecordErrors).
 *
 * Kafka walks every record of every batch. Here the batch stays bytes unless
 * a check needs the records (`needsRecordWalk`):
 * - a compacted topic (cleanup.policy has compact): every record needs a key;
 * - a CreateTime topic with message.timestamp.before.max.ms set (the header
 *   does not hold the smallest timestamp), or whose batch maxTimestamp is past
 *   now + message.timestamp.after.max.ms (then some record is, and the walk
 *   finds which); KIP-937, with message.timestamp.difference.max.ms standing
 *   in for both when they are unset (see config.ts);
 * - a batch whose producer set the LogAppendTime attribute.
 * Control batches (transaction markers) carry no user records and are not walked.
 */
import { ErrorCode } from '@nagare/protocol';
import { BatchHeader, KafkaRecord, RecordIterator, TimestampType } from '@nagare/records';
import type { MessageTimestampType } from './config';

/** RecordBatch.NO_TIMESTAMP: a record without a timestamp is not range-checked. */
const NO_TIMESTAMP = -1;
/** Our configs hold Long.MAX_VALUE ("unlimited") as MAX_SAFE_INTEGER; Kafka's messages print the long. */
const LONG_MAX = 9223372036854775807n;

export interface RecordValidationContext {
  /** `topic-partition`, as Kafka's TopicPartition prints in messages. */
  topicPartition: string;
  compacted: boolean;
  timestampType: MessageTimestampType;
  beforeMaxMs: number;
  afterMaxMs: number;
  /** The broker's time of the append. */
  now: number;
}

export interface RecordError {
  /** The record's index in its batch (Kafka's "batch index"). */
  batchIndex: number;
  message: string;
}

export interface RecordValidationFailure {
  errorCode: number;
  errorMessage: string;
  recordErrors: RecordError[];
}

/** Whether the batch at `h` needs its records decoded for the checks of this topic. */
export function needsRecordWalk(h: BatchHeader, ctx: RecordValidationContext): boolean {
  if (h.isControl) return false;
  if (ctx.compacted || h.timestampType === TimestampType.LogAppendTime) return true;
  if (ctx.timestampType !== 'CreateTime') return false;
  return ctx.beforeMaxMs < Number.MAX_SAFE_INTEGER || h.maxTimestamp > ctx.now + ctx.afterMaxMs;
}

function asLong(ms: number): bigint {
  return ms >= Number.MAX_SAFE_INTEGER ? LONG_MAX : BigInt(ms);
}

/** DefaultRecord.toString(). */
function describeRecord(r: KafkaRecord): string {
  return `DefaultRecord(offset=${r.offset}, timestamp=${r.timestamp}, key=${r.key?.length ?? 0} bytes, value=${r.value?.length ?? 0} bytes)`;
}

/** ProduceResponse.RecordError.toString(). */
function describeError(e: RecordError): string {
  return `RecordError(batchIndex=${e.batchIndex}, message='${e.message}')`;
}

/**
 * Checks every record of the batch at `position` (its header `h`); null when
 * all pass. A batch whose records do not decode throws RecordsError (the
 * caller reports it as the batch's corruption).
 */
export function validateBatchRecords(records: Buffer, position: number, h: BatchHeader, ctx: RecordValidationContext): RecordValidationFailure | null {
  const errors: RecordError[] = [];
  let anyTimestampError = false;
  const checkRange = ctx.timestampType === 'CreateTime';
  const appendTimeBatch = h.timestampType === TimestampType.LogAppendTime;
  let index = 0;
  for (const r of new RecordIterator(records, { position, verifyCrc: false })) {
    if (ctx.compacted && r.key === null) {
      errors.push({ batchIndex: index, message: `Compacted topic cannot accept message without key in topic partition ${ctx.topicPartition}` });
    } else if (checkRange && r.timestamp !== NO_TIMESTAMP) {
      const diff = ctx.now - r.timestamp;
      if (diff > ctx.beforeMaxMs || -diff > ctx.afterMaxMs) {
        const now = BigInt(ctx.now);
        const lower = BigInt.asIntN(64, now - asLong(ctx.beforeMaxMs));
        const upper = BigInt.asIntN(64, now + asLong(ctx.afterMaxMs));
        anyTimestampError = true;
        errors.push({
          batchIndex: index,
          message: `Timestamp ${r.timestamp} of message with offset ${r.offset} is out of range. The timestamp should be within [${lower}, ${upper}]`,
        });
      }
    } else if (appendTimeBatch) {
      anyTimestampError = true;
      errors.push({ batchIndex: index, message: `Invalid timestamp type in message ${describeRecord(r)}. Producer should not set timestamp type to LogAppendTime.` });
    }
    index++;
  }
  if (errors.length === 0) return null;
  if (anyTimestampError) {
    return { errorCode: ErrorCode.INVALID_TIMESTAMP, errorMessage: 'One or more records have been rejected due to invalid timestamp', recordErrors: errors };
  }
  return {
    errorCode: ErrorCode.INVALID_RECORD,
    errorMessage: `One or more records have been rejected due to ${errors.length} record errors in total, and only showing the first three errors at most: [${errors.slice(0, 3).map(describeError).join(', ')}]`,
    recordErrors: errors,
  };
}
