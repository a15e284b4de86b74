/**
 * The controller of a single-voter KRaft-style quorum. Cluster metadata lives
 * in a log (`__cluster_metadata-0`) of KRaft records. A command (create
 * topics, alter configs, ...) is checked against the current image and turns
 * into records plus a response; the records are appended to the log as one
 * batch and fsynced, and only then replayed into the next image, which is
 * published to subscribers. Nothing changes state except replay, so starting
 * up is replaying the log.
 *
 * Commands run one at a time, in order (the controller's event queue).
 * Leader epoch: a single voter is the leader of epoch 1 from the start.
 */
import { Clock, Logger, NagareError, silentLogger } from '@nagare/common';
import {
  EMPTY_IMAGE,
  MetadataDelta,
  MetadataImage,
  MetadataRecord,
  MetadataRecordType,
  decodeMetadataRecord,
  encodeMetadataRecord,
} from '@nagare/metadata';
import { RecordBatchBuilder, iterateBatches } from '@nagare/records';

/** What the controller needs of the log it writes (a storage PartitionLog fits). */
export interface MetadataLogStore {
  readonly logEndOffset: number;
  appendAsLeader(records: Buffer, opts: { leaderEpoch: number }): { errorCode: number; baseOffset: number; lastOffset: number; errorMessage?: string | null };
  read(fetchOffset: number, maxBytes: number): { records: Buffer; nextOffset: number };
  flush(): Promise<void> | void;
}

export const LEADER_EPOCH = 1;
const READ_CHUNK = 8 * 1024 * 1024;

export interface ControllerOptions {
  log: MetadataLogStore;
  clock: Clock;
  logger?: Logger;
  nodeId: number;
}

export type ImageListener = (image: MetadataImage, previous: MetadataImage) => void;

export class MetadataCommitter {
  private current: MetadataImage = EMPTY_IMAGE;
  private readonly listeners = new Set<ImageListener>();
  private queue: Promise<unknown> = Promise.resolve();
  readonly logger: Logger;

  constructor(private readonly opts: ControllerOptions) {
    this.logger = opts.logger ?? silentLogger;
  }

  image(): MetadataImage {
    return this.current;
  }

  subscribe(listener: ImageListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Replays the whole metadata log into the image. */
  load(): number {
    const log = this.opts.log;
    const delta = new MetadataDelta(EMPTY_IMAGE);
    let offset = 0;
    let count = 0;
    while (offset < log.logEndOffset) {
      const { records, nextOffset } = log.read(offset, READ_CHUNK);
      if (records.length === 0 || nextOffset <= offset) break;
      for (const batch of iterateBatches(records, { verifyCrc: false })) {
        if (batch.header.isControl) continue;
        for (const rec of batch.records({ verifyCrc: false })) {
          if (rec.value === null) continue;
          delta.replay(decodeMetadataRecord(rec.value), rec.offset, batch.header.partitionLeaderEpoch);
          count++;
        }
      }
      offset = nextOffset;
    }
    this.current = delta.apply();
    return count;
  }

  /**
   * Runs `command` on the controller's queue: it sees the latest image and
   * returns records to commit and a result. The records are made durable and
   * replayed before the returned promise resolves.
   */
  run<T>(command: (image: MetadataImage) => { records: MetadataRecord[]; result: T }): Promise<T> {
    const next = this.queue.then(async () => {
      const { records, result } = command(this.current);
      if (records.length > 0) await this.commit(records);
      return result;
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async commit(records: MetadataRecord[]): Promise<void> {
    const now = this.opts.clock.now();
    const builder = new RecordBatchBuilder({ partitionLeaderEpoch: LEADER_EPOCH, now: () => now, maxBytes: 0x7fffffff });
    const values = records.map((r) => encodeMetadataRecord(r));
    for (const value of values) builder.append({ timestamp: now, key: null, value });
    const appended = this.opts.log.appendAsLeader(builder.build(), { leaderEpoch: LEADER_EPOCH });
    if (appended.errorCode !== 0) {
      throw new NagareError('INTERNAL', `metadata log append failed with error ${appended.errorCode}: ${appended.errorMessage ?? ''}`);
    }
    await this.opts.log.flush();
    const previous = this.current;
    const delta = new MetadataDelta(previous);
    records.forEach((r, i) => delta.replay(r, appended.baseOffset + i, LEADER_EPOCH));
    this.current = delta.apply();
    for (const l of this.listeners) {
      try {
        l(this.current, previous);
      } catch (e) {
        this.logger.error({ err: (e as Error).stack }, 'metadata listener failed');
      }
    }
  }
}

export { MetadataRecordType };
