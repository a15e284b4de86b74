/**
 * JSON Schema compatibility as Confluent's `json.diff.SchemaDiff` computes
 * it (original = old, update = new), over the typed model of model.ts:
 * type changes, keyword relaxations and restrictions, required properties,
 * open/closed/partially open content models for properties and items,
 * enums, combined types matched by maximum cardinality, `not`. Pairs are
 * memoized and recursion through `$ref` is cut optimistically, then
 * re-checked with the incompatible pairs found (as Confluent does).
 */
import { jsonEquals } from '../../util/json';
import { JS, defaultsEqual, hasDefault } from './model';

export type JsonDifferenceType = string;

export const COMPATIBLE_CHANGES: ReadonlySet<string> = new Set([
  'ID_CHANGED',
  'DESCRIPTION_CHANGED',
  'TITLE_CHANGED',
  'DEFAULT_CHANGED',
  'SCHEMA_REMOVED',
  'TYPE_EXTENDED',
  'MAX_LENGTH_INCREASED',
  'MAX_LENGTH_REMOVED',
  'MIN_LENGTH_DECREASED',
  'MIN_LENGTH_REMOVED',
  'PATTERN_REMOVED',
  'MAXIMUM_INCREASED',
  'MAXIMUM_REMOVED',
  'MINIMUM_DECREASED',
  'MINIMUM_REMOVED',
  'EXCLUSIVE_MAXIMUM_INCREASED',
  'EXCLUSIVE_MAXIMUM_REMOVED',
  'EXCLUSIVE_MINIMUM_DECREASED',
  'EXCLUSIVE_MINIMUM_REMOVED',
  'MULTIPLE_OF_REDUCED',
  'MULTIPLE_OF_REMOVED',
  'REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED',
  'REQUIRED_ATTRIBUTE_REMOVED',
  'DEPENDENCY_ARRAY_NARROWED',
  'DEPENDENCY_ARRAY_REMOVED',
  'DEPENDENCY_SCHEMA_REMOVED',
  'MAX_PROPERTIES_INCREASED',
  'MAX_PROPERTIES_REMOVED',
  'MIN_PROPERTIES_DECREASED',
  'MIN_PROPERTIES_REMOVED',
  'ADDITIONAL_PROPERTIES_ADDED',
  'ADDITIONAL_PROPERTIES_EXTENDED',
  'PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL',
  'REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL',
  'OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL',
  'PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL',
  'PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL',
  'PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL',
  'PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL',
  'MAX_ITEMS_INCREASED',
  'MAX_ITEMS_REMOVED',
  'MIN_ITEMS_DECREASED',
  'MIN_ITEMS_REMOVED',
  'UNIQUE_ITEMS_REMOVED',
  'ADDITIONAL_ITEMS_ADDED',
  'ADDITIONAL_ITEMS_EXTENDED',
  'ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL',
  'ITEM_ADDED_TO_CLOSED_CONTENT_MODEL',
  'ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL',
  'ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL',
  'ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL',
  'ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL',
  'ENUM_ARRAY_EXTENDED',
  'COMBINED_TYPE_EXTENDED',
  'PRODUCT_TYPE_NARROWED',
  'SUM_TYPE_EXTENDED',
  'NOT_TYPE_NARROWED',
]);

export interface JsonDifference {
  type: string;
  jsonPath: string;
}

type PairKey = string;

class Ctx {
  readonly path: string[] = [];
  readonly diffs: JsonDifference[] = [];
  constructor(
    readonly shared: { memo: Map<PairKey, JsonDifference[]>; inProgress: Set<PairKey>; seed: Map<PairKey, JsonDifference[]>; optimism: { used: boolean }; ids: WeakMap<object, number>; next: { n: number } },
  ) {}

  sub(): Ctx {
    const c = new Ctx(this.shared);
    c.path.push(...this.path);
    return c;
  }

  add(type: string, attribute?: string): void {
    const p = attribute === undefined ? this.path : [...this.path, attribute];
    this.diffs.push({ type, jsonPath: '#/' + p.join('/') });
  }

  in<T>(p: string, fn: () => T): T {
    this.path.push(p);
    try {
      return fn();
    } finally {
      this.path.pop();
    }
  }

  isCompatible(): boolean {
    return this.diffs.every((d) => COMPATIBLE_CHANGES.has(d.type));
  }

  id(o: object): number {
    let n = this.shared.ids.get(o);
    if (n === undefined) this.shared.ids.set(o, (n = this.shared.next.n++));
    return n;
  }

  addRebased(relative: readonly JsonDifference[]): void {
    if (this.path.length === 0) {
      this.diffs.push(...relative);
      return;
    }
    const prefix = '#/' + this.path.join('/');
    for (const d of relative) this.diffs.push({ type: d.type, jsonPath: d.jsonPath.length <= 2 ? prefix : prefix + '/' + d.jsonPath.slice(2) });
  }
}

function deref(s: JS): JS {
  if (s.k === 'ref') {
    const r = s.resolve();
    if (!r) throw new Error(`Unresolved $ref '${s.ref}'`);
    return r;
  }
  return s;
}

function compare(ctx: Ctx, original: JS | null, update: JS | null): void {
  if (original === null && update === null) return;
  if (original === null) return ctx.add('SCHEMA_ADDED');
  if (update === null) return ctx.add('SCHEMA_REMOVED');
  const o = deref(original);
  const u = deref(update);
  const key = `${ctx.id(o)}:${ctx.id(u)}`;
  const sh = ctx.shared;
  let result = sh.memo.get(key);
  if (!result) {
    if (sh.inProgress.has(key)) {
      const seeded = sh.seed.get(key);
      if (seeded) result = seeded;
      else {
        sh.optimism.used = true;
        result = [];
      }
    } else {
      sh.inProgress.add(key);
      try {
        const sub = new Ctx(sh);
        compareTypes(sub, o, u);
        result = sub.diffs;
        sh.memo.set(key, result);
      } finally {
        sh.inProgress.delete(key);
      }
    }
  }
  ctx.addRebased(result);
}

function typesEqual(a: JS, b: JS): boolean {
  return a.k === b.k;
}

function compareTypes(ctx: Ctx, original: JS, update: JS): void {
  if (original.k !== 'combined' && update.k === 'combined') {
    if (update.subschemas.length === 1) {
      const sub = ctx.sub();
      compare(sub, original, update.subschemas[0]);
      if (sub.isCompatible()) {
        ctx.diffs.push(...sub.diffs);
        return;
      }
    } else if (update.criterion === 'anyOf' || update.criterion === 'oneOf') {
      for (const s of update.subschemas) {
        const sub = ctx.sub();
        compare(sub, original, s);
        if (sub.isCompatible()) {
          ctx.diffs.push(...sub.diffs);
          ctx.add('SUM_TYPE_EXTENDED');
          return;
        }
      }
    }
  } else if (original.k === 'combined' && update.k !== 'combined') {
    if (original.subschemas.length === 1) {
      const sub = ctx.sub();
      compare(sub, original.subschemas[0], update);
      if (sub.isCompatible()) {
        ctx.diffs.push(...sub.diffs);
        return;
      }
    } else if (original.criterion === 'allOf') {
      for (const s of original.subschemas) {
        const sub = ctx.sub();
        compare(sub, s, update);
        if (sub.isCompatible()) {
          ctx.diffs.push(...sub.diffs);
          ctx.add('PRODUCT_TYPE_NARROWED');
          return;
        }
      }
    }
  }
  if (!typesEqual(original, update)) {
    if (original.k === 'false' || update.k === 'empty') return;
    if (original.connectType === 'bytes' && update.connectType === 'bytes') return;
    ctx.add('TYPE_CHANGED');
    return;
  }
  if (original.id !== update.id) ctx.add('ID_CHANGED');
  if (original.title !== update.title) ctx.add('TITLE_CHANGED');
  if (original.description !== update.description) ctx.add('DESCRIPTION_CHANGED');
  if (!defaultsEqual(original, update)) ctx.add('DEFAULT_CHANGED');
  switch (original.k) {
    case 'string':
      return compareString(ctx, original, update as typeof original);
    case 'number':
      return compareNumber(ctx, original, update as typeof original);
    case 'const':
      if (!jsonEquals(original.value, (update as typeof original).value)) ctx.add('ENUM_ARRAY_CHANGED', 'const');
      return;
    case 'enum':
      return compareEnum(ctx, original, update as typeof original);
    case 'combined':
      return compareCombined(ctx, original, update as typeof original);
    case 'not':
      return ctx.in('not', () => {
        const sub = ctx.sub();
        compare(sub, (update as typeof original).mustNotMatch, original.mustNotMatch);
        ctx.add(sub.isCompatible() ? 'NOT_TYPE_NARROWED' : 'NOT_TYPE_EXTENDED');
      });
    case 'object':
      return compareObject(ctx, original, update as typeof original);
    case 'array':
      return compareArray(ctx, original, update as typeof original);
    default:
  }
}

function limit(ctx: Ctx, attr: string, name: string, o: number | null, u: number | null): void {
  if (o === u) return;
  if (o === null) ctx.add(`${name}_ADDED`, attr);
  else if (u === null) ctx.add(`${name}_REMOVED`, attr);
  else if (o < u) ctx.add(`${name}_INCREASED`, attr);
  else if (o > u) ctx.add(`${name}_DECREASED`, attr);
}

function compareString(ctx: Ctx, o: Extract<JS, { k: 'string' }>, u: Extract<JS, { k: 'string' }>): void {
  limit(ctx, 'maxLength', 'MAX_LENGTH', o.maxLength, u.maxLength);
  limit(ctx, 'minLength', 'MIN_LENGTH', o.minLength, u.minLength);
  if (o.pattern === null && u.pattern !== null) ctx.add('PATTERN_ADDED', 'pattern');
  else if (o.pattern !== null && u.pattern === null) ctx.add('PATTERN_REMOVED', 'pattern');
  else if (o.pattern !== null && u.pattern !== null && o.pattern !== u.pattern) ctx.add('PATTERN_CHANGED', 'pattern');
}

function decimalRemainderZero(a: string, b: string): boolean {
  // a % b == 0 for decimal literals, exactly
  const scale = (s: string): number => (s.includes('.') ? s.split('.')[1].replace(/[eE].*/, '').length : 0);
  const k = Math.max(scale(a), scale(b));
  const toInt = (s: string): bigint => BigInt(Math.round(Number(s) * 10 ** k));
  const bi = toInt(b);
  return bi !== 0n && toInt(a) % bi === 0n;
}

function compareNumber(ctx: Ctx, o: Extract<JS, { k: 'number' }>, u: Extract<JS, { k: 'number' }>): void {
  limit(ctx, 'maximum', 'MAXIMUM', o.maximum, u.maximum);
  limit(ctx, 'minimum', 'MINIMUM', o.minimum, u.minimum);
  limit(ctx, 'exclusiveMaximum', 'EXCLUSIVE_MAXIMUM', o.exclusiveMaximum, u.exclusiveMaximum);
  limit(ctx, 'exclusiveMinimum', 'EXCLUSIVE_MINIMUM', o.exclusiveMinimum, u.exclusiveMinimum);
  const om = o.multipleOf;
  const um = u.multipleOf;
  const equal = om === null ? um === null : um !== null && Number(om) === Number(um);
  if (!equal) {
    if (om === null) ctx.add('MULTIPLE_OF_ADDED', 'multipleOf');
    else if (um === null) ctx.add('MULTIPLE_OF_REMOVED', 'multipleOf');
    else if (Number(om) !== 0 && decimalRemainderZero(um, om)) ctx.add('MULTIPLE_OF_EXPANDED', 'multipleOf');
    else if (Number(um) !== 0 && decimalRemainderZero(om, um)) ctx.add('MULTIPLE_OF_REDUCED', 'multipleOf');
    else ctx.add('MULTIPLE_OF_CHANGED', 'multipleOf');
  }
  if (o.requiresInteger !== u.requiresInteger) ctx.add(o.requiresInteger ? 'TYPE_EXTENDED' : 'TYPE_NARROWED');
}

function containsAll(a: readonly unknown[], b: readonly unknown[]): boolean {
  return b.every((x) => a.some((y) => jsonEquals(y as never, x as never)));
}

function compareEnum(ctx: Ctx, o: Extract<JS, { k: 'enum' }>, u: Extract<JS, { k: 'enum' }>): void {
  const same = o.values.length === u.values.length && containsAll(o.values, u.values) && containsAll(u.values, o.values);
  if (same) return;
  if (containsAll(u.values, o.values)) ctx.add('ENUM_ARRAY_EXTENDED', 'enum');
  else if (containsAll(o.values, u.values)) ctx.add('ENUM_ARRAY_NARROWED', 'enum');
  else ctx.add('ENUM_ARRAY_CHANGED', 'enum');
}

/** Maximum bipartite matching (augmenting paths). */
function maxMatching(edges: Array<[number, number, JsonDifference[]]>, left: number): Array<[number, number, JsonDifference[]]> {
  const adj: Array<Array<[number, JsonDifference[]]>> = Array.from({ length: left }, () => []);
  for (const [l, r, v] of edges) adj[l].push([r, v]);
  const matchR = new Map<number, number>();
  const valueOf = new Map<string, JsonDifference[]>();
  for (const [l, r, v] of edges) valueOf.set(`${l}:${r}`, v);
  const tryL = (l: number, seen: Set<number>): boolean => {
    for (const [r] of adj[l]) {
      if (seen.has(r)) continue;
      seen.add(r);
      const cur = matchR.get(r);
      if (cur === undefined || tryL(cur, seen)) {
        matchR.set(r, l);
        return true;
      }
    }
    return false;
  };
  for (let l = 0; l < left; l++) tryL(l, new Set());
  return [...matchR].map(([r, l]) => [l, r, valueOf.get(`${l}:${r}`)!]);
}

function compareCombined(ctx: Ctx, o: Extract<JS, { k: 'combined' }>, u: Extract<JS, { k: 'combined' }>): void {
  let type: string | null = null;
  const single = (s: Extract<JS, { k: 'combined' }>): boolean => s.subschemas.length === 1;
  if (o.criterion !== u.criterion) {
    if (u.criterion === 'anyOf' || (single(o) && single(u)) || (single(o) && u.criterion === 'oneOf') || (single(u) && o.criterion === 'allOf')) type = 'COMBINED_TYPE_EXTENDED';
    else type = 'COMBINED_TYPE_CHANGED';
    ctx.add(type);
  }
  if (type === 'COMBINED_TYPE_CHANGED') return;
  const os = o.subschemas;
  const us = u.subschemas;
  if (os.length < us.length) ctx.add(u.criterion === 'allOf' ? 'PRODUCT_TYPE_EXTENDED' : 'SUM_TYPE_EXTENDED');
  else if (os.length > us.length) ctx.add(o.criterion === 'anyOf' || o.criterion === 'oneOf' ? 'SUM_TYPE_NARROWED' : 'PRODUCT_TYPE_NARROWED');
  const edges: Array<[number, number, JsonDifference[]]> = [];
  os.forEach((a, i) =>
    ctx.in(`${o.criterion}/${i}`, () => {
      us.forEach((b, j) => {
        const sub = ctx.sub();
        compare(sub, a, b);
        if (sub.isCompatible()) edges.push([i, j, sub.diffs]);
      });
    }),
  );
  const matching = maxMatching(edges, os.length);
  for (const [, , v] of matching) ctx.diffs.push(...v);
  if (matching.length < Math.min(os.length, us.length)) ctx.add('COMBINED_TYPE_SUBSCHEMAS_CHANGED');
}

type Obj = Extract<JS, { k: 'object' }>;

function isOpenObject(s: Obj): boolean {
  return s.patternProperties.length === 0 && s.schemaOfAdditional === null && s.permitsAdditional;
}

function partialSchema(s: Obj, key: string): JS | null {
  for (const [re, js] of s.patternProperties) if (re.test(key)) return js;
  return s.schemaOfAdditional;
}

function compareObject(ctx: Ctx, o: Obj, u: Obj): void {
  ctx.in('required', () => {
    for (const key of o.properties.keys()) {
      if (!u.properties.has(key)) continue;
      ctx.in(key, () => {
        const or = o.required.includes(key);
        const ur = u.required.includes(key);
        if (or && !ur) ctx.add('REQUIRED_ATTRIBUTE_REMOVED');
        else if (!or && ur) ctx.add(hasDefault(u.properties.get(key)!) ? 'REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED' : 'REQUIRED_ATTRIBUTE_ADDED');
      });
    }
  });
  ctx.in('properties', () => {
    for (const key of new Set([...o.properties.keys(), ...u.properties.keys()])) {
      ctx.in(key, () => {
        const os = o.properties.get(key) ?? null;
        const us = u.properties.get(key) ?? null;
        if (us === null) {
          if (isOpenObject(u)) ctx.add('PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL');
          else {
            const partial = partialSchema(u, key);
            if (partial) {
              const sub = ctx.sub();
              compare(sub, os, partial);
              ctx.diffs.push(...sub.diffs);
              ctx.add(sub.isCompatible() ? 'PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL' : 'PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL');
            } else ctx.add(os!.k === 'false' ? 'PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL' : 'PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL');
          }
        } else if (os === null) {
          if (isOpenObject(o)) ctx.add(us.k === 'empty' ? 'PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL' : 'PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL');
          else {
            const partial = partialSchema(o, key);
            if (partial) {
              const sub = ctx.sub();
              compare(sub, partial, us);
              ctx.diffs.push(...sub.diffs);
              ctx.add(sub.isCompatible() ? 'PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL' : 'PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL');
            }
            if (u.required.includes(key)) ctx.add(hasDefault(us) ? 'REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL' : 'REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL');
            else ctx.add('OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL');
          }
        } else compare(ctx, os, us);
      });
    }
  });
  ctx.in('dependencies', () => {
    for (const key of new Set([...o.propertyDependencies.keys(), ...u.propertyDependencies.keys()])) {
      ctx.in(key, () => {
        const od = o.propertyDependencies.get(key);
        const ud = u.propertyDependencies.get(key);
        if (!ud) ctx.add('DEPENDENCY_ARRAY_REMOVED');
        else if (!od) ctx.add('DEPENDENCY_ARRAY_ADDED');
        else {
          const eq = od.length === ud.length && od.every((x) => ud.includes(x));
          if (!eq) {
            if (od.every((x) => ud.includes(x))) ctx.add('DEPENDENCY_ARRAY_EXTENDED');
            else if (ud.every((x) => od.includes(x))) ctx.add('DEPENDENCY_ARRAY_NARROWED');
            else ctx.add('DEPENDENCY_ARRAY_CHANGED');
          }
        }
      });
    }
    for (const key of new Set([...o.schemaDependencies.keys(), ...u.schemaDependencies.keys()])) {
      ctx.in(key, () => {
        const os = o.schemaDependencies.get(key);
        const us = u.schemaDependencies.get(key);
        if (!us) ctx.add('DEPENDENCY_SCHEMA_REMOVED');
        else if (!os) ctx.add('DEPENDENCY_SCHEMA_ADDED');
        else compare(ctx, os, us);
      });
    }
  });
  ctx.in('additionalProperties', () => {
    if (o.permitsAdditional !== u.permitsAdditional) ctx.add(u.permitsAdditional ? 'ADDITIONAL_PROPERTIES_ADDED' : 'ADDITIONAL_PROPERTIES_REMOVED');
    else if (o.schemaOfAdditional === null && u.schemaOfAdditional !== null) ctx.add('ADDITIONAL_PROPERTIES_NARROWED');
    else if (u.schemaOfAdditional === null && o.schemaOfAdditional !== null) ctx.add('ADDITIONAL_PROPERTIES_EXTENDED');
    else compare(ctx, o.schemaOfAdditional, u.schemaOfAdditional);
  });
  limit(ctx, 'maxProperties', 'MAX_PROPERTIES', o.maxProperties, u.maxProperties);
  limit(ctx, 'minProperties', 'MIN_PROPERTIES', o.minProperties, u.minProperties);
}

type Arr = Extract<JS, { k: 'array' }>;

function compareArray(ctx: Ctx, o: Arr, u: Arr): void {
  ctx.in('items', () => compare(ctx, o.allItemSchema, u.allItemSchema));
  const oi = o.itemSchemas ?? [];
  const ui = u.itemSchemas ?? [];
  const open = (s: Arr): boolean => s.schemaOfAdditionalItems === null && s.permitsAdditionalItems;
  const n = Math.min(oi.length, ui.length);
  for (let i = 0; i < n; i++) ctx.in(`items/${i}`, () => compare(ctx, oi[i], ui[i]));
  for (let i = n; i < oi.length; i++) {
    ctx.in(`items/${i}`, () => {
      if (open(u)) ctx.add('ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL');
      else if (u.schemaOfAdditionalItems) {
        const sub = ctx.sub();
        compare(sub, oi[i], u.schemaOfAdditionalItems);
        ctx.diffs.push(...sub.diffs);
        ctx.add(sub.isCompatible() ? 'ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL' : 'ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL');
      } else ctx.add(oi[i].k === 'false' ? 'ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL' : 'ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL');
    });
  }
  for (let i = n; i < ui.length; i++) {
    ctx.in(`items/${i}`, () => {
      if (open(o)) ctx.add(ui[i].k === 'empty' ? 'ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL' : 'ITEM_ADDED_TO_OPEN_CONTENT_MODEL');
      else if (o.schemaOfAdditionalItems) {
        const sub = ctx.sub();
        compare(sub, o.schemaOfAdditionalItems, ui[i]);
        ctx.diffs.push(...sub.diffs);
        ctx.add(sub.isCompatible() ? 'ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL' : 'ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL');
      } else ctx.add('ITEM_ADDED_TO_CLOSED_CONTENT_MODEL');
    });
  }
  ctx.in('additionalItems', () => {
    if (o.permitsAdditionalItems !== u.permitsAdditionalItems) ctx.add(o.permitsAdditionalItems ? 'ADDITIONAL_ITEMS_REMOVED' : 'ADDITIONAL_ITEMS_ADDED');
    else if (o.schemaOfAdditionalItems === null && u.schemaOfAdditionalItems !== null) ctx.add('ADDITIONAL_ITEMS_NARROWED');
    else if (u.schemaOfAdditionalItems === null && o.schemaOfAdditionalItems !== null) ctx.add('ADDITIONAL_ITEMS_EXTENDED');
    else compare(ctx, o.schemaOfAdditionalItems, u.schemaOfAdditionalItems);
  });
  limit(ctx, 'maxItems', 'MAX_ITEMS', o.maxItems, u.maxItems);
  limit(ctx, 'minItems', 'MIN_ITEMS', o.minItems, u.minItems);
  if (o.uniqueItems !== u.uniqueItems) ctx.add(o.uniqueItems ? 'UNIQUE_ITEMS_REMOVED' : 'UNIQUE_ITEMS_ADDED', 'uniqueItems');
}

/** `SchemaDiff.compare(original, update)`. */
export function jsonSchemaDiff(original: JS, update: JS): JsonDifference[] {
  let seed = new Map<PairKey, JsonDifference[]>();
  const ids = new WeakMap<object, number>();
  const next = { n: 0 };
  for (let round = 0; round < 10; round++) {
    const shared = { memo: new Map<PairKey, JsonDifference[]>(), inProgress: new Set<PairKey>(), seed, optimism: { used: false }, ids, next };
    const ctx = new Ctx(shared);
    compare(ctx, original, update);
    const incompatible = new Map<PairKey, JsonDifference[]>();
    for (const [k, v] of shared.memo) if (v.some((d) => !COMPATIBLE_CHANGES.has(d.type))) incompatible.set(k, v);
    const sameKeys = incompatible.size === seed.size && [...incompatible.keys()].every((k) => seed.has(k));
    if (!shared.optimism.used || sameKeys) return ctx.diffs;
    seed = incompatible;
  }
  return [];
}

const KEYWORD_ADDED_OR_REMOVED = new Set(['MAXIMUM_ADDED', 'MINIMUM_ADDED', 'EXCLUSIVE_MAXIMUM_ADDED', 'EXCLUSIVE_MINIMUM_ADDED', 'MULTIPLE_OF_ADDED', 'MAX_LENGTH_ADDED', 'MIN_LENGTH_ADDED', 'PATTERN_ADDED', 'REQUIRED_ATTRIBUTE_ADDED', 'MAX_PROPERTIES_ADDED', 'MIN_PROPERTIES_ADDED', 'DEPENDENCY_ARRAY_ADDED', 'DEPENDENCY_SCHEMA_ADDED', 'MAX_ITEMS_ADDED', 'MIN_ITEMS_ADDED', 'UNIQUE_ITEMS_ADDED', 'ADDITIONAL_ITEMS_REMOVED', 'ADDITIONAL_PROPERTIES_REMOVED']);
const VALUE_INCREASED = new Set(['MIN_LENGTH_INCREASED', 'MINIMUM_INCREASED', 'EXCLUSIVE_MINIMUM_INCREASED', 'MIN_PROPERTIES_INCREASED', 'MULTIPLE_OF_EXPANDED', 'MIN_ITEMS_INCREASED']);
const VALUE_DECREASED = new Set(['MAX_LENGTH_DECREASED', 'MAXIMUM_DECREASED', 'MAX_ITEMS_DECREASED', 'EXCLUSIVE_MAXIMUM_DECREASED', 'MAX_PROPERTIES_DECREASED']);
const TYPE_NARROWED = new Set(['ADDITIONAL_ITEMS_NARROWED', 'ENUM_ARRAY_NARROWED', 'SUM_TYPE_NARROWED', 'ADDITIONAL_PROPERTIES_NARROWED']);
const VALUE_CHANGED = new Set(['PATTERN_CHANGED', 'MULTIPLE_OF_CHANGED', 'DEPENDENCY_ARRAY_CHANGED']);
const TYPE_CHANGED = new Set(['TYPE_CHANGED', 'TYPE_NARROWED', 'COMBINED_TYPE_CHANGED', 'COMBINED_TYPE_SUBSCHEMAS_CHANGED', 'ENUM_ARRAY_CHANGED']);
const TYPE_EXTENDED = new Set(['DEPENDENCY_ARRAY_EXTENDED', 'PRODUCT_TYPE_EXTENDED', 'SUM_TYPE_EXTENDED', 'NOT_TYPE_EXTENDED']);

/** `json.diff.Difference.toString()`. */
export function jsonDifferenceString(d: JsonDifference): string {
  const p = d.jsonPath;
  const t = d.type;
  let m = '';
  if (KEYWORD_ADDED_OR_REMOVED.has(t)) m = `The keyword at path '${p}' in the %s schema is not present in the %s schema`;
  else if (VALUE_INCREASED.has(t)) m = `The value at path '${p}' in the %s schema is more than its value in the %s schema`;
  else if (VALUE_DECREASED.has(t)) m = `The value at path '${p}' in the %s schema is less than its value in the %s schema`;
  else if (VALUE_CHANGED.has(t)) m = `The value at path '${p}' is different between the %s and %s schema`;
  else if (TYPE_NARROWED.has(t)) m = `An array or combined type at path '${p}' has fewer elements in the %s schema than the %s schema`;
  else if (TYPE_EXTENDED.has(t)) m = `An array or combined type at path '${p}' has more elements in the %s schema than the %s schema`;
  else if (TYPE_CHANGED.has(t)) m = `A type at path '${p}' is different between the %s schema and the %s schema`;
  else if (t === 'PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL' || t === 'ITEM_ADDED_TO_OPEN_CONTENT_MODEL') m = `The %s schema has an open content model and has a property or item at path '${p}' which is missing in the %s schema`;
  else if (t === 'REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL') m = `The %s schema has an unopen content model and has a required property at path '${p}' which is missing in the %s schema`;
  else if (t === 'PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL' || t === 'ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL') m = `The %s has a closed content model and is missing a property or item present at path '${p}' in the %s schema`;
  else if (t === 'PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL' || t === 'ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL') m = `A property or item is missing in the %s schema but present at path '${p}' in the %s schema and is not covered by its partially open content model`;
  else if (t === 'PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL' || t === 'ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL') m = `The %s schema has a property or item at path '${p}' which is missing in the %s schema and is not covered by its partially open content model`;
  return `{errorType:"${t}", description:"${m}'}`;
}
