/**
 * Reader/writer compatibility as Apache Avro's Java
 * `SchemaCompatibility.checkReaderWriterCompatibility` computes it (the
 * check Confluent's `AvroSchema.isBackwardCompatible` runs), following the
 * spec's "Schema Resolution": promotions int->long/float/double,
 * long->float/double, float->double, string<->bytes; reader record fields
 * missing in the writer need a default; enum symbols (or the reader's enum
 * default); unions branch by branch; named types match by unqualified name or
 * reader alias. Incompatibilities carry Avro's type, JSON-pointer location
 * and message, and are rendered as Confluent's `avro.Difference` strings.
 */
import { AvroField, AvroSchemaNode, RecordSchema, isNamed, typeConst } from './model';

export type IncompatibilityType = 'NAME_MISMATCH' | 'FIXED_SIZE_MISMATCH' | 'MISSING_ENUM_SYMBOLS' | 'READER_FIELD_MISSING_DEFAULT_VALUE' | 'TYPE_MISMATCH' | 'MISSING_UNION_BRANCH';

export interface Incompatibility {
  type: IncompatibilityType;
  location: string;
  message: string;
}

class Checker {
  private readonly memo = new Map<AvroSchemaNode, Map<AvroSchemaNode, Incompatibility[] | 'busy'>>();

  check(reader: AvroSchemaNode, writer: AvroSchemaNode, location: string[]): Incompatibility[] {
    let byWriter = this.memo.get(reader);
    if (!byWriter) this.memo.set(reader, (byWriter = new Map()));
    const m = byWriter.get(writer);
    if (m === 'busy') return []; // recursion in progress: assume compatible (as Avro does)
    if (m) return m;
    byWriter.set(writer, 'busy');
    const r = this.calculate(reader, writer, location);
    byWriter.set(writer, r);
    return r;
  }

  private sub(token: string, reader: AvroSchemaNode, writer: AvroSchemaNode, location: string[]): Incompatibility[] {
    location.push(token);
    const r = this.check(reader, writer, location);
    location.pop();
    return r;
  }

  private incompatible(type: IncompatibilityType, message: string, location: string[]): Incompatibility[] {
    const loc = '/' + location.slice(1).map((c) => c.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
    return [{ type, location: loc, message }];
  }

  private typeMismatch(reader: AvroSchemaNode, writer: AvroSchemaNode, location: string[]): Incompatibility[] {
    return this.incompatible('TYPE_MISMATCH', `reader type: ${typeConst(reader)} not compatible with writer type: ${typeConst(writer)}`, location);
  }

  private calculate(reader: AvroSchemaNode, writer: AvroSchemaNode, location: string[]): Incompatibility[] {
    const rt = typeConst(reader);
    const wt = typeConst(writer);
    if (rt === wt) {
      switch (reader.kind) {
        case 'primitive':
          return [];
        case 'array':
          return this.sub('items', reader.items, (writer as typeof reader).items, location);
        case 'map':
          return this.sub('values', reader.values, (writer as typeof reader).values, location);
        case 'fixed': {
          const w = writer as typeof reader;
          const out = this.checkNames(reader, w, location);
          location.push('size');
          if (reader.size !== w.size) out.push(...this.incompatible('FIXED_SIZE_MISMATCH', `expected: ${w.size}, found: ${reader.size}`, location));
          location.pop();
          return out;
        }
        case 'enum': {
          const w = writer as typeof reader;
          const out = this.checkNames(reader, w, location);
          location.push('symbols');
          const missing = [...new Set(w.symbols)].filter((s) => !reader.symbols.includes(s)).sort();
          if (missing.length > 0 && !(reader.enumDefault !== null && reader.symbols.includes(reader.enumDefault))) {
            out.push(...this.incompatible('MISSING_ENUM_SYMBOLS', `[${missing.join(', ')}]`, location));
          }
          location.pop();
          return out;
        }
        case 'record': {
          const w = writer as RecordSchema;
          const out = this.checkNames(reader, w, location);
          out.push(...this.checkFields(reader, w, location));
          return out;
        }
        case 'union': {
          const w = writer as typeof reader;
          const out: Incompatibility[] = [];
          w.types.forEach((branch, i) => {
            location.push(String(i));
            const c = this.check(reader, branch, location);
            if (c.length > 0) out.push(...this.incompatible('MISSING_UNION_BRANCH', `reader union lacking writer type: ${typeConst(branch)}`, location));
            location.pop();
          });
          return out;
        }
      }
    }
    // different types
    if (writer.kind === 'union') {
      const out: Incompatibility[] = [];
      writer.types.forEach((branch, i) => out.push(...this.sub(String(i), reader, branch, location)));
      return out;
    }
    switch (rt) {
      case 'LONG':
        return wt === 'INT' ? [] : this.typeMismatch(reader, writer, location);
      case 'FLOAT':
        return wt === 'INT' || wt === 'LONG' ? [] : this.typeMismatch(reader, writer, location);
      case 'DOUBLE':
        return wt === 'INT' || wt === 'LONG' || wt === 'FLOAT' ? [] : this.typeMismatch(reader, writer, location);
      case 'BYTES':
        return wt === 'STRING' ? [] : this.typeMismatch(reader, writer, location);
      case 'STRING':
        return wt === 'BYTES' ? [] : this.typeMismatch(reader, writer, location);
      case 'UNION': {
        for (const branch of (reader as { types: AvroSchemaNode[] }).types) {
          if (this.check(branch, writer, location).length === 0) return [];
        }
        return this.incompatible('MISSING_UNION_BRANCH', `reader union lacking writer type: ${wt}`, location);
      }
      default:
        return this.typeMismatch(reader, writer, location);
    }
  }

  private checkNames(reader: AvroSchemaNode, writer: AvroSchemaNode, location: string[]): Incompatibility[] {
    if (!isNamed(reader) || !isNamed(writer)) return [];
    location.push('name');
    let out: Incompatibility[] = [];
    if (!(reader.name === writer.name || reader.aliases.includes(writer.fullName))) {
      out = this.incompatible('NAME_MISMATCH', `expected: ${writer.fullName}`, location);
    }
    location.pop();
    return out;
  }

  private checkFields(reader: RecordSchema, writer: RecordSchema, location: string[]): Incompatibility[] {
    const out: Incompatibility[] = [];
    location.push('fields');
    for (const rf of reader.fields) {
      location.push(String(rf.pos));
      const wf = lookupWriterField(writer, rf);
      if (wf === null) {
        if (rf.defaultValue === undefined) {
          if (rf.type.kind === 'enum' && rf.type.enumDefault !== null) {
            // Avro compares the enum against a missing writer field here; there is nothing to compare.
          } else {
            out.push(...this.incompatible('READER_FIELD_MISSING_DEFAULT_VALUE', rf.name, location));
          }
        }
      } else {
        out.push(...this.sub('type', rf.type, wf.type, location));
      }
      location.pop();
    }
    location.pop();
    return out;
  }
}

function lookupWriterField(writer: RecordSchema, readerField: AvroField): AvroField | null {
  const found: AvroField[] = [];
  const direct = writer.fields.find((f) => f.name === readerField.name);
  if (direct) found.push(direct);
  for (const alias of readerField.aliases) {
    const f = writer.fields.find((x) => x.name === alias);
    if (f) found.push(f);
  }
  if (found.length === 0) return null;
  if (found.length > 1) throw new Error(`Reader record field ${readerField.name} matches multiple fields in writer record schema ${writer.fullName}`);
  return found[0];
}

/** The incompatibilities of reading data written with `writer` using `reader`. */
export function checkReaderWriterCompatibility(reader: AvroSchemaNode, writer: AvroSchemaNode): Incompatibility[] {
  return new Checker().check(reader, writer, ['']);
}

/** Confluent's `avro.Difference.toString()`; `%s` stands for the reader/writer prefix filled in later. */
export function differenceString(i: Incompatibility): string {
  let d = '';
  switch (i.type) {
    case 'FIXED_SIZE_MISMATCH':
      d = `The size of FIXED type field at path '${i.location}' in the %s schema does not match with the %s schema`;
      break;
    case 'TYPE_MISMATCH':
      d = `The type (path '${i.location}') of a field in the %s schema does not match with the %s schema`;
      break;
    case 'NAME_MISMATCH':
      d = `The name of the schema has changed (path '${i.location}')`;
      break;
    case 'MISSING_ENUM_SYMBOLS':
      d = `The %s schema is missing enum symbols '${i.message}' at path '${i.location}' in the %s schema`;
      break;
    case 'MISSING_UNION_BRANCH':
      d = `The %s schema is missing a type inside a union field at path '${i.location}' in the %s schema`;
      break;
    case 'READER_FIELD_MISSING_DEFAULT_VALUE':
      d = `The field '${i.message}' at path '${i.location}' in the %s schema has no default value and is missing in the %s schema`;
      break;
  }
  return `{errorType:'${i.type}', description:'${d}', additionalInfo:'${i.message}'}`;
}
