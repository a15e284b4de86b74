/**
 * Topic creation for source connectors (KIP-158, `TopicCreation`,
 * `TopicCreationGroup`): enabled when the worker has
 * `topic.creation.enable=true` and the connector sets
 * `topic.creation.default.replication.factor` and
 * `topic.creation.default.partitions`. `topic.creation.groups=g1,g2` adds
 * groups with `topic.creation.<g>.include` / `.exclude` (regex lists); a
 * topic takes the first group that includes and does not exclude it, else
 * `default`. Other `topic.creation.<group>.<key>` entries are topic configs.
 * Each topic is created (if missing) the first time a record goes to it.
 */
import type { Admin } from '@nagare/client';
import { parseList as aliases } from '../util/properties';

interface Group {
  name: string;
  include: RegExp[];
  exclude: RegExp[];
  partitions: number;
  replicationFactor: number;
  configs: Record<string, string>;
}

const list = (v: string | undefined): RegExp[] => aliases(v).map((p) => new RegExp(`^(?:${p})$`));

export class TopicCreation {
  private readonly known = new Set<string>();
  private readonly pending = new Map<string, Promise<void>>();

  constructor(
    private readonly groups: Group[],
    private readonly defaultGroup: Group,
    private readonly admin: Admin,
  ) {}

  static fromConfig(props: Readonly<Record<string, string>>, admin: Admin): TopicCreation | null {
    const rf = props['topic.creation.default.replication.factor'];
    const parts = props['topic.creation.default.partitions'];
    if (rf === undefined || parts === undefined) return null;
    const group = (name: string, defaults?: Group): Group => {
      const p = `topic.creation.${name}.`;
      const configs: Record<string, string> = { ...(defaults?.configs ?? {}) };
      for (const [k, v] of Object.entries(props)) {
        if (!k.startsWith(p)) continue;
        const rest = k.slice(p.length);
        if (!['include', 'exclude', 'partitions', 'replication.factor'].includes(rest)) configs[rest] = v;
      }
      return {
        name,
        include: name === 'default' ? [/.*/] : list(props[p + 'include']),
        exclude: list(props[p + 'exclude']),
        partitions: Number(props[p + 'partitions'] ?? defaults?.partitions ?? -1),
        replicationFactor: Number(props[p + 'replication.factor'] ?? defaults?.replicationFactor ?? -1),
        configs,
      };
    };
    const def = group('default');
    return new TopicCreation(aliases(props['topic.creation.groups']).map((g) => group(g, def)), def, admin);
  }

  groupFor(topic: string): Group {
    for (const g of this.groups) if (g.include.some((r) => r.test(topic)) && !g.exclude.some((r) => r.test(topic))) return g;
    return this.defaultGroup;
  }

  async ensure(topic: string): Promise<void> {
    if (this.known.has(topic)) return;
    let p = this.pending.get(topic);
    if (!p) {
      const g = this.groupFor(topic);
      p = this.admin
        .createTopics([{ name: topic, numPartitions: g.partitions, replicationFactor: g.replicationFactor, configs: g.configs }])
        .then((res) => {
          const err = res[0]?.error;
          if (err && !/TOPIC_ALREADY_EXISTS|already exists/i.test(`${err.name} ${err.message}`)) throw err;
          this.known.add(topic);
        })
        .finally(() => this.pending.delete(topic));
      this.pending.set(topic, p);
    }
    await p;
  }
}
