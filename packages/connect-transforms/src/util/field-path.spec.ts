/** The cases of Kafka's `SingleFieldPathTest`, `FieldPathNotationTest` and `FieldSyntaxVersionTest` (KIP-821). */
import { AbstractConfig, ConfigDef, ConfigException, Schema, SchemaBuilder, Struct } from '@nagare/connect-api';
import { SingleFieldPath, appendFieldSyntaxVersionConfig, fieldSyntaxVersionFromConfig } from './field-path';

const pathV2 = (p: string) => new SingleFieldPath(p, 'V2');

describe('field path notation', () => {
  it.each(['foo.bar.baz', 'foo`bar`', 'foo.`bar.baz`'])('V1 keeps %s whole', (p) => {
    expect(new SingleFieldPath(p, 'V1').path()).toEqual([p]);
  });
  it.each<[string, string[]]>([
    ['..', ['', '', '']],
    ['foo..', ['foo', '', '']],
    ['.bar.', ['', 'bar', '']],
    ['..baz', ['', '', 'baz']],
    ['', []],
    ['foobarbaz', ['foobarbaz']],
    ['foo.bar.baz', ['foo', 'bar', 'baz']],
    ['foo`bar`baz', ['foo`bar`baz']],
    ['`foo.bar.baz`', ['foo.bar.baz']],
    ['foo.`bar.baz`', ['foo', 'bar.baz']],
    ['`foo.bar`.baz', ['foo.bar', 'baz']],
    ['foo.`bar`.baz', ['foo', 'bar', 'baz']],
    ['foo.``bar.baz`', ['foo', '`bar.baz']],
    ['foo.`bar.baz``', ['foo', 'bar.baz`']],
    ['foo.`ba`r.baz`', ['foo', 'ba`r.baz']],
    ['foo.ba`r.baz', ['foo', 'ba`r', 'baz']],
    ['foo.``bar``.baz', ['foo', '`bar`', 'baz']],
    ['``foo.bar.baz``', ['`foo.bar.baz`']],
    ['foo.`bar\\`.baz`', ['foo', 'bar`.baz']],
    ['foo.`bar.`baz`', ['foo', 'bar.`baz']],
    ['foo.`bar\\`.`baz`', ['foo', 'bar`.`baz']],
    ['foo.`bar\\\\`.\\`baz`', ['foo', 'bar\\`.\\`baz']],
  ])('V2 parses %j', (p, steps) => {
    expect(pathV2(p).path()).toEqual(steps);
  });
  it.each([
    ['`foo.bar.baz', 0],
    ['foo.`bar.baz', 4],
    ['foo.bar.`baz', 8],
    ['foo.bar.`baz\\`', 8],
  ])('V2 refuses the incomplete backtick pair in %j', (p, at) => {
    expect(() => pathV2(p)).toThrow(ConfigException);
    expect(() => pathV2(p)).toThrow(`Incomplete backtick pair in path: [${p}], consider adding a backslash before backtick at position ${at} to escape it`);
  });
});

describe('SingleFieldPath', () => {
  const barSchema = SchemaBuilder.struct().field('bar', Schema.INT32_SCHEMA).build();
  const schema = SchemaBuilder.struct().field('foo', barSchema).build();
  it('finds fields', () => {
    expect(pathV2('foo.bar').fieldFrom(schema)).toBe(barSchema.field('bar'));
    expect(pathV2('foo').fieldFrom(schema)).toBe(schema.field('foo'));
  });
  it('returns null for unknown fields', () => {
    expect(pathV2('un.known').fieldFrom(schema)).toBeNull();
    expect(pathV2('foo.unknown').fieldFrom(schema)).toBeNull();
    expect(pathV2('unknown').fieldFrom(schema)).toBeNull();
    expect(pathV2('test').fieldFrom(null)).toBeNull();
  });
  const map = { foo: { bar: 42, baz: null } };
  it('finds values in maps, null when absent', () => {
    expect(pathV2('foo.bar').valueFromMap(map)).toBe(42);
    expect(pathV2('foo.baz').valueFromMap(map)).toBeNull();
    for (const p of ['un.known', 'foo.unknown', 'unknown', 'foo.baz.inner']) expect(pathV2(p).valueFromMap(map)).toBeNull();
  });
  it('finds values in structs, null when absent', () => {
    const bazSchema = SchemaBuilder.struct().field('inner', Schema.STRING_SCHEMA).optional().build();
    const bar2 = SchemaBuilder.struct().field('bar', Schema.INT32_SCHEMA).field('baz', bazSchema).build();
    const s2 = SchemaBuilder.struct().field('foo', bar2).build();
    const struct = new Struct(s2).put('foo', new Struct(bar2).put('bar', 42).put('baz', null));
    expect(pathV2('foo.bar').valueFromStruct(struct)).toBe(42);
    expect(pathV2('foo.baz').valueFromStruct(struct)).toBeNull();
    for (const p of ['un.known', 'foo.unknown', 'unknown', 'foo.baz.inner']) expect(pathV2(p).valueFromStruct(struct)).toBeNull();
  });
});

describe('field.syntax.version', () => {
  it('appends the config with default V1, once', () => {
    const def = appendFieldSyntaxVersionConfig(new ConfigDef());
    expect(def.configKeys().size).toBe(1);
    expect(def.configKeys().get('field.syntax.version')!.defaultValue).toBe('V1');
    expect(() => appendFieldSyntaxVersionConfig(def)).toThrow('Configuration field.syntax.version is defined twice.');
  });
  it.each([
    ['v1', 'V1'],
    ['v2', 'V2'],
    ['V1', 'V1'],
    ['V2', 'V2'],
  ])('reads %s as %s', (input, version) => {
    expect(fieldSyntaxVersionFromConfig(new AbstractConfig(appendFieldSyntaxVersionConfig(new ConfigDef()), { 'field.syntax.version': input }))).toBe(version);
  });
  it.each(['v3', 'V 1', 'v', 'V 2', '2', '1'])('refuses %j', (input) => {
    expect(() => new AbstractConfig(appendFieldSyntaxVersionConfig(new ConfigDef()), { 'field.syntax.version': input })).toThrow(
      `Invalid value ${input} for configuration field.syntax.version: String must be one of (case insensitive): V1, V2`,
    );
  });
});
