/**
 * nagare's own errors: one registry, each entry with a stable numeric code
 * (never reused or renumbered), whether retrying can help, and the Kafka
 * protocol error code it surfaces as on the wire, if any.
 *
 * Codes are grouped by area: 1xxx common/config, 2xxx storage, 3xxx broker,
 * 4xxx metadata/controller, 5xxx client, 6xxx connect, 7xxx schema registry.
 */
export interface ErrorDefinition {
  readonly code: number;
  readonly retriable: boolean;
  /** The Kafka protocol error code this becomes in a response (see @nagare/protocol ErrorCode). */
  readonly kafkaErrorCode?: number;
}

export const Errors = {
  // 1xxx: configuration and common
  INVALID_CONFIG: { code: 1001, retriable: false, kafkaErrorCode: 40 },
  UNKNOWN_CONFIG: { code: 1002, retriable: false, kafkaErrorCode: 40 },
  INTERNAL: { code: 1099, retriable: false, kafkaErrorCode: -1 },

  // 2xxx: storage engine
  LOG_DIR_LOCKED: { code: 2001, retriable: false },
  LOG_DIR_OFFLINE: { code: 2002, retriable: false, kafkaErrorCode: 56 },
  STORAGE_IO: { code: 2003, retriable: false, kafkaErrorCode: 56 },
  CORRUPT_BATCH: { code: 2004, retriable: false, kafkaErrorCode: 2 },
  OFFSET_OUT_OF_RANGE: { code: 2005, retriable: false, kafkaErrorCode: 1 },
  INVALID_OFFSET: { code: 2006, retriable: false, kafkaErrorCode: 1 },
  RECORD_TOO_LARGE: { code: 2007, retriable: false, kafkaErrorCode: 10 },
  LOG_CLOSED: { code: 2008, retriable: true, kafkaErrorCode: 56 },
  UNKNOWN_FILE_FORMAT: { code: 2009, retriable: false },

  // 3xxx: broker
  REQUEST_TOO_LARGE: { code: 3001, retriable: false },
  UNSUPPORTED_API: { code: 3002, retriable: false, kafkaErrorCode: 35 },
  MALFORMED_REQUEST: { code: 3003, retriable: false, kafkaErrorCode: 42 },

  // 4xxx: metadata and controller
  NOT_CONTROLLER: { code: 4001, retriable: true, kafkaErrorCode: 41 },
  METADATA_LOG_CORRUPT: { code: 4002, retriable: false },
  TOPIC_EXISTS: { code: 4003, retriable: false, kafkaErrorCode: 36 },
  UNKNOWN_TOPIC: { code: 4004, retriable: true, kafkaErrorCode: 3 },
  CLUSTER_ID_MISMATCH: { code: 4005, retriable: false, kafkaErrorCode: 104 },
  STORAGE_NOT_FORMATTED: { code: 4006, retriable: false },

  // 5xxx: client
  CONNECTION_FAILED: { code: 5001, retriable: true, kafkaErrorCode: 13 },
  REQUEST_TIMED_OUT: { code: 5002, retriable: true, kafkaErrorCode: 7 },
  CLIENT_CLOSED: { code: 5003, retriable: false },
  NO_BROKERS: { code: 5004, retriable: true },

  // 6xxx: Kafka Connect (the ConnectException family of @nagare/connect-api)
  CONNECT: { code: 6001, retriable: false },
  CONNECT_DATA: { code: 6002, retriable: false },
  CONNECT_RETRIABLE: { code: 6003, retriable: true },
  CONNECT_NOT_FOUND: { code: 6004, retriable: false },
  CONNECT_ALREADY_EXISTS: { code: 6005, retriable: false },
  CONNECT_ILLEGAL_WORKER_STATE: { code: 6006, retriable: false },
} as const satisfies Record<string, ErrorDefinition>;

export type ErrorName = keyof typeof Errors;

export class NagareError extends Error {
  override readonly name = 'NagareError';
  readonly code: number;
  readonly retriable: boolean;
  readonly kafkaErrorCode: number | undefined;

  constructor(
    readonly kind: ErrorName,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    const def: ErrorDefinition = Errors[kind];
    this.code = def.code;
    this.retriable = def.retriable;
    this.kafkaErrorCode = def.kafkaErrorCode;
  }
}

export function isNagareError(e: unknown, kind?: ErrorName): e is NagareError {
  return e instanceof NagareError && (kind === undefined || e.kind === kind);
}
