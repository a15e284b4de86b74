/**
 * The exception family of Kafka Connect (`org.apache.kafka.connect.errors`),
 * as NagareErrors so the runtime can report them uniformly. `ConfigException`
 * mirrors `org.apache.kafka.common.config.ConfigException` (same messages).
 */
import { NagareError, type ErrorName } from '@nagare/common';

/** Base of every Connect error (`org.apache.kafka.connect.errors.ConnectException`). */
export class ConnectException extends NagareError {
  /** The Kafka class name, for failure traces shown in status like Kafka's. */
  readonly kafkaClass: string;
  constructor(message: string, options?: { cause?: unknown }, kind: ErrorName = 'CONNECT', kafkaClass = 'org.apache.kafka.connect.errors.ConnectException') {
    super(kind, message, options);
    this.kafkaClass = kafkaClass;
  }
}

/** Data conversion/validation failure (`DataException`). */
export class DataException extends ConnectException {
  constructor(message: string, options?: { cause?: unknown }, kafkaClass = 'org.apache.kafka.connect.errors.DataException') {
    super(message, options, 'CONNECT_DATA', kafkaClass);
  }
}

/** Invalid SchemaBuilder usage (`SchemaBuilderException`, a DataException). */
export class SchemaBuilderException extends DataException {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options, 'org.apache.kafka.connect.errors.SchemaBuilderException');
  }
}

/** Schema projection failure (`SchemaProjectorException`, a DataException). */
export class SchemaProjectorException extends DataException {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options, 'org.apache.kafka.connect.errors.SchemaProjectorException');
  }
}

/** An operation that may succeed if retried (`RetriableException`). */
export class RetriableException extends ConnectException {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options, 'CONNECT_RETRIABLE', 'org.apache.kafka.connect.errors.RetriableException');
  }
}

/** `NotFoundException` (unknown connector, task, plugin...). */
export class NotFoundException extends ConnectException {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options, 'CONNECT_NOT_FOUND', 'org.apache.kafka.connect.errors.NotFoundException');
  }
}

/** `AlreadyExistsException`. */
export class AlreadyExistsException extends ConnectException {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options, 'CONNECT_ALREADY_EXISTS', 'org.apache.kafka.connect.errors.AlreadyExistsException');
  }
}

/** `IllegalWorkerStateException`. */
export class IllegalWorkerStateException extends ConnectException {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options, 'CONNECT_ILLEGAL_WORKER_STATE', 'org.apache.kafka.connect.errors.IllegalWorkerStateException');
  }
}

/**
 * `org.apache.kafka.common.config.ConfigException`. With (name, value, message)
 * the message reads `Invalid value <value> for configuration <name>: <message>`.
 */
export class ConfigException extends NagareError {
  readonly kafkaClass = 'org.apache.kafka.common.config.ConfigException';
  constructor(nameOrMessage: string, ...rest: [] | [value: unknown] | [value: unknown, message: string | undefined]) {
    super(
      'INVALID_CONFIG',
      rest.length === 0
        ? nameOrMessage
        : `Invalid value ${javaString(rest[0])} for configuration ${nameOrMessage}${rest[1] === undefined ? '' : ': ' + rest[1]}`,
    );
  }
}

/** How Java's `String.valueOf` would print a config value (lists as `[a, b]`). */
export function javaString(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return '[' + v.map(javaString).join(', ') + ']';
  if (typeof v === 'object' && v.constructor === Object) {
    return '{' + Object.entries(v as Record<string, unknown>).map(([k, x]) => `${k}=${javaString(x)}`).join(', ') + '}';
  }
  return String(v);
}
