/**
 * `SingleFieldPath` and `FieldSyntaxVersion` (KIP-821): `V1` addresses a
 * top-level field by its whole name; `V2` splits on dots, with backticks
 * around names that contain dots (`` `foo.bar`.baz ``) and `` \` `` to
 * escape a backtick before a dot.
 */
import { CaseInsensitiveValidString, ConfigException, ConfigType, Importance, type AbstractConfig, type ConfigDef, type Field, type Schema, type Struct } from '@nagare/connect-api';
import { requireMapOrNull, requireStructOrNull, type SchemalessMap } from './requirements';

export type FieldSyntaxVersion = 'V1' | 'V2';

export const FIELD_SYNTAX_VERSION_CONFIG = 'field.syntax.version';
export const FIELD_SYNTAX_VERSION_DOC =
  'Defines the version of the syntax to access fields. If set to `V1`, then the field paths are limited to access the elements at the root level of the struct or map. ' +
  'If set to `V2`, the syntax will support accessing nested elements. To access nested elements, dotted notation is used. If dots are already included in the field name, ' +
  'then backtick pairs can be used to wrap field names containing dots. E.g. to access the subfield `baz` from a field named "foo.bar" in a struct/map the following format can be used to access its elements: "`foo.bar`.baz".';

export function appendFieldSyntaxVersionConfig(def: ConfigDef): ConfigDef {
  return def.define(FIELD_SYNTAX_VERSION_CONFIG, ConfigType.STRING, 'V1', CaseInsensitiveValidString.in('V1', 'V2'), Importance.HIGH, FIELD_SYNTAX_VERSION_DOC);
}

export function fieldSyntaxVersionFromConfig(config: AbstractConfig): FieldSyntaxVersion {
  const v = config.getString(FIELD_SYNTAX_VERSION_CONFIG)!;
  const up = v.toUpperCase();
  if (up !== 'V1' && up !== 'V2') throw new ConfigException(FIELD_SYNTAX_VERSION_CONFIG, v, 'Unrecognized field syntax version');
  return up;
}

export class SingleFieldPath {
  private readonly steps: readonly string[];

  constructor(
    pathText: string,
    readonly version: FieldSyntaxVersion,
  ) {
    this.steps = version === 'V1' ? [pathText] : buildFieldPathV2(pathText);
  }

  path(): string[] {
    return [...this.steps];
  }

  fieldFrom(schema: Schema | null): Field | null {
    if (schema === null) return null;
    let current = schema;
    for (let i = 0; i < this.steps.length - 1; i++) {
      const f = current.field(this.steps[i]);
      if (f === null) return null;
      current = f.schema();
    }
    return current.field(this.steps[this.steps.length - 1]);
  }

  valueFromStruct(struct: Struct | null, withDefault = true): unknown {
    if (struct === null) return null;
    let current: Struct | null = struct;
    for (let i = 0; i < this.steps.length - 1; i++) {
      if (current.schema().field(this.steps[i]) === null) return null;
      current = requireStructOrNull(current.get(this.steps[i]), 'nested field access');
      if (current === null) return null;
    }
    const last = this.steps[this.steps.length - 1];
    if (current.schema().field(last) === null) return null;
    return withDefault ? current.get(last) : current.getWithoutDefault(last);
  }

  valueFromMap(map: SchemalessMap | null): unknown {
    if (map === null) return null;
    let current: SchemalessMap | null = map;
    for (let i = 0; i < this.steps.length - 1; i++) {
      current = requireMapOrNull(current[this.steps[i]], 'nested field access');
      if (current === null) return null;
    }
    return current[this.steps[this.steps.length - 1]] ?? null;
  }

  toString(): string {
    return `SingleFieldPath{version=${this.version}, path=${this.steps.join('.')}}`;
  }
}

function failIncomplete(path: string, at: number): never {
  throw new ConfigException(`Incomplete backtick pair in path: [${path}], consider adding a backslash before backtick at position ${at} to escape it`);
}

function buildFieldPathV2(path: string): string[] {
  const steps: string[] = [];
  let idx = 0;
  while (idx < path.length && idx >= 0) {
    if (path[idx] !== '`') {
      const start = idx;
      idx = path.indexOf('.', idx);
      if (idx >= 0) {
        steps.push(path.slice(start, idx));
        idx++;
      } else steps.push(path.slice(start));
    } else {
      const backtickAt = idx;
      idx++;
      let field = '';
      let start = idx;
      for (;;) {
        idx = path.indexOf('`', idx);
        if (idx === -1) failIncomplete(path, backtickAt);
        const escaped = path[idx - 1] === '\\';
        if (idx >= path.length - 1) {
          if (escaped) failIncomplete(path, backtickAt);
          field += path.slice(start, idx);
          steps.push(field);
          idx++;
          break;
        }
        if (path[idx + 1] !== '.') {
          idx++;
          continue;
        }
        if (escaped) {
          field += path.slice(start, idx - 1) + '`';
          idx++;
          start = idx;
          continue;
        }
        field += path.slice(start, idx);
        steps.push(field);
        idx += 2;
        break;
      }
    }
  }
  if (path.length > 0 && path[path.length - 1] === '.') steps.push('');
  return steps;
}
