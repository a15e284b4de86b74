/**
 * The server's configuration, read from Kafka's `server.properties` keys
 * (broker and KRaft keys alike) with Kafka's defaults. Unknown keys are
 * reported as warnings; invalid values fail with the key named.
 */
import { NagareError } from '@nagare/common';
import { BROKER_CONFIGS, TOPIC_CONFIGS, brokerConfigDef, validateConfigValue } from '@nagare/metadata';

export interface Endpoint {
  listener: string;
  host: string;
  port: number;
}

export const SECURITY_PROTOCOLS: Record<string, number> = { PLAINTEXT: 0, SSL: 1, SASL_PLAINTEXT: 2, SASL_SSL: 3 };

/**
 * Settings that would leave a cluster open if they were accepted and ignored:
 * authorization (authorizer, super users), SASL and TLS, broker-wide or per
 * listener (`listener.name.<listener>.ssl.*`, `listener.name.<listener>.<mechanism>.sasl.*`).
 * Until nagare implements them, setting any of them stops start-up with the reason.
 * An empty value is the same as not setting it.
 */
export function securitySettingRefusal(key: string, value: string): string | null {
  if (value.trim() === '') return null;
  const k = key.toLowerCase();
  if (k === 'authorizer.class.name' || k === 'super.users') {
    return 'authorization (ACLs) is not implemented yet, so every client would be allowed everything; remove it to run without authorization';
  }
  if (k === 'security.inter.broker.protocol' && value.trim().toUpperCase() === 'PLAINTEXT') return null;
  if (k === 'security.inter.broker.protocol') return 'only PLAINTEXT is implemented yet; TLS and SASL are not';
  if (/^sasl\./.test(k) || /^listener\.name\.[^.]+\.([^.]+\.)?sasl\./.test(k) || /^delegation\.token\.(secret|master)\.key$/.test(k)) {
    return 'SASL authentication is not implemented yet, so clients would connect unauthenticated; remove the SASL settings';
  }
  if (/^ssl\./.test(k) || /^listener\.name\.[^.]+\.ssl\./.test(k)) {
    return 'TLS is not implemented yet, so traffic would be plain text; remove the ssl.* settings';
  }
  return null;
}

/** How a value is quoted in a message: secrets are not echoed (Kafka prints [hidden] for passwords). */
function quoted(key: string, value: string): string {
  return /password|jaas|secret|\.key$|credentials/i.test(key) ? '[hidden]' : value;
}

/** Kafka's default listener.security.protocol.map: each security protocol's name maps to itself. */
const DEFAULT_PROTOCOL_NAMES = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'];

export interface ParsedConfig {
  config: KafkaConfig;
  warnings: string[];
}

function invalid(key: string, value: string, why: string): NagareError {
  return new NagareError('INVALID_CONFIG', `Invalid value ${value} for configuration ${key}: ${why}`);
}

/** Parses `PLAINTEXT://host:9092,CONTROLLER://:9093`. */
export function parseEndpoints(key: string, value: string): Endpoint[] {
  const out: Endpoint[] = [];
  for (const item of value.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^([A-Za-z0-9_]+):\/\/(\[[^\]]*\]|[^:]*):(-?\d+)$/.exec(item);
    if (!m) throw invalid(key, value, `listener '${item}' is not of the form NAME://host:port`);
    const port = Number(m[3]);
    if (port < 0 || port > 65535) throw invalid(key, value, `port ${port} is out of range`);
    const host = m[2].startsWith('[') ? m[2].slice(1, -1) : m[2];
    const listener = m[1].toUpperCase();
    if (out.some((e) => e.listener === listener)) throw invalid(key, value, `listener name ${listener} appears twice`);
    out.push({ listener, host, port });
  }
  return out;
}

export class KafkaConfig {
  /** Effective values of every known key (explicit or default). */
  private readonly values = new Map<string, string | null>();
  /** Keys set explicitly (file or overrides). */
  readonly explicit: ReadonlyMap<string, string>;

  private constructor(explicit: Map<string, string>) {
    this.explicit = explicit;
    for (const d of BROKER_CONFIGS) this.values.set(d.name, explicit.get(d.name) ?? d.default);
  }

  /** Builds a config from properties; throws NagareError(INVALID_CONFIG) naming the first bad key. */
  static parse(props: Record<string, string>): ParsedConfig {
    const warnings: string[] = [];
    const explicit = new Map<string, string>();
    for (const [key, raw] of Object.entries(props)) {
      const value = raw.trim();
      const refusal = securitySettingRefusal(key, value);
      if (refusal) throw invalid(key, quoted(key, value), refusal);
      const d = brokerConfigDef(key);
      if (!d) {
        // Topic-level keys with a `log.` prefix map to broker defaults above; anything else is unknown.
        warnings.push(`unknown configuration '${key}' was supplied but is not a known config (ignored)`);
        continue;
      }
      const err = validateConfigValue(d, value);
      if (err) throw new NagareError('INVALID_CONFIG', err);
      if (d.noEffect) warnings.push(`configuration '${key}' is accepted but has no effect in nagare`);
      explicit.set(key, value);
    }
    const config = new KafkaConfig(explicit);
    config.validate();
    return { config, warnings };
  }

  get(key: string): string | null {
    if (!this.values.has(key)) throw new Error(`not a broker config: ${key}`);
    return this.values.get(key)!;
  }

  private str(key: string): string {
    return this.get(key) ?? '';
  }

  int(key: string): number {
    return Number(this.get(key));
  }

  bool(key: string): boolean {
    return this.str(key).toLowerCase() === 'true';
  }

  list(key: string): string[] {
    const v = this.get(key);
    return v === null || v.trim() === '' ? [] : v.split(',').map((s) => s.trim()).filter(Boolean);
  }

  get nodeId(): number {
    const n = this.int('node.id');
    return n >= 0 ? n : this.int('broker.id');
  }

  get processRoles(): string[] {
    return this.list('process.roles');
  }

  get isController(): boolean {
    return this.processRoles.includes('controller');
  }

  get isBroker(): boolean {
    return this.processRoles.includes('broker');
  }

  /** `controller.quorum.voters` (id@host:port, static voters, kraft.version 0). */
  get quorumVoters(): Array<{ id: number; host: string; port: number }> {
    return this.list('controller.quorum.voters').map((v) => {
      const m = /^(\d+)@(\[[^\]]*\]|[^:]*):(\d+)$/.exec(v)!;
      return { id: Number(m[1]), host: m[2].replace(/^\[|\]$/g, ''), port: Number(m[3]) };
    });
  }

  /** `controller.quorum.bootstrap.servers` (host:port, KIP-853). */
  get quorumBootstrapServers(): Array<{ host: string; port: number }> {
    return this.list('controller.quorum.bootstrap.servers').map((v) => {
      const m = /^(\[[^\]]*\]|[^:]*):(\d+)$/.exec(v)!;
      return { host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2]) };
    });
  }

  /**
   * A combined node with no quorum configured at all (no voters, no bootstrap servers, no controller
   * listener): nagare runs it as a quorum of one, itself (what `npm start` does). Kafka requires the
   * quorum settings; this is a convenience for a single node.
   */
  get implicitSingleVoter(): boolean {
    return this.isController && this.isBroker && this.quorumVoters.length === 0 && this.quorumBootstrapServers.length === 0 && this.controllerListenerNames.length === 0;
  }

  get listeners(): Endpoint[] {
    return parseEndpoints('listeners', this.str('listeners'));
  }

  get controllerListenerNames(): string[] {
    return this.list('controller.listener.names').map((s) => s.toUpperCase());
  }

  /** Listeners that serve clients (not the controller's). */
  get brokerListeners(): Endpoint[] {
    const ctl = new Set(this.controllerListenerNames);
    return this.listeners.filter((e) => !ctl.has(e.listener));
  }

  /** What clients are told to connect to: advertised.listeners, else the broker listeners. */
  get advertisedListeners(): Endpoint[] {
    const adv = this.get('advertised.listeners');
    const ctl = new Set(this.controllerListenerNames);
    const base = adv ? parseEndpoints('advertised.listeners', adv).filter((e) => !ctl.has(e.listener)) : this.brokerListeners;
    return base.map((e) => ({ ...e, host: e.host === '' || e.host === '0.0.0.0' || e.host === '::' ? 'localhost' : e.host }));
  }

  /**
   * The effective listener.security.protocol.map, as Kafka's KafkaConfig
   * derives it: the value set, or the default (each protocol name maps to
   * itself) plus, when the map is not set and no listener uses SSL or SASL,
   * PLAINTEXT for every controller listener name.
   */
  get securityProtocolMap(): Map<string, string> {
    const key = 'listener.security.protocol.map';
    const m = new Map<string, string>();
    for (const item of this.str(key).split(',').map((s) => s.trim()).filter(Boolean)) {
      const i = item.indexOf(':');
      const name = i > 0 ? item.slice(0, i).trim().toUpperCase() : '';
      const proto = i > 0 ? item.slice(i + 1).trim().toUpperCase() : '';
      if (!name || !proto) throw invalid(key, this.str(key), `'${item}' is not of the form LISTENER_NAME:SECURITY_PROTOCOL`);
      if (SECURITY_PROTOCOLS[proto] === undefined) throw invalid(key, this.str(key), `No enum constant for security protocol ${proto} (one of ${DEFAULT_PROTOCOL_NAMES.join(', ')})`);
      m.set(name, proto);
    }
    if (!this.explicit.has(key)) {
      const sslOrSasl = (n: string) => n !== 'PLAINTEXT' && DEFAULT_PROTOCOL_NAMES.includes(n);
      const names = [...this.controllerListenerNames, ...this.listeners.map((l) => l.listener)];
      if (!names.some(sslOrSasl)) for (const n of this.controllerListenerNames) if (!m.has(n)) m.set(n, 'PLAINTEXT');
    }
    return m;
  }

  /** The security protocol of a listener, or undefined when the map has none. */
  securityProtocolOf(listener: string): string | undefined {
    return this.securityProtocolMap.get(listener.toUpperCase());
  }

  /** Controller listeners this node binds (those of `listeners` named in controller.listener.names). */
  get controllerListeners(): Endpoint[] {
    const ctl = new Set(this.controllerListenerNames);
    return this.listeners.filter((e) => ctl.has(e.listener));
  }

  get logDirs(): string[] {
    const dirs = this.list('log.dirs');
    return dirs.length > 0 ? dirs : this.list('log.dir');
  }

  get metadataLogDir(): string {
    return this.get('metadata.log.dir') ?? this.logDirs[0];
  }

  /** The broker-level value for a topic config (from its `log.*`/server key), as Kafka derives it. */
  topicConfigDefaults(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const d of TOPIC_CONFIGS) {
      let v: string | null = d.default;
      if (d.serverDefault && this.values.has(d.serverDefault) && this.explicit.has(d.serverDefault)) v = this.get(d.serverDefault);
      if (v !== null) out[d.name] = v;
    }
    // Kafka's derived keys: retention in ms / minutes / hours, roll in ms / hours, jitter, flush.ms.
    out['retention.ms'] = this.explicit.has('log.retention.ms')
      ? this.str('log.retention.ms')
      : this.explicit.has('log.retention.minutes')
        ? String(Number(this.str('log.retention.minutes')) * 60_000)
        : String(this.int('log.retention.hours') * 3_600_000);
    out['segment.ms'] = this.explicit.has('log.roll.ms') ? this.str('log.roll.ms') : String(this.int('log.roll.hours') * 3_600_000);
    out['segment.jitter.ms'] = this.explicit.has('log.roll.jitter.ms')
      ? this.str('log.roll.jitter.ms')
      : String(this.int('log.roll.jitter.hours') * 3_600_000);
    if (this.explicit.has('log.flush.interval.ms')) out['flush.ms'] = this.str('log.flush.interval.ms');
    return out;
  }

  private validate(): void {
    const roles = this.processRoles;
    if (roles.length === 0) {
      throw new NagareError('INVALID_CONFIG', 'Missing required configuration process.roles: set it to broker,controller for a single node');
    }
    for (const r of roles) {
      if (r !== 'broker' && r !== 'controller') throw invalid('process.roles', this.str('process.roles'), `Unknown process role '${r}' (must be a list of 'broker' and/or 'controller')`);
    }
    if (this.nodeId < 0) throw new NagareError('INVALID_CONFIG', 'Missing required configuration node.id: it must be set to a non-negative number');
    const listeners = this.listeners;
    if (listeners.length === 0) throw new NagareError('INVALID_CONFIG', 'Invalid value for configuration listeners: at least one listener is required');
    const map = this.securityProtocolMap;
    const ctl = this.controllerListenerNames;
    const mapKey = 'listener.security.protocol.map';
    for (const l of listeners) {
      const proto = map.get(l.listener);
      if (!proto) {
        // Quote what the user wrote: the map when they set it, else the listener (the default map was never theirs).
        if (this.explicit.has(mapKey)) throw invalid(mapKey, this.str(mapKey), `No security protocol defined for listener ${l.listener}`);
        throw invalid(
          'listeners',
          this.str('listeners'),
          `No security protocol defined for listener ${l.listener}: set listener.security.protocol.map (e.g. ${l.listener}:PLAINTEXT)`,
        );
      }
      if (proto !== 'PLAINTEXT') {
        const where = map.has(l.listener) && this.explicit.has(mapKey) ? [mapKey, this.str(mapKey)] : ['listeners', this.str('listeners')];
        throw invalid(where[0], where[1], `listener ${l.listener} uses ${proto}, but nagare serves PLAINTEXT listeners only (TLS and SASL are not implemented yet)`);
      }
    }
    if (this.logDirs.length === 0) throw new NagareError('INVALID_CONFIG', 'Missing required configuration log.dirs');
    const votersValue = this.str('controller.quorum.voters');
    for (const v of this.list('controller.quorum.voters')) {
      if (!/^\d+@(\[[^\]]*\]|[^:]+):\d+$/.test(v)) throw invalid('controller.quorum.voters', votersValue, `'${v}' is not of the form id@host:port`);
    }
    for (const v of this.list('controller.quorum.bootstrap.servers')) {
      if (!/^(\[[^\]]*\]|[^:]+):\d+$/.test(v)) throw invalid('controller.quorum.bootstrap.servers', this.str('controller.quorum.bootstrap.servers'), `'${v}' is not of the form host:port`);
    }
    const voterIds = this.quorumVoters.map((v) => v.id);
    const voterSet = `{${[...new Set(voterIds)].join(', ')}}`;
    const isBroker = roles.includes('broker');
    const isController = roles.includes('controller');
    if (this.implicitSingleVoter) {
      // npm start's single node: a quorum of one, the controller reached in process.
      if (this.brokerListeners.length === 0) {
        throw new NagareError('INVALID_CONFIG', 'Invalid value for configuration listeners: a broker needs at least one listener that is not a controller listener');
      }
      return;
    }
    // Kafka's KafkaConfig.validateValues for KRaft, with its messages.
    if (voterIds.length === 0 && this.quorumBootstrapServers.length === 0) {
      throw new NagareError(
        'INVALID_CONFIG',
        'If using process.roles, either controller.quorum.bootstrap.servers must contain the set of bootstrap controllers or controller.quorum.voters must contain a parseable set of controllers.',
      );
    }
    const ctlListeners = listeners.filter((l) => ctl.includes(l.listener));
    if (isBroker && !isController) {
      if (voterIds.includes(this.nodeId)) {
        throw new NagareError('INVALID_CONFIG', `If process.roles contains just the 'broker' role, the node id ${this.nodeId} must not be included in the set of voters controller.quorum.voters=${voterSet}`);
      }
      if (ctl.length === 0) throw new NagareError('INVALID_CONFIG', 'controller.listener.names must contain at least one value when running KRaft with just the broker role');
      if (ctlListeners.length > 0) {
        throw new NagareError('INVALID_CONFIG', "controller.listener.names must not contain a value appearing in the 'listeners' configuration when running KRaft with just the broker role");
      }
    }
    if (isController) {
      if (!isBroker && ctlListeners.length !== listeners.length) {
        throw new NagareError('INVALID_CONFIG', 'The listeners config must only contain KRaft controller listeners from controller.listener.names when process.roles=controller');
      }
      if (voterIds.length > 0 && !voterIds.includes(this.nodeId)) {
        throw new NagareError('INVALID_CONFIG', `If process.roles contains the 'controller' role, the node id ${this.nodeId} must be included in the set of voters controller.quorum.voters=${voterSet}`);
      }
      if (ctlListeners.length === 0) {
        throw new NagareError('INVALID_CONFIG', "controller.listener.names must contain at least one value appearing in the 'listeners' configuration when running the KRaft controller role");
      }
      if (!ctl.every((n) => listeners.some((l) => l.listener === n))) {
        throw new NagareError('INVALID_CONFIG', "controller.listener.names must only contain values appearing in the 'listeners' configuration when running the KRaft controller role");
      }
    }
    if (isBroker && this.brokerListeners.length === 0) {
      throw new NagareError('INVALID_CONFIG', 'There must be at least one broker advertised listener. Perhaps all listeners appear in controller.listener.names?');
    }
  }
}

/** Reads a Java-style .properties text (comments, `key=value` or `key: value`, line continuations, escapes). */
export function parseProperties(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i].replace(/^\s+/, '');
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    while (/(^|[^\\])(\\\\)*\\$/.test(line) && i + 1 < lines.length) {
      line = line.slice(0, -1) + lines[++i].replace(/^\s+/, '');
    }
    const m = /^((?:\\.|[^=:\s\\])+)\s*[=:\s]\s*(.*)$/.exec(line);
    const unescape = (s: string) =>
      s.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, c: string) =>
        c.length === 5 ? String.fromCharCode(parseInt(c.slice(1), 16)) : c === 't' ? '\t' : c === 'n' ? '\n' : c === 'r' ? '\r' : c,
      );
    if (m) out[unescape(m[1])] = unescape(m[2]);
    else out[unescape(line.trim())] = '';
  }
  return out;
}
