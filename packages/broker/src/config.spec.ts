import { KafkaConfig, parseEndpoints, parseProperties } from './config';

const base = { 'process.roles': 'broker,controller', 'node.id': '1', listeners: 'PLAINTEXT://localhost:9092', 'log.dirs': '/tmp/x' };

describe('server.properties', () => {
  it('parses Java properties syntax', () => {
    const p = parseProperties('# c\n! also\nkey = value\nother:v2\nlong=a\\\n   b\nesc=tab\\there\\u0041\nempty\n');
    expect(p).toEqual({ key: 'value', other: 'v2', long: 'ab', esc: 'tab\thereA', empty: '' });
  });

  it('accepts a Kafka combined-mode file unchanged and derives listeners', () => {
    const { config, warnings } = KafkaConfig.parse({
      ...base,
      listeners: 'PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093',
      'controller.listener.names': 'CONTROLLER',
      'controller.quorum.voters': '1@127.0.0.1:9093',
      'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      'num.network.threads': '3',
      'log.retention.hours': '168',
    });
    expect(config.brokerListeners).toEqual([{ listener: 'PLAINTEXT', host: '127.0.0.1', port: 9092 }]);
    expect(config.advertisedListeners).toEqual([{ listener: 'PLAINTEXT', host: '127.0.0.1', port: 9092 }]);
    expect(warnings).toEqual(["configuration 'num.network.threads' is accepted but has no effect in nagare"]);
    expect(config.topicConfigDefaults()['retention.ms']).toBe(String(168 * 3600000));
  });

  it('warns on unknown keys and fails on invalid values naming the key', () => {
    expect(KafkaConfig.parse({ ...base, 'no.such.key': 'x' }).warnings[0]).toMatch(/unknown configuration 'no.such.key'/);
    expect(() => KafkaConfig.parse({ ...base, 'num.partitions': 'many' })).toThrow('Invalid value many for configuration num.partitions: Not a number of type INT');
    expect(() => KafkaConfig.parse({ ...base, 'num.partitions': '0' })).toThrow(/num.partitions: Value must be at least 1/);
    expect(() => KafkaConfig.parse({ ...base, listeners: 'PLAINTEXT:9092' })).toThrow(/not of the form NAME:\/\/host:port/);
    expect(() => KafkaConfig.parse({ ...base, 'process.roles': '' })).toThrow(/process.roles/);
    expect(() => KafkaConfig.parse({ ...base, 'controller.quorum.voters': '1@a:1,2@b:2' })).toThrow(/single-voter/);
    expect(() => KafkaConfig.parse({ ...base, listeners: 'SSL://:9093' })).toThrow(/PLAINTEXT listeners only/);
  });

  it('derives topic defaults from broker keys the way Kafka does', () => {
    const { config } = KafkaConfig.parse({ ...base, 'log.retention.minutes': '5', 'log.segment.bytes': '1048576', 'log.roll.ms': '1000' });
    const d = config.topicConfigDefaults();
    expect(d['retention.ms']).toBe('300000');
    expect(d['segment.bytes']).toBe('1048576');
    expect(d['segment.ms']).toBe('1000');
    expect(d['cleanup.policy']).toBe('delete');
  });

  it('parses endpoints with IPv6 and empty hosts', () => {
    expect(parseEndpoints('listeners', 'PLAINTEXT://[::1]:9092,EXTERNAL://:19092')).toEqual([
      { listener: 'PLAINTEXT', host: '::1', port: 9092 },
      { listener: 'EXTERNAL', host: '', port: 19092 },
    ]);
  });
});
