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

  it('reads a KRaft server.properties without listener.security.protocol.map as Kafka does (controller listeners are PLAINTEXT)', () => {
    const kraft = {
      'process.roles': 'broker,controller',
      'node.id': '1',
      'controller.quorum.voters': '1@localhost:9093',
      listeners: 'PLAINTEXT://:9092,CONTROLLER://:9093',
      'inter.broker.listener.name': 'PLAINTEXT',
      'advertised.listeners': 'PLAINTEXT://localhost:9092,CONTROLLER://localhost:9093',
      'controller.listener.names': 'CONTROLLER',
      'log.dirs': '/tmp/kraft-combined-logs',
    };
    const { config } = KafkaConfig.parse(kraft);
    expect([...config.securityProtocolMap]).toEqual([
      ['SASL_SSL', 'SASL_SSL'],
      ['PLAINTEXT', 'PLAINTEXT'],
      ['SSL', 'SSL'],
      ['SASL_PLAINTEXT', 'SASL_PLAINTEXT'],
      ['CONTROLLER', 'PLAINTEXT'],
    ]);
    expect(config.controllerListeners).toEqual([{ listener: 'CONTROLLER', host: '', port: 9093 }]);
    // The controller listener is not a broker endpoint, even when advertised.
    expect(config.advertisedListeners).toEqual([{ listener: 'PLAINTEXT', host: 'localhost', port: 9092 }]);
    // A listener name that is neither a protocol nor a controller listener needs the map: the message quotes the user's listeners.
    expect(() => KafkaConfig.parse({ ...kraft, listeners: 'INTERNAL://:9092,CONTROLLER://:9093', 'advertised.listeners': 'INTERNAL://localhost:9092' })).toThrow(
      'Invalid value INTERNAL://:9092,CONTROLLER://:9093 for configuration listeners: No security protocol defined for listener INTERNAL: set listener.security.protocol.map (e.g. INTERNAL:PLAINTEXT)',
    );
    // With an explicit map, the map is what is quoted; and no controller default is added.
    expect(() => KafkaConfig.parse({ ...kraft, 'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT' })).toThrow(
      'Invalid value PLAINTEXT:PLAINTEXT for configuration listener.security.protocol.map: No security protocol defined for listener CONTROLLER',
    );
    expect(() => KafkaConfig.parse({ ...kraft, 'listener.security.protocol.map': 'CONTROLLER:TLS,PLAINTEXT:PLAINTEXT' })).toThrow(/No enum constant for security protocol TLS/);
  });

  it('runs a broker, a controller or both, with Kafka\'s checks of the quorum settings', () => {
    const ctl = { 'controller.listener.names': 'CONTROLLER', 'controller.quorum.voters': '1@h1:9093,2@h2:9093,3@h3:9093' };
    const controllerOnly = KafkaConfig.parse({ ...base, ...ctl, 'process.roles': 'controller', listeners: 'CONTROLLER://:9093' }).config;
    expect([controllerOnly.isController, controllerOnly.isBroker, controllerOnly.quorumVoters]).toEqual([
      true,
      false,
      [
        { id: 1, host: 'h1', port: 9093 },
        { id: 2, host: 'h2', port: 9093 },
        { id: 3, host: 'h3', port: 9093 },
      ],
    ]);
    const broker = KafkaConfig.parse({ ...base, ...ctl, 'process.roles': 'broker', 'node.id': '4' }).config;
    expect([broker.isController, broker.isBroker, broker.implicitSingleVoter]).toEqual([false, true, false]);
    const dynamic = KafkaConfig.parse({ ...base, 'process.roles': 'broker', 'node.id': '4', 'controller.listener.names': 'CONTROLLER', 'controller.quorum.bootstrap.servers': 'h1:9093,[::1]:9094' }).config;
    expect(dynamic.quorumBootstrapServers).toEqual([
      { host: 'h1', port: 9093 },
      { host: '::1', port: 9094 },
    ]);
    // A combined node with no quorum settings at all is a quorum of one (npm start).
    expect(KafkaConfig.parse(base).config.implicitSingleVoter).toBe(true);
    const refused: Array<[Record<string, string>, string]> = [
      [{ 'process.roles': 'broker' }, 'If using process.roles, either controller.quorum.bootstrap.servers must contain the set of bootstrap controllers or controller.quorum.voters must contain a parseable set of controllers.'],
      [{ ...ctl, 'process.roles': 'broker' }, "If process.roles contains just the 'broker' role, the node id 1 must not be included in the set of voters controller.quorum.voters={1, 2, 3}"],
      [{ 'controller.quorum.voters': '2@h:1', 'process.roles': 'broker' }, 'controller.listener.names must contain at least one value when running KRaft with just the broker role'],
      [{ ...ctl, 'node.id': '4', 'process.roles': 'broker', listeners: 'PLAINTEXT://:9092,CONTROLLER://:9093' }, "controller.listener.names must not contain a value appearing in the 'listeners' configuration when running KRaft with just the broker role"],
      [{ ...ctl, 'process.roles': 'controller', listeners: 'PLAINTEXT://:9092,CONTROLLER://:9093' }, 'The listeners config must only contain KRaft controller listeners from controller.listener.names when process.roles=controller'],
      [{ ...ctl, 'node.id': '7', 'process.roles': 'controller', listeners: 'CONTROLLER://:9093' }, "If process.roles contains the 'controller' role, the node id 7 must be included in the set of voters controller.quorum.voters={1, 2, 3}"],
      [{ ...ctl, listeners: 'PLAINTEXT://:9092' }, "controller.listener.names must contain at least one value appearing in the 'listeners' configuration when running the KRaft controller role"],
      [{ 'process.roles': 'broker,tiered' }, 'Invalid value tiered for configuration process.roles: String must be one of: broker, controller'],
      [{ 'controller.quorum.voters': '1@h1' }, "Invalid value 1@h1 for configuration controller.quorum.voters: '1@h1' is not of the form id@host:port"],
    ];
    for (const [props, message] of refused) expect(() => KafkaConfig.parse({ ...base, ...props })).toThrow(message);
    expect(KafkaConfig.parse({ ...base, 'process.roles': 'controller,broker' }).config.processRoles).toEqual(['controller', 'broker']);
  });

  it('stops start-up on security settings it would otherwise ignore (authorization, SASL, TLS)', () => {
    const refused: Array<[string, string, RegExp]> = [
      ['authorizer.class.name', 'org.apache.kafka.metadata.authorizer.StandardAuthorizer', /^Invalid value org.apache.kafka.metadata.authorizer.StandardAuthorizer for configuration authorizer.class.name: authorization \(ACLs\) is not implemented yet/],
      ['super.users', 'User:admin', /^Invalid value User:admin for configuration super.users: authorization/],
      ['sasl.enabled.mechanisms', 'PLAIN,SCRAM-SHA-512', /^Invalid value PLAIN,SCRAM-SHA-512 for configuration sasl.enabled.mechanisms: SASL authentication is not implemented yet/],
      ['sasl.mechanism.inter.broker.protocol', 'PLAIN', /SASL authentication is not implemented yet/],
      ['listener.name.sasl_plaintext.plain.sasl.jaas.config', 'org.apache.kafka.common.security.plain.PlainLoginModule required user_admin="secret";', /^Invalid value \[hidden\] for configuration listener.name.sasl_plaintext.plain.sasl.jaas.config: SASL/],
      ['ssl.keystore.location', '/etc/kafka/broker.jks', /^Invalid value \/etc\/kafka\/broker.jks for configuration ssl.keystore.location: TLS is not implemented yet/],
      ['ssl.keystore.password', 'changeit', /^Invalid value \[hidden\] for configuration ssl.keystore.password: TLS/],
      ['listener.name.external.ssl.client.auth', 'required', /TLS is not implemented yet/],
      ['security.inter.broker.protocol', 'SSL', /security.inter.broker.protocol: only PLAINTEXT is implemented yet/],
    ];
    for (const [key, value, message] of refused) expect(() => KafkaConfig.parse({ ...base, [key]: value })).toThrow(message);
    for (const [key, value] of [['SSL', 'SSL://:9093'], ['SASL_PLAINTEXT', 'SASL_PLAINTEXT://:9094']]) {
      expect(() => KafkaConfig.parse({ ...base, listeners: value })).toThrow(`Invalid value ${value} for configuration listeners: listener ${key} uses ${key}, but nagare serves PLAINTEXT listeners only`);
    }
    // Empty values are Kafka's defaults, and PLAINTEXT inter-broker security is what runs.
    expect(() => KafkaConfig.parse({ ...base, 'authorizer.class.name': '', 'super.users': '', 'security.inter.broker.protocol': 'PLAINTEXT' })).not.toThrow();
  });
});

