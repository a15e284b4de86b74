import { AbstractConfig } from './abstract-config';
import {
  CaseInsensitiveValidString,
  ConfigDef,
  ConfigType,
  Importance,
  NO_DEFAULT_VALUE,
  NonEmptyString,
  Password,
  Range,
  ValidList,
  ValidString,
  type Recommender,
} from './config-def';
import { ConfigException } from '../errors/errors';

describe('ConfigDef.parse (ConfigDefTest cases)', () => {
  const def = () =>
    new ConfigDef()
      .define('a', ConfigType.INT, 5, Range.between(0, 14), Importance.HIGH, 'docs')
      .define('b', ConfigType.LONG, Importance.HIGH, 'docs')
      .define('c', ConfigType.STRING, 'hello', Importance.HIGH, 'docs')
      .define('d', ConfigType.LIST, Importance.HIGH, 'docs')
      .define('e', ConfigType.DOUBLE, Importance.HIGH, 'docs')
      .define('f', ConfigType.CLASS, Importance.HIGH, 'docs')
      .define('g', ConfigType.BOOLEAN, Importance.HIGH, 'docs')
      .define('h', ConfigType.BOOLEAN, Importance.HIGH, 'docs')
      .define('i', ConfigType.BOOLEAN, Importance.HIGH, 'docs')
      .define('j', ConfigType.PASSWORD, Importance.HIGH, 'docs');

  it('parses typed values from strings', () => {
    const v = def().parse({ a: '1   ', b: '2', d: ' a , b, c', e: '42.5d', f: 'org.example.Foo', g: 'true', h: 'FalSE', i: 'TRUE', j: 'password' });
    expect(v).toEqual({ a: 1, b: 2, c: 'hello', d: ['a', 'b', 'c'], e: 42.5, f: 'org.example.Foo', g: true, h: false, i: true, j: new Password('password') });
    expect(String(v.j)).toBe('[hidden]');
  });

  it('reports a missing required key', () => {
    expect(() => new ConfigDef().define('a', ConfigType.INT, Importance.HIGH, 'docs').parse({})).toThrow(
      new ConfigException('Missing required configuration "a" which has no default value.'),
    );
  });

  it.each([
    [ConfigType.INT, 'hello', 'Invalid value hello for configuration name: Not a number of type INT'],
    [ConfigType.INT, '2147483648', 'Invalid value 2147483648 for configuration name: Not a number of type INT'],
    [ConfigType.INT, 1.5, 'Invalid value 1.5 for configuration name: Expected value to be a 32-bit integer, but it was a java.lang.Double'],
    [ConfigType.SHORT, '40000', 'Invalid value 40000 for configuration name: Not a number of type SHORT'],
    [ConfigType.LONG, 'x', 'Invalid value x for configuration name: Not a number of type LONG'],
    [ConfigType.DOUBLE, 'x', 'Invalid value x for configuration name: Not a number of type DOUBLE'],
    [ConfigType.BOOLEAN, 'yes', 'Invalid value yes for configuration name: Expected value to be either true or false'],
    [ConfigType.BOOLEAN, 1, 'Invalid value 1 for configuration name: Expected value to be either true or false'],
    [ConfigType.STRING, 5, 'Invalid value 5 for configuration name: Expected value to be a string, but it was a java.lang.Integer'],
    [ConfigType.LIST, 5, 'Invalid value 5 for configuration name: Expected a comma separated list.'],
  ])('type %s rejects %p', (type, value, message) => {
    expect(() => new ConfigDef().define('name', type, Importance.HIGH, 'docs').parse({ name: value })).toThrow(new ConfigException(message));
  });

  it('runs validators on given values and on defaults at definition time', () => {
    expect(() => def().parse({ a: '20', b: '1', d: '', e: '1', f: 'x', g: 'true', h: 'true', i: 'true', j: 'p' })).toThrow('Invalid value 20 for configuration a: Value must be no more than 14');
    expect(() => new ConfigDef().define('a', ConfigType.INT, -1, Range.atLeast(0), Importance.HIGH, 'docs')).toThrow('Invalid value -1 for configuration a: Value must be at least 0');
    expect(() => new ConfigDef().define('a', ConfigType.INT, 1, Importance.HIGH, 'x').define('a', ConfigType.INT, 1, Importance.HIGH, 'x')).toThrow('Configuration a is defined twice.');
  });

  it('validators: messages and toString', () => {
    expect(() => ValidString.in('good', 'values').ensureValid('name', 'bad')).toThrow('Invalid value bad for configuration name: String must be one of: good, values');
    expect(ValidString.in('a', 'b').toString()).toBe('[a, b]');
    expect(() => CaseInsensitiveValidString.in('none', 'all').ensureValid('t', 'ALL')).not.toThrow();
    expect(() => CaseInsensitiveValidString.in('none', 'all').ensureValid('t', 'some')).toThrow('Invalid value some for configuration t: String must be one of (case insensitive): none, all');
    expect(() => ValidList.in('a', 'b').ensureValid('l', ['a', 'c'])).toThrow('Invalid value c for configuration l: String must be one of: a, b');
    expect(() => new NonEmptyString().ensureValid('s', '')).toThrow('Invalid value  for configuration s: String must be non-empty');
    expect(() => Range.atLeast(0).ensureValid('r', null)).toThrow('Invalid value null for configuration r: Value must be non-null');
    expect(Range.between(1, 5).toString()).toBe('[1,...,5]');
    expect(Range.atLeast(1).toString()).toBe('[1,...]');
  });

  it('convertToString writes lists comma-joined', () => {
    expect(ConfigDef.convertToString(['a', 'b'], ConfigType.LIST)).toBe('a,b');
    expect(ConfigDef.convertToString(new Password('s'), ConfigType.PASSWORD)).toBe('s');
    expect(ConfigDef.convertToString(1, ConfigType.DOUBLE)).toBe('1.0');
  });
});

describe('ConfigDef.validate', () => {
  it('collects every error instead of throwing, with values and visibility', () => {
    const def = new ConfigDef()
      .define('a', ConfigType.INT, Importance.HIGH, 'docs')
      .define('b', ConfigType.INT, 5, Range.atLeast(0), Importance.HIGH, 'docs')
      .define('c', ConfigType.STRING, 'x', Importance.HIGH, 'docs');
    const result = new Map(def.validate({ b: 'nope', c: 'y' }).map((v) => [v.name, v]));
    expect(result.get('a')!.errorMessages).toEqual(['Missing required configuration "a" which has no default value.']);
    expect(result.get('b')!.errorMessages).toEqual(['Invalid value nope for configuration b: Not a number of type INT', 'Invalid value null for configuration b: Value must be non-null']);
    expect(result.get('c')!.errorMessages).toEqual([]);
    expect(result.get('c')!.value).toBe('y');
    expect(result.get('c')!.toString()).toBe('[c,y,[],[],true]');
  });

  it('asks recommenders for valid values and visibility, following dependents', () => {
    const rec: Recommender = {
      validValues: (_n, parsed) => (parsed['mode'] === 'x' ? ['1', '2'] : []),
      visible: (_n, parsed) => parsed['mode'] === 'x',
    };
    const def = new ConfigDef()
      .define({ name: 'mode', type: ConfigType.STRING, defaultValue: 'x', importance: Importance.HIGH, documentation: 'd', dependents: ['dep'], group: 'G' })
      .define({ name: 'dep', type: ConfigType.STRING, defaultValue: '1', importance: Importance.LOW, documentation: 'd', recommender: rec, group: 'G', orderInGroup: 2 });
    const out = new Map(def.validate({}).map((v) => [v.name, v]));
    expect(out.get('dep')!.recommendedValues).toEqual(['1', '2']);
    expect(out.get('dep')!.visible).toBe(true);
    const hidden = new Map(def.validate({ mode: 'y' }).map((v) => [v.name, v]));
    expect(hidden.get('dep')!.visible).toBe(false);
    expect(def.groups()).toEqual(['G']);
  });

  it('reports dependents that are not defined', () => {
    const def = new ConfigDef().define({ name: 'a', type: ConfigType.INT, defaultValue: 1, importance: Importance.HIGH, documentation: '', dependents: ['missing'] });
    expect(() => def.parse({})).toThrow('Some configurations in are referred in the dependents, but not defined: missing');
    const v = def.validateAll({}).get('missing')!;
    expect(v.errorMessages).toEqual(['missing is referred in the dependents, but not defined.']);
  });

  it('embeds a child definition under a prefix', () => {
    const child = new ConfigDef().define('field', ConfigType.STRING, NO_DEFAULT_VALUE, new NonEmptyString(), Importance.HIGH, 'd');
    const parent = new ConfigDef().embed('transforms.x.', 'Transforms: x', 0, child);
    expect([...parent.names()]).toEqual(['transforms.x.field']);
    const v = parent.validate({ 'transforms.x.field': '' })[0];
    expect(v.errorMessages).toEqual(['Invalid value  for configuration field: String must be non-empty']);
  });
});

describe('AbstractConfig', () => {
  it('gives typed access and rejects unknown keys', () => {
    const cfg = new AbstractConfig(new ConfigDef().define('a', ConfigType.INT, 1, Importance.HIGH, 'x').define('l', ConfigType.LIST, 'p,q', Importance.HIGH, 'x'), { a: '7', 'prefix.k': 'v', other: 'o' });
    expect(cfg.getInt('a')).toBe(7);
    expect(cfg.getList('l')).toEqual(['p', 'q']);
    expect(() => cfg.get('nope')).toThrow("Unknown configuration 'nope'");
    expect(cfg.originalsWithPrefix('prefix.')).toEqual({ k: 'v' });
    expect([...cfg.unused()].sort()).toEqual(['other', 'prefix.k']);
  });
});
