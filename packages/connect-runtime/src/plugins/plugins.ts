/**
 * Plugin discovery (`Plugins`/`PluginUtils` in Kafka): every plugin is
 * known by its class name (Java-style FQCN, e.g.
 * `org.apache.kafka.connect.file.FileStreamSourceConnector`) and by aliases:
 * its simple name (`FileStreamSourceConnector`) and, for connectors and
 * converters, the simple name without the type suffix (`FileStreamSource`,
 * `Json`) — as `PluginUtils.simpleName` / `prunedName` derive them.
 *
 * Besides the built-ins, `plugin.path` lists directories (comma separated);
 * each entry of such a directory that is a JS module (`*.js`, `*.cjs`) or an
 * npm package (a directory with package.json, or any directory with an
 * index.js) is loaded with `require`, and every exported class that looks
 * like a plugin is registered. A plugin's class name is its static
 * `className` property when it has one, else its JS class name.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConnectException } from '@nagare/connect-api';

export type PluginType = 'source' | 'sink' | 'converter' | 'header_converter' | 'transformation' | 'predicate';

export type PluginClass = new () => any;

export interface PluginDesc {
  className: string;
  type: PluginType;
  version: string;
  ctor: PluginClass;
  /** Where it was found ('builtin' or a path). */
  location: string;
}

function protoChainNames(ctor: PluginClass): string[] {
  const names: string[] = [];
  let p: unknown = ctor;
  while (typeof p === 'function' && p !== Function.prototype) {
    names.push((p as { name: string }).name);
    p = Object.getPrototypeOf(p);
  }
  return names;
}

/** What kind of plugin a class is (duck-typed, so plugins built against another copy of @nagare/connect-api work), or null. */
export function pluginTypeOf(ctor: unknown): PluginType | null {
  if (typeof ctor !== 'function' || !ctor.prototype) return null;
  const c = ctor as PluginClass & { pluginType?: PluginType };
  if (c.pluginType) return (['source', 'sink', 'converter', 'header_converter', 'transformation', 'predicate'] as string[]).includes(c.pluginType) ? c.pluginType : null;
  const names = protoChainNames(c);
  if (names.includes('SourceConnector')) return 'source';
  if (names.includes('SinkConnector')) return 'sink';
  const p = c.prototype as Record<string, unknown>;
  if (typeof p.taskClass === 'function' && typeof p.taskConfigs === 'function') return null; // a Connector of neither kind
  if (typeof p.fromConnectHeader === 'function' && typeof p.toConnectHeader === 'function' && typeof p.fromConnectData !== 'function') return 'header_converter';
  if (typeof p.fromConnectData === 'function' && typeof p.toConnectData === 'function') return 'converter';
  if (typeof p.apply === 'function' && typeof p.configure === 'function' && typeof p.config === 'function') return 'transformation';
  if (typeof p.test === 'function' && typeof p.configure === 'function' && typeof p.config === 'function') return 'predicate';
  return null;
}

const SUFFIX: Partial<Record<PluginType, string>> = { source: 'Connector', sink: 'Connector', converter: 'Converter', header_converter: 'HeaderConverter' };

export class Plugins {
  private readonly byName = new Map<string, PluginDesc>();
  private readonly all: PluginDesc[] = [];

  /** Registers a class (its type inferred unless given). */
  add(ctor: PluginClass, opts: { type?: PluginType; className?: string; location?: string; aliases?: string[] } = {}): PluginDesc | null {
    const type = opts.type ?? pluginTypeOf(ctor);
    if (!type) return null;
    const c = ctor as PluginClass & { className?: string; version?: string };
    const className = opts.className ?? c.className ?? ctor.name;
    let version = 'undefined';
    try {
      const inst = new ctor();
      if (typeof inst.version === 'function') version = String(inst.version());
    } catch {
      // version stays "undefined", as Kafka shows for plugins without one
    }
    const desc: PluginDesc = { className, type, version, ctor, location: opts.location ?? 'builtin' };
    if (this.all.some((d) => d.className === className && d.type === type)) return desc;
    this.all.push(desc);
    const simple = className.slice(className.lastIndexOf('.') + 1);
    const names = [className, simple, ...(opts.aliases ?? [])];
    const suffix = SUFFIX[type];
    if (suffix && simple.endsWith(suffix) && simple !== suffix) names.push(simple.slice(0, -suffix.length));
    for (const n of names) if (!this.byName.has(n)) this.byName.set(n, desc);
    return desc;
  }

  /** Registers every plugin class a module exports. Returns how many. */
  addModule(exports: Record<string, unknown>, location = 'builtin'): number {
    let n = 0;
    const seen = new Set<unknown>();
    const visit = (v: unknown): void => {
      if (seen.has(v)) return;
      seen.add(v);
      if (typeof v === 'function' && this.add(v as PluginClass, { location })) n++;
    };
    for (const v of Object.values(exports)) visit(v);
    return n;
  }

  /** Loads `plugin.path`: a comma-separated list of directories (or module files). */
  loadPluginPath(pluginPath: string | undefined): void {
    if (!pluginPath) return;
    for (const raw of pluginPath.split(',')) {
      const dir = raw.trim();
      if (!dir) continue;
      const abs = resolve(dir);
      if (!existsSync(abs)) continue; // Kafka logs and skips missing entries
      if (statSync(abs).isFile()) {
        this.loadModule(abs);
        continue;
      }
      if (isModuleDir(abs)) {
        this.loadModule(abs);
        continue;
      }
      for (const e of readdirSync(abs).sort()) {
        const p = join(abs, e);
        const st = statSync(p);
        if (st.isFile() && /\.(c?js)$/.test(e)) this.loadModule(p);
        else if (st.isDirectory() && isModuleDir(p)) this.loadModule(p);
      }
    }
  }

  private loadModule(path: string): void {
    let mod: unknown;
    try {
      mod = require(path);
    } catch (e) {
      throw new ConnectException(`Failed to load plugin module ${path}: ${(e as Error).message}`, { cause: e });
    }
    if (mod && (typeof mod === 'object' || typeof mod === 'function')) {
      if (typeof mod === 'function') this.add(mod as PluginClass, { location: path });
      this.addModule(mod as Record<string, unknown>, path);
    }
  }

  find(name: string): PluginDesc | undefined {
    return this.byName.get(name.trim());
  }

  /** The plugin named `name` of one of `types`, or a ConnectException worded like Kafka's. */
  resolve(name: string, types: readonly PluginType[]): PluginDesc {
    const d = this.find(name);
    if (!d || !types.includes(d.type)) {
      const kind = kindWord(types);
      // Plugins.java: "available connectors are", "available converters are", "available header converters are"
      const plural = kind === 'Connector' || kind === 'Converter' || kind === 'HeaderConverter' ? `${kind.replace(/(?<=[a-z])(?=[A-Z])/g, ' ').toLowerCase()}s` : 'classes';
      throw new ConnectException(`Failed to find any class that implements ${kind} and which name matches ${name}, available ${plural} are: ${this.list(types).map((p) => p.className).join(', ')}`);
    }
    return d;
  }

  list(types?: readonly PluginType[]): PluginDesc[] {
    return this.all.filter((d) => !types || types.includes(d.type)).sort((a, b) => a.className.localeCompare(b.className));
  }

  newInstance<T>(name: string, types: readonly PluginType[]): T {
    return new (this.resolve(name, types).ctor)() as T;
  }
}

function kindWord(types: readonly PluginType[]): string {
  if (types.includes('source') || types.includes('sink')) return 'Connector';
  if (types.includes('header_converter') && !types.includes('converter')) return 'HeaderConverter';
  if (types.includes('converter')) return 'Converter';
  if (types.includes('transformation')) return 'Transformation';
  return 'Predicate';
}

function isModuleDir(p: string): boolean {
  return existsSync(join(p, 'package.json')) || existsSync(join(p, 'index.js'));
}

/** The class name a plugin instance reports (its static `className`, else its JS class name), as Kafka names classes in errors and DLQ headers. */
export function pluginClassName(o: object): string {
  const c = o.constructor as { className?: string; name: string };
  return c.className ?? c.name;
}
