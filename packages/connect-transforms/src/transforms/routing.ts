/** The record-level SMTs: `RegexRouter`, `TimestampRouter`, `Filter`. */
import { ConfigDef, ConfigType, DataException, Importance, NAGARE_CONNECT_VERSION, type ConnectRecord, type Transformation } from '@nagare/connect-api';
import { compileJavaRegex, compileJavaReplacement, javaMatches, type JavaPattern } from '../util/java-regex';
import { RegexValidator, SimpleConfig } from '../util/requirements';
import { SimpleDateFormat } from '../util/simple-date-format';

export const REGEX_ROUTER_CONFIG_DEF = new ConfigDef()
  .define('regex', ConfigType.STRING, ConfigDef.NO_DEFAULT_VALUE, new RegexValidator(), Importance.HIGH, 'Regular expression to use for matching.')
  .define('replacement', ConfigType.STRING, ConfigDef.NO_DEFAULT_VALUE, Importance.HIGH, 'Replacement string.');

/**
 * `RegexRouter`: when the whole topic matches `regex`, the topic becomes
 * `Matcher.replaceFirst(replacement)` (Java syntax: `$1`, `${name}`, `\$`).
 */
export class RegexRouter<R extends ConnectRecord<R> = ConnectRecord<any>> implements Transformation<R> {
  private regex!: JavaPattern;
  private replace!: (m: RegExpExecArray) => string;

  version(): string {
    return NAGARE_CONNECT_VERSION;
  }
  configure(props: Record<string, unknown>): void {
    const config = new SimpleConfig(REGEX_ROUTER_CONFIG_DEF, props);
    this.regex = compileJavaRegex(config.getString('regex')!);
    this.replace = compileJavaReplacement(config.getString('replacement')!, this.regex);
  }
  apply(record: R): R {
    const topic = record.topic();
    if (!javaMatches(this.regex, topic)) return record;
    const re = this.regex.regex;
    re.lastIndex = 0;
    const m = re.exec(topic)!;
    const updated = topic.slice(0, m.index) + this.replace(m) + topic.slice(m.index + m[0].length);
    return record.newRecord(updated, record.kafkaPartition(), record.keySchema(), record.key(), record.valueSchema(), record.value(), record.timestamp());
  }
  config(): ConfigDef {
    return REGEX_ROUTER_CONFIG_DEF;
  }
  close(): void {}
}

export const TIMESTAMP_ROUTER_CONFIG_DEF = new ConfigDef()
  .define('topic.format', ConfigType.STRING, '${topic}-${timestamp}', Importance.HIGH, 'Format string which can contain <code>${topic}</code> and <code>${timestamp}</code> as placeholders for the topic and timestamp, respectively.')
  .define('timestamp.format', ConfigType.STRING, 'yyyyMMdd', Importance.HIGH, 'Format string for the timestamp that is compatible with <code>java.text.SimpleDateFormat</code>.');

/** `TimestampRouter`: topic from `topic.format` with `${topic}` and `${timestamp}` (record timestamp formatted in UTC). */
export class TimestampRouter<R extends ConnectRecord<R> = ConnectRecord<any>> implements Transformation<R> {
  private topicFormat = '';
  private format!: SimpleDateFormat;

  version(): string {
    return NAGARE_CONNECT_VERSION;
  }
  configure(props: Record<string, unknown>): void {
    const config = new SimpleConfig(TIMESTAMP_ROUTER_CONFIG_DEF, props);
    this.topicFormat = config.getString('topic.format')!;
    this.format = new SimpleDateFormat(config.getString('timestamp.format')!);
  }
  apply(record: R): R {
    const ts = record.timestamp();
    if (ts === null) throw new DataException(`Timestamp missing on record: ${String(record)}`);
    const formatted = this.format.format(new Date(ts));
    const topic = this.topicFormat.split('${topic}').join(record.topic()).split('${timestamp}').join(formatted);
    return record.newRecord(topic, record.kafkaPartition(), record.keySchema(), record.key(), record.valueSchema(), record.value(), record.timestamp());
  }
  config(): ConfigDef {
    return TIMESTAMP_ROUTER_CONFIG_DEF;
  }
  close(): void {}
}

export const FILTER_CONFIG_DEF = new ConfigDef();

/** `Filter` (KIP-585): drops every record; used with a predicate. */
export class Filter<R extends ConnectRecord<R> = ConnectRecord<any>> implements Transformation<R> {
  version(): string {
    return NAGARE_CONNECT_VERSION;
  }
  configure(_configs?: Record<string, unknown>): void {}
  apply(_record?: R): R | null {
    return null;
  }
  config(): ConfigDef {
    return FILTER_CONFIG_DEF;
  }
  close(): void {}
}
