import { ManualClock, memoryLogger } from '@nagare/common';
import { T0, batchOf, cfg, readAllRecords, str } from './__fixtures__/helpers';
import { readOffsetCheckpoint } from './checkpoints';
import { LogConfig } from './config';
import { MemoryFileSystem } from './fs/memory-fs';
import { LogManager, LogManagerOptions } from './log-manager';

function setup(dirs = ['/d1', '/d2'], config: Partial<LogConfig> = {}, more: Partial<LogManagerOptions> = {}) {
  const clock = new ManualClock(T0);
  const fs = new MemoryFileSystem({ seed: 11, now: () => clock.now() });
  const open = (extra: Partial<LogManagerOptions> = {}) => LogManager.open({ logDirs: dirs, fs, clock, defaultConfig: cfg(config), ...more, ...extra });
  return { clock, fs, open };
}

describe('LogManager', () => {
  it('locks its directories: a second manager fails with LOG_DIR_LOCKED naming the dir', async () => {
    const { open } = setup();
    const m = open();
    let err: unknown;
    try {
      open();
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ kind: 'LOG_DIR_LOCKED' });
    expect((err as Error).message).toContain('/d1');
    // A manager sharing only one directory is refused too, and releases what it took.
    expect(() => LogManager.open({ logDirs: ['/d3', '/d2'], fs: (m as unknown as { fs: MemoryFileSystem }).fs, clock: new ManualClock(), defaultConfig: cfg() })).toThrow(/\/d2/);
    await m.close();
    const again = open();
    await again.close();
  });

  it('spreads new logs over directories, loads them back, deletes them like Kafka', async () => {
    const { open, fs } = setup();
    const m = open();
    const logs = [0, 1, 2, 3].map((p) => m.getOrCreateLog('orders', p, undefined, 'TOPICID0000000000000000'));
    expect(new Set(logs.map((l) => m.logDirOf(l))).size).toBe(2);
    expect(m.getOrCreateLog('orders', 0)).toBe(logs[0]);
    expect(() => m.getOrCreateLog('orders', 0, undefined, 'OTHER')).toThrow(/topic id/);
    expect(() => m.getOrCreateLog('../x', 0)).toThrow(/illegal topic/);
    const meta = m.getOrCreateLog('__cluster_metadata', 0, undefined, undefined, '/d2');
    expect(meta.dir).toBe('/d2/__cluster_metadata-0');
    for (const l of logs) l.appendAsLeader(batchOf(2), { leaderEpoch: 0 });
    expect(fs.readFile(logs[0].dir + '/partition.metadata').toString()).toBe('version: 0\ntopic_id: TOPICID0000000000000000\n');
    await m.close();
    fs.open('/d1/meta.properties', 'w+').close(); // foreign files are left alone
    const m2 = open();
    expect(m2.allLogs().length).toBe(5);
    expect(m2.getLog('orders', 2)!.logEndOffset).toBe(2);
    expect(m2.getLog('orders', 2)!.topicId).toBe('TOPICID0000000000000000');
    expect(m2.deleteLog('orders', 2)).toBe(true);
    expect(m2.deleteLog('orders', 2)).toBe(false);
    expect(m2.getLog('orders', 2)).toBeUndefined();
    expect(fs.listFiles().some((f) => f.includes('orders-2'))).toBe(false);
    expect(fs.exists('/d1/meta.properties')).toBe(true);
    await m2.close();
    // A leftover "-delete" directory (crash during deletion) is removed on open.
    fs.mkdir('/d1/orders-9.0123456789abcdef0123456789abcdef-delete');
    fs.open('/d1/orders-9.0123456789abcdef0123456789abcdef-delete/00000000000000000000.log', 'w+').close();
    const m3 = open();
    expect(fs.exists('/d1/orders-9.0123456789abcdef0123456789abcdef-delete')).toBe(false);
    expect(m3.getLog('orders', 9)).toBeUndefined();
    await m3.close();
  });

  it('writes the dir-level checkpoints and a clean-shutdown marker', async () => {
    const { open, fs } = setup(['/d1']);
    const m = open();
    const log = m.getOrCreateLog('t', 0);
    for (let i = 0; i < 5; i++) log.appendAsLeader(batchOf(2), { leaderEpoch: 0 });
    log.highWatermark = 8;
    log.flush();
    m.checkpoint();
    expect(readOffsetCheckpoint(fs, '/d1/recovery-point-offset-checkpoint')).toEqual([{ topic: 't', partition: 0, offset: 10 }]);
    expect(readOffsetCheckpoint(fs, '/d1/replication-offset-checkpoint')).toEqual([{ topic: 't', partition: 0, offset: 8 }]);
    log.deleteRecordsBefore(4); // checkpoints the log start at once
    expect(readOffsetCheckpoint(fs, '/d1/log-start-offset-checkpoint')).toEqual([{ topic: 't', partition: 0, offset: 4 }]);
    await m.close();
    expect(fs.exists('/d1/.kafka_cleanshutdown')).toBe(true);
    expect(fs.exists('/d1/.lock')).toBe(false);
    const m2 = open();
    const l2 = m2.getLog('t', 0)!;
    expect([l2.logStartOffset, l2.highWatermark, l2.logEndOffset, l2.ranRecovery]).toEqual([4, 8, 10, false]);
    await m2.close();
  });

  it('a full disk on one directory takes that directory offline; other directories keep working', async () => {
    const logger = memoryLogger();
    const { open, fs } = setup(['/d1', '/d2'], {}, { logger });
    const m = open();
    const a = m.getOrCreateLog('a', 0, undefined, undefined, '/d1');
    const a1 = m.getOrCreateLog('a', 1, undefined, undefined, '/d1');
    const b = m.getOrCreateLog('b', 0, undefined, undefined, '/d2');
    a.appendAsLeader(batchOf(2), { leaderEpoch: 0 });
    b.appendAsLeader(batchOf(2), { leaderEpoch: 0 });
    a.flush();
    fs.injectFault({ op: 'write', path: '/d1/', times: Infinity, code: 'ENOSPC' });
    let err: unknown;
    try {
      a.appendAsLeader(batchOf(2), { leaderEpoch: 0 });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ kind: 'STORAGE_IO', kafkaErrorCode: 56 });
    expect((err as Error).message).toMatch(/ENOSPC/);
    expect(m.offlineDirs()).toEqual(['/d1']);
    expect(a.offline && a1.offline).toBe(true);
    expect(() => a1.appendAsLeader(batchOf(1), { leaderEpoch: 0 })).toThrow(expect.objectContaining({ kind: 'LOG_DIR_OFFLINE', kafkaErrorCode: 56 }));
    expect(() => a.read(0, 100)).toThrow(expect.objectContaining({ kind: 'LOG_DIR_OFFLINE' }));
    expect(b.appendAsLeader(batchOf(2), { leaderEpoch: 0 }).baseOffset).toBe(2);
    expect(readAllRecords(b).length).toBe(4);
    // New logs go to the online directory.
    expect(m.logDirOf(m.getOrCreateLog('c', 0))).toBe('/d2');
    expect(m.runRetention()).toBe(0);
    expect(m.describeLogDirs().map((d) => [d.dir, d.offline])).toEqual([
      ['/d1', true],
      ['/d2', false],
    ]);
    expect(logger.entries.some((e) => e.level === 'error' && e.msg.includes('offline'))).toBe(true);
    await m.close().catch(() => undefined);
    // After the disk is fixed, d1 recovers: the half-written append is not there.
    fs.clearFaults();
    fs.crash();
    const m2 = open();
    expect(m2.offlineDirs()).toEqual([]);
    expect(readAllRecords(m2.getLog('a', 0)!).map((r) => str(r.value))).toEqual(['v0', 'v1']);
    await m2.close();
  });

  it('a short write followed by ENOSPC leaves no torn bytes behind', async () => {
    const { open, fs } = setup(['/d1']);
    const m = open();
    const log = m.getOrCreateLog('t', 0);
    log.appendAsLeader(batchOf(2), { leaderEpoch: 0 });
    fs.injectFault({ op: 'write', path: /\.log$/, shortWrite: 10 });
    fs.injectFault({ op: 'write', path: /\.log$/, code: 'ENOSPC' });
    expect(() => log.appendAsLeader(batchOf(3), { leaderEpoch: 0 })).toThrow(/ENOSPC/);
    expect(fs.peek(log.dir + '/00000000000000000000.log')!.length).toBe(log.segmentList[0].size);
    await m.close().catch(() => undefined);
  });

  it('fails to open when every directory is unusable, and with I/O errors leaves only that dir offline', () => {
    const { fs, open } = setup(['/d1', '/d2']);
    fs.injectFault({ op: 'mkdir', path: '/d1', times: Infinity, code: 'EACCES' });
    const m = open();
    expect(m.offlineDirs()).toEqual(['/d1']);
    m.closeSync();
    fs.injectFault({ op: 'lock', path: '/d2', times: Infinity, code: 'EIO' });
    expect(() => open()).toThrow(expect.objectContaining({ kind: 'LOG_DIR_OFFLINE' }));
  });

  it('runs retention, compaction and flush.ms for the broker, with per-topic configs at load', async () => {
    const { open, clock } = setup(['/d1'], { segmentBytes: 500, retentionMs: 10_000 });
    const compacted = cfg({ segmentBytes: 500, cleanupPolicy: 'compact', minCleanableDirtyRatio: 0.1 });
    const m = open({ topicConfig: (t) => (t === 'kv' ? compacted : undefined) });
    const del = m.getOrCreateLog('events', 0);
    const kv = m.getOrCreateLog('kv', 0, compacted);
    for (let i = 0; i < 40; i++) {
      del.appendAsLeader(batchOf(2, { timestamp: clock.now() }), { leaderEpoch: 0 });
      kv.appendAsLeader(batchOf([{ key: 'k' + (i % 3), value: 'v' + i }]), { leaderEpoch: 0 });
    }
    del.highWatermark = del.logEndOffset;
    kv.highWatermark = kv.logEndOffset;
    clock.advance(20_000);
    expect(m.runRetention()).toBeGreaterThan(0);
    expect(kv.logStartOffset).toBe(0);
    let r = await m.runCleaner(200);
    expect(r.bytesRead).toBeGreaterThan(0);
    while (!r.idle) r = await m.runCleaner(200);
    expect(readAllRecords(kv).length).toBeLessThan(40);
    await m.close();
    // Reloaded with the topic's config: compacted, not deleted by time.
    const m2 = open({ topicConfig: (t) => (t === 'kv' ? compacted : undefined) });
    expect(m2.getLog('kv', 0)!.config.cleanupPolicy).toBe('compact');
    clock.advance(1_000_000);
    m2.runRetention();
    expect(m2.getLog('kv', 0)!.logStartOffset).toBe(0);
    m2.updateConfig('kv', { ...compacted, flushMs: 1000 });
    const kv2 = m2.getLog('kv', 0)!;
    kv2.flush();
    kv2.appendAsLeader(batchOf([{ key: 'k', value: 'x' }]), { leaderEpoch: 0 });
    expect(kv2.unflushedMessages).toBe(1);
    clock.advance(1000);
    expect(await m2.flushDue()).toBe(1);
    expect(kv2.unflushedMessages).toBe(0);
    await m2.close();
  });
});
