/**
 * The SMT contracts (`org.apache.kafka.connect.transforms.Transformation`
 * and `...transforms.predicates.Predicate`). Implementations live in
 * @nagare/connect-transforms; the runtime applies them in a chain.
 */
import type { ConfigDef } from '../config/config-def';
import type { ConnectRecord } from '../records/records';

/** Shared by plugins configured from a property map. */
export interface Configurable {
  configure(configs: Record<string, unknown>): void;
}

/** A single message transformation. */
export interface Transformation<R extends ConnectRecord<R> = ConnectRecord<any>> extends Configurable {
  /** The transformed record (may be the same object), or null to drop it. */
  apply(record: R): R | null;
  config(): ConfigDef;
  close(): void;
  /** Optional: Versioned plugins report their version. */
  version?(): string;
}

/** A condition on records, used to apply transformations conditionally (KIP-585). */
export interface Predicate<R extends ConnectRecord<R> = ConnectRecord<any>> extends Configurable {
  test(record: R): boolean;
  config(): ConfigDef;
  close(): void;
  version?(): string;
}

/** A class whose instances are transformations (what plugin discovery registers). */
export type TransformationClass = new () => Transformation<any>;
export type PredicateClass = new () => Predicate<any>;
