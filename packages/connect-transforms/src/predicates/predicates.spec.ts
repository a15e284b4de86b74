/** The cases of Kafka's `HasHeaderKeyTest`, `TopicNameMatchesTest` and `NonEmptyListValidatorTest`, plus RecordIsTombstone. */
import { ConfigException, ConnectHeader, NAGARE_CONNECT_VERSION, SchemaAndValue, SourceRecord } from '@nagare/connect-api';
import { NonEmptyListValidator, SimpleConfig } from '../util/requirements';
import { HasHeaderKey, RecordIsTombstone, TOPIC_NAME_MATCHES_CONFIG_DEF, TopicNameMatches } from './predicates';

const recordWithHeaders = (...keys: string[]) => new SourceRecord(null, null, null as unknown as string, null, null, null, null, null, null, keys.map((k) => new ConnectHeader(k, SchemaAndValue.NULL)));
const recordWithTopic = (topic: string | null) => new SourceRecord(null, null, topic as string, null, null, null, null, null);

describe('HasHeaderKey', () => {
  it('requires a non-empty name', () => {
    expect(() => new SimpleConfig(new HasHeaderKey().config(), {})).toThrow('Missing required configuration "name"');
    expect(() => new SimpleConfig(new HasHeaderKey().config(), { name: '' })).toThrow('String must be non-empty');
  });
  it('validates through its ConfigDef', () => {
    const p = new HasHeaderKey();
    expect(p.config().validate({ name: 'foo' })[0].errorMessages).toEqual([]);
    expect(p.config().validate({ name: '' })[0].errorMessages).toEqual(['Invalid value  for configuration name: String must be non-empty']);
  });
  it('tests for any header with the name', () => {
    const p = new HasHeaderKey<SourceRecord>();
    p.configure({ name: 'foo' });
    expect(p.test(recordWithHeaders('foo'))).toBe(true);
    expect(p.test(recordWithHeaders('foo', 'bar'))).toBe(true);
    expect(p.test(recordWithHeaders('bar', 'foo', 'bar', 'foo'))).toBe(true);
    expect(p.test(recordWithHeaders('bar'))).toBe(false);
    expect(p.test(recordWithHeaders('bar', 'bar'))).toBe(false);
    expect(p.test(recordWithHeaders())).toBe(false);
    expect(p.test(recordWithTopic(null))).toBe(false);
    expect(p.version()).toBe(NAGARE_CONNECT_VERSION);
  });
});

describe('TopicNameMatches', () => {
  it('requires a non-empty valid regex', () => {
    expect(() => new SimpleConfig(TOPIC_NAME_MATCHES_CONFIG_DEF, {})).toThrow('Missing required configuration "pattern"');
    expect(() => new SimpleConfig(TOPIC_NAME_MATCHES_CONFIG_DEF, { pattern: '' })).toThrow('String must be non-empty');
    expect(() => new SimpleConfig(TOPIC_NAME_MATCHES_CONFIG_DEF, { pattern: '[' })).toThrow('Invalid regex');
  });
  it('validates through its ConfigDef', () => {
    const p = new TopicNameMatches();
    expect(p.config().validate({ pattern: 'my-prefix-.*' })[0].errorMessages).toEqual([]);
    const errors = p.config().validate({ pattern: '*' })[0].errorMessages;
    expect(errors.length).toBe(1);
    expect(errors[0]).toContain('Invalid regex');
  });
  it('matches the whole topic name', () => {
    const p = new TopicNameMatches<SourceRecord>();
    p.configure({ pattern: 'my-prefix-.*' });
    expect(p.test(recordWithTopic('my-prefix-'))).toBe(true);
    expect(p.test(recordWithTopic('my-prefix-foo'))).toBe(true);
    for (const t of ['x-my-prefix-', 'x-my-prefix-foo', 'your-prefix-', 'your-prefix-foo']) expect(p.test(recordWithTopic(t))).toBe(false);
    expect(p.test(recordWithTopic(null))).toBe(false);
  });
});

describe('RecordIsTombstone', () => {
  it('is true for a null value only', () => {
    const p = new RecordIsTombstone<SourceRecord>();
    p.configure();
    expect(p.test(new SourceRecord(null, null, 't', 0, null, 'k', null, null))).toBe(true);
    expect(p.test(new SourceRecord(null, null, 't', 0, null, 'k', null, ''))).toBe(false);
    expect(p.config().configKeys().size).toBe(0);
  });
});

describe('NonEmptyListValidator', () => {
  it('refuses null and empty lists, accepts a list with an element', () => {
    expect(() => new NonEmptyListValidator().ensureValid('foo', null)).toThrow(ConfigException);
    expect(() => new NonEmptyListValidator().ensureValid('foo', [])).toThrow(ConfigException);
    expect(() => new NonEmptyListValidator().ensureValid('foo', ['foo'])).not.toThrow();
  });
});
