/** Errors the herder raises, mapped to REST statuses by the REST layer (`ConnectExceptionMapper`). */
import { AlreadyExistsException, ConnectException, NotFoundException } from '@nagare/connect-api';

/** A 400 (`BadRequestException`). */
export class BadRequestLike extends ConnectException {
  readonly status = 400;
  constructor(message: string) {
    super(message);
  }
}

/** `ConnectRestException`: an explicit HTTP status and message. */
export class ConnectRestException extends ConnectException {
  constructor(
    readonly status: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * `RequestTargetException`: this worker cannot serve the request, the one at
 * `forwardUrl` can (or null when no such worker is known, e.g. mid-rebalance).
 */
export class RequestTargetException extends ConnectException {
  constructor(
    message: string,
    readonly forwardUrl: string | null,
  ) {
    super(message);
  }
}

/** `NotLeaderException`: only the leader may do this; forward to it. */
export class NotLeaderException extends RequestTargetException {}

/** `NotAssignedException`: another worker runs the connector/task; forward to it. */
export class NotAssignedException extends RequestTargetException {}

/** `RebalanceNeededException`: the request needs a rebalance to finish first (409). */
export class RebalanceNeededException extends ConnectException {}

export { AlreadyExistsException, ConnectException, NotFoundException };

/** The HTTP status of an error from the herder. */
export function httpStatusOf(e: unknown): number {
  if (e instanceof ConnectRestException) return e.status;
  if (e instanceof BadRequestLike) return 400;
  if (e instanceof NotFoundException) return 404;
  if (e instanceof AlreadyExistsException) return 409;
  if (e instanceof RebalanceNeededException) return 409;
  if (e && typeof e === 'object' && 'kafkaClass' in e && (e as { kafkaClass: string }).kafkaClass === 'org.apache.kafka.common.config.ConfigException') return 400;
  return 500;
}
