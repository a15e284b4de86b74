/** Errors the herder raises, mapped to REST statuses by the REST layer (`ConnectExceptionMapper`). */
import { AlreadyExistsException, ConnectException, NotFoundException } from '@nagare/connect-api';

/** A 400 (`BadRequestException`). */
export class BadRequestLike extends ConnectException {
  readonly status = 400;
  constructor(message: string) {
    super(message);
  }
}

export { AlreadyExistsException, ConnectException, NotFoundException };

/** The HTTP status of an error from the herder. */
export function httpStatusOf(e: unknown): number {
  if (e instanceof BadRequestLike) return 400;
  if (e instanceof NotFoundException) return 404;
  if (e instanceof AlreadyExistsException) return 409;
  if (e && typeof e === 'object' && 'kafkaClass' in e && (e as { kafkaClass: string }).kafkaClass === 'org.apache.kafka.common.config.ConfigException') return 400;
  return 500;
}
