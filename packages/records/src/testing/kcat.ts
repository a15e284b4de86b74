/** Runs kcat (librdkafka's command-line client) for the interop tests. Test-only: excluded from the build. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

export const KCAT = '/usr/bin/kcat';

export function kcatAvailable(): boolean {
  return existsSync(KCAT);
}

export interface KcatResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Runs kcat with `args`, feeding `input` on stdin; kills it after `timeoutMs`. */
export function runKcat(args: string[], input: string | null, timeoutMs: number): Promise<KcatResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(KCAT, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
    child.stdin.on('error', () => undefined);
    if (input !== null) child.stdin.end(input);
    else child.stdin.end();
  });
}
