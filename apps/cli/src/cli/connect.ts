/**
 * A quick reachability check of `--bootstrap-server` before a tool starts,
 * so an unreachable server is one clear line and exit status 1 within the
 * connection setup timeout, instead of the client retrying until
 * default.api.timeout.ms.
 */
import * as net from 'node:net';
import { parseHostPort } from '@nagare/client';
import { CliError } from './errors';

function reason(e: NodeJS.ErrnoException, timeoutMs: number): string {
  switch (e.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ETIMEDOUT':
      return `no answer within ${timeoutMs} ms`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'unknown host';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'host unreachable';
    case 'ECONNRESET':
      return 'connection reset';
    default:
      return e.message;
  }
}

function tryConnect(host: string, port: number, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const done = (r: string | null) => {
      clearTimeout(timer);
      s.removeAllListeners();
      s.on('error', () => undefined);
      s.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done(reason(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' }), timeoutMs)), timeoutMs);
    s.once('connect', () => done(null));
    s.once('error', (e: NodeJS.ErrnoException) => done(reason(e, timeoutMs)));
  });
}

/** Resolves when at least one bootstrap server accepts a TCP connection; otherwise throws a CliError. */
export async function checkReachable(bootstrap: string, timeoutMs = 10000): Promise<void> {
  const servers = bootstrap
    .split(',')
    .filter((s) => s.trim() !== '')
    .map((s) => parseHostPort(s));
  const results = await Promise.all(servers.map((s) => tryConnect(s.host, s.port, timeoutMs)));
  if (results.some((r) => r === null)) return;
  const reasons = [...new Set(results as string[])];
  throw new CliError(`Error: could not connect to any broker in --bootstrap-server ${bootstrap} (${reasons.join('; ')})`);
}
