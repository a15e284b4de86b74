/**
 * How control managers refuse something: a ControlError carries the Kafka error code and message
 * that the item (topic, partition, resource, broker) answers with; `perItem` turns it into that
 * item's error fields and lets other failures through.
 */
export class ControlError extends Error {
  override readonly name = 'ControlError';
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** Runs one item of a command; a ControlError becomes that item's error code and message. */
export function perItem<T extends { errorCode: number; errorMessage: string | null }>(base: T, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ControlError) return { ...base, errorCode: e.code, errorMessage: e.message };
    throw e;
  }
}

/** What a control manager's command produces: records to commit atomically and the reply. */
export interface ControllerResult<T> {
  readonly records: import('@nagare/metadata').MetadataRecord[];
  readonly result: T;
}
