/**
 * The pure parts of the tools, in process: argument parsing, Java
 * properties, Java-style number and date formatting, the line reader, the
 * message formatter, perf statistics and the small input formats.
 */
import { parseArgs, OptionDef } from './args';
import { UsageError } from './errors';
import { consumerOptions, parseKeyValues, parseProperties, producerOptions } from './config';
import { fixed, pad, simpleDateFormat } from './format';
import { createProgress } from './progress';
import { Io } from './tool';
import { parseLine } from '../tools/console-producer';
import { formatRecord } from '../tools/console-consumer';
import { Stats } from '../tools/producer-perf';
import { parseAddConfig } from '../tools/configs';
import { parseOffsetJson } from '../tools/delete-records';
import { serverStartArgs } from '../main';

const defs: OptionDef[] = [
  { name: 'bootstrap-server', arg: 'required', help: '' },
  { name: 'topic', arg: 'required', help: '' },
  { name: 'from-beginning', help: '' },
  { name: 'compression-codec', arg: 'optional', help: '' },
  { name: 'producer-props', nargs: '+', help: '' },
  { name: 'time', arg: 'required', help: '' },
];

describe('parseArgs (jopt-simple conventions)', () => {
  test('values, =values, repeats, prefixes and flags', () => {
    const o = parseArgs(defs, ['--bootstrap', 'h:1', '--topic=a', '--topic', 'b', '--from-beginning', '--time', '-1']);
    expect(o.value('bootstrap-server')).toBe('h:1');
    expect(o.values('topic')).toEqual(['a', 'b']);
    expect(o.value('topic')).toBe('b');
    expect(o.has('from-beginning')).toBe(true);
    expect(o.value('time')).toBe('-1');
  });

  test('optional arguments and nargs', () => {
    expect(parseArgs(defs, ['--compression-codec', '--topic', 't']).value('compression-codec')).toBeUndefined();
    expect(parseArgs(defs, ['--compression-codec', 'lz4']).value('compression-codec')).toBe('lz4');
    expect(parseArgs(defs, ['--producer-props', 'a=1', 'b=2', '--topic', 't']).values('producer-props')).toEqual(['a=1', 'b=2']);
  });

  test("Kafka's messages for unknown options and missing arguments", () => {
    expect(() => parseArgs(defs, ['--zookeeper', 'x'])).toThrow(new UsageError('zookeeper is not a recognized option'));
    expect(() => parseArgs(defs, ['--topic'])).toThrow(new UsageError('Option topic requires an argument'));
    expect(() => parseArgs(defs, ['--t', 'x'])).toThrow('t is not a recognized option');
  });
});

describe('properties', () => {
  test('Java .properties syntax', () => {
    const p = parseProperties('# comment\n! also\nclient.id = tools\nrequest.timeout.ms:5000\nkey\\ with\\ spaces value\nmulti=a,\\\n    b\nunicode=\\u0041\\tB\nempty=\n');
    expect([...p]).toEqual([
      ['client.id', 'tools'],
      ['request.timeout.ms', '5000'],
      ['key with spaces', 'value'],
      ['multi', 'a,b'],
      ['unicode', 'A\tB'],
      ['empty', ''],
    ]);
  });

  test('key=value arguments keep = in values', () => {
    expect([...parseKeyValues(['a=b=c', 'flag'])]).toEqual([
      ['a', 'b=c'],
      ['flag', ''],
    ]);
  });

  test('client options from Kafka names', () => {
    const p = producerOptions('h:1', new Map([['acks', 'all'], ['linger.ms', '7'], ['compression.type', 'zstd'], ['client.id', 'x'], ['key.serializer', 'ignored']]));
    expect(p).toMatchObject({ bootstrapServers: 'h:1', acks: 'all', lingerMs: 7, compressionType: 'zstd', clientId: 'x' });
    const c = consumerOptions('h:1', new Map([['partition.assignment.strategy', 'org.apache.kafka.clients.consumer.RoundRobinAssignor'], ['enable.auto.commit', 'false']]));
    expect(c).toMatchObject({ partitionAssignmentStrategy: ['roundrobin'], enableAutoCommit: false });
    expect(() => producerOptions('h:1', new Map([['linger.ms', 'soon']]))).toThrow('Invalid value soon for configuration linger.ms: Not a number of type LONG');
    expect(() => consumerOptions('h:1', new Map([['security.protocol', 'SSL']]))).toThrow(/security.protocol=SSL is not supported/);
  });
});

describe('Java formatting', () => {
  test('%.Nf rounds the shortest decimal HALF_UP', () => {
    expect(fixed(1.005, 2)).toBe('1.01');
    expect(fixed(0.125, 2)).toBe('0.13');
    expect(fixed(2.5, 0)).toBe('3');
    expect(fixed(1234.56789, 1)).toBe('1234.6');
    expect(fixed(1e-7, 4)).toBe('0.0000');
    expect(fixed(-0.04, 1)).toBe('-0.0');
    expect(fixed(-1.25, 1)).toBe('-1.3');
    expect(fixed(Infinity, 1)).toBe('Infinity');
    expect(fixed(NaN, 2)).toBe('NaN');
    expect(fixed(99.96, 1)).toBe('100.0');
  });

  test('%-Ns and SimpleDateFormat', () => {
    expect(pad('ab', 4)).toBe('ab  ');
    expect(pad('abcdef', 4)).toBe('abcdef');
    const t = new Date(2024, 0, 2, 3, 4, 5, 6).getTime();
    expect(simpleDateFormat('yyyy-MM-dd HH:mm:ss:SSS', t)).toBe('2024-01-02 03:04:05:006');
    expect(simpleDateFormat("yy/M/d 'at' h a", t)).toBe('24/1/2 at 3 AM');
  });
});

describe('console tools', () => {
  const reader = { topic: 't', parseKey: true, keySeparator: '::', parseHeaders: true, headersDelimiter: '|', headersSeparator: /,/, headersKeySeparator: '=', ignoreError: false, nullMarker: '-' };

  test('LineMessageReader parsing', () => {
    const r = parseLine(reader, 'a=1,b=-|k::v::w', 1);
    expect(r.key!.toString()).toBe('k');
    expect(r.value!.toString()).toBe('v::w');
    expect(r.headers).toEqual([
      { key: 'a', value: Buffer.from('1') },
      { key: 'b', value: null },
    ]);
    const n = parseLine(reader, '-|-::-', 2);
    expect([n.key, n.value, n.headers]).toEqual([null, null, undefined]);
    expect(() => parseLine(reader, 'x|novalue', 3)).toThrow("No key separator found on line number 3: 'x|novalue'");
    expect(parseLine({ ...reader, ignoreError: true }, 'x|novalue', 4).key).toBeNull();
  });

  test('DefaultMessageFormatter layout', () => {
    const f = {
      printTimestamp: true,
      printKey: true,
      printValue: true,
      printPartition: true,
      printOffset: true,
      printEpoch: true,
      printHeaders: true,
      keySeparator: Buffer.from('\t'),
      lineSeparator: Buffer.from('\n'),
      headersSeparator: Buffer.from(','),
      nullLiteral: Buffer.from('null'),
      key: null,
      value: null,
      headers: null,
    };
    const rec = { topic: 't', partition: 2, offset: 7, timestamp: 1700000000000, timestampType: 'CreateTime' as const, key: null, value: Buffer.from('v'), headers: [{ key: 'h', value: Buffer.from('x') }, { key: 'n', value: null }], leaderEpoch: 3 };
    expect(formatRecord(f, rec).toString()).toBe('CreateTime:1700000000000\tPartition:2\tOffset:7\tEpoch:3\th:x,n:null\tnull\tv\n');
    expect(formatRecord({ ...f, printValue: false, printTimestamp: false, printEpoch: false, printHeaders: false, printKey: false }, rec).toString()).toBe('Partition:2\tOffset:7\n');
  });
});

describe('perf statistics', () => {
  test('window lines and the summary as ProducerPerformance.Stats prints them', () => {
    let now = 0;
    const lines: string[] = [];
    const s = new Stats(10, 5000, (l) => lines.push(l), () => now);
    for (let i = 1; i <= 9; i++) {
      now = i * 1000;
      s.record(i, 1024 * 1024, now);
    }
    expect(lines).toEqual(['5 records sent, 1.0 records/sec (1.00 MB/sec), 3.0 ms avg latency, 5.0 ms max latency.\n']);
    now = 10000;
    s.record(10, 1024 * 1024, now);
    expect(lines[1]).toBe('5 records sent, 1.0 records/sec (1.00 MB/sec), 8.0 ms avg latency, 10.0 ms max latency.\n');
    expect(s.summary()).toBe('10 records sent, 1.0 records/sec (1.00 MB/sec), 5.50 ms avg latency, 10.00 ms max latency, 6 ms 50th, 10 ms 95th, 10 ms 99th, 10 ms 99.9th.\n');
  });

  test('the progress bar only on a terminal', () => {
    const io = (tty: boolean): Io => ({ out: () => undefined, err: () => undefined, stdin: process.stdin, stdinIsTTY: false, stdoutIsTTY: tty, outFailed: () => false });
    const saved = process.env.NAGARE_PROGRESS;
    delete process.env.NAGARE_PROGRESS;
    try {
      expect(createProgress(io(false), 10, 'records').active).toBe(false);
      const p = createProgress(io(true), 10, 'records');
      expect(p.active).toBe(true);
      p.stop();
    } finally {
      if (saved !== undefined) process.env.NAGARE_PROGRESS = saved;
    }
  });
});

describe('input formats', () => {
  test('--add-config with brackets', () => {
    expect([...parseAddConfig('a=1, b = [x,y] ,c=')]).toEqual([
      ['a', '1'],
      ['b', 'x,y'],
      ['c', ''],
    ]);
    expect(() => parseAddConfig('a')).toThrow('requirement failed: Invalid entity config: all configs to be added must be in the format "key=val".');
  });

  test('delete-records JSON', () => {
    expect(parseOffsetJson('{"partitions":[{"topic":"t","partition":0,"offset":3}],"version":1}')).toEqual([{ topic: 't', partition: 0, offset: 3 }]);
    expect(() => parseOffsetJson('nope')).toThrow('The input string is not a valid JSON');
    expect(() => parseOffsetJson('{"version":2,"partitions":[]}')).toThrow('Not supported version field value 2');
    expect(() => parseOffsetJson('{}')).toThrow('Missing partitions field');
  });

  test('kafka-server-start arguments', () => {
    expect(serverStartArgs(['config/server.properties', '--override', 'a=1', '--override=b=2'])).toEqual(['server', '--config', 'config/server.properties', '--override', 'a=1', '--override', 'b=2']);
  });
});
