/**
 * How the group coordinator turns storage errors of its appends into the
 * error codes of its responses (Kafka's coordinators' mappings), and the
 * error it throws inside operations.
 */
import { ErrorCode } from '@nagare/protocol';
import { CoordinatorError } from '../coordinator';

/**
 * Storage errors as Kafka's coordinators map them. All writes share the
 * base mapping; they differ only in what a timed-out write and an oversized
 * one become.
 */
function mapStoreError(code: number, timedOut: number, tooLarge: number): number {
  switch (code) {
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode.NOT_ENOUGH_REPLICAS:
    case ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    case ErrorCode.NOT_LEADER_OR_FOLLOWER:
    case ErrorCode.KAFKA_STORAGE_ERROR:
      return ErrorCode.NOT_COORDINATOR;
    case ErrorCode.REQUEST_TIMED_OUT:
      return timedOut;
    case ErrorCode.MESSAGE_TOO_LARGE:
    case ErrorCode.RECORD_LIST_TOO_LARGE:
    case ErrorCode.INVALID_FETCH_SIZE:
      return tooLarge;
    default:
      return code;
  }
}

/** For the group metadata written by SyncGroup (the classic coordinator's mapping). */
export function mapGroupStoreError(code: number): number {
  return mapStoreError(code, ErrorCode.REBALANCE_IN_PROGRESS, ErrorCode.UNKNOWN_SERVER_ERROR);
}

/** For offset commits. */
export function mapOffsetStoreError(code: number): number {
  return mapStoreError(code, ErrorCode.REQUEST_TIMED_OUT, ErrorCode.INVALID_COMMIT_OFFSET_SIZE);
}

/** For the other writes (deletes, consumer group records), as Kafka 4's coordinator runtime normalizes them. */
export function mapWriteError(code: number): number {
  return mapStoreError(code, ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.UNKNOWN_SERVER_ERROR);
}

/** An error a request is answered with, with Kafka's message. */
export function apiError(errorCode: number, message?: string): CoordinatorError {
  return new CoordinatorError(errorCode, message);
}

/** The error code and message to answer with for something an operation threw. */
export function errorOf(e: unknown, mapStorage: (code: number) => number = mapWriteError): { errorCode: number; message: string | null } {
  if (e instanceof CoordinatorError) return { errorCode: mapStorage(e.errorCode), message: e.responseMessage };
  return { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, message: (e as Error)?.message ?? null };
}
