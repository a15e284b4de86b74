/**
 * A throwaway PostgreSQL for tests and benchmarks: `initdb` into a fresh
 * temporary directory, started with `pg_ctl` on a free port of 127.0.0.1
 * (unix socket in the same temporary directory), `wal_level=logical` so
 * logical decoding (CDC) works, trust authentication for user `postgres`.
 *
 * PostgreSQL refuses to run as root, so when this process is root the
 * binaries run as the `postgres` OS user (`runuser -u postgres --`) and the
 * temporary directory is handed to that user. Durability settings are
 * relaxed (fsync off): the data is thrown away.
 *
 * Binaries: `$PG_BIN`, else the newest /usr/lib/postgresql/<n>/bin.
 *
 * Only the server lives here (no client library: @nagare/testing depends on
 * nothing); `psql()` runs SQL through the psql binary for set-up steps, and
 * suites connect with their own client to `url()`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './server-process';

export interface PostgresServer {
  host: string;
  port: number;
  /** The superuser (trust authentication). */
  user: string;
  dataDir: string;
  socketDir: string;
  /** `postgres://postgres@127.0.0.1:<port>/<database>` (default database `postgres`). */
  url(database?: string): string;
  /** `jdbc:postgresql://127.0.0.1:<port>/<database>` as JDBC connector configs write it. */
  jdbcUrl(database?: string): string;
  /** Connection options for node-postgres (`new pg.Client(server.connection())`). */
  connection(database?: string): { host: string; port: number; user: string; database: string };
  /** Runs SQL with psql (`-At`, stops on the first error) and returns its output. */
  psql(sql: string, database?: string): string;
  createDatabase(name: string): void;
  /** The server's log so far. */
  log(): string;
  /** Fast shutdown, then removes the directory. */
  stop(): Promise<void>;
  /** Immediate shutdown (like a crash) keeping the data; `start()` brings it back on the same port. */
  crash(): Promise<void>;
  start(): Promise<void>;
}

export interface StartPostgresOptions {
  /** Extra `postgresql.conf` settings (`-c key=value`). */
  settings?: Record<string, string>;
  /** Keep the data directory after stop() (for inspection). */
  keep?: boolean;
}

/** The directory of the PostgreSQL server binaries, or null when none is installed. */
export function postgresBinDir(): string | null {
  const env = process.env.PG_BIN;
  if (env && existsSync(join(env, 'initdb'))) return env;
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return null;
  const versions = readdirSync(base)
    .filter((v) => /^\d+$/.test(v) && existsSync(join(base, v, 'bin/initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? join(base, versions[0], 'bin') : null;
}

/** The line to show when no PostgreSQL is installed. */
export const POSTGRES_MISSING_MESSAGE = 'PostgreSQL server binaries not found: install Debian package postgresql (or set PG_BIN to the directory holding initdb and pg_ctl)';

const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

function osUser(): { uid: number; gid: number } | null {
  if (!isRoot()) return null;
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error('running as root but there is no `postgres` OS user to run PostgreSQL as (PostgreSQL refuses root): install Debian package postgresql');
  const f = line.split(':');
  return { uid: Number(f[2]), gid: Number(f[3]) };
}

/** Runs a PostgreSQL binary, as the postgres OS user when we are root. */
function runPg(bin: string, args: string[], opts: { timeoutMs?: number } = {}): string {
  const [cmd, argv] = isRoot() ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  const r = spawnSync(cmd, argv, { encoding: 'utf8', timeout: opts.timeoutMs ?? 120_000 });
  if (r.status !== 0) throw new Error(`${bin.split('/').pop()} ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr || r.stdout}`);
  return r.stdout;
}

const running = new Set<{ stopSync(): void }>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A suite that forgets stop() must not leave a postmaster behind.
  process.once('exit', () => {
    for (const s of running) s.stopSync();
  });
}

export async function startPostgres(o: StartPostgresOptions = {}): Promise<PostgresServer> {
  const bin = postgresBinDir();
  if (bin === null) throw new Error(POSTGRES_MISSING_MESSAGE);
  const owner = osUser();
  const root = mkdtempSync(join(tmpdir(), 'nagare-pg-'));
  const dataDir = join(root, 'data');
  const socketDir = join(root, 'sock');
  mkdirSync(socketDir);
  if (owner) {
    chownSync(root, owner.uid, owner.gid);
    chownSync(socketDir, owner.uid, owner.gid);
  }
  const logFile = join(root, 'postgres.log');
  runPg(join(bin, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8', '-N']);
  const port = await freePort();
  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    wal_level: 'logical',
    max_wal_senders: '20',
    max_replication_slots: '20',
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
    'timezone': 'UTC',
    ...o.settings,
  };
  const opts = [`-p ${port}`, `-k ${socketDir}`, ...Object.entries(settings).map(([k, v]) => `-c ${k}=${v}`)].join(' ');
  const host = '127.0.0.1';
  const user = 'postgres';
  const pgCtl = join(bin, 'pg_ctl');
  const handle = {
    stopSync: () => {
      try {
        runPg(pgCtl, ['-D', dataDir, '-m', 'immediate', '-w', 'stop'], { timeoutMs: 30_000 });
      } catch {
        // not running
      }
    },
  };
  const start = async (): Promise<void> => {
    runPg(pgCtl, ['-D', dataDir, '-l', logFile, '-w', '-t', '120', '-o', opts, 'start']);
    running.add(handle);
    installExitHook();
  };
  await start();
  const server: PostgresServer = {
    host,
    port,
    user,
    dataDir,
    socketDir,
    url: (db = 'postgres') => `postgres://${user}@${host}:${port}/${db}`,
    jdbcUrl: (db = 'postgres') => `jdbc:postgresql://${host}:${port}/${db}`,
    connection: (db = 'postgres') => ({ host, port, user, database: db }),
    psql: (sql, db = 'postgres') =>
      execFileSync(join(bin, 'psql'), ['-h', host, '-p', String(port), '-U', user, '-d', db, '-At', '-v', 'ON_ERROR_STOP=1', '-c', sql], { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'pipe'] }).replace(/\n$/, ''),
    createDatabase: (name) => {
      server.psql(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
    },
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
    stop: async () => {
      try {
        runPg(pgCtl, ['-D', dataDir, '-m', 'fast', '-w', '-t', '60', 'stop']);
      } catch {
        handle.stopSync();
      }
      running.delete(handle);
      if (!o.keep) rmSync(root, { recursive: true, force: true });
    },
    crash: async () => {
      handle.stopSync();
      running.delete(handle);
    },
    start,
  };
  return server;
}
