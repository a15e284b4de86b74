/**
 * kafka-consumer-perf-test (ConsumerPerformance): consumes --messages
 * records with a group and prints Kafka's CSV-like header and summary (or
 * a line per --reporting-interval with --show-detailed-stats); a progress
 * bar when stdout is a terminal.
 */
import { Consumer } from '@nagare/client';
import { OptionDef } from '../cli/args';
import { CliError } from '../cli/errors';
import { checkBootstrap, consumerOptions, loadPropertiesFile } from '../cli/config';
import { checkReachable } from '../cli/connect';
import { fixed, pad, simpleDateFormat } from '../cli/format';
import { createProgress } from '../cli/progress';
import { HELP, ToolDef, VERSION, missing, probeTimeout } from '../cli/tool';

const options: OptionDef[] = [
  { name: 'bootstrap-server', arg: 'required', describedAs: 'server to connect to', help: 'REQUIRED: The server(s) to connect to.' },
  { name: 'topic', arg: 'required', describedAs: 'topic', help: 'REQUIRED: The topic to consume from.' },
  { name: 'group', arg: 'required', describedAs: 'gid', help: 'The group id to consume on. (default: perf-consumer-<random>)' },
  { name: 'fetch-size', arg: 'required', describedAs: 'Integer: size', help: 'The amount of data to fetch in a single request.', default: '1048576' },
  { name: 'from-latest', help: 'If the consumer does not already have an established offset to consume from, start with the latest message present in the log rather than the earliest message.' },
  { name: 'socket-buffer-size', arg: 'required', describedAs: 'Integer: size', help: 'The size of the tcp RECV size (accepted, not used).', default: '2097152' },
  { name: 'consumer.config', arg: 'required', describedAs: 'config file', help: 'Consumer config properties file.' },
  { name: 'print-metrics', help: 'Print out the metrics.' },
  { name: 'show-detailed-stats', help: 'If set, stats are reported for each reporting interval as configured by reporting-interval' },
  { name: 'timeout', arg: 'optional', describedAs: 'Long: milliseconds', help: 'The maximum allowed time in milliseconds between returned records.', default: '10000' },
  { name: 'messages', arg: 'required', describedAs: 'Long: count', help: 'REQUIRED: The number of messages to send or consume' },
  { name: 'reporting-interval', arg: 'required', describedAs: 'Long: interval_ms', help: 'Interval in milliseconds at which to print progress info.', default: '5000' },
  { name: 'date-format', arg: 'required', describedAs: 'date format', help: 'The date format to use for formatting the time field. See java.text.SimpleDateFormat for options.', default: 'yyyy-MM-dd HH:mm:ss:SSS' },
  { name: 'hide-header', help: 'If set, skips printing the header for the stats' },
  HELP,
  VERSION,
];

const MB = 1024 * 1024;

export const consumerPerfTool: ToolDef = {
  script: 'kafka-consumer-perf-test',
  command: 'consumer-perf-test',
  usage: 'This tool is used to verify the consumer performance.',
  options,
  async run(o, io) {
    if (!o.has('topic')) throw missing('topic', 'add --topic <name>');
    if (!o.has('messages')) throw missing('messages', 'add --messages <count>');
    if (!o.has('bootstrap-server')) throw missing('bootstrap-server', 'add --bootstrap-server host:port');
    const bootstrap = checkBootstrap(o.value('bootstrap-server'));
    const interval = o.int('reporting-interval')!;
    if (interval <= 0) throw new CliError('Reporting interval must be greater than 0.');
    const numMessages = o.int('messages')!;
    const timeoutMs = o.int('timeout')!;
    const detailed = o.has('show-detailed-stats');
    const dateFormat = o.value('date-format')!;
    const props = o.has('consumer.config') ? loadPropertiesFile(o.value('consumer.config')!) : new Map<string, string>();
    props.set('group.id', o.value('group') ?? `perf-consumer-${Math.floor(Math.random() * 100000)}`);
    props.set('max.partition.fetch.bytes', o.value('fetch-size')!);
    props.set('auto.offset.reset', o.has('from-latest') ? 'latest' : 'earliest');
    props.set('check.crcs', 'false');
    if (!props.has('client.id')) props.set('client.id', 'perf-consumer-client');
    const copts = consumerOptions(bootstrap, props);
    await checkReachable(bootstrap, probeTimeout(props));

    if (!o.has('hide-header')) {
      const extra = ', rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec';
      io.out(detailed ? `time, threadId, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec${extra}\n` : `start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec${extra}\n`);
    }
    const consumer = new Consumer(copts);
    const progress = createProgress(io, numMessages, 'messages');
    let joinTimeMs = 0;
    let joinTimeMsInRound = 0;
    const startMs = Date.now();
    let joinStartMs = startMs;
    let bytesRead = 0;
    let messagesRead = 0;
    let lastBytesRead = 0;
    let lastMessagesRead = 0;
    try {
      consumer.subscribe([o.value('topic')!], {
        onPartitionsRevoked: () => {
          joinStartMs = Date.now();
        },
        onPartitionsAssigned: () => {
          const elapsed = Date.now() - joinStartMs;
          joinTimeMs += elapsed;
          joinTimeMsInRound += elapsed;
        },
      });
      let now = Date.now();
      let lastReportMs = now;
      let lastConsumedMs = now;
      while (messagesRead < numMessages && now - lastConsumedMs <= timeoutMs) {
        const records = await consumer.poll(100);
        now = Date.now();
        if (records.length > 0) lastConsumedMs = now;
        for (const r of records) {
          messagesRead++;
          if (r.key) bytesRead += r.key.length;
          if (r.value) bytesRead += r.value.length;
          if (now - lastReportMs >= interval) {
            if (detailed) {
              const elapsed = now - lastReportMs;
              const totalMb = bytesRead / MB;
              const intervalMb = (bytesRead - lastBytesRead) / MB;
              const fetchMs = elapsed - joinTimeMsInRound;
              const n = messagesRead - lastMessagesRead;
              progress.log(
                `${simpleDateFormat(dateFormat, now)}, 0, ${fixed(totalMb, 4)}, ${fixed((1000 * intervalMb) / elapsed, 4)}, ${messagesRead}, ${fixed((n / elapsed) * 1000, 4)}` +
                  `, ${joinTimeMsInRound}, ${fetchMs}, ${fixed(fetchMs <= 0 ? 0 : (1000 * intervalMb) / fetchMs, 4)}, ${fixed(fetchMs <= 0 ? 0 : (1000 * n) / fetchMs, 4)}\n`,
              );
            }
            joinTimeMsInRound = 0;
            lastReportMs = now;
            lastMessagesRead = messagesRead;
            lastBytesRead = bytesRead;
          }
        }
        progress.update(Math.min(messagesRead, numMessages), { rate: fixed((1000 * messagesRead) / Math.max(1, now - startMs), 1) });
      }
    } finally {
      progress.stop();
    }
    if (messagesRead < numMessages) {
      io.out(`WARNING: Exiting before consuming the expected number of messages: timeout (${timeoutMs} ms) exceeded. You can use the --timeout option to increase the timeout.\n`);
    }
    const endMs = Date.now();
    await consumer.close();
    const elapsedSec = (endMs - startMs) / 1000.0;
    const fetchTimeMs = endMs - startMs - joinTimeMs;
    if (!detailed) {
      const totalMb = bytesRead / MB;
      io.out(
        `${simpleDateFormat(dateFormat, startMs)}, ${simpleDateFormat(dateFormat, endMs)}, ${fixed(totalMb, 4)}, ${fixed(totalMb / elapsedSec, 4)}, ${messagesRead}, ${fixed(messagesRead / elapsedSec, 4)}, ` +
          `${joinTimeMs}, ${fetchTimeMs}, ${fixed(totalMb / (fetchTimeMs / 1000.0), 4)}, ${fixed(messagesRead / (fetchTimeMs / 1000.0), 4)}\n`,
      );
    }
    if (o.has('print-metrics')) {
      const tags = `{client-id=${props.get('client.id')}}`;
      const metrics: Array<[string, string]> = [
        [`consumer-fetch-manager-metrics:bytes-consumed-total:${tags}`, fixed(bytesRead, 3)],
        [`consumer-fetch-manager-metrics:records-consumed-rate:${tags}`, fixed(messagesRead / Math.max(elapsedSec, 0.001), 3)],
        [`consumer-fetch-manager-metrics:records-consumed-total:${tags}`, fixed(messagesRead, 3)],
        [`consumer-coordinator-metrics:rebalance-latency-total:${tags}`, fixed(joinTimeMs, 3)],
      ];
      const w = Math.max(...metrics.map((m) => m[0].length));
      io.out(`\n${pad('Metric Name', w)}   Value\n`);
      for (const [k, v] of metrics) io.out(`${pad(k, w)} : ${v}\n`);
    }
    return 0;
  },
};
