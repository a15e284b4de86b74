/**
 * Client properties as Kafka's tools take them (`--command-config`,
 * `--producer.config`, `--producer-property k=v`, ...): Java properties
 * files and `key=value` arguments, mapped onto @nagare/client options.
 */
import { readFileSync } from 'node:fs';
import type { AdminOptions, AssignorName, CommonClientOptions, CompressionType, ConsumerOptions, ProducerOptions } from '@nagare/client';
import { CliError, UsageError } from './errors';

export type Props = Map<string, string>;

/** Parses the text of a Java `.properties` file (comments, `=`/`:`/space separators, escapes, continuations). */
export function parseProperties(text: string): Props {
  const out: Props = new Map();
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i].replace(/^[ \t\f]+/, '');
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    // A line ending in an odd number of backslashes continues on the next one.
    while (/(^|[^\\])(\\\\)*\\$/.test(line) && i + 1 < lines.length) {
      line = line.slice(0, -1) + lines[++i].replace(/^[ \t\f]+/, '');
    }
    let k = 0;
    let key = '';
    while (k < line.length) {
      const c = line[k];
      if (c === '\\' && k + 1 < line.length) {
        key += unescapeChar(line, k);
        k += escapeLength(line, k);
        continue;
      }
      if (c === '=' || c === ':' || c === ' ' || c === '\t' || c === '\f') break;
      key += c;
      k++;
    }
    while (k < line.length && (line[k] === ' ' || line[k] === '\t' || line[k] === '\f')) k++;
    if (k < line.length && (line[k] === '=' || line[k] === ':')) k++;
    while (k < line.length && (line[k] === ' ' || line[k] === '\t' || line[k] === '\f')) k++;
    let value = '';
    while (k < line.length) {
      if (line[k] === '\\' && k + 1 < line.length) {
        value += unescapeChar(line, k);
        k += escapeLength(line, k);
      } else value += line[k++];
    }
    out.set(key, value);
  }
  return out;
}

function unescapeChar(s: string, i: number): string {
  const c = s[i + 1];
  switch (c) {
    case 't':
      return '\t';
    case 'n':
      return '\n';
    case 'r':
      return '\r';
    case 'f':
      return '\f';
    case 'u': {
      const hex = s.slice(i + 2, i + 6);
      return /^[0-9a-fA-F]{4}$/.test(hex) ? String.fromCharCode(parseInt(hex, 16)) : 'u';
    }
    default:
      return c;
  }
}

function escapeLength(s: string, i: number): number {
  return s[i + 1] === 'u' && /^[0-9a-fA-F]{4}$/.test(s.slice(i + 2, i + 6)) ? 6 : 2;
}

/** Reads a properties file; a missing file is one clear error line. */
export function loadPropertiesFile(path: string): Props {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(code === 'ENOENT' ? `${path} (No such file or directory)` : `could not read ${path}: ${(e as Error).message}`);
  }
  return parseProperties(text);
}

/** `key=value` arguments (values may contain '='); a missing value is the empty string, as Kafka's parseKeyValueArgs. */
export function parseKeyValues(args: readonly string[]): Props {
  const out: Props = new Map();
  for (const a of args) {
    const eq = a.indexOf('=');
    if (eq < 0) out.set(a, '');
    else out.set(a.slice(0, eq), a.slice(eq + 1));
  }
  return out;
}

export function mergeProps(...sources: Array<Props | undefined>): Props {
  const out: Props = new Map();
  for (const s of sources) if (s) for (const [k, v] of s) out.set(k, v);
  return out;
}

// ---------------------------------------------------------------- mapping

type Kind = 'int' | 'long' | 'bool' | 'string' | 'list' | 'double';

function invalid(name: string, value: string, why: string): CliError {
  return new CliError(`Invalid value ${value} for configuration ${name}: ${why}`);
}

function conv(name: string, value: string, kind: Kind): unknown {
  const v = value.trim();
  switch (kind) {
    case 'int':
    case 'long': {
      if (!/^[-+]?\d+$/.test(v)) throw invalid(name, value, `Not a number of type ${kind === 'int' ? 'INT' : 'LONG'}`);
      return Number(v);
    }
    case 'double': {
      const n = Number(v);
      if (v === '' || !Number.isFinite(n)) throw invalid(name, value, 'Not a number of type DOUBLE');
      return n;
    }
    case 'bool': {
      if (v.toLowerCase() === 'true') return true;
      if (v.toLowerCase() === 'false') return false;
      throw invalid(name, value, 'Expected value to be either true or false');
    }
    case 'list':
      return v.split(',').map((x) => x.trim()).filter((x) => x !== '');
    default:
      return v;
  }
}

const COMMON: Record<string, [keyof CommonClientOptions | 'defaultApiTimeoutMs', Kind]> = {
  'client.id': ['clientId', 'string'],
  'request.timeout.ms': ['requestTimeoutMs', 'int'],
  'reconnect.backoff.ms': ['reconnectBackoffMs', 'long'],
  'reconnect.backoff.max.ms': ['reconnectBackoffMaxMs', 'long'],
  'retry.backoff.ms': ['retryBackoffMs', 'long'],
  'retry.backoff.max.ms': ['retryBackoffMaxMs', 'long'],
  'metadata.max.age.ms': ['metadataMaxAgeMs', 'long'],
  'socket.connection.setup.timeout.ms': ['socketConnectionSetupTimeoutMs', 'long'],
  'max.in.flight.requests.per.connection': ['maxInFlightRequestsPerConnection', 'int'],
  'client.rack': ['clientRack', 'string'],
  'default.api.timeout.ms': ['defaultApiTimeoutMs', 'int'],
};

const PRODUCER: Record<string, [keyof ProducerOptions, Kind]> = {
  acks: ['acks', 'string'],
  'linger.ms': ['lingerMs', 'long'],
  'batch.size': ['batchSize', 'int'],
  'compression.type': ['compressionType', 'string'],
  'compression.gzip.level': ['compressionLevel', 'int'],
  'compression.lz4.level': ['compressionLevel', 'int'],
  'compression.zstd.level': ['compressionLevel', 'int'],
  retries: ['retries', 'int'],
  'delivery.timeout.ms': ['deliveryTimeoutMs', 'int'],
  'enable.idempotence': ['enableIdempotence', 'bool'],
  'max.request.size': ['maxRequestSize', 'int'],
  'buffer.memory': ['bufferMemory', 'long'],
  'max.block.ms': ['maxBlockMs', 'long'],
  'partitioner.ignore.keys': ['partitionerIgnoreKeys', 'bool'],
  'transactional.id': ['transactionalId', 'string'],
  'transaction.timeout.ms': ['transactionTimeoutMs', 'int'],
};

const CONSUMER: Record<string, [keyof ConsumerOptions, Kind]> = {
  'group.id': ['groupId', 'string'],
  'group.instance.id': ['groupInstanceId', 'string'],
  'group.remote.assignor': ['groupRemoteAssignor', 'string'],
  'session.timeout.ms': ['sessionTimeoutMs', 'int'],
  'heartbeat.interval.ms': ['heartbeatIntervalMs', 'int'],
  'max.poll.interval.ms': ['maxPollIntervalMs', 'int'],
  'partition.assignment.strategy': ['partitionAssignmentStrategy', 'list'],
  'enable.auto.commit': ['enableAutoCommit', 'bool'],
  'auto.commit.interval.ms': ['autoCommitIntervalMs', 'int'],
  'auto.offset.reset': ['autoOffsetReset', 'string'],
  'isolation.level': ['isolationLevel', 'string'],
  'fetch.min.bytes': ['fetchMinBytes', 'int'],
  'fetch.max.wait.ms': ['fetchMaxWaitMs', 'int'],
  'fetch.max.bytes': ['fetchMaxBytes', 'int'],
  'max.partition.fetch.bytes': ['maxPartitionFetchBytes', 'int'],
  'max.poll.records': ['maxPollRecords', 'int'],
  'check.crcs': ['checkCrcs', 'bool'],
  'allow.auto.create.topics': ['allowAutoCreateTopics', 'bool'],
  'exclude.internal.topics': ['excludeInternalTopics', 'bool'],
};

/** Java class names of the built-in assignors, and the names our client takes. */
const ASSIGNORS: Record<string, AssignorName> = {
  range: 'range',
  roundrobin: 'roundrobin',
  'cooperative-sticky': 'cooperative-sticky',
  'org.apache.kafka.clients.consumer.RangeAssignor': 'range',
  'org.apache.kafka.clients.consumer.RoundRobinAssignor': 'roundrobin',
  'org.apache.kafka.clients.consumer.CooperativeStickyAssignor': 'cooperative-sticky',
};

/** Settings Kafka's clients take that cannot apply here: refused with the reason. */
function checkUnsupported(props: Props): void {
  const proto = props.get('security.protocol');
  if (proto !== undefined && proto.trim().toUpperCase() !== 'PLAINTEXT') {
    throw new CliError(`security.protocol=${proto.trim()} is not supported: nagare's tools connect with PLAINTEXT only (remove security.protocol or set it to PLAINTEXT)`);
  }
  for (const k of props.keys()) {
    if (k === 'sasl.mechanism' || k === 'sasl.jaas.config' || k === 'ssl.keystore.location' || k === 'ssl.truststore.location') {
      throw new CliError(`${k} is not supported: nagare's tools connect with PLAINTEXT only (remove the sasl.* and ssl.* settings)`);
    }
  }
}

function apply<T extends object>(target: T, props: Props, table: Record<string, [string, Kind]>): void {
  for (const [k, v] of props) {
    const m = table[k];
    if (m) (target as Record<string, unknown>)[m[0]] = conv(k, v, m[1]);
  }
}

export function commonOptions(bootstrap: string, props: Props): CommonClientOptions & { defaultApiTimeoutMs?: number } {
  checkUnsupported(props);
  const o: CommonClientOptions & { defaultApiTimeoutMs?: number } = { bootstrapServers: bootstrap };
  apply(o, props, COMMON);
  return o;
}

export function adminOptions(bootstrap: string, props: Props): AdminOptions {
  return commonOptions(bootstrap, props);
}

export function producerOptions(bootstrap: string, props: Props): ProducerOptions {
  const o: ProducerOptions = commonOptions(bootstrap, props);
  apply(o, props, PRODUCER);
  const acks = props.get('acks');
  if (acks !== undefined) {
    const a = acks.trim();
    if (a === 'all' || a === '-1') o.acks = 'all';
    else if (a === '0' || a === '1') o.acks = Number(a) as 0 | 1;
    else throw invalid('acks', acks, 'String must be one of: all, -1, 0, 1');
  }
  const ct = props.get('compression.type');
  if (ct !== undefined) {
    const c = ct.trim().toLowerCase();
    if (!['none', 'gzip', 'snappy', 'lz4', 'zstd'].includes(c)) throw invalid('compression.type', ct, 'String must be one of: none, gzip, snappy, lz4, zstd');
    o.compressionType = c as CompressionType;
  }
  return o;
}

export function consumerOptions(bootstrap: string, props: Props): ConsumerOptions {
  const o: ConsumerOptions = commonOptions(bootstrap, props);
  apply(o, props, CONSUMER);
  const reset = props.get('auto.offset.reset');
  if (reset !== undefined && !['earliest', 'latest', 'none'].includes(reset.trim())) {
    throw invalid('auto.offset.reset', reset, 'Invalid value for auto.offset.reset: must be earliest, latest or none');
  }
  const iso = props.get('isolation.level');
  if (iso !== undefined && !['read_committed', 'read_uncommitted'].includes(iso.trim())) {
    throw invalid('isolation.level', iso, 'String must be one of: read_committed, read_uncommitted');
  }
  const protocol = props.get('group.protocol');
  if (protocol !== undefined) {
    const p = protocol.trim().toLowerCase();
    if (p !== 'classic' && p !== 'consumer') throw invalid('group.protocol', protocol, 'String must be one of (case insensitive): CLASSIC, CONSUMER');
    o.groupProtocol = p;
  }
  const strategies = props.get('partition.assignment.strategy');
  if (strategies !== undefined) {
    o.partitionAssignmentStrategy = (conv('partition.assignment.strategy', strategies, 'list') as string[]).map((s) => {
      const a = ASSIGNORS[s];
      if (!a) throw new CliError(`partition.assignment.strategy ${s} is not supported (use range, roundrobin or cooperative-sticky)`);
      return a;
    });
  }
  return o;
}

/** Validates `--bootstrap-server` as Kafka's tools do. */
export function checkBootstrap(value: string | undefined): string {
  if (value === undefined || value.trim() === '') throw new UsageError('Error while validating the bootstrap address');
  for (const hp of value.split(',')) {
    const t = hp.trim().replace(/^[A-Za-z_]+:\/\//, '');
    const m = /^\[[^\]]+\]:(\d+)$/.exec(t) ?? /^[^:\s]+:(\d+)$/.exec(t);
    if (!m || Number(m[1]) <= 0 || Number(m[1]) > 65535) throw new UsageError('Please provide valid host:port like host1:9091,host2:9092', `got --bootstrap-server ${value}`);
  }
  return value;
}
