/**
 * Runs the "A first session" of apps/cli/README.md exactly as written —
 * the server as `npm start` runs it, every `$ npx <bin> ...` command with
 * the port substituted, `>` lines typed into the producer — and checks each
 * command's output against the README.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI_DIR, Server, cleanupAll, cli, startNpmStart } from './testing/harness';

interface Step {
  command: string;
  input: string[];
  output: string[];
}

function session(): { setup: string; steps: Step[] } {
  const text = readFileSync(join(CLI_DIR, 'README.md'), 'utf8');
  const section = text.slice(text.indexOf('## A first session'), text.indexOf('\n## ', text.indexOf('## A first session') + 1));
  const setup = /```sh\n([\s\S]*?)```/.exec(section)![1].trim();
  const block = /```console\n([\s\S]*?)```/.exec(section)![1];
  const steps: Step[] = [];
  for (const line of block.replace(/\n$/, '').split('\n')) {
    if (line.startsWith('$ ')) steps.push({ command: line.slice(2), input: [], output: [] });
    else if (line.startsWith('>')) steps[steps.length - 1].input.push(line.slice(1));
    else steps[steps.length - 1].output.push(line);
  }
  return { setup, steps };
}

/** `npx <bin> args`: the bin npm links for this package (apps/cli/package.json "bin"), run with node. */
function resolveNpx(command: string): { bin: string; args: string[] } {
  const words = command.split(/\s+/);
  expect(words[0]).toBe('npx');
  const pkg = JSON.parse(readFileSync(join(CLI_DIR, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  expect(pkg.bin[words[1]]).toBe(`bin/${words[1]}.js`);
  return { bin: words[1], args: words.slice(2) };
}

const maskIds = (s: string) => s.replace(/TopicId: [A-Za-z0-9_-]{22}/g, 'TopicId: <id>');

let server: Server;

beforeAll(async () => {
  server = await startNpmStart();
}, 60000);

afterAll(async () => {
  await cleanupAll();
});

test('the README first session works verbatim', async () => {
  const { setup, steps } = session();
  expect(setup).toBe('npm ci && npm start');
  expect(steps.map((s) => s.command.split(' ')[1])).toEqual(['kafka-topics', 'kafka-topics', 'kafka-console-producer', 'kafka-console-consumer', 'kafka-consumer-groups']);
  for (const step of steps) {
    expect(step.command).toContain('--bootstrap-server localhost:9092');
    const { bin, args } = resolveNpx(step.command.replace('localhost:9092', `localhost:${server.port}`));
    const r = await cli(bin, args, { input: step.input.length > 0 ? step.input.join('\n') + '\n' : '' });
    const context = `${step.command}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
    expect([context, r.code]).toEqual([context, 0]);
    const expected = step.output.length > 0 ? step.output.join('\n') + '\n' : '';
    if (bin === 'kafka-console-consumer') {
      // Records of different partitions may come in any order; the count line is last (stderr).
      const lines = step.output.slice(0, -1);
      expect(r.stdout.split('\n').slice(0, -1).sort()).toEqual([...lines].sort());
      expect(r.stderr).toBe(step.output[step.output.length - 1] + '\n');
    } else if (bin === 'kafka-consumer-groups') {
      // The notice (stderr) comes before the table (stdout), as a terminal shows them.
      expect(r.stderr + r.stdout).toBe(expected);
    } else {
      expect(r.stderr).toBe('');
      expect(maskIds(r.stdout)).toBe(maskIds(expected));
    }
  }
});
