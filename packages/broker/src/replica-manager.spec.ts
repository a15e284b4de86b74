/**
 * The replica manager as leader and follower, two brokers in one process: the follower's fetches
 * are the leader's `read` with a replica context, appended with `appendAsFollower` (what the
 * replica fetcher does over the network). Real logs on an in-memory file system, a manual clock.
 */
import { ManualClock, silentLogger } from '@nagare/common';
import { ConfigResolver, ConfigResourceType, EMPTY_IMAGE, MetadataDelta, MetadataImage, MetadataRecord, MetadataRecordType } from '@nagare/metadata';
import { ErrorCode, type AlterPartitionRequest, type AlterPartitionResponse } from '@nagare/protocol';
import { RecordBatchBuilder, iterateBatches } from '@nagare/records';
import { LogManager, MemoryFileSystem, logConfigFromProperties } from '@nagare/storage';
import { truncateOnDivergence } from './replica-fetcher';
import { ReplicaManager, type HostedPartition } from './replica-manager';

const TOPIC_ID = 'AQIDBAUGBwgJCgsMDQ4PEA';
const TOPIC = 'rep';

function partitionRecord(o: { leader: number; leaderEpoch: number; partitionEpoch: number; isr: number[] }): MetadataRecord {
  return {
    type: MetadataRecordType.PartitionRecord,
    version: 0,
    data: {
      partitionId: 0,
      topicId: TOPIC_ID,
      replicas: [1, 2, 3],
      isr: o.isr,
      removingReplicas: [],
      addingReplicas: [],
      leader: o.leader,
      leaderRecoveryState: 0,
      leaderEpoch: o.leaderEpoch,
      partitionEpoch: o.partitionEpoch,
      directories: [],
      eligibleLeaderReplicas: null,
      lastKnownElr: null,
    },
  };
}

function brokerRecord(id: number): MetadataRecord {
  return {
    type: MetadataRecordType.RegisterBrokerRecord,
    version: 0,
    data: { brokerId: id, isMigratingZkBroker: false, incarnationId: TOPIC_ID, brokerEpoch: BigInt(id * 10), endPoints: [], features: [], rack: null, fenced: false, inControlledShutdown: false, logDirs: [] },
  } as unknown as MetadataRecord;
}

function image(prev: MetadataImage, records: MetadataRecord[]): MetadataImage {
  const d = new MetadataDelta(prev);
  records.forEach((r, i) => d.replay(r, i, 0));
  return d.apply();
}

function batch(values: string[]): Buffer {
  const b = new RecordBatchBuilder({ maxBytes: 1 << 20 });
  for (const v of values) b.append({ timestamp: 1, key: null, value: Buffer.from(v) });
  return b.build();
}

function values(records: Buffer): string[] {
  const out: string[] = [];
  for (const b of iterateBatches(records)) for (const r of b.records()) out.push(r.value!.toString());
  return out;
}

class Node {
  readonly rm: ReplicaManager;
  readonly sent: AlterPartitionRequest[] = [];
  img: MetadataImage = EMPTY_IMAGE;
  constructor(
    readonly id: number,
    readonly clock: ManualClock,
  ) {
    const fs = new MemoryFileSystem({ seed: id });
    const logs = LogManager.open({ logDirs: ['/data'], fs, clock, defaultConfig: logConfigFromProperties({}) });
    this.rm = new ReplicaManager(logs, id, new ConfigResolver(new Map(), id), clock, silentLogger);
    this.rm.configureReplication({
      replicaLagTimeMaxMs: 10000,
      alterPartition: (req) => {
        this.sent.push(req);
        return new Promise<AlterPartitionResponse>(() => {});
      },
      brokerEpoch: () => BigInt(id * 10),
      image: () => this.img,
      onFollowerChange: () => {},
    });
  }
  apply(records: MetadataRecord[]): void {
    const next = image(this.img, records);
    this.rm.applyImage(next, this.img);
    this.img = next;
  }
  get p(): HostedPartition {
    return this.rm.require(TOPIC, 0);
  }
}

/** One follower fetch: the leader reads for it, the follower appends and takes the HW. */
function replicate(leader: Node, follower: Node): { errorCode: number; diverging?: { epoch: number; endOffset: bigint } } {
  const log = follower.p.log;
  const r = leader.rm.read(
    { topic: TOPIC, partition: 0, fetchOffset: BigInt(log.logEndOffset), maxBytes: 1 << 20, currentLeaderEpoch: follower.p.leaderEpoch },
    1 << 20,
    { readCommitted: false, minOneMessage: true, replica: { replicaId: follower.id, replicaEpoch: BigInt(follower.id * 10), lastFetchedEpoch: log.leaderEpochCache.latestEpoch } },
  );
  if (r.errorCode === 0 && r.divergingEpoch === undefined) follower.rm.appendAsFollower(follower.p, r.records, Number(r.highWatermark), Number(r.logStartOffset));
  return { errorCode: r.errorCode, diverging: r.divergingEpoch };
}

function consumerRead(n: Node, offset: number, currentLeaderEpoch = -1) {
  return n.rm.read({ topic: TOPIC, partition: 0, fetchOffset: BigInt(offset), maxBytes: 1 << 20, currentLeaderEpoch }, 1 << 20, { readCommitted: false, minOneMessage: true });
}

describe('ReplicaManager replication', () => {
  let clock: ManualClock;
  let n1: Node;
  let n2: Node;
  let n3: Node;
  const setup = (minIsr = '2') => {
    clock = new ManualClock(1_000_000);
    [n1, n2, n3] = [1, 2, 3].map((id) => new Node(id, clock));
    const records = [
      brokerRecord(1),
      brokerRecord(2),
      brokerRecord(3),
      { type: MetadataRecordType.TopicRecord, version: 0, data: { name: TOPIC, topicId: TOPIC_ID } } as MetadataRecord,
      { type: MetadataRecordType.ConfigRecord, version: 0, data: { resourceType: ConfigResourceType.TOPIC, resourceName: TOPIC, name: 'min.insync.replicas', value: minIsr } } as MetadataRecord,
      partitionRecord({ leader: 1, leaderEpoch: 0, partitionEpoch: 0, isr: [1, 2, 3] }),
    ];
    for (const n of [n1, n2, n3]) n.apply(records);
  };

  it('the high watermark waits for every ISR member; consumers never read past it; acks=all completes only then', () => {
    setup();
    expect(n1.p.isLeader).toBe(true);
    expect(n2.p.isLeader).toBe(false);
    const r = n1.rm.appendToLeader({ topic: TOPIC, partition: 0, records: batch(['a', 'b', 'c']) }, { requiredAcks: -1 });
    expect(r.errorCode).toBe(0);
    expect(r.nextOffset).toBe(3);
    expect(n1.p.log.highWatermark).toBe(0);
    expect(n1.rm.checkEnoughReplicasReachOffset(TOPIC, 0, 3, n1.p.state.leadership)).toBeNull();
    // A consumer sees nothing past the high watermark.
    expect(values(consumerRead(n1, 0).records)).toEqual([]);
    // A follower is not a leader for consumers.
    expect(consumerRead(n2, 0).errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);

    expect(replicate(n1, n2).errorCode).toBe(0);
    expect(n2.p.log.logEndOffset).toBe(3);
    expect(replicate(n1, n3).errorCode).toBe(0);
    // The leader learns the followers' log ends at their next fetches.
    expect(n1.p.log.highWatermark).toBe(0);
    replicate(n1, n2);
    expect(n1.p.log.highWatermark).toBe(0);
    replicate(n1, n3);
    expect(n1.p.log.highWatermark).toBe(3);
    expect(n1.rm.checkEnoughReplicasReachOffset(TOPIC, 0, 3, n1.p.state.leadership)).toBe(ErrorCode.NONE);
    expect(values(consumerRead(n1, 0).records)).toEqual(['a', 'b', 'c']);
    // Followers learn the high watermark from the next fetch response; the bytes are the leader's.
    replicate(n1, n2);
    expect(n2.p.log.highWatermark).toBe(3);
    expect(n2.p.log.read(0, 1 << 20).records.equals(n1.p.log.read(0, 1 << 20).records)).toBe(true);
  });

  it('leader epochs fence: FENCED_LEADER_EPOCH below, UNKNOWN_LEADER_EPOCH above; a follower answers NOT_LEADER_OR_FOLLOWER', () => {
    setup();
    const bump = partitionRecord({ leader: 1, leaderEpoch: 1, partitionEpoch: 1, isr: [1, 2, 3] });
    n1.apply([bump]);
    n2.apply([bump]);
    expect(n1.p.leaderEpoch).toBe(1);
    expect(consumerRead(n1, 0, 0).errorCode).toBe(ErrorCode.FENCED_LEADER_EPOCH);
    expect(consumerRead(n1, 0, 2).errorCode).toBe(ErrorCode.UNKNOWN_LEADER_EPOCH);
    expect(consumerRead(n1, 0, 1).errorCode).toBe(ErrorCode.NONE);
    expect(consumerRead(n2, 0, 1).errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    // A stale follower (epoch 0) fetching from the leader at epoch 1 is fenced too.
    const stale = n1.rm.read({ topic: TOPIC, partition: 0, fetchOffset: 0n, maxBytes: 100, currentLeaderEpoch: 0 }, 100, {
      readCommitted: false,
      minOneMessage: true,
      replica: { replicaId: 3, replicaEpoch: 30n, lastFetchedEpoch: -1 },
    });
    expect(stale.errorCode).toBe(ErrorCode.FENCED_LEADER_EPOCH);
  });

  it('min.insync.replicas: NOT_ENOUGH_REPLICAS before the append, NOT_ENOUGH_REPLICAS_AFTER_APPEND when the ISR shrank meanwhile', () => {
    setup('3');
    const r = n1.rm.appendToLeader({ topic: TOPIC, partition: 0, records: batch(['x']) }, { requiredAcks: -1 });
    expect(r.errorCode).toBe(0);
    replicate(n1, n2);
    replicate(n1, n3);
    // The controller shrinks the ISR (partition epoch 1) before the records are committed by the old one.
    n1.apply([partitionRecord({ leader: 1, leaderEpoch: 0, partitionEpoch: 1, isr: [1, 2] })]);
    replicate(n1, n2);
    // 3 is out of the ISR but caught up recently: the leader still waits for it (Kafka's shouldWaitForReplicaToJoinIsr).
    expect(n1.p.log.highWatermark).toBe(0);
    // Once it has lagged past replica.lag.time.max.ms it no longer counts.
    clock.advance(10001);
    replicate(n1, n2);
    expect(n1.p.log.highWatermark).toBe(1);
    expect(n1.rm.checkEnoughReplicasReachOffset(TOPIC, 0, 1, n1.p.state.leadership)).toBe(ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND);
    const refused = n1.rm.appendToLeader({ topic: TOPIC, partition: 0, records: batch(['y']) }, { requiredAcks: -1 });
    expect(refused.errorCode).toBe(ErrorCode.NOT_ENOUGH_REPLICAS);
    expect(refused.errorMessage).toMatch(/insufficient to satisfy the min.isr requirement of 3/);
    expect(n1.p.log.logEndOffset).toBe(1);
    // acks=1 is not refused.
    expect(n1.rm.appendToLeader({ topic: TOPIC, partition: 0, records: batch(['z']) }, { requiredAcks: 1 }).errorCode).toBe(0);
  });

  it('a follower that diverged is told the epoch and offset to truncate to (KIP-320), then catches up', () => {
    setup('1');
    n1.rm.appendToLeader({ topic: TOPIC, partition: 0, records: batch(['a', 'b']) }, { requiredAcks: 1 });
    replicate(n1, n2);
    replicate(n1, n3);
    replicate(n1, n2);
    // n1 writes 2 more that nobody fetches, then loses leadership to n2 (epoch 1), which writes its own.
    n1.rm.appendToLeader({ topic: TOPIC, partition: 0, records: batch(['lost-1', 'lost-2']) }, { requiredAcks: 1 });
    const change = partitionRecord({ leader: 2, leaderEpoch: 1, partitionEpoch: 1, isr: [2, 3] });
    for (const n of [n1, n2, n3]) n.apply([change]);
    expect(n2.p.isLeader).toBe(true);
    expect(n1.p.isLeader).toBe(false);
    n2.rm.appendToLeader({ topic: TOPIC, partition: 0, records: batch(['c']) }, { requiredAcks: 1 });
    expect(n1.p.log.logEndOffset).toBe(4);
    const first = replicate(n2, n1);
    expect(first.diverging).toEqual({ epoch: 0, endOffset: 2n });
    // What the fetcher does with it: truncate to the smaller end of that epoch, fetch again.
    expect(truncateOnDivergence(n1.p.log, first.diverging!.epoch, Number(first.diverging!.endOffset))).toBe(2);
    expect(replicate(n2, n1).errorCode).toBe(0);
    expect(values(n1.p.log.read(0, 1 << 20).records)).toEqual(['a', 'b', 'c']);
    expect(n1.p.log.leaderEpochCache.latestEpoch).toBe(1);
  });

  it('shrinks the ISR after replica.lag.time.max.ms and asks to expand it when the follower catches up (AlterPartition v3 with broker epochs)', () => {
    setup('1');
    n1.rm.appendToLeader({ topic: TOPIC, partition: 0, records: batch(['a']) }, { requiredAcks: 1 });
    replicate(n1, n2);
    clock.advance(5000);
    n1.rm.maybeShrinkIsr();
    expect(n1.sent).toEqual([]);
    clock.advance(6000);
    replicate(n1, n2);
    n1.rm.maybeShrinkIsr();
    expect(n1.sent).toHaveLength(1);
    const req = n1.sent[0];
    expect(req.brokerId).toBe(1);
    expect(req.brokerEpoch).toBe(10n);
    expect(req.topics[0].partitions[0]).toMatchObject({ leaderEpoch: 0, partitionEpoch: 0, newIsrWithEpochs: [{ brokerId: 1, brokerEpoch: 10n }, { brokerId: 2, brokerEpoch: 20n }] });
    // The controller's answer arrives as metadata: 3 is out.
    n1.apply([partitionRecord({ leader: 1, leaderEpoch: 0, partitionEpoch: 1, isr: [1, 2] })]);
    // 3 fetches again and reaches the high watermark: the leader asks to add it back.
    replicate(n1, n3);
    replicate(n1, n3);
    expect(n1.sent).toHaveLength(2);
    expect(n1.sent[1].topics[0].partitions[0]).toMatchObject({ partitionEpoch: 1, newIsrWithEpochs: [{ brokerId: 1, brokerEpoch: 10n }, { brokerId: 2, brokerEpoch: 20n }, { brokerId: 3, brokerEpoch: 30n }] });
  });

  it('a broker that led an epoch without writing in it drops that epoch when it follows again', () => {
    setup('1');
    n1.rm.appendToLeader({ topic: TOPIC, partition: 0, records: batch(['a']) }, { requiredAcks: 1 });
    replicate(n1, n2);
    // n2 becomes leader at epoch 1 (its epoch cache starts epoch 1 at 1) and loses it before writing.
    const e1 = partitionRecord({ leader: 2, leaderEpoch: 1, partitionEpoch: 1, isr: [1, 2, 3] });
    const e2 = partitionRecord({ leader: 1, leaderEpoch: 2, partitionEpoch: 2, isr: [1, 2, 3] });
    for (const n of [n1, n2]) n.apply([e1]);
    expect(n2.p.log.leaderEpochCache.latestEpoch).toBe(1);
    for (const n of [n1, n2]) n.apply([e2]);
    n1.rm.appendToLeader({ topic: TOPIC, partition: 0, records: batch(['b']) }, { requiredAcks: 1 });
    // n1 never wrote in epoch 1 either (it followed): epoch 1 ends where epoch 2 starts, at 1, which is n2's log end.
    const d = replicate(n1, n2);
    expect(d.diverging).toEqual({ epoch: 0, endOffset: 1n });
    expect(truncateOnDivergence(n2.p.log, 0, 1)).toBe(1);
    expect(n2.p.log.leaderEpochCache.latestEpoch).toBe(0);
    replicate(n1, n2);
    expect(values(n2.p.log.read(0, 1 << 20).records)).toEqual(['a', 'b']);
  });

  it('acks=all waits survive a new leader epoch with the same leader, not a loss of leadership (even if regained)', () => {
    setup('1');
    n1.rm.appendToLeader({ topic: TOPIC, partition: 0, records: batch(['a']) }, { requiredAcks: -1 });
    const term = n1.p.state.leadership;
    expect(n1.rm.checkEnoughReplicasReachOffset(TOPIC, 0, 1, term)).toBeNull();
    n1.apply([partitionRecord({ leader: 1, leaderEpoch: 1, partitionEpoch: 1, isr: [1, 2, 3] })]);
    expect(n1.rm.checkEnoughReplicasReachOffset(TOPIC, 0, 1, term)).toBeNull();
    n1.apply([partitionRecord({ leader: 2, leaderEpoch: 2, partitionEpoch: 2, isr: [1, 2, 3] })]);
    expect(n1.rm.checkEnoughReplicasReachOffset(TOPIC, 0, 1, term)).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    n1.apply([partitionRecord({ leader: 1, leaderEpoch: 3, partitionEpoch: 3, isr: [1] })]);
    expect(n1.p.log.highWatermark).toBe(1);
    expect(n1.rm.checkEnoughReplicasReachOffset(TOPIC, 0, 1, term)).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
  });

  it("a follower's log start follows the leader's (DeleteRecords on the leader)", () => {
    setup('1');
    n1.rm.appendToLeader({ topic: TOPIC, partition: 0, records: batch(['a', 'b', 'c', 'd']) }, { requiredAcks: 1 });
    for (let i = 0; i < 2; i++) for (const f of [n2, n3]) replicate(n1, f);
    expect(n1.p.log.highWatermark).toBe(4);
    n1.p.log.deleteRecordsBefore(2);
    replicate(n1, n2);
    expect(n2.p.log.logStartOffset).toBe(2);
    expect(n3.p.log.logStartOffset).toBe(0);
  });
});
