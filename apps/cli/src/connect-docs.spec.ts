/**
 * Runs "Quickstart: distributed mode with `npm start`" of docs/connect.md
 * exactly as written: `npm start` (broker and Connect worker; here on free
 * ports), then every `$ ` command of the console block from the directory the
 * worker runs in (as the repository root is for a user), with only the ports
 * substituted, and each command's output compared with the document. The
 * worker id (host:port) is the one thing that differs per machine. A command
 * whose output is not there yet is run again, as a user would (the connector
 * starts within a rebalance), except the writes.
 */
import { spawn } from 'node:child_process';
import { readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, Server, cleanupAll, cli, sleep, startNpmStart } from './testing/harness';

interface Step {
  command: string;
  output: string[];
}

function quickstart(): Step[] {
  const text = readFileSync(join(ROOT, 'docs/connect.md'), 'utf8');
  const start = text.indexOf('## Quickstart: distributed mode with `npm start`');
  expect(start).toBeGreaterThan(0);
  const section = text.slice(start, text.indexOf('\n## ', start + 1));
  const block = /```console\n([\s\S]*?)```/.exec(section)![1];
  const steps: Step[] = [];
  for (const line of block.replace(/\n$/, '').split('\n')) {
    if (line.startsWith('$ ')) steps.push({ command: line.slice(2), output: [] });
    else steps[steps.length - 1].output.push(line);
  }
  return steps;
}

function sh(command: string, cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn('/bin/sh', ['-c', command], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.once('error', reject);
    p.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let server: Server & { connectUrl: string | null };

beforeAll(async () => {
  server = await startNpmStart();
  // what a user waits for before the second terminal: the worker up and in its group
  const deadline = Date.now() + 60_000;
  while ((await fetch(`${server.connectUrl}/health`).then((r) => r.status).catch(() => 0)) !== 200) {
    if (Date.now() > deadline) throw new Error('the Connect worker of npm start did not become healthy within 60 s');
    await sleep(200);
  }
}, 90000);

afterAll(async () => {
  await cleanupAll();
});

test('the distributed quickstart of docs/connect.md works verbatim', async () => {
  const steps = quickstart();
  expect(steps.map((s) => s.command.split(' ')[0])).toEqual(['printf', 'curl', 'curl', 'curl', 'npx', 'cat', 'npx']);
  const connectPort = new URL(server.connectUrl!).port;
  // the user's working directory is the repository root; the worker's is the server's directory here
  const cwd = server.dataDir;
  symlinkSync(join(ROOT, 'apps'), join(cwd, 'apps'));
  let workerId: string | null = null;
  const mask = (s: string) => {
    const m = /"worker_id":"([^"]+)"/.exec(s);
    if (m && !workerId) workerId = m[1];
    return workerId ? s.split(workerId).join('myhost:8083') : s;
  };
  for (const step of steps) {
    expect(step.command).not.toMatch(/localhost:(?!8083|9092)/);
    const command = step.command.replace(/localhost:8083/g, `localhost:${connectPort}`).replace(/localhost:9092/g, `localhost:${server.port}`);
    const expected = step.output.length > 0 ? step.output.join('\n') + '\n' : '';
    const isWrite = /^printf|-X POST/.test(command);
    const deadline = Date.now() + 60_000;
    let last = '';
    for (;;) {
      let out: string;
      if (command.startsWith('npx ')) {
        const [, bin, ...args] = command.split(/\s+/);
        const r = await cli(bin, args, { env: { CONNECT_URL: `http://localhost:${connectPort}` }, cwd });
        out = r.stdout + r.stderr;
      } else {
        const r = await sh(command, cwd);
        out = r.stdout + r.stderr;
      }
      // curl prints a JSON body without a final newline; the document shows it on its own line
      last = mask(out !== '' && !out.endsWith('\n') ? `${out}\n` : out);
      if (last === expected || isWrite || Date.now() > deadline) break;
      await sleep(500);
    }
    expect(`$ ${step.command}\n${last}`).toBe(`$ ${step.command}\n${expected}`);
  }
}, 180000);
