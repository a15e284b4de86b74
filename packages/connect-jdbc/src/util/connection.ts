/**
 * `connection.url` in pgjdbc's forms (`jdbc:postgresql://host:port/db?k=v`,
 * `jdbc:postgresql://h1:p1,h2:p2/db`, `jdbc:postgresql:db`,
 * `jdbc:postgresql:`) and plain libpq URLs (`postgresql://...`) turned into
 * node-postgres options; connections are opened with `connection.attempts`
 * and `connection.backoff.ms` as Confluent's `CachedConnectionProvider`
 * does, in the session time zone the connector computes in.
 */
import { Client, type ClientConfig } from 'pg';
import { ConfigException, ConnectException } from '@nagare/connect-api';

export interface PgConnectionOptions {
  host: string;
  port: number;
  database: string | undefined;
  user: string | undefined;
  password: string | undefined;
  ssl: boolean;
  applicationName: string | undefined;
  connectTimeoutMs: number | undefined;
  currentSchema: string | undefined;
}

/** Parses a PostgreSQL JDBC URL; throws ConfigException naming `connection.url` when it is not one. */
export function parseJdbcUrl(url: string, configName = 'connection.url'): PgConnectionOptions {
  const trimmed = url.trim();
  let rest: string;
  if (/^jdbc:postgresql:/i.test(trimmed)) rest = trimmed.slice('jdbc:postgresql:'.length);
  else if (/^postgres(ql)?:\/\//i.test(trimmed)) rest = trimmed.slice(trimmed.indexOf(':') + 1);
  else throw new ConfigException(configName, url, 'Not a PostgreSQL JDBC URL: expected jdbc:postgresql://host:port/database');
  const q = rest.indexOf('?');
  const query = q >= 0 ? rest.slice(q + 1) : '';
  const path = q >= 0 ? rest.slice(0, q) : rest;
  let host = 'localhost';
  let port = 5432;
  let database: string | undefined;
  if (path.startsWith('//')) {
    const slash = path.indexOf('/', 2);
    const authority = slash >= 0 ? path.slice(2, slash) : path.slice(2);
    database = slash >= 0 ? decodeURIComponent(path.slice(slash + 1)) || undefined : undefined;
    let hostPart = authority;
    let userInfo: string | undefined;
    const at = authority.lastIndexOf('@');
    if (at >= 0) {
      userInfo = authority.slice(0, at);
      hostPart = authority.slice(at + 1);
    }
    const first = hostPart.split(',')[0];
    if (first !== '') {
      const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(first);
      if (v6) {
        host = v6[1];
        if (v6[2]) port = Number(v6[2]);
      } else {
        const c = first.lastIndexOf(':');
        if (c >= 0) {
          host = first.slice(0, c) || 'localhost';
          const p = first.slice(c + 1);
          if (p !== '') {
            if (!/^\d+$/.test(p)) throw new ConfigException(configName, url, `Invalid port number: ${p}`);
            port = Number(p);
          }
        } else host = first;
      }
    }
    if (userInfo !== undefined) {
      const [u, p] = userInfo.split(':');
      return finish(new URLSearchParams(query), host, port, database, decodeURIComponent(u ?? '') || undefined, p === undefined ? undefined : decodeURIComponent(p));
    }
  } else {
    database = path === '' ? undefined : decodeURIComponent(path);
  }
  return finish(new URLSearchParams(query), host, port, database, undefined, undefined);
}

function finish(params: URLSearchParams, host: string, port: number, database: string | undefined, user: string | undefined, password: string | undefined): PgConnectionOptions {
  const sslmode = params.get('sslmode');
  const ssl = params.get('ssl') === 'true' || (sslmode !== null && sslmode !== 'disable' && sslmode !== 'allow' && sslmode !== 'prefer');
  const timeout = params.get('connectTimeout');
  return {
    host,
    port,
    database: params.get('dbname') ?? database,
    user: params.get('user') ?? user,
    password: params.get('password') ?? password,
    ssl,
    applicationName: params.get('ApplicationName') ?? params.get('application_name') ?? undefined,
    connectTimeoutMs: timeout !== null ? Number(timeout) * 1000 : undefined,
    currentSchema: params.get('currentSchema') ?? undefined,
  };
}

export interface ConnectOptions {
  url: string;
  user: string | null;
  password: string | null;
  attempts: number;
  backoffMs: number;
  /** Session time zone (`SET TIME ZONE`). */
  timeZone: string;
  /** Called with a message before each retry. */
  onRetry?: (message: string) => void;
  /** Aborts the waiting between attempts. */
  stopped?: () => boolean;
}

/** The node-postgres config for `o` (URL parameters; `connection.user` / `connection.password` win when set). */
export function clientConfig(o: Pick<ConnectOptions, 'url' | 'user' | 'password'>, applicationName = 'nagare-connect-jdbc'): ClientConfig {
  const p = parseJdbcUrl(o.url);
  return {
    host: p.host,
    port: p.port,
    database: p.database,
    user: o.user ?? p.user,
    password: o.password ?? p.password,
    ssl: p.ssl ? { rejectUnauthorized: false } : undefined,
    application_name: p.applicationName ?? applicationName,
    connectionTimeoutMillis: p.connectTimeoutMs,
    options: p.currentSchema ? `-c search_path=${p.currentSchema}` : undefined,
  };
}

/** Text for every type: the connectors parse PostgreSQL's text format themselves (exact numerics and microseconds). */
export const RAW_TEXT_TYPES = { getTypeParser: () => (v: string) => v } as unknown as ClientConfig['types'];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Opens a connection, retrying `attempts` times `backoffMs` apart (Confluent's CachedConnectionProvider). */
export async function connectWithRetry(o: ConnectOptions): Promise<Client> {
  const cfg = clientConfig(o);
  let last: unknown;
  for (let attempt = 1; attempt <= Math.max(1, o.attempts); attempt++) {
    const client = new Client({ ...cfg, types: RAW_TEXT_TYPES });
    client.on('error', () => undefined); // reported through the failing query instead
    try {
      await client.connect();
      await client.query(`SET TIME ZONE '${o.timeZone.replace(/'/g, "''")}'`);
      return client;
    } catch (e) {
      last = e;
      await client.end().catch(() => undefined);
      if (attempt < o.attempts && !(o.stopped?.() ?? false)) {
        o.onRetry?.(`Unable to connect to database on attempt ${attempt}/${o.attempts}. Will retry in ${o.backoffMs} ms.`);
        await sleep(o.backoffMs);
      }
    }
  }
  const reason = last instanceof Error ? last.message : String(last);
  throw new ConnectException(`Unable to connect to the database at ${describeUrl(o.url)}: ${reason} (after ${o.attempts} attempt${o.attempts === 1 ? '' : 's'}; check connection.url, connection.user and connection.password)`, { cause: last });
}

/** The URL with any password parameter masked (Confluent's `sanitizedUrl`). */
export function describeUrl(url: string): string {
  return url.replace(/([?&][^=&]*password[^=&]*=)[^&]*/gi, '$1****').replace(/(\/\/[^:/@]+:)[^@/]*@/, '$1****@');
}
