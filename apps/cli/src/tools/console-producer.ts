/**
 * kafka-console-producer: reads lines from stdin and produces one record
 * per line, parsing keys and headers as Kafka's LineMessageReader does
 * (`--property parse.key=true --property key.separator=:` ...).
 */
import * as readline from 'node:readline';
import { Producer, ProducerRecord } from '@nagare/client';
import { OptionDef } from '../cli/args';
import { CliError, UsageError, describeError } from '../cli/errors';
import { Props, checkBootstrap, loadPropertiesFile, mergeProps, parseKeyValues, producerOptions } from '../cli/config';
import { checkReachable } from '../cli/connect';
import { HELP, ToolDef, VERSION, missing, probeTimeout } from '../cli/tool';

const options: OptionDef[] = [
  { name: 'topic', arg: 'required', describedAs: 'topic', help: 'REQUIRED: The topic name to produce messages to.' },
  { name: 'bootstrap-server', arg: 'required', describedAs: 'server to connect to', help: 'REQUIRED: The server(s) to connect to. The broker list string in the form HOST1:PORT1,HOST2:PORT2.' },
  { name: 'sync', help: 'If set message send requests to the brokers are synchronously, one at a time as they arrive.' },
  { name: 'compression-codec', arg: 'optional', describedAs: 'compression-codec', help: "The compression codec: either 'none', 'gzip', 'snappy', 'lz4', or 'zstd'. If specified without value, then it defaults to 'gzip'" },
  { name: 'batch-size', arg: 'required', describedAs: 'size', help: 'Number of messages to send in a single batch if they are not being sent synchronously.', default: '16384' },
  { name: 'message-send-max-retries', arg: 'required', describedAs: 'Integer', help: 'The number of retries before the producer gives up and drops this message (`retries`).', default: '3' },
  { name: 'retry-backoff-ms', arg: 'required', describedAs: 'Long', help: 'Wait before each retry (`retry.backoff.ms`).', default: '100' },
  { name: 'timeout', arg: 'required', describedAs: 'timeout_ms', help: 'If set and the producer is running in asynchronous mode, this gives the maximum amount of time a message will queue awaiting sufficient batch size (`linger.ms`).', default: '1000' },
  { name: 'request-required-acks', arg: 'required', describedAs: 'request required acks', help: 'The required `acks` of the producer requests', default: '-1' },
  { name: 'request-timeout-ms', arg: 'required', describedAs: 'request timeout ms', help: 'The ack timeout of the producer requests. Value must be non-negative and non-zero.', default: '1500' },
  { name: 'metadata-expiry-ms', arg: 'required', describedAs: 'metadata expiration interval', help: '`metadata.max.age.ms`', default: '300000' },
  { name: 'max-block-ms', arg: 'required', describedAs: 'max block on send', help: 'The max time that the producer will block for during a send request.', default: '60000' },
  { name: 'max-memory-bytes', arg: 'required', describedAs: 'total memory in bytes', help: '`buffer.memory`', default: '33554432' },
  { name: 'max-partition-memory-bytes', arg: 'required', describedAs: 'memory in bytes per partition', help: '`batch.size`', default: '16384' },
  { name: 'socket-buffer-size', arg: 'required', describedAs: 'size', help: 'The size of the tcp RECV size (accepted, not used).', default: '102400' },
  { name: 'line-reader', arg: 'required', describedAs: 'reader_class', help: 'Only the default org.apache.kafka.tools.LineMessageReader is available.', default: 'org.apache.kafka.tools.LineMessageReader' },
  {
    name: 'property',
    arg: 'required',
    describedAs: 'prop',
    help: 'Properties of the line reader (repeatable): parse.key=false, parse.headers=false, ignore.error=false, key.separator=\\t, headers.delimiter=\\t, headers.separator=",", headers.key.separator=":", null.marker (fields equal to it become null).',
  },
  { name: 'reader-config', arg: 'required', describedAs: 'config file', help: 'Config properties file for the message reader. Note that --property takes precedence over this config.' },
  { name: 'producer-property', arg: 'required', describedAs: 'producer_prop', help: 'A mechanism to pass user-defined properties in the form key=value to the producer.' },
  { name: 'producer.config', arg: 'required', describedAs: 'config file', help: 'Producer config properties file. Note that --producer-property takes precedence over this config.' },
  HELP,
  VERSION,
];

interface ReaderConfig {
  topic: string;
  parseKey: boolean;
  keySeparator: string;
  parseHeaders: boolean;
  headersDelimiter: string;
  headersSeparator: RegExp;
  headersKeySeparator: string;
  ignoreError: boolean;
  nullMarker: string | undefined;
}

function readerConfig(topic: string, p: Props): ReaderConfig {
  const bool = (k: string) => (p.get(k) ?? 'false').trim().toLowerCase() === 'true';
  const keySeparator = p.get('key.separator') ?? '\t';
  const headersDelimiter = p.get('headers.delimiter') ?? '\t';
  const headersSeparator = p.get('headers.separator') ?? ',';
  const headersKeySeparator = p.get('headers.key.separator') ?? ':';
  const nullMarker = p.get('null.marker');
  const fail = (m: string) => new CliError(`org.apache.kafka.common.KafkaException: ${m}`);
  if (headersDelimiter === headersSeparator) throw fail('headers.delimiter and headers.separator may not be equal');
  if (headersDelimiter === headersKeySeparator) throw fail('headers.delimiter and headers.key.separator may not be equal');
  if (headersSeparator === headersKeySeparator) throw fail('headers.separator and headers.key.separator may not be equal');
  if (nullMarker !== undefined) {
    if (keySeparator === nullMarker) throw fail('null.marker and key.separator may not be equal');
    if (headersSeparator === nullMarker) throw fail('null.marker and headers.separator may not be equal');
    if (headersDelimiter === nullMarker) throw fail('null.marker and headers.delimiter may not be equal');
    if (headersKeySeparator === nullMarker) throw fail('null.marker and headers.key.separator may not be equal');
  }
  let sepRe: RegExp;
  try {
    sepRe = new RegExp(headersSeparator);
  } catch {
    throw fail(`headers.separator ${headersSeparator} is not a valid regular expression`);
  }
  return { topic, parseKey: bool('parse.key'), keySeparator, parseHeaders: bool('parse.headers'), headersDelimiter, headersSeparator: sepRe, headersKeySeparator, ignoreError: bool('ignore.error'), nullMarker };
}

/** Java's Pattern.split: trailing empty strings are dropped. */
function javaSplit(s: string, re: RegExp): string[] {
  const parts = s.split(re);
  while (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/** One line to one record, as LineMessageReader: [headers<delim>][key<sep>]value. */
export function parseLine(c: ReaderConfig, line: string, lineNumber: number): ProducerRecord {
  const part = (enabled: boolean, start: number, sep: string, what: string): string | null => {
    if (!enabled) return null;
    const i = line.indexOf(sep, start);
    if (i < 0) {
      if (c.ignoreError) return null;
      throw new CliError(`org.apache.kafka.common.KafkaException: No ${what} found on line number ${lineNumber}: '${line}'`);
    }
    return line.slice(start, i);
  };
  const headers = part(c.parseHeaders, 0, c.headersDelimiter, 'headers delimiter');
  const headerOffset = headers === null ? 0 : headers.length + c.headersDelimiter.length;
  const key = part(c.parseKey, headerOffset, c.keySeparator, 'key separator');
  const keyOffset = key === null ? 0 : key.length + c.keySeparator.length;
  const value = line.slice(headerOffset + keyOffset);
  const rec: ProducerRecord = {
    topic: c.topic,
    key: key !== null && key !== c.nullMarker ? Buffer.from(key, 'utf8') : null,
    value: value !== c.nullMarker ? Buffer.from(value, 'utf8') : null,
  };
  if (headers !== null && headers !== c.nullMarker) {
    rec.headers = javaSplit(headers, c.headersSeparator).map((pair) => {
      const i = pair.indexOf(c.headersKeySeparator);
      if (i < 0) {
        if (c.ignoreError) return { key: pair, value: null };
        throw new CliError(`org.apache.kafka.common.KafkaException: No header key separator found in pair '${pair}' on line number ${lineNumber}`);
      }
      const hk = pair.slice(0, i);
      if (hk === c.nullMarker) throw new CliError(`org.apache.kafka.common.KafkaException: Header keys should not be equal to the null marker '${c.nullMarker}' as they can't be null`);
      const hv = pair.slice(i + c.headersKeySeparator.length);
      return { key: hk, value: hv === c.nullMarker ? null : Buffer.from(hv, 'utf8') };
    });
  }
  return rec;
}

function compressionCodec(v: string | undefined, given: boolean): string {
  if (!given) return 'none';
  return v === undefined || v === '' ? 'gzip' : v;
}

export const consoleProducerTool: ToolDef = {
  script: 'kafka-console-producer',
  command: 'console-producer',
  usage: 'This tool helps to read data from standard input and publish it to Kafka.',
  options,
  async run(o, io) {
    if (!o.has('topic')) throw missing('topic', 'add --topic <name>');
    if (!o.has('bootstrap-server')) throw new UsageError('Error while validating the bootstrap address', 'add --bootstrap-server host:port');
    const bootstrap = checkBootstrap(o.value('bootstrap-server'));
    if (o.value('line-reader') !== 'org.apache.kafka.tools.LineMessageReader') {
      throw new UsageError(`--line-reader ${o.value('line-reader')} is not available`, 'only the default org.apache.kafka.tools.LineMessageReader is');
    }
    const topic = o.value('topic')!;
    const readerProps = mergeProps(o.has('reader-config') ? loadPropertiesFile(o.value('reader-config')!) : undefined, parseKeyValues(o.values('property')));
    const reader = readerConfig(topic, readerProps);

    // Producer properties: file, then --producer-property, then the tool's own options (as ConsoleProducer).
    const props = mergeProps(o.has('producer.config') ? loadPropertiesFile(o.value('producer.config')!) : undefined, parseKeyValues(o.values('producer-property')));
    props.set('compression.type', compressionCodec(o.value('compression-codec'), o.has('compression-codec')));
    if (!props.has('client.id')) props.set('client.id', 'console-producer');
    const merge = (key: string, opt: string) => {
      if (o.has(opt) || !props.has(key)) props.set(key, o.value(opt)!);
    };
    merge('linger.ms', 'timeout');
    merge('acks', 'request-required-acks');
    merge('request.timeout.ms', 'request-timeout-ms');
    merge('retries', 'message-send-max-retries');
    merge('retry.backoff.ms', 'retry-backoff-ms');
    merge('buffer.memory', 'max-memory-bytes');
    merge('batch.size', 'batch-size');
    if (o.has('max-partition-memory-bytes')) props.set('batch.size', o.value('max-partition-memory-bytes')!);
    merge('metadata.max.age.ms', 'metadata-expiry-ms');
    merge('max.block.ms', 'max-block-ms');
    // Kafka's console producer never calls initTransactions, so its first send fails; say so up front.
    if (props.has('transactional.id')) throw new CliError('transactional.id is not supported by the console producer: it does not run transactions (remove transactional.id)');
    const popts = producerOptions(bootstrap, props);
    // The client's delivery timeout must cover linger + request timeout (Kafka's check too).
    if (popts.deliveryTimeoutMs === undefined) popts.deliveryTimeoutMs = Math.max(120000, (popts.lingerMs ?? 0) + (popts.requestTimeoutMs ?? 30000));

    await checkReachable(bootstrap, probeTimeout(props));
    const producer = new Producer(popts);
    const sync = o.has('sync');
    const prompt = io.stdinIsTTY && io.stdoutIsTTY;
    const pending = new Set<Promise<unknown>>();
    let failures = 0;
    let lineNumber = 0;
    const onError = (rec: ProducerRecord, e: unknown) => {
      failures++;
      const k = rec.key === null || rec.key === undefined ? 'null' : `${(rec.key as Buffer).length} bytes`;
      const v = rec.value === null ? 'null' : `${(rec.value as Buffer).length} bytes`;
      io.err(`ERROR Error when sending message to topic ${topic} with key: ${k}, value: ${v} with error: ${describeError(e)}\n`);
    };
    const rl = readline.createInterface({ input: io.stdin, crlfDelay: Infinity, terminal: false });
    let readError: unknown = null;
    try {
      if (prompt) io.out('>');
      for await (const line of rl) {
        lineNumber++;
        const rec = parseLine(reader, line, lineNumber);
        if (sync) {
          try {
            await producer.send(rec);
          } catch (e) {
            onError(rec, e);
          }
        } else {
          const p: Promise<unknown> = producer.send(rec).then(
            () => pending.delete(p),
            (e) => {
              pending.delete(p);
              onError(rec, e);
            },
          );
          pending.add(p);
          if (pending.size >= 10000) await Promise.race(pending);
        }
        if (prompt) io.out('>');
      }
    } catch (e) {
      readError = e;
    } finally {
      rl.close();
      // close() flushes at once (linger.ms does not apply), then the callbacks settle.
      await producer.close();
      await Promise.all(pending);
    }
    if (readError) throw readError;
    return failures > 0 ? 1 : 0;
  },
};
