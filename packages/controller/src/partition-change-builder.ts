/**
 * Kafka's PartitionChangeBuilder: from a partition's registration and a target (ISR, replicas,
 * adding/removing replicas, election type), the PartitionChangeRecord that gets there, or none when
 * nothing changes. Leader election follows Kafka:
 *
 * - PREFERRED: the first target replica if it is in the ISR and acceptable, else the current leader
 *   if still valid, else the next valid replica.
 * - ANY (the default): the current leader if still valid, else the first valid target replica.
 * - UNCLEAN (`unclean.leader.election.enable`, or ElectLeaders UNCLEAN): as ANY, then any acceptable
 *   replica outside the ISR; the ISR becomes that leader alone and the leader is RECOVERING (KIP-704).
 *
 * "Valid" = in the target ISR and acceptable (registered, unfenced, not shutting down). A reassignment
 * completes when the target ISR holds every target replica: removed replicas leave replicas and ISR.
 * Epochs: a new leader (or the ISR shrinking, or replicas leaving) bumps the leader epoch; any change
 * bumps the partition epoch (both on replay).
 */
import { MetadataRecordType, type MetadataRecord, type PartitionRegistration } from '@nagare/metadata';

export const NO_LEADER = -1;
/** PartitionChangeRecord's "leader unchanged". */
export const NO_LEADER_CHANGE = -2;

export type Election = 'PREFERRED' | 'ANY' | 'UNCLEAN';

export const LEADER_RECOVERED = 0;
export const LEADER_RECOVERING = 1;

const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => x === b[i]);
const containsAll = (a: readonly number[], b: readonly number[]) => b.every((x) => a.includes(x));

export interface PartitionChange {
  readonly record: MetadataRecord;
  /** The leader after the change (NO_LEADER when none). */
  readonly leader: number;
  readonly isr: readonly number[];
  readonly unclean: boolean;
}

export class PartitionChangeBuilder {
  private targetIsr: number[];
  private targetReplicas: number[];
  private targetRemoving: number[];
  private targetAdding: number[];
  private targetRecovery: number;
  private election: Election = 'ANY';

  constructor(
    private readonly partition: PartitionRegistration,
    private readonly topicId: string,
    private readonly acceptable: (broker: number) => boolean,
  ) {
    this.targetIsr = [...partition.isr];
    this.targetReplicas = [...partition.replicas];
    this.targetRemoving = [...partition.removingReplicas];
    this.targetAdding = [...partition.addingReplicas];
    this.targetRecovery = partition.leaderRecoveryState ?? LEADER_RECOVERED;
  }

  setElection(e: Election): this {
    this.election = e;
    return this;
  }
  setTargetIsr(isr: readonly number[]): this {
    this.targetIsr = [...isr];
    return this;
  }
  setTargetReplicas(r: readonly number[]): this {
    this.targetReplicas = [...r];
    return this;
  }
  setTargetRemoving(r: readonly number[]): this {
    this.targetRemoving = [...r];
    return this;
  }
  setTargetAdding(r: readonly number[]): this {
    this.targetAdding = [...r];
    return this;
  }
  setTargetLeaderRecoveryState(s: number): this {
    this.targetRecovery = s;
    return this;
  }

  private valid(r: number): boolean {
    return this.targetIsr.includes(r) && this.acceptable(r);
  }

  private elect(): { leader: number; unclean: boolean } {
    const p = this.partition;
    if (this.election === 'PREFERRED') {
      const preferred = this.targetReplicas[0];
      if (preferred !== undefined && this.valid(preferred)) return { leader: preferred, unclean: false };
      if (this.valid(p.leader)) return { leader: p.leader, unclean: false };
      const other = this.targetReplicas.slice(1).find((r) => this.valid(r));
      return { leader: other ?? NO_LEADER, unclean: false };
    }
    if (this.valid(p.leader)) return { leader: p.leader, unclean: false };
    const online = this.targetReplicas.find((r) => this.valid(r));
    if (online !== undefined) return { leader: online, unclean: false };
    if (this.election === 'UNCLEAN') {
      const unclean = this.targetReplicas.find((r) => this.acceptable(r));
      if (unclean !== undefined) return { leader: unclean, unclean: true };
    }
    return { leader: NO_LEADER, unclean: false };
  }

  /** PartitionReassignmentReplicas.maybeCompleteReassignment. */
  private completeReassignment(): void {
    if (this.targetRemoving.length === 0 && this.targetAdding.length === 0) return;
    let isr = this.targetIsr;
    let replicas = this.targetReplicas;
    if (this.targetRemoving.length > 0) {
      isr = isr.filter((r) => !this.targetRemoving.includes(r));
      if (isr.length === 0) return;
      replicas = replicas.filter((r) => !this.targetRemoving.includes(r));
      if (replicas.length === 0) return;
    }
    if (!containsAll(isr, replicas)) return;
    this.targetIsr = isr;
    this.targetReplicas = replicas;
    this.targetRemoving = [];
    this.targetAdding = [];
  }

  build(): PartitionChange | undefined {
    const p = this.partition;
    this.completeReassignment();
    let leader = NO_LEADER_CHANGE;
    let isr: number[] | null = null;
    let unclean = false;
    const e = this.elect();
    if (e.leader !== p.leader) {
      leader = e.leader;
      unclean = e.unclean;
      if (e.unclean) {
        isr = [e.leader];
        if (p.leaderRecoveryState !== LEADER_RECOVERING) this.targetRecovery = LEADER_RECOVERING;
      }
    }
    // Replicas leaving the assignment bump the leader epoch (so the old replicas are fenced).
    if (leader === NO_LEADER_CHANGE && !containsAll(this.targetReplicas, p.replicas)) leader = p.leader;
    if (isr === null && this.targetIsr.length > 0 && !same(this.targetIsr, p.isr)) isr = this.targetIsr;
    // An ISR that shrinks bumps the leader epoch too (metadata.version 3.6-IV0 and later).
    if (leader === NO_LEADER_CHANGE && isr !== null && !containsAll(isr, p.isr)) leader = p.leader;
    const replicas = !same(this.targetReplicas, p.replicas) ? this.targetReplicas : null;
    const removing = !same(this.targetRemoving, p.removingReplicas) ? this.targetRemoving : null;
    const adding = !same(this.targetAdding, p.addingReplicas) ? this.targetAdding : null;
    const recovery = this.targetRecovery !== (p.leaderRecoveryState ?? LEADER_RECOVERED) ? this.targetRecovery : -1;
    if (leader === NO_LEADER_CHANGE && isr === null && replicas === null && removing === null && adding === null && recovery === -1) return undefined;
    const newLeader = leader === NO_LEADER_CHANGE ? p.leader : leader;
    return {
      record: {
        type: MetadataRecordType.PartitionChangeRecord,
        version: 0,
        data: {
          partitionId: p.partition,
          topicId: this.topicId,
          isr,
          leader,
          replicas,
          removingReplicas: removing,
          addingReplicas: adding,
          leaderRecoveryState: recovery,
          directories: null,
          eligibleLeaderReplicas: null,
          lastKnownElr: null,
        },
      },
      leader: newLeader,
      isr: isr ?? p.isr,
      unclean,
    };
  }
}

/** Applies a change to a registration (as replay does), for decisions within one command. */
export function mergeChange(p: PartitionRegistration, c: PartitionChange): PartitionRegistration {
  const d = c.record.data as { isr: number[] | null; leader: number; replicas: number[] | null; removingReplicas: number[] | null; addingReplicas: number[] | null; leaderRecoveryState: number };
  const next: PartitionRegistration = { ...p, partitionEpoch: p.partitionEpoch + 1 };
  if (d.isr !== null) next.isr = d.isr;
  if (d.replicas !== null) next.replicas = d.replicas;
  if (d.removingReplicas !== null) next.removingReplicas = d.removingReplicas;
  if (d.addingReplicas !== null) next.addingReplicas = d.addingReplicas;
  if (d.leaderRecoveryState !== -1) next.leaderRecoveryState = d.leaderRecoveryState;
  if (d.leader !== NO_LEADER_CHANGE) {
    next.leader = d.leader;
    next.leaderEpoch = p.leaderEpoch + 1;
  }
  return next;
}
