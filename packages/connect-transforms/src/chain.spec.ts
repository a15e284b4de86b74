/** The transformation chain as `ConnectorConfig` builds it (KIP-66, KIP-585), with Kafka's messages. */
import { ConfigException, ConnectException, SinkRecord, type Transformation } from '@nagare/connect-api';
import { BUILTIN_PREDICATES, BUILTIN_TRANSFORMATIONS, TransformationChain, builtinClassName, builtinTransformation } from './chain';
import { RegexRouter } from './transforms/routing';

const sink = (topic: string, value: unknown = null) => new SinkRecord(topic, 0, null, null, null, value, 42, 1000, 'CreateTime');

describe('TransformationChain', () => {
  it('applies stages in order, with predicates and negate', () => {
    const chain = TransformationChain.fromConfig<SinkRecord>({
      transforms: 'drop,route',
      'transforms.drop.type': 'org.apache.kafka.connect.transforms.Filter',
      'transforms.drop.predicate': 'isFoo',
      'transforms.route.type': 'RegexRouter',
      'transforms.route.regex': '(.*)',
      'transforms.route.replacement': 'x-$1',
      predicates: 'isFoo',
      'predicates.isFoo.type': 'TopicNameMatches',
      'predicates.isFoo.pattern': 'foo.*',
    });
    expect(chain.apply(sink('foo1'))).toBeNull();
    expect(chain.apply(sink('bar'))!.topic()).toBe('x-bar');
    const negated = TransformationChain.fromConfig<SinkRecord>({
      transforms: 'drop',
      'transforms.drop.type': 'Filter',
      'transforms.drop.predicate': 'tomb',
      'transforms.drop.negate': 'true',
      predicates: 'tomb',
      'predicates.tomb.type': 'org.apache.kafka.connect.transforms.predicates.RecordIsTombstone',
    });
    expect(negated.apply(sink('t', 'v'))).toBeNull();
    expect(negated.apply(sink('t', null))).not.toBeNull();
  });

  it('an empty chain returns the record', () => {
    const r = sink('t');
    expect(TransformationChain.fromConfig({}).apply(r)).toBe(r);
    expect(TransformationChain.fromConfig({ transforms: '' }).stages.length).toBe(0);
  });

  it('names the key in its errors, as ConnectorConfig does', () => {
    expect(() => TransformationChain.fromConfig({ transforms: 'a', 'transforms.a.type': 'Nope' })).toThrow('Invalid value Nope for configuration transforms.a.type: Class Nope could not be found.');
    expect(() => TransformationChain.fromConfig({ transforms: 'a,a' })).toThrow('Duplicate alias provided.');
    expect(() => TransformationChain.fromConfig({ transforms: 'a' })).toThrow('Missing required configuration "transforms.a.type" which has no default value.');
    expect(() => TransformationChain.fromConfig({ transforms: 'a', 'transforms.a.type': 'Filter', 'transforms.a.negate': 'true' })).toThrow(
      "Config 'transforms.a.negate' was provided but there is no config 'transforms.a.predicate' defining a predicate to be negated.",
    );
    expect(() => TransformationChain.fromConfig({ transforms: 'a', 'transforms.a.type': 'Filter', 'transforms.a.predicate': 'p' })).toThrow(
      "Invalid value p for configuration transforms.a.predicate: Predicate alias p is not defined in 'predicates'.",
    );
    expect(() => TransformationChain.fromConfig({ transforms: 'a', 'transforms.a.type': 'RegexRouter' })).toThrow(ConfigException);
  });

  it('wraps a plugin configure failure that is not a ConfigException', () => {
    class Bad implements Transformation {
      configure(): void {
        throw new Error('boom');
      }
      apply() {
        return null;
      }
      config(): never {
        throw new Error('x');
      }
      close(): void {}
    }
    let err: unknown;
    try {
      TransformationChain.fromConfig({ transforms: 'a', 'transforms.a.type': 'Bad' }, { resolveTransformation: (n) => (n === 'Bad' ? Bad : undefined) });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConnectException);
    expect((err as Error).message).toBe('boom');
  });

  it('resolves built-ins by class name and simple alias and lists every Kafka SMT', () => {
    expect(builtinTransformation('org.apache.kafka.connect.transforms.RegexRouter')).toBe(RegexRouter);
    expect(builtinTransformation('RegexRouter')).toBe(RegexRouter);
    expect(builtinClassName(RegexRouter)).toBe('org.apache.kafka.connect.transforms.RegexRouter');
    expect(Object.keys(BUILTIN_TRANSFORMATIONS).length).toBe(26);
    expect(Object.keys(BUILTIN_PREDICATES).length).toBe(3);
  });
});
