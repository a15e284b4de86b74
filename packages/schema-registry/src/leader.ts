/**
 * Leader election among registry instances through a Kafka group
 * (Confluent's `KafkaGroupLeaderElector` / `SchemaRegistryCoordinator`):
 * protocol type `sr`, protocol `v0`, member metadata the instance's identity
 * as JSON (`{"version":1,"host","port","master_eligibility","scheme",
 * "leader"}`); the group leader assigns every member the same
 * `{"version":1,"error":0,"master":<member id>,"master_identity":{...}}`,
 * choosing the leader-eligible member with the smallest URL (error 1,
 * DUPLICATE_URLS, when two members advertise the same URL: then no leader).
 * Losing the generation (rebalance, session expiry) makes the leader
 * unknown until the next assignment.
 */
import { Cluster, GroupMember, resolveCommon } from '@nagare/client';
import type { Logger } from '@nagare/common';
import { silentLogger } from '@nagare/common';
import type { LeaderInfo } from './rest';

export interface SchemaRegistryIdentity {
  host: string;
  port: number;
  leaderEligibility: boolean;
  scheme: string;
}

export function identityUrl(i: SchemaRegistryIdentity): string {
  return `${i.scheme}://${i.host}:${i.port}`;
}

export function identityJson(i: SchemaRegistryIdentity, isLeader = false): Buffer {
  return Buffer.from(JSON.stringify({ version: 1, host: i.host, port: i.port, master_eligibility: i.leaderEligibility, scheme: i.scheme, leader: isLeader }));
}

export function parseIdentity(b: Uint8Array): SchemaRegistryIdentity {
  const j = JSON.parse(Buffer.from(b).toString('utf8')) as { host: string; port: number; master_eligibility?: boolean; leader_eligibility?: boolean; scheme?: string };
  return { host: j.host, port: j.port, leaderEligibility: j.master_eligibility ?? j.leader_eligibility ?? true, scheme: j.scheme ?? 'http' };
}

export interface Assignment {
  version: number;
  error: number;
  master: string | null;
  master_identity: ReturnType<typeof JSON.parse> | null;
}

/** The group leader's assignment (`SchemaRegistryCoordinator.onLeaderElected`). */
export function computeAssignment(members: Array<{ memberId: string; metadata: Uint8Array }>): Buffer {
  let leaderId: string | null = null;
  let leader: SchemaRegistryIdentity | null = null;
  const urls = new Set<string>();
  for (const m of members) {
    let id: SchemaRegistryIdentity;
    try {
      id = parseIdentity(m.metadata);
    } catch {
      continue;
    }
    const url = identityUrl(id);
    urls.add(url);
    if (id.leaderEligibility && (leader === null || url < identityUrl(leader))) {
      leader = id;
      leaderId = m.memberId;
    }
  }
  const error = urls.size !== members.length ? 1 : 0;
  const a: Record<string, unknown> = { version: 1, error };
  if (leaderId !== null && leader !== null) {
    a.master = leaderId;
    a.master_identity = JSON.parse(identityJson(leader).toString());
  }
  return Buffer.from(JSON.stringify(a));
}

export interface LeaderElectorOptions {
  bootstrapServers: string;
  /** `schema.registry.group.id` (schema-registry). */
  groupId: string;
  identity: SchemaRegistryIdentity;
  /** `kafkagroup.session.timeout.ms` (10000). */
  sessionTimeoutMs?: number;
  /** `kafkagroup.heartbeat.interval.ms` (3000). */
  heartbeatIntervalMs?: number;
  /** `kafkagroup.rebalance.timeout.ms` (300000). */
  rebalanceTimeoutMs?: number;
  clientOptions?: Record<string, unknown>;
  logger?: Logger;
  /** Called with the new leader (null: unknown) before requests see it. */
  onLeaderChange?: (leader: SchemaRegistryIdentity | null, isMe: boolean) => void | Promise<void>;
}

export class LeaderElector implements LeaderInfo {
  private readonly cluster: Cluster;
  private readonly member: GroupMember;
  private readonly logger: Logger;
  private leader: SchemaRegistryIdentity | null = null;
  private me = false;
  private stopped = false;
  private loop: Promise<void> | null = null;
  private wakeLoop: (() => void) | null = null;

  constructor(private readonly o: LeaderElectorOptions) {
    this.logger = o.logger ?? silentLogger;
    this.cluster = new Cluster(resolveCommon({ bootstrapServers: o.bootstrapServers, clientId: `sr-${o.identity.host}-${o.identity.port}`, ...(o.clientOptions ?? {}) }, 'schema-registry'), false);
    this.member = new GroupMember({
      cluster: this.cluster,
      groupId: o.groupId,
      protocolType: 'sr',
      sessionTimeoutMs: o.sessionTimeoutMs ?? 10000,
      heartbeatIntervalMs: o.heartbeatIntervalMs ?? 3000,
      rebalanceTimeoutMs: o.rebalanceTimeoutMs ?? 300000,
      protocols: () => [{ name: 'v0', metadata: identityJson(o.identity, this.me) }],
      assign: ({ members }) => {
        const a = computeAssignment(members);
        return new Map(members.map((m) => [m.memberId, a]));
      },
      onJoinPrepare: () => this.setLeader(null, false),
      onJoinComplete: async ({ assignment, memberId }) => {
        let a: Assignment;
        try {
          a = JSON.parse(Buffer.from(assignment).toString('utf8')) as Assignment;
        } catch {
          this.logger.error({}, 'could not read the schema registry group assignment');
          return this.setLeader(null, false);
        }
        if (a.error !== 0) {
          this.logger.error(
            {},
            'Found duplicate URLs for schema registry group members. This indicates a misconfiguration and is common when executing in containers. Use the host.name configuration to set each instance\'s advertised host name to a value that is routable from all other schema registry instances.',
          );
          return this.setLeader(null, false);
        }
        if (!a.master || !a.master_identity) return this.setLeader(null, false);
        const leader = parseIdentity(Buffer.from(JSON.stringify(a.master_identity)));
        await this.setLeader(leader, a.master === memberId);
      },
      onGenerationLost: () => {
        void this.setLeader(null, false);
        this.wakeLoop?.();
      },
    });
  }

  private async setLeader(leader: SchemaRegistryIdentity | null, isMe: boolean): Promise<void> {
    const changed = (leader === null) !== (this.leader === null) || (leader && this.leader && identityUrl(leader) !== identityUrl(this.leader)) || isMe !== this.me;
    if (changed) {
      this.logger.info({ leader: leader ? identityUrl(leader) : null, isLeader: isMe }, leader ? 'schema registry leader elected' : 'schema registry leader unknown');
      // A new leader catches up on the log before it is known as the leader.
      await this.o.onLeaderChange?.(leader, isMe);
    }
    this.leader = leader;
    this.me = isMe;
  }

  isLeader(): boolean {
    return this.me;
  }

  leaderUrl(): string | null {
    return this.leader ? identityUrl(this.leader) : null;
  }

  leaderIdentity(): SchemaRegistryIdentity | null {
    return this.leader;
  }

  /** Joins the group and keeps the membership alive in the background. */
  start(): void {
    this.loop = (async () => {
      let backoff = 200;
      while (!this.stopped) {
        try {
          if (this.member.needsRejoin) await this.member.ensureActive();
          this.member.poll();
          backoff = 200;
        } catch (e) {
          if (this.stopped) break;
          this.logger.warn({ err: (e as Error).message }, 'schema registry group membership failed; retrying');
          await new Promise((r) => setTimeout(r, backoff));
          backoff = Math.min(backoff * 2, 5000);
          continue;
        }
        await new Promise<void>((r) => {
          const t = setTimeout(r, 200);
          this.wakeLoop = () => {
            clearTimeout(t);
            r();
          };
        });
      }
    })();
  }

  /** Resolves once a leader is known (or the timeout passed). */
  async waitForLeader(timeoutMs: number): Promise<boolean> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      if (this.leader) return true;
      await new Promise((r) => setTimeout(r, 50));
    }
    return this.leader !== null;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeLoop?.();
    await this.member.close().catch(() => undefined);
    await this.loop?.catch(() => undefined);
    this.cluster.close();
    this.leader = null;
    this.me = false;
  }
}
