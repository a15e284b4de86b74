/**
 * The connector's SMT chain: @nagare/connect-transforms' `TransformationChain`
 * built from the connector config (`transforms`, `transforms.<a>.type`,
 * `.predicate`, `.negate`, `predicates`), resolving class names and aliases
 * through the worker's plugins (built-ins and `plugin.path`).
 */
import { TransformationChain } from '@nagare/connect-transforms';
import type { ConnectRecord, PredicateClass, TransformationClass } from '@nagare/connect-api';
import type { Plugins } from '../plugins/plugins';

export function transformationChain<R extends ConnectRecord<R>>(props: Readonly<Record<string, string>>, plugins: Plugins): TransformationChain<R> {
  return TransformationChain.fromConfig<R>(props, {
    resolveTransformation: (name) => {
      const d = plugins.find(name);
      return d?.type === 'transformation' ? (d.ctor as TransformationClass) : undefined;
    },
    resolvePredicate: (name) => {
      const d = plugins.find(name);
      return d?.type === 'predicate' ? (d.ctor as PredicateClass) : undefined;
    },
  });
}
