/**
 * The connector's SMT chain (`TransformationChain`, `TransformationStage`)
 * built from its config as `ConnectorConfig` reads it:
 * `transforms=a,b`, `transforms.a.type=<class or alias>`,
 * `transforms.a.<key>=...`, `transforms.a.predicate=<p>`,
 * `transforms.a.negate=true|false`; `predicates=p`, `predicates.p.type=...`.
 * A transform returning null drops the record (the rest of the chain is skipped).
 */
import { ConfigException, type ConnectRecord } from '@nagare/connect-api';
import type { Plugins } from '../plugins/plugins';
import { withPrefix } from '../util/properties';

interface TransformationLike {
  configure(configs: Record<string, unknown>): void;
  apply(record: ConnectRecord): ConnectRecord | null;
  close?(): void;
}
interface PredicateLike {
  configure(configs: Record<string, unknown>): void;
  test(record: ConnectRecord): boolean;
  close?(): void;
}

export interface TransformationStage {
  alias: string;
  className: string;
  transformation: TransformationLike;
  predicate: PredicateLike | null;
  negate: boolean;
}

export function aliases(value: string | undefined): string[] {
  if (value === undefined || value.trim() === '') return [];
  return value.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

export class TransformationChain {
  constructor(readonly stages: readonly TransformationStage[]) {}

  static fromConfig(props: Readonly<Record<string, string>>, plugins: Plugins): TransformationChain {
    const predicates = new Map<string, { p: PredicateLike; cls: string }>();
    for (const alias of aliases(props['predicates'])) {
      const type = props[`predicates.${alias}.type`];
      if (!type) throw new ConfigException(`Missing required configuration "predicates.${alias}.type" which has no default value.`);
      const desc = plugins.find(type);
      if (!desc || desc.type !== 'predicate') throw new ConfigException(`predicates.${alias}.type`, type, `Class ${type} could not be found.`);
      const p = new desc.ctor() as PredicateLike;
      const cfg = withPrefix(props, `predicates.${alias}.`);
      delete cfg.type;
      p.configure(cfg);
      predicates.set(alias, { p, cls: desc.className });
    }
    const stages: TransformationStage[] = [];
    for (const alias of aliases(props['transforms'])) {
      const type = props[`transforms.${alias}.type`];
      if (!type) throw new ConfigException(`Missing required configuration "transforms.${alias}.type" which has no default value.`);
      const desc = plugins.find(type);
      if (!desc || desc.type !== 'transformation') throw new ConfigException(`transforms.${alias}.type`, type, `Class ${type} could not be found.`);
      const cfg = withPrefix(props, `transforms.${alias}.`);
      const predName = cfg.predicate;
      const negate = (cfg.negate ?? 'false').trim().toLowerCase() === 'true';
      delete cfg.type;
      delete cfg.predicate;
      delete cfg.negate;
      const t = new desc.ctor() as TransformationLike;
      t.configure(cfg);
      let predicate: PredicateLike | null = null;
      if (predName !== undefined && predName.trim() !== '') {
        const p = predicates.get(predName.trim());
        if (!p) throw new ConfigException(`transforms.${alias}.predicate`, predName, 'Predicate not found');
        predicate = p.p;
      }
      stages.push({ alias, className: desc.className, transformation: t, predicate, negate });
    }
    return new TransformationChain(stages);
  }

  get empty(): boolean {
    return this.stages.length === 0;
  }

  /** Runs one stage (the runtime wraps each in the error handler). */
  static applyStage<R extends ConnectRecord>(stage: TransformationStage, record: R): R | null {
    if (stage.predicate !== null && stage.predicate.test(record) === stage.negate) return record;
    return stage.transformation.apply(record) as R | null;
  }

  close(): void {
    const closed = new Set<unknown>();
    for (const s of this.stages) {
      s.transformation.close?.();
      if (s.predicate && !closed.has(s.predicate)) {
        closed.add(s.predicate);
        s.predicate.close?.();
      }
    }
  }
}
