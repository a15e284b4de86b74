/**
 * JSON Schema: drafts 4 to 2020-12 parse (ajv), the canonical string
 * (Jackson's compact form in document order), and every Difference type of
 * Confluent's json SchemaDiff named compatible in its COMPATIBLE_CHANGES,
 * with incompatible counterparts, including open/closed/partially open
 * content models.
 */
import { InvalidSchemaError } from '../types';
import { JsonParsedSchema, JsonSchemaProvider } from './provider';

const p = new JsonSchemaProvider();
const parse = (s: unknown): JsonParsedSchema => p.parse(typeof s === 'string' ? s : JSON.stringify(s), [], { isNew: true });

describe('parsing and canonical form', () => {
  it('keeps key order, prints compactly, numbers as Jackson', () => {
    expect(parse('{ "type" : "object", "properties": { "b": {"type":"number","maximum": 1e2}, "a": {"type":"integer", "minimum": 10} } }').canonicalString()).toBe(
      '{"type":"object","properties":{"b":{"type":"number","maximum":100.0},"a":{"type":"integer","minimum":10}}}',
    );
    expect(parse('{"type":"object","properties":{"1":{},"a":{}}}').canonicalString()).toBe('{"type":"object","properties":{"1":{},"a":{}}}');
    expect(parse('true').canonicalString()).toBe('true');
  });

  it.each([
    ['draft-04', { $schema: 'http://json-schema.org/draft-04/schema#', id: 'http://x/y', type: 'number', maximum: 5, exclusiveMaximum: true }],
    ['draft-06', { $schema: 'http://json-schema.org/draft-06/schema#', type: 'number', exclusiveMaximum: 5 }],
    ['draft-07', { $schema: 'http://json-schema.org/draft-07/schema#', if: { type: 'string' }, then: { minLength: 1 } }],
    ['2019-09', { $schema: 'https://json-schema.org/draft/2019-09/schema', type: 'object', dependentRequired: { a: ['b'] }, $defs: { x: { type: 'string' } } }],
    ['2020-12', { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'array', prefixItems: [{ type: 'string' }], items: false }],
  ])('%s parses', (draft, s) => {
    expect(parse(s).draft).toBe(draft);
  });

  it('invalid schemas and unresolvable refs are 42201 material', () => {
    const err = (s: unknown) => {
      try {
        parse(s);
      } catch (e) {
        expect(e).toBeInstanceOf(InvalidSchemaError);
        return (e as Error).message;
      }
      throw new Error('parsed');
    };
    expect(err({ type: 'nope' })).toMatch(/^schema is invalid: data\/type must be equal to one of the allowed values/);
    expect(err({ $ref: '#/definitions/missing' })).toBe("can't resolve reference #/definitions/missing from id #");
    expect(err('[1]')).toBe('Invalid JSON Schema: expected an object or a boolean, got [1]');
    expect(err('{"type":')).toMatch(/^Unexpected end-of-input/);
  });

  it('normalization sorts keys', () => {
    expect(parse({ type: 'object', properties: { b: {}, a: {} } }).normalize().canonicalString()).toBe('{"properties":{"a":{},"b":{}},"type":"object"}');
  });
});

describe('compatibility (SchemaDiff: original = old, update = new)', () => {
  const diffTypes = (oldS: unknown, newS: unknown): string[] => parse(newS).isBackwardCompatible(parse(oldS)).map((m) => /errorType:"([A-Z_]+)"/.exec(m)![1]);
  const obj = (props: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ type: 'object', properties: props, ...extra });
  const closed = (props: Record<string, unknown>, extra: Record<string, unknown> = {}) => obj(props, { additionalProperties: false, ...extra });

  it.each([
    ['ID_CHANGED', { $id: 'a', type: 'string' }, { $id: 'b', type: 'string' }],
    ['DESCRIPTION_CHANGED', { type: 'string', description: 'a' }, { type: 'string', description: 'b' }],
    ['TITLE_CHANGED', { type: 'string', title: 'a' }, { type: 'string', title: 'b' }],
    ['DEFAULT_CHANGED', { type: 'string', default: 'a' }, { type: 'string', default: 'b' }],
    ['SCHEMA_REMOVED', obj({ a: { type: 'string' } }, { additionalProperties: { type: 'string' } }), obj({ a: { type: 'string' } })],
    ['TYPE_EXTENDED (integer to number)', { type: 'integer' }, { type: 'number' }],
    ['MAX_LENGTH_INCREASED', { type: 'string', maxLength: 5 }, { type: 'string', maxLength: 9 }],
    ['MAX_LENGTH_REMOVED', { type: 'string', maxLength: 5 }, { type: 'string' }],
    ['MIN_LENGTH_DECREASED', { type: 'string', minLength: 5 }, { type: 'string', minLength: 1 }],
    ['MIN_LENGTH_REMOVED', { type: 'string', minLength: 5 }, { type: 'string' }],
    ['PATTERN_REMOVED', { type: 'string', pattern: '^a' }, { type: 'string' }],
    ['MAXIMUM_INCREASED', { type: 'number', maximum: 5 }, { type: 'number', maximum: 9 }],
    ['MAXIMUM_REMOVED', { type: 'number', maximum: 5 }, { type: 'number' }],
    ['MINIMUM_DECREASED', { type: 'number', minimum: 5 }, { type: 'number', minimum: 1 }],
    ['MINIMUM_REMOVED', { type: 'number', minimum: 5 }, { type: 'number' }],
    ['EXCLUSIVE_MAXIMUM_INCREASED', { type: 'number', exclusiveMaximum: 5 }, { type: 'number', exclusiveMaximum: 9 }],
    ['EXCLUSIVE_MAXIMUM_REMOVED', { type: 'number', exclusiveMaximum: 5 }, { type: 'number' }],
    ['EXCLUSIVE_MINIMUM_DECREASED', { type: 'number', exclusiveMinimum: 5 }, { type: 'number', exclusiveMinimum: 1 }],
    ['EXCLUSIVE_MINIMUM_REMOVED', { type: 'number', exclusiveMinimum: 5 }, { type: 'number' }],
    ['MULTIPLE_OF_REDUCED', { type: 'number', multipleOf: 10 }, { type: 'number', multipleOf: 5 }],
    ['MULTIPLE_OF_REMOVED', { type: 'number', multipleOf: 10 }, { type: 'number' }],
    ['REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED', obj({ a: { type: 'string', default: 'x' } }), obj({ a: { type: 'string', default: 'x' } }, { required: ['a'] })],
    ['REQUIRED_ATTRIBUTE_REMOVED', obj({ a: { type: 'string' } }, { required: ['a'] }), obj({ a: { type: 'string' } })],
    ['DEPENDENCY_ARRAY_NARROWED', obj({}, { dependencies: { a: ['b', 'c'] } }), obj({}, { dependencies: { a: ['b'] } })],
    ['DEPENDENCY_ARRAY_REMOVED', obj({}, { dependencies: { a: ['b'] } }), obj({})],
    ['DEPENDENCY_SCHEMA_REMOVED', obj({}, { dependencies: { a: { required: ['b'] } } }), obj({})],
    ['MAX_PROPERTIES_INCREASED', obj({}, { maxProperties: 2 }), obj({}, { maxProperties: 3 })],
    ['MAX_PROPERTIES_REMOVED', obj({}, { maxProperties: 2 }), obj({})],
    ['MIN_PROPERTIES_DECREASED', obj({}, { minProperties: 2 }), obj({}, { minProperties: 1 })],
    ['MIN_PROPERTIES_REMOVED', obj({}, { minProperties: 2 }), obj({})],
    ['ADDITIONAL_PROPERTIES_ADDED', closed({}), obj({})],
    ['ADDITIONAL_PROPERTIES_EXTENDED', obj({}, { additionalProperties: { type: 'string' } }), obj({})],
    ['PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL', obj({}), obj({ a: {} })],
    ['REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL', closed({}), closed({ a: { type: 'string', default: 'x' } }, { required: ['a'] })],
    ['OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL', closed({}), closed({ a: { type: 'string' } })],
    ['PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL', closed({ a: false }), closed({})],
    ['PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL', obj({ a: { type: 'string' } }), obj({})],
    ['PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL', obj({}, { additionalProperties: { type: 'string' } }), obj({ a: { type: 'string' } }, { additionalProperties: { type: 'string' } })],
    ['PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL', obj({ a: { type: 'string' } }, { patternProperties: { '^a': { type: 'string' } } }), obj({}, { patternProperties: { '^a': { type: 'string' } } })],
    ['MAX_ITEMS_INCREASED', { type: 'array', maxItems: 2 }, { type: 'array', maxItems: 3 }],
    ['MAX_ITEMS_REMOVED', { type: 'array', maxItems: 2 }, { type: 'array' }],
    ['MIN_ITEMS_DECREASED', { type: 'array', minItems: 2 }, { type: 'array', minItems: 1 }],
    ['MIN_ITEMS_REMOVED', { type: 'array', minItems: 2 }, { type: 'array' }],
    ['UNIQUE_ITEMS_REMOVED', { type: 'array', uniqueItems: true }, { type: 'array' }],
    ['ADDITIONAL_ITEMS_ADDED', { type: 'array', items: [{ type: 'string' }], additionalItems: false }, { type: 'array', items: [{ type: 'string' }] }],
    ['ADDITIONAL_ITEMS_EXTENDED', { type: 'array', items: [{ type: 'string' }], additionalItems: { type: 'string' } }, { type: 'array', items: [{ type: 'string' }] }],
    ['ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL', { type: 'array', items: [{ type: 'string' }] }, { type: 'array', items: [{ type: 'string' }, {}] }],
    ['ITEM_ADDED_TO_CLOSED_CONTENT_MODEL', { type: 'array', items: [{ type: 'string' }], additionalItems: false }, { type: 'array', items: [{ type: 'string' }, { type: 'string' }], additionalItems: false }],
    ['ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL', { type: 'array', items: [{ type: 'string' }, false], additionalItems: false }, { type: 'array', items: [{ type: 'string' }], additionalItems: false }],
    ['ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL', { type: 'array', items: [{ type: 'string' }, { type: 'string' }] }, { type: 'array', items: [{ type: 'string' }] }],
    ['ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL', { type: 'array', items: [{ type: 'string' }], additionalItems: { type: 'string' } }, { type: 'array', items: [{ type: 'string' }, { type: 'string' }], additionalItems: { type: 'string' } }],
    ['ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL', { type: 'array', items: [{ type: 'string' }, { type: 'string' }], additionalItems: { type: 'string' } }, { type: 'array', items: [{ type: 'string' }], additionalItems: { type: 'string' } }],
    ['ENUM_ARRAY_EXTENDED', { enum: ['a'] }, { enum: ['a', 'b'] }],
    ['COMBINED_TYPE_EXTENDED', { oneOf: [{ type: 'string' }, { type: 'integer' }] }, { anyOf: [{ type: 'string' }, { type: 'integer' }] }],
    ['PRODUCT_TYPE_NARROWED', { allOf: [{ type: 'string' }, { maxLength: 5 }] }, { allOf: [{ type: 'string' }] }],
    ['SUM_TYPE_EXTENDED', { oneOf: [{ type: 'string' }] }, { oneOf: [{ type: 'string' }, { type: 'integer' }] }],
    ['SUM_TYPE_EXTENDED (a type becomes one of several)', { type: 'string' }, { oneOf: [{ type: 'string' }, { type: 'integer' }] }],
    ['NOT_TYPE_NARROWED', { not: { type: 'string' } }, { not: { type: 'string', maxLength: 3 } }],
  ])('compatible: %s', (_name, before, after) => {
    expect(diffTypes(before, after)).toEqual([]);
  });

  it.each([
    ['TYPE_CHANGED', { type: 'string' }, { type: 'integer' }],
    ['TYPE_NARROWED', { type: 'number' }, { type: 'integer' }],
    ['MAX_LENGTH_ADDED', { type: 'string' }, { type: 'string', maxLength: 3 }],
    ['MAX_LENGTH_DECREASED', { type: 'string', maxLength: 5 }, { type: 'string', maxLength: 3 }],
    ['MIN_LENGTH_INCREASED', { type: 'string', minLength: 1 }, { type: 'string', minLength: 3 }],
    ['PATTERN_ADDED', { type: 'string' }, { type: 'string', pattern: '^a' }],
    ['PATTERN_CHANGED', { type: 'string', pattern: '^a' }, { type: 'string', pattern: '^b' }],
    ['MAXIMUM_DECREASED', { type: 'number', maximum: 5 }, { type: 'number', maximum: 1 }],
    ['MINIMUM_INCREASED', { type: 'number', minimum: 1 }, { type: 'number', minimum: 5 }],
    ['MULTIPLE_OF_EXPANDED', { type: 'number', multipleOf: 5 }, { type: 'number', multipleOf: 10 }],
    ['MULTIPLE_OF_CHANGED', { type: 'number', multipleOf: 3 }, { type: 'number', multipleOf: 5 }],
    ['REQUIRED_ATTRIBUTE_ADDED', obj({ a: { type: 'string' } }), obj({ a: { type: 'string' } }, { required: ['a'] })],
    ['ADDITIONAL_PROPERTIES_REMOVED', obj({}), closed({})],
    ['ADDITIONAL_PROPERTIES_NARROWED', obj({}), obj({}, { additionalProperties: { type: 'string' } })],
    ['PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL', obj({}), obj({ a: { type: 'string' } })],
    ['REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL', closed({}), closed({ a: { type: 'string' } }, { required: ['a'] })],
    ['PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL', closed({ a: { type: 'string' } }), closed({})],
    ['PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL', obj({}, { additionalProperties: { type: 'string' } }), obj({ a: { type: 'integer' } }, { additionalProperties: { type: 'string' } })],
    ['ENUM_ARRAY_NARROWED', { enum: ['a', 'b'] }, { enum: ['a'] }],
    ['ENUM_ARRAY_CHANGED', { enum: ['a'] }, { enum: ['b'] }],
    ['COMBINED_TYPE_CHANGED', { anyOf: [{ type: 'string' }, { type: 'integer' }] }, { allOf: [{ type: 'string' }, { type: 'integer' }] }],
    ['SUM_TYPE_NARROWED', { oneOf: [{ type: 'string' }, { type: 'integer' }] }, { oneOf: [{ type: 'string' }] }],
    ['PRODUCT_TYPE_EXTENDED', { allOf: [{ type: 'string' }] }, { allOf: [{ type: 'string' }, { maxLength: 5 }] }],
    ['NOT_TYPE_EXTENDED', { not: { type: 'string', maxLength: 3 } }, { not: { type: 'string' } }],
    ['UNIQUE_ITEMS_ADDED', { type: 'array' }, { type: 'array', uniqueItems: true }],
    ['ITEM_ADDED_TO_OPEN_CONTENT_MODEL', { type: 'array', items: [{ type: 'string' }] }, { type: 'array', items: [{ type: 'string' }, { type: 'integer' }] }],
    ['ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL', { type: 'array', items: [{ type: 'string' }, { type: 'string' }], additionalItems: false }, { type: 'array', items: [{ type: 'string' }], additionalItems: false }],
  ])('incompatible: %s', (name, before, after) => {
    expect(diffTypes(before, after)).toContain(name.split(' ')[0]);
  });

  it('messages carry the JSON path (and Confluent’s closing quote)', () => {
    expect(parse(obj({ a: { type: 'integer' } })).isBackwardCompatible(parse(obj({ a: { type: 'string' } })))).toEqual([
      `{errorType:"TYPE_CHANGED", description:"A type at path '#/properties/a' is different between the %s schema and the %s schema'}`,
    ]);
  });

  it('recursive $refs terminate', () => {
    const tree = { type: 'object', properties: { child: { $ref: '#' }, v: { type: 'string' } } };
    expect(diffTypes(tree, tree)).toEqual([]);
    expect(diffTypes(tree, { type: 'object', properties: { child: { $ref: '#' }, v: { type: 'integer' } } })).toContain('TYPE_CHANGED');
  });
});
