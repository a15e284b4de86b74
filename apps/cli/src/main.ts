/**
 * `nagare`: one binary with subcommands, like Kafka's scripts:
 * `nagare server`, `nagare storage ...` (the server side, from
 * @nagare/server-app), `nagare schemas ...` (the Schema Registry's REST
 * API) and the Kafka-compatible tools (`nagare topics`,
 * `nagare console-producer`, ...), each also installed under its Kafka
 * script name (`kafka-topics`, ...; see bin/).
 */
import type { Command } from 'commander';
import { NagareError } from '@nagare/common';
import { Io, ToolDef, processIo, runTool } from './cli/tool';
import { allTools, findTool as findToolByName } from './tools';
import { addConnectCommand } from './connect-cli';

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function fail(e: unknown): number {
  const msg = e instanceof NagareError || (e instanceof Error && e.name !== 'Error') ? (e as Error).message : e instanceof Error ? e.message : String(e);
  process.stderr.write(`nagare: ${msg}\n`);
  return 1;
}

export function buildProgram(setExit: (code: number) => void): Command {
  // Loaded here, not at the top: the Kafka tools parse their own arguments
  // and start faster without commander.
  const { Command } = require('commander') as typeof import('commander');
  const program = new Command('nagare').description('nagare: a Kafka-compatible event streaming platform').showHelpAfterError();
  program
    .command('server')
    .description('run a server (like kafka-server-start.sh); without --config: a single node on localhost:9092 with data under ./data')
    .option('-c, --config <file>', 'server.properties to read')
    .option('--override <key=value>', 'override a property (repeatable)', collect, [])
    .action(async (opts: { config?: string; override: string[] }) => {
      const server = require('@nagare/server-app') as typeof import('@nagare/server-app');
      setExit(await server.runServerCommand(opts));
    });
  const storage = program.command('storage').description('format and inspect log directories (like kafka-storage.sh)');
  storage
    .command('format')
    .description('write meta.properties into every log directory')
    .option('-c, --config <file>', 'server.properties to read (default: the embedded single-node settings)')
    .option('-t, --cluster-id <id>', 'cluster id (default: a new random one)')
    .option('-g, --ignore-formatted', 'skip directories that are already formatted')
    .option('-s, --standalone', 'KIP-853: format a controller of a dynamic quorum (controller.quorum.bootstrap.servers) as a quorum of one, itself')
    .option('-I, --initial-controllers <list>', 'KIP-853: the initial voters of a dynamic quorum, id@host:port:directoryId,... (the same on every initial controller)')
    .option('-N, --no-initial-controllers', 'KIP-853: format a controller that joins a dynamic quorum later (kafka-metadata-quorum add-controller)')
    .option('--override <key=value>', 'override a property (repeatable)', collect, [])
    .action((opts) => {
      const server = require('@nagare/server-app') as typeof import('@nagare/server-app');
      try {
        // commander turns --no-initial-controllers into initialControllers: false.
        const ic = opts.initialControllers as string | boolean | undefined;
        const format = { ...opts, initialControllers: typeof ic === 'string' ? ic : undefined, noInitialControllers: ic === false };
        setExit(server.runStorageFormat(format, (s) => process.stdout.write(s + '\n')));
      } catch (e) {
        setExit(fail(e));
      }
    });
  storage
    .command('random-uuid')
    .description('print a new random cluster id')
    .action(() => {
      const server = require('@nagare/server-app') as typeof import('@nagare/server-app');
      process.stdout.write(server.newUuid() + '\n');
      setExit(0);
    });
  storage
    .command('info')
    .description('show how the log directories are formatted')
    .option('-c, --config <file>', 'server.properties to read')
    .option('--override <key=value>', 'override a property (repeatable)', collect, [])
    .action((opts) => {
      const server = require('@nagare/server-app') as typeof import('@nagare/server-app');
      try {
        setExit(server.runStorageInfo(opts, (s) => process.stdout.write(s + '\n')));
      } catch (e) {
        setExit(fail(e));
      }
    });
  const { addSchemasCommand } = require('./schemas') as typeof import('./schemas');
  addSchemasCommand(program, setExit, { out: (s) => void process.stdout.write(s), err: (s) => void process.stderr.write(s) });
  addConnectCommand(program, { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) }, setExit);
  // The Kafka tools parse their own arguments (Kafka's flag syntax); these
  // entries are for `nagare --help` and dispatch in main().
  for (const t of allTools()) {
    program
      .command(t.command)
      .description(`${t.usage} (also installed as ${t.script})`)
      .helpOption(false)
      .allowUnknownOption()
      .allowExcessArguments()
      .argument('[args...]');
  }
  return program;
}

export function findTool(command: string): ToolDef | undefined {
  return findToolByName(command);
}

/**
 * `kafka-server-start [server.properties] [--override k=v ...]`: the Kafka
 * script's arguments, turned into `nagare server`'s.
 */
export function serverStartArgs(argv: readonly string[]): string[] {
  const out = ['server'];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--override' && i + 1 < argv.length) out.push('--override', argv[++i]);
    else if (a.startsWith('--override=')) out.push('--override', a.slice('--override='.length));
    else if (a === '-daemon' || a === '--daemon') continue;
    else if (!a.startsWith('-')) out.push('--config', a);
    else out.push(a);
  }
  return out;
}

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  if (argv[0] === 'kafka-server-start') return main(serverStartArgs(argv.slice(1)), io);
  const tool = argv.length > 0 ? findTool(argv[0]) : undefined;
  if (tool) return runTool(tool, argv.slice(1), io);
  let code = 0;
  const program = buildProgram((c) => (code = c));
  program.exitOverride();
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    const err = e as { code?: string; exitCode?: number };
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return 0;
    if (typeof err.exitCode === 'number') return err.exitCode;
    return fail(e);
  }
  return code;
}
