/** The cases of Kafka's `RegexRouterTest` and `TimestampRouterTest`, and Filter. */
import { NAGARE_CONNECT_VERSION, SinkRecord, SourceRecord } from '@nagare/connect-api';
import { Filter, RegexRouter, TimestampRouter } from './routing';

const route = (regex: string, replacement: string, topic: string) => {
  const r = new RegexRouter<SinkRecord>();
  r.configure({ regex, replacement });
  const out = r.apply(new SinkRecord(topic, 0, null, null, null, null, 0)).topic();
  r.close();
  return out;
};

describe('RegexRouter', () => {
  it.each([
    ['static replacement', 'foo', 'bar', 'foo', 'bar'],
    ['no match', 'foo', 'bar', 'orig', 'orig'],
    ['identity', '(.*)', '$1', 'orig', 'orig'],
    ['prefix', '(.*)', 'prefix-$1', 'orig', 'prefix-orig'],
    ['suffix', '(.*)', '$1-suffix', 'orig', 'orig-suffix'],
    ['slice', '(.*)-(\\d\\d\\d\\d\\d\\d\\d\\d)', '$1', 'index-20160117', 'index'],
    ['whole-topic match only (matches())', 'foo', 'bar', 'foofoo', 'foofoo'],
    ['named group', '(?<name>.*)-x', '${name}-y', 'a-x', 'a-y'],
    ['escaped dollar', '(.*)', '\\$$1', 'a', '$a'],
  ])('%s', (_d, regex, replacement, topic, expected) => {
    expect(route(regex, replacement, topic)).toBe(expected);
  });
  it('refuses an invalid regex', () => {
    expect(() => new RegexRouter().configure({ regex: '(', replacement: 'x' })).toThrow(/Invalid value \( for configuration regex: Invalid regex/);
  });
  it('reports a version', () => {
    expect(new RegexRouter().version()).toBe(NAGARE_CONNECT_VERSION);
  });
});

describe('TimestampRouter', () => {
  it('routes with the default ${topic}-${timestamp} and yyyyMMdd', () => {
    const t = new TimestampRouter<SourceRecord>();
    t.configure({});
    expect(t.apply(new SourceRecord(null, null, 'test', 0, null, null, null, null, 1483425001864)).topic()).toBe('test-20170103');
  });
  it('uses topic.format and timestamp.format (UTC)', () => {
    const t = new TimestampRouter<SourceRecord>();
    t.configure({ 'topic.format': 'x_${timestamp}_${topic}', 'timestamp.format': 'yyyy-MM-dd HH' });
    expect(t.apply(new SourceRecord(null, null, 'test', 0, null, null, null, null, 1483425001864)).topic()).toBe('x_2017-01-03 06_test');
  });
  it('refuses a record without a timestamp', () => {
    const t = new TimestampRouter<SourceRecord>();
    t.configure({});
    expect(() => t.apply(new SourceRecord(null, null, 'test', 0, null, null, null, null, null))).toThrow('Timestamp missing on record: ');
  });
  it('reports a version', () => {
    expect(new TimestampRouter().version()).toBe(NAGARE_CONNECT_VERSION);
  });
});

describe('Filter', () => {
  it('drops every record', () => {
    const f = new Filter<SinkRecord>();
    f.configure({});
    expect(f.apply(new SinkRecord('t', 0, null, null, null, 'v', 0))).toBeNull();
    expect(f.version()).toBe(NAGARE_CONNECT_VERSION);
  });
});
