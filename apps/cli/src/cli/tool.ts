/**
 * The frame every Kafka-style tool runs in: argument parsing, `--help`,
 * usage errors, one-line errors with exit status 1, and the options the
 * tools share.
 */
import { NagareError } from '@nagare/common';
import { KafkaProtocolError } from '@nagare/protocol';
import { Admin } from '@nagare/client';
import { OptionDef, ParsedOptions, formatHelp, parseArgs } from './args';
import { CliError, UsageError, describeError, isConnectionError, kafkaMessage } from './errors';
import { Props, adminOptions, checkBootstrap, loadPropertiesFile } from './config';
import { checkReachable } from './connect';

export interface Io {
  /** Writes to stdout; strings as UTF-8, buffers as they are. */
  out(s: string | Uint8Array): void;
  err(s: string): void;
  stdin: NodeJS.ReadableStream;
  stdinIsTTY: boolean;
  stdoutIsTTY: boolean;
  /** True once writing to stdout failed (e.g. EPIPE: the reader went away). */
  outFailed(): boolean;
}

export function processIo(): Io {
  let failed = false;
  process.stdout.on('error', () => {
    failed = true;
  });
  return {
    outFailed: () => failed,
    out: (s) => {
      if (!failed) process.stdout.write(s);
    },
    err: (s) => void process.stderr.write(s),
    stdin: process.stdin,
    stdinIsTTY: process.stdin.isTTY === true,
    stdoutIsTTY: process.stdout.isTTY === true,
  };
}

export interface ToolDef {
  /** The Kafka script name, e.g. `kafka-topics`. */
  script: string;
  /** The `nagare` subcommand, e.g. `topics`. */
  command: string;
  /** What the tool does (Kafka's usage line). */
  usage: string;
  options: OptionDef[];
  run(o: ParsedOptions, io: Io): Promise<number>;
  /** Formats a protocol error the way this Kafka tool prints it. */
  protocolError?(message: string): string;
  /** Exit status when called without arguments (Kafka's tools: 1). */
  noArgsExit?: number;
  /** Positional arguments are the tool's (argparse subcommands and their arguments, as kafka-transactions'). */
  acceptsPositional?: boolean;
  /** Takes one subcommand (argparse style, as kafka-metadata-quorum's `describe`). */
  positional?: boolean;
}

export const HELP: OptionDef = { name: 'help', help: 'Print usage information.', short: 'h' };
export const VERSION: OptionDef = { name: 'version', help: 'Display Kafka version.' };
export const BOOTSTRAP: OptionDef = { name: 'bootstrap-server', arg: 'required', describedAs: 'server to connect to', help: 'REQUIRED: The Kafka server to connect to.' };
export const COMMAND_CONFIG: OptionDef = {
  name: 'command-config',
  arg: 'required',
  describedAs: 'command config property file',
  help: 'Property file containing configs to be passed to Admin Client (client.id, request.timeout.ms, default.api.timeout.ms, ...; security.protocol must be PLAINTEXT).',
};
export const OUTPUT: OptionDef = { name: 'output', arg: 'required', describedAs: 'text|json', help: 'nagare: output format of --list and --describe: text (Kafka\'s layout) or json (see the README for the schema).', default: 'text' };

const VERSION_STRING = '4.0.0 (nagare 0.1.0)';

export async function runTool(tool: ToolDef, argv: readonly string[], io: Io): Promise<number> {
  const helpText = () => `${tool.usage}\n${formatHelp(tool.options)}`;
  if (argv.length === 0) {
    io.err(helpText());
    return tool.noArgsExit ?? 1;
  }
  let opts: ParsedOptions;
  try {
    opts = parseArgs(tool.options, argv);
  } catch (e) {
    if (e instanceof CliError) {
      io.err(`${e.message}\n`);
      return 1;
    }
    throw e;
  }
  if (opts.has('help')) {
    io.out(helpText());
    return 0;
  }
  if (tool.options.some((o) => o.name === 'version') && opts.has('version')) {
    io.out(`${VERSION_STRING}\n`);
    return 0;
  }
  const allowedPositional = tool.acceptsPositional ? Infinity : tool.positional ? 1 : 0;
  if (opts.positional.length > allowedPositional) {
    io.err(`Unexpected argument '${opts.positional[allowedPositional]}' (options take the form --name value; see ${tool.script} --help)\n`);
    return 1;
  }
  // The client's timers are unref'd (they never keep a process alive): hold
  // the event loop open while the tool runs, or Node would exit mid-linger.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  try {
    return await tool.run(opts, io);
  } catch (e) {
    io.err(`${errorLine(tool, opts, e)}\n`);
    if (process.env.NAGARE_DEBUG && e instanceof Error && !(e instanceof CliError)) io.err(`${e.stack}\n`);
    return e instanceof CliError ? e.exitCode : 1;
  } finally {
    clearInterval(keepAlive);
  }
}

function errorLine(tool: ToolDef, opts: ParsedOptions, e: unknown): string {
  if (e instanceof CliError) return e.message;
  if (e instanceof NagareError && e.kind === 'REQUEST_TIMED_OUT') {
    // The peer accepted the connection but did not answer (not a lost connection).
    const bs = tool.options.some((o) => o.name === 'bootstrap-server') ? opts.value('bootstrap-server') : undefined;
    return `Error: ${e.message}${bs ? ` (--bootstrap-server ${bs}; set request.timeout.ms and default.api.timeout.ms with --command-config)` : ''}`;
  }
  if (isConnectionError(e)) {
    const bs = tool.options.some((o) => o.name === 'bootstrap-server') ? opts.value('bootstrap-server') : undefined;
    return `Error: lost the connection to the broker${bs ? ` (--bootstrap-server ${bs})` : ''}: ${describeError(e)}`;
  }
  if (e instanceof KafkaProtocolError) {
    const m = kafkaMessage(e);
    return tool.protocolError ? tool.protocolError(m) : `Error: ${m}`;
  }
  return `Error: ${describeError(e)}`;
}

// ---------------------------------------------------------------- shared helpers

/** `--bootstrap-server`, validated; a usage error naming the fix when missing. */
export function requireBootstrap(o: ParsedOptions, kafkaMessage = '--bootstrap-server must be specified'): string {
  if (!o.has('bootstrap-server')) throw new UsageError(kafkaMessage, 'add --bootstrap-server host:port');
  return checkBootstrap(o.value('bootstrap-server'));
}

/** Properties from `--command-config` (or another file option). */
export function fileProps(o: ParsedOptions, option = 'command-config'): Props {
  const f = o.value(option);
  return f === undefined ? new Map() : loadPropertiesFile(f);
}

/** How long the reachability check waits: socket.connection.setup.timeout.ms (10 s) or the request timeout, whichever is shorter. */
export function probeTimeout(props: Props): number {
  const setup = Number(props.get('socket.connection.setup.timeout.ms') ?? 10000);
  const req = Number(props.get('request.timeout.ms') ?? 30000);
  const t = Math.min(Number.isFinite(setup) ? setup : 10000, Number.isFinite(req) ? req : 30000);
  return Math.max(100, t);
}

/** Checks the server is reachable, then opens an admin client (closed by the caller). */
export async function openAdmin(bootstrap: string, props: Props, extra: { defaultApiTimeoutMs?: number; bootstrapControllers?: boolean } = {}): Promise<Admin> {
  const options = adminOptions(bootstrap, props);
  await checkReachable(bootstrap, probeTimeout(props));
  return new Admin({ ...options, ...extra });
}

export async function withAdmin<T>(bootstrap: string, props: Props, fn: (admin: Admin) => Promise<T>, extra: { defaultApiTimeoutMs?: number; bootstrapControllers?: boolean } = {}): Promise<T> {
  const admin = await openAdmin(bootstrap, props, extra);
  try {
    return await fn(admin);
  } finally {
    admin.close();
  }
}

export function jsonOutput(o: ParsedOptions): boolean {
  const v = o.value('output');
  if (v === undefined || v === 'text') return false;
  if (v === 'json') return true;
  throw new UsageError(`Invalid value '${v}' for --output`, 'use --output text or --output json');
}

export function printJson(io: Io, value: unknown): void {
  io.out(JSON.stringify(value, null, 2) + '\n');
}

/** Kafka's `Option "[a]" can't be used with option "[b]"`. */
export function cantCombine(a: string, b: string, hint?: string): UsageError {
  return new UsageError(`Option "[${a}]" can't be used with option "[${b}]"`, hint);
}

/** Kafka's `Missing required argument "[x]"`. */
export function missing(name: string, hint?: string): UsageError {
  return new UsageError(`Missing required argument "[${name}]"`, hint);
}
