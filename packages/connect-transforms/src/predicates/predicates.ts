/** The built-in predicates of KIP-585: `TopicNameMatches`, `HasHeaderKey`, `RecordIsTombstone`. */
import { CompositeValidator, ConfigDef, ConfigException, ConfigType, Importance, NAGARE_CONNECT_VERSION, NonEmptyString, type ConnectRecord, type Predicate } from '@nagare/connect-api';
import { compileJavaRegex, javaMatches, type JavaPattern } from '../util/java-regex';
import { RegexValidator, SimpleConfig } from '../util/requirements';

export const TOPIC_NAME_MATCHES_CONFIG_DEF = new ConfigDef().define(
  'pattern',
  ConfigType.STRING,
  ConfigDef.NO_DEFAULT_VALUE,
  CompositeValidator.of(new NonEmptyString(), new RegexValidator()),
  Importance.MEDIUM,
  'A Java regular expression for matching against the name of a record\'s topic.',
);

export class TopicNameMatches<R extends ConnectRecord<R> = ConnectRecord<any>> implements Predicate<R> {
  private pattern!: JavaPattern;
  version(): string {
    return NAGARE_CONNECT_VERSION;
  }
  configure(props: Record<string, unknown>): void {
    const value = new SimpleConfig(TOPIC_NAME_MATCHES_CONFIG_DEF, props).getString('pattern')!;
    try {
      this.pattern = compileJavaRegex(value);
    } catch (e) {
      throw new ConfigException('pattern', value, `entry must be a Java-compatible regular expression: ${(e as Error).message}`);
    }
  }
  test(record: R): boolean {
    return record.topic() !== null && javaMatches(this.pattern, record.topic());
  }
  config(): ConfigDef {
    return TOPIC_NAME_MATCHES_CONFIG_DEF;
  }
  close(): void {}
  toString(): string {
    return `TopicNameMatches{pattern=${this.pattern?.source}}`;
  }
}

export const HAS_HEADER_KEY_CONFIG_DEF = new ConfigDef().define('name', ConfigType.STRING, ConfigDef.NO_DEFAULT_VALUE, new NonEmptyString(), Importance.MEDIUM, 'The header name.');

export class HasHeaderKey<R extends ConnectRecord<R> = ConnectRecord<any>> implements Predicate<R> {
  private name = '';
  version(): string {
    return NAGARE_CONNECT_VERSION;
  }
  configure(props: Record<string, unknown>): void {
    this.name = new SimpleConfig(HAS_HEADER_KEY_CONFIG_DEF, props).getString('name')!;
  }
  test(record: R): boolean {
    return record.headers().lastWithName(this.name) !== null;
  }
  config(): ConfigDef {
    return HAS_HEADER_KEY_CONFIG_DEF;
  }
  close(): void {}
  toString(): string {
    return `HasHeaderKey{name='${this.name}'}`;
  }
}

export class RecordIsTombstone<R extends ConnectRecord<R> = ConnectRecord<any>> implements Predicate<R> {
  version(): string {
    return NAGARE_CONNECT_VERSION;
  }
  configure(_configs?: Record<string, unknown>): void {}
  test(record: R): boolean {
    return record.value() === null || record.value() === undefined;
  }
  config(): ConfigDef {
    return new ConfigDef();
  }
  close(): void {}
  toString(): string {
    return 'RecordIsTombstone{}';
  }
}
