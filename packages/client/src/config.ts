/**
 * Options shared by Producer, Consumer and Admin. Names are the Java
 * client's configuration names in camelCase (`request.timeout.ms` is
 * `requestTimeoutMs`); defaults are the Java client's.
 */
import { Clock, Logger, NagareError, Scheduler, silentLogger, systemClock, systemScheduler } from '@nagare/common';
import { ExponentialBackoff } from './network/backoff';

export interface CommonClientOptions {
  /** `bootstrap.servers`: "host:port" strings, or one comma-separated string. */
  bootstrapServers: string | readonly string[];
  /** `client.id`; default `producer-N`, `consumer-<group>-N` or `adminclient-N` as the Java client names them. */
  clientId?: string;
  /** `request.timeout.ms` (30000). */
  requestTimeoutMs?: number;
  /** `reconnect.backoff.ms` (50). */
  reconnectBackoffMs?: number;
  /** `reconnect.backoff.max.ms` (1000). */
  reconnectBackoffMaxMs?: number;
  /** `retry.backoff.ms` (100). */
  retryBackoffMs?: number;
  /** `retry.backoff.max.ms` (1000). */
  retryBackoffMaxMs?: number;
  /** `metadata.max.age.ms` (300000). */
  metadataMaxAgeMs?: number;
  /** `socket.connection.setup.timeout.ms` (10000). */
  socketConnectionSetupTimeoutMs?: number;
  /** `max.in.flight.requests.per.connection` (5). */
  maxInFlightRequestsPerConnection?: number;
  /** `client.rack` (""), sent in Fetch requests and consumer subscriptions. */
  clientRack?: string;
  /** Highest version to use per API key (no cap by default). */
  maxApiVersions?: Readonly<Record<number, number>>;
  clock?: Clock;
  scheduler?: Scheduler;
  logger?: Logger;
}

export interface ResolvedCommonOptions {
  bootstrapServers: Array<{ host: string; port: number }>;
  clientId: string;
  requestTimeoutMs: number;
  reconnectBackoff: ExponentialBackoff;
  retryBackoff: ExponentialBackoff;
  retryBackoffMs: number;
  metadataMaxAgeMs: number;
  socketConnectionSetupTimeoutMs: number;
  maxInFlightRequestsPerConnection: number;
  clientRack: string;
  maxApiVersions: Readonly<Record<number, number>> | undefined;
  clock: Clock;
  scheduler: Scheduler;
  logger: Logger;
}

const counters: Record<string, number> = {};

/** The next `<prefix>-N` client id, as the Java client numbers them per JVM. */
export function nextClientId(prefix: string): string {
  counters[prefix] = (counters[prefix] ?? 0) + 1;
  return `${prefix}-${counters[prefix]}`;
}

/** Parses "host:port", "[v6addr]:port" and "PLAINTEXT://host:port". */
export function parseHostPort(s: string): { host: string; port: number } {
  const t = s.trim().replace(/^[A-Za-z_]+:\/\//, '');
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(t) ?? /^([^:]+):(\d+)$/.exec(t);
  if (!m) throw new NagareError('INVALID_CONFIG', `invalid bootstrap server "${s}": expected host:port`);
  const port = Number(m[2]);
  if (!(port > 0 && port < 65536)) throw new NagareError('INVALID_CONFIG', `invalid port in bootstrap server "${s}"`);
  return { host: m[1], port };
}

export function checkPositive(name: string, v: number, allowZero = true): number {
  if (!Number.isFinite(v) || v < 0 || (!allowZero && v === 0)) throw new NagareError('INVALID_CONFIG', `${name} must be ${allowZero ? 'non-negative' : 'positive'}, got ${v}`);
  return v;
}

export function resolveCommon(o: CommonClientOptions, clientIdPrefix: string): ResolvedCommonOptions {
  const list = typeof o.bootstrapServers === 'string' ? o.bootstrapServers.split(',') : [...o.bootstrapServers];
  const servers = list.filter((s) => s.trim() !== '').map(parseHostPort);
  if (servers.length === 0) throw new NagareError('INVALID_CONFIG', 'bootstrapServers must name at least one broker');
  const reconnectBackoffMs = checkPositive('reconnectBackoffMs', o.reconnectBackoffMs ?? 50);
  const reconnectBackoffMaxMs = checkPositive('reconnectBackoffMaxMs', o.reconnectBackoffMaxMs ?? 1000);
  const retryBackoffMs = checkPositive('retryBackoffMs', o.retryBackoffMs ?? 100);
  const retryBackoffMaxMs = checkPositive('retryBackoffMaxMs', o.retryBackoffMaxMs ?? 1000);
  return {
    bootstrapServers: servers,
    clientId: o.clientId ?? nextClientId(clientIdPrefix),
    requestTimeoutMs: checkPositive('requestTimeoutMs', o.requestTimeoutMs ?? 30000, false),
    reconnectBackoff: new ExponentialBackoff(reconnectBackoffMs, reconnectBackoffMaxMs, 0.2),
    retryBackoff: new ExponentialBackoff(retryBackoffMs, retryBackoffMaxMs, 0.2),
    retryBackoffMs,
    metadataMaxAgeMs: checkPositive('metadataMaxAgeMs', o.metadataMaxAgeMs ?? 300000),
    socketConnectionSetupTimeoutMs: checkPositive('socketConnectionSetupTimeoutMs', o.socketConnectionSetupTimeoutMs ?? 10000, false),
    maxInFlightRequestsPerConnection: checkPositive('maxInFlightRequestsPerConnection', o.maxInFlightRequestsPerConnection ?? 5, false),
    clientRack: o.clientRack ?? '',
    maxApiVersions: o.maxApiVersions,
    clock: o.clock ?? systemClock,
    scheduler: o.scheduler ?? systemScheduler,
    logger: o.logger ?? silentLogger,
  };
}

/** Waits `ms` on the scheduler. */
export function sleep(scheduler: Scheduler, ms: number): Promise<void> {
  return new Promise<void>((res) => scheduler.schedule(ms, res));
}
