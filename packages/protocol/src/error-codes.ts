/** Lookups over Kafka's error-code table (generated from the protocol's errors.tsv). */
import { ERROR_TABLE } from './generated/errors';

const BY_CODE = new Map(ERROR_TABLE.map((e) => [e.code, e]));

export interface KafkaErrorInfo {
  readonly code: number;
  readonly name: string;
  readonly retriable: boolean;
}

export function errorInfo(code: number): KafkaErrorInfo | undefined {
  return BY_CODE.get(code);
}

/** The error's name, e.g. `UNKNOWN_TOPIC_OR_PARTITION`, or `UNKNOWN_ERROR_CODE_<n>`. */
export function errorName(code: number): string {
  return BY_CODE.get(code)?.name ?? `UNKNOWN_ERROR_CODE_${code}`;
}

export function isRetriable(code: number): boolean {
  return BY_CODE.get(code)?.retriable ?? false;
}

/** A Kafka error code carried as an exception, for client-side code paths. */
export class KafkaProtocolError extends Error {
  override readonly name = 'KafkaProtocolError';
  readonly errorName: string;
  readonly retriable: boolean;
  /** The error message the broker sent with the code, if any (as opposed to the caller's context). */
  readonly serverMessage: string | null;
  constructor(
    readonly code: number,
    detail?: string | null,
    options?: { serverMessage?: string | null },
  ) {
    super(detail ? `${errorName(code)}: ${detail}` : errorName(code));
    this.errorName = errorName(code);
    this.retriable = isRetriable(code);
    this.serverMessage = options?.serverMessage ?? null;
  }
}
