/**
 * A JSON Schema document loaded into the typed model Confluent's diff works
 * on (everit's `Schema` classes): `{}`/`true` is empty, `false` false,
 * `$ref` a reference, `type` picks string/number/integer/boolean/null/
 * object/array schemas (several types: anyOf), keywords without `type` imply
 * their type, and `enum`, `const`, `not`, `allOf`/`anyOf`/`oneOf` are
 * schemas of their own; several of these at once are combined with allOf.
 * Draft-04 to 2020-12 keywords are read (`definitions`/`$defs`,
 * `dependencies`/`dependentRequired`/`dependentSchemas`,
 * `items`/`prefixItems`, boolean and numeric `exclusiveMaximum`).
 */
import { JsonNumber, JsonObject, JsonValue, isObj, jsonEquals } from '../../util/json';

interface Common {
  id: string | null;
  title: string | null;
  description: string | null;
  defaultValue: JsonValue | undefined;
  connectType: string | null;
}

export type JS =
  | (Common & { k: 'empty' })
  | (Common & { k: 'false' })
  | (Common & { k: 'ref'; ref: string; resolve: () => JS | null })
  | (Common & { k: 'string'; minLength: number | null; maxLength: number | null; pattern: string | null })
  | (Common & { k: 'number'; minimum: number | null; maximum: number | null; exclusiveMinimum: number | null; exclusiveMaximum: number | null; multipleOf: string | null; requiresInteger: boolean })
  | (Common & { k: 'boolean' })
  | (Common & { k: 'null' })
  | (Common & {
      k: 'object';
      properties: Map<string, JS>;
      required: string[];
      permitsAdditional: boolean;
      schemaOfAdditional: JS | null;
      patternProperties: Array<[RegExp, JS]>;
      propertyDependencies: Map<string, string[]>;
      schemaDependencies: Map<string, JS>;
      minProperties: number | null;
      maxProperties: number | null;
    })
  | (Common & {
      k: 'array';
      allItemSchema: JS | null;
      itemSchemas: JS[] | null;
      permitsAdditionalItems: boolean;
      schemaOfAdditionalItems: JS | null;
      minItems: number | null;
      maxItems: number | null;
      uniqueItems: boolean;
    })
  | (Common & { k: 'enum'; values: JsonValue[] })
  | (Common & { k: 'const'; value: JsonValue })
  | (Common & { k: 'combined'; criterion: 'allOf' | 'anyOf' | 'oneOf'; subschemas: JS[] })
  | (Common & { k: 'not'; mustNotMatch: JS });

const OBJECT_KEYWORDS = ['properties', 'patternProperties', 'additionalProperties', 'required', 'minProperties', 'maxProperties', 'dependencies', 'dependentRequired', 'dependentSchemas', 'propertyNames'];
const ARRAY_KEYWORDS = ['items', 'prefixItems', 'additionalItems', 'minItems', 'maxItems', 'uniqueItems', 'contains'];
const STRING_KEYWORDS = ['minLength', 'maxLength', 'pattern', 'format'];
const NUMBER_KEYWORDS = ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'];

function num(v: JsonValue | undefined): number | null {
  return v instanceof JsonNumber ? v.value : null;
}
function str(v: JsonValue | undefined): string | null {
  return typeof v === 'string' ? v : null;
}

/** Resolves `$ref` values: local pointers into the document, and referenced documents by name. */
export class JsonSchemaLoader {
  private readonly cache = new Map<JsonValue, JS>();
  private readonly docs = new Map<string, JsonValue>();

  constructor(
    readonly root: JsonValue,
    /** Referenced documents by reference name (the `$ref` URL). */
    references: ReadonlyMap<string, JsonValue> = new Map(),
  ) {
    for (const [k, v] of references) this.docs.set(k, v);
  }

  load(node: JsonValue = this.root, doc: JsonValue = this.root): JS {
    const hit = this.cache.get(node);
    if (hit && node !== null && typeof node === 'object') return hit;
    const js = this.build(node, doc);
    if (node !== null && typeof node === 'object') this.cache.set(node, js);
    return js;
  }

  private common(o: JsonObject | null): Common {
    if (!o) return { id: null, title: null, description: null, defaultValue: undefined, connectType: null };
    return {
      id: str(o.get('$id')) ?? str(o.get('id')),
      title: str(o.get('title')),
      description: str(o.get('description')),
      defaultValue: o.has('default') ? o.get('default') : undefined,
      connectType: str(o.get('connect.type')),
    };
  }

  private pointer(doc: JsonValue, frag: string): JsonValue | undefined {
    if (frag === '' || frag === '/') return doc;
    let cur: JsonValue | undefined = doc;
    for (const raw of frag.replace(/^\//, '').split('/')) {
      const part = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
      if (isObj(cur)) cur = cur.get(part);
      else if (Array.isArray(cur)) cur = cur[Number(part)];
      else return undefined;
    }
    return cur;
  }

  /** The node a `$ref` points to (and the document it is in), or null. */
  resolveRef(ref: string, doc: JsonValue): { node: JsonValue; doc: JsonValue } | null {
    const hash = ref.indexOf('#');
    const base = hash >= 0 ? ref.slice(0, hash) : ref;
    const frag = hash >= 0 ? ref.slice(hash + 1) : '';
    let target: JsonValue | undefined = doc;
    if (base !== '') {
      target = this.docs.get(base);
      if (target === undefined) {
        // by $id, or by the last path segment of the URL
        for (const [name, d] of this.docs) {
          if ((isObj(d) && (str(d.get('$id')) === base || str(d.get('id')) === base)) || base.endsWith('/' + name)) {
            target = d;
            break;
          }
        }
      }
      if (target === undefined && isObj(this.root) && (str(this.root.get('$id')) === base || str(this.root.get('id')) === base)) target = this.root;
      if (target === undefined) return null;
    }
    const node = frag.startsWith('/') || frag === '' ? this.pointer(target, frag) : this.findAnchor(target, frag);
    return node === undefined ? null : { node, doc: target };
  }

  private findAnchor(doc: JsonValue, anchor: string): JsonValue | undefined {
    let found: JsonValue | undefined;
    const walk = (n: JsonValue): void => {
      if (found !== undefined) return;
      if (isObj(n)) {
        if (str(n.get('$anchor')) === anchor || str(n.get('$id')) === '#' + anchor) found = n;
        for (const v of n.entries.values()) walk(v);
      } else if (Array.isArray(n)) n.forEach(walk);
    };
    walk(doc);
    return found;
  }

  private build(node: JsonValue, doc: JsonValue): JS {
    if (node === true) return { k: 'empty', ...this.common(null) };
    if (node === false) return { k: 'false', ...this.common(null) };
    if (!isObj(node)) return { k: 'empty', ...this.common(null) };
    const c = this.common(node);
    const ref = str(node.get('$ref'));
    if (ref !== null) {
      let resolved: JS | null | undefined;
      return {
        k: 'ref',
        ref,
        ...c,
        resolve: () => {
          if (resolved !== undefined) return resolved;
          const r = this.resolveRef(ref, doc);
          resolved = r ? this.load(r.node, r.doc) : null;
          return resolved;
        },
      };
    }
    const parts: JS[] = [];
    const enumV = node.get('enum');
    if (Array.isArray(enumV)) parts.push({ k: 'enum', values: enumV, ...this.common(null) });
    if (node.has('const')) parts.push({ k: 'const', value: node.get('const')!, ...this.common(null) });
    const not = node.get('not');
    if (not !== undefined) parts.push({ k: 'not', mustNotMatch: this.load(not, doc), ...this.common(null) });
    for (const crit of ['allOf', 'anyOf', 'oneOf'] as const) {
      const v = node.get(crit);
      if (Array.isArray(v)) parts.push({ k: 'combined', criterion: crit, subschemas: v.map((s) => this.load(s, doc)), ...this.common(null) });
    }
    const typeNode = node.get('type');
    const types: string[] = typeof typeNode === 'string' ? [typeNode] : Array.isArray(typeNode) ? typeNode.filter((t): t is string => typeof t === 'string') : [];
    if (types.length > 0) {
      const typed = types.map((t) => this.typed(t, node, doc, true));
      parts.push(typed.length === 1 ? typed[0] : { k: 'combined', criterion: 'anyOf', subschemas: typed, ...this.common(null) });
    } else {
      const implied: JS[] = [];
      if (OBJECT_KEYWORDS.some((k) => node.has(k))) implied.push(this.typed('object', node, doc, false));
      if (ARRAY_KEYWORDS.some((k) => node.has(k))) implied.push(this.typed('array', node, doc, false));
      if (STRING_KEYWORDS.some((k) => node.has(k))) implied.push(this.typed('string', node, doc, false));
      if (NUMBER_KEYWORDS.some((k) => node.has(k))) implied.push(this.typed('number', node, doc, false));
      if (implied.length === 1) parts.push(implied[0]);
      else if (implied.length > 1) parts.push({ k: 'combined', criterion: 'anyOf', subschemas: implied, ...this.common(null) });
    }
    if (parts.length === 0) return { k: 'empty', ...c };
    if (parts.length === 1) return { ...parts[0], ...c } as JS;
    return { k: 'combined', criterion: 'allOf', subschemas: parts, ...c };
  }

  private typed(type: string, o: JsonObject, doc: JsonValue, explicit: boolean): JS {
    const c = this.common(null);
    switch (type) {
      case 'string':
        return { k: 'string', minLength: num(o.get('minLength')), maxLength: num(o.get('maxLength')), pattern: str(o.get('pattern')), ...c };
      case 'number':
      case 'integer': {
        let exMax = num(o.get('exclusiveMaximum'));
        let exMin = num(o.get('exclusiveMinimum'));
        let max = num(o.get('maximum'));
        let min = num(o.get('minimum'));
        // draft-04: boolean exclusive flags turn the limit exclusive
        if (o.get('exclusiveMaximum') === true && max !== null) {
          exMax = max;
          max = null;
        }
        if (o.get('exclusiveMinimum') === true && min !== null) {
          exMin = min;
          min = null;
        }
        const mo = o.get('multipleOf');
        return { k: 'number', minimum: min, maximum: max, exclusiveMinimum: exMin, exclusiveMaximum: exMax, multipleOf: mo instanceof JsonNumber ? mo.raw : null, requiresInteger: type === 'integer', ...c };
      }
      case 'boolean':
        return { k: 'boolean', ...c };
      case 'null':
        return { k: 'null', ...c };
      case 'object': {
        const props = new Map<string, JS>();
        const p = o.get('properties');
        if (isObj(p)) for (const [k, v] of p.entries) props.set(k, this.load(v, doc));
        const req = o.get('required');
        const required = Array.isArray(req) ? req.filter((x): x is string => typeof x === 'string') : [];
        const ap = o.get('additionalProperties');
        const pp = o.get('patternProperties');
        const patternProperties: Array<[RegExp, JS]> = [];
        if (isObj(pp)) {
          for (const [k, v] of pp.entries) {
            try {
              patternProperties.push([new RegExp(k, 'u'), this.load(v, doc)]);
            } catch {
              patternProperties.push([new RegExp(k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), this.load(v, doc)]);
            }
          }
        }
        const propertyDependencies = new Map<string, string[]>();
        const schemaDependencies = new Map<string, JS>();
        for (const key of ['dependencies', 'dependentRequired', 'dependentSchemas']) {
          const d = o.get(key);
          if (!isObj(d)) continue;
          for (const [k, v] of d.entries) {
            if (Array.isArray(v)) propertyDependencies.set(k, v.filter((x): x is string => typeof x === 'string'));
            else schemaDependencies.set(k, this.load(v, doc));
          }
        }
        return {
          k: 'object',
          properties: props,
          required,
          permitsAdditional: ap !== false,
          schemaOfAdditional: ap !== undefined && ap !== true && ap !== false ? this.load(ap, doc) : null,
          patternProperties,
          propertyDependencies,
          schemaDependencies,
          minProperties: num(o.get('minProperties')),
          maxProperties: num(o.get('maxProperties')),
          ...c,
        };
      }
      case 'array': {
        const items = o.get('items');
        const prefix = o.get('prefixItems');
        let allItemSchema: JS | null = null;
        let itemSchemas: JS[] | null = null;
        let additional = o.get('additionalItems');
        if (Array.isArray(prefix)) {
          itemSchemas = prefix.map((s) => this.load(s, doc));
          additional = items;
        } else if (Array.isArray(items)) itemSchemas = items.map((s) => this.load(s, doc));
        else if (items !== undefined) allItemSchema = this.load(items, doc);
        return {
          k: 'array',
          allItemSchema,
          itemSchemas,
          permitsAdditionalItems: additional !== false,
          schemaOfAdditionalItems: additional !== undefined && additional !== true && additional !== false ? this.load(additional, doc) : null,
          minItems: num(o.get('minItems')),
          maxItems: num(o.get('maxItems')),
          uniqueItems: o.get('uniqueItems') === true,
          ...c,
        };
      }
      default:
        void explicit;
        return { k: 'empty', ...c };
    }
  }
}

export function hasDefault(s: JS): boolean {
  return s.defaultValue !== undefined;
}

export function defaultsEqual(a: JS, b: JS): boolean {
  if (a.defaultValue === undefined || b.defaultValue === undefined) return a.defaultValue === b.defaultValue;
  return jsonEquals(a.defaultValue, b.defaultValue);
}
