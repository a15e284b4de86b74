/**
 * Real-disk tests: NodeFileSystem, and a child process killed with SIGKILL
 * in the middle of appending, whose log is then reopened.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ManualClock, systemClock } from '@nagare/common';
import { iterateBatches } from '@nagare/records';
import { batchOf, cfg } from './__fixtures__/helpers';
import { valueFor } from './__fixtures__/sigkill-values';
import { readFully, writeFully } from './fs/file-system';
import { NodeFileSystem } from './fs/node-fs';
import { LogManager } from './log-manager';

const tmpRoots: string[] = [];
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'nagare-storage-'));
  tmpRoots.push(d);
  return d;
}
afterAll(() => {
  for (const d of tmpRoots) fs.rmSync(d, { recursive: true, force: true });
});

describe('NodeFileSystem', () => {
  it('does positioned I/O, atomic replace, rename, rmdir', async () => {
    const nfs = new NodeFileSystem();
    const root = tmp();
    nfs.mkdir(path.join(root, 'a/b'));
    const p = path.join(root, 'a/b/f');
    const h = nfs.open(p, 'w+');
    writeFully(h, Buffer.from('hello world'), 0);
    writeFully(h, Buffer.from('W'), 6);
    h.sync();
    await h.syncAsync();
    expect(h.size()).toBe(11);
    const b = Buffer.alloc(5);
    expect(readFully(h, b, 0, 5, 6)).toBe(5);
    expect(b.toString()).toBe('World');
    h.truncate(5);
    h.close();
    expect(() => h.size()).toThrow(/EBADF/);
    expect(nfs.readFile(p).toString()).toBe('hello');
    nfs.writeFileAtomic(p, Buffer.from('replaced'));
    expect(nfs.readFile(p).toString()).toBe('replaced');
    expect(nfs.exists(p + '.tmp')).toBe(false);
    expect(nfs.readdir(path.join(root, 'a/b'))).toEqual(['f']);
    expect(nfs.stat(p)).toMatchObject({ size: 8, isDirectory: false });
    expect(nfs.stat(path.join(root, 'nope'))).toBeNull();
    nfs.rename(p, path.join(root, 'g'));
    nfs.syncDir(root);
    nfs.rmdir(path.join(root, 'a'));
    expect(nfs.exists(path.join(root, 'a'))).toBe(false);
    expect(() => nfs.open(path.join(root, 'g'), 'wx+')).toThrow(/EEXIST/);
  });

  it('locks: exclusive within the process and against live processes; stale locks are taken over', () => {
    const nfs = new NodeFileSystem();
    const root = tmp();
    const lockPath = path.join(root, '.lock');
    const l = nfs.lock(lockPath);
    expect(fs.readFileSync(lockPath, 'utf8')).toBe(`${process.pid} ${os.hostname()}\n`);
    expect(() => nfs.lock(lockPath)).toThrow(expect.objectContaining({ code: 'ELOCKED' }));
    l.release();
    expect(fs.existsSync(lockPath)).toBe(false);
    // A lock file of a live process (our parent) is respected.
    fs.writeFileSync(lockPath, `${process.ppid} ${os.hostname()}\n`);
    expect(() => nfs.lock(lockPath)).toThrow(new RegExp(`pid ${process.ppid}`));
    // A dead process's lock file is stale.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    fs.writeFileSync(lockPath, `${dead} ${os.hostname()}\n`);
    nfs.lock(lockPath).release();
    // So is one with our own pid that this process does not hold (a restarted container, always pid 1).
    fs.writeFileSync(lockPath, `${process.pid} ${os.hostname()}\n`);
    nfs.lock(lockPath).release();
  });

  it('runs a LogManager on the real disk', async () => {
    const dir = tmp();
    const clock = new ManualClock();
    const m = LogManager.open({ logDirs: [dir], fs: new NodeFileSystem(), clock, defaultConfig: cfg({ segmentBytes: 2000 }) });
    const log = m.getOrCreateLog('disk', 0);
    for (let i = 0; i < 50; i++) log.appendAsLeader(batchOf(3), { leaderEpoch: 0 });
    await log.flushAsync();
    expect(log.recoveryPoint).toBe(150);
    expect(() => LogManager.open({ logDirs: [dir], fs: new NodeFileSystem(), clock, defaultConfig: cfg() })).toThrow(expect.objectContaining({ kind: 'LOG_DIR_LOCKED' }));
    await m.close();
    expect(fs.readdirSync(dir).sort()).toEqual(
      ['.kafka_cleanshutdown', 'cleaner-offset-checkpoint', 'disk-0', 'log-start-offset-checkpoint', 'recovery-point-offset-checkpoint', 'replication-offset-checkpoint'].sort(),
    );
    expect(fs.readdirSync(path.join(dir, 'disk-0')).filter((f) => f.endsWith('.log')).length).toBeGreaterThanOrEqual(3);
    const m2 = LogManager.open({ logDirs: [dir], fs: new NodeFileSystem(), clock, defaultConfig: cfg({ segmentBytes: 2000 }) });
    expect(m2.getLog('disk', 0)!.logEndOffset).toBe(150);
    await m2.close();
  });
});

describe('SIGKILL mid-append (real disk, child process)', () => {
  const child = path.join(__dirname, '__fixtures__', 'sigkill-child.ts');
  const register = path.resolve(__dirname, '../../../tools/scripts/ts-register.js');

  async function killMidAppend(dir: string, flushEvery: number, minAcked: number): Promise<Array<[number, number]>> {
    const proc = spawn(process.execPath, ['-r', register, child, dir, String(flushEvery)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acked: Array<[number, number]> = [];
    let buf = '';
    let stderr = '';
    proc.stderr.on('data', (d) => (stderr += d));
    const started = systemClock.monotonicMs();
    await new Promise<void>((resolve, reject) => {
      proc.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        const lines = buf.split('\n');
        buf = lines.pop()!;
        for (const l of lines) {
          const [a, b] = l.split(' ').map(Number);
          acked.push([a, b]);
        }
        // Kill at a moment that depends on timing, not on a batch boundary.
        if (acked.length >= minAcked || systemClock.monotonicMs() - started > 8000) proc.kill('SIGKILL');
      });
      proc.on('exit', (code, signal) => {
        if (signal === 'SIGKILL') resolve();
        else reject(new Error(`child exited with ${code}: ${stderr}`));
      });
    });
    expect(acked.length).toBeGreaterThan(0);
    return acked;
  }

  function verify(dir: string, acked: Array<[number, number]>): number {
    const m = LogManager.open({ logDirs: [dir], fs: new NodeFileSystem(), clock: systemClock, defaultConfig: cfg({ segmentBytes: 64 * 1024, indexIntervalBytes: 512 }) });
    const log = m.getLog('crash', 0)!;
    expect(log.ranRecovery).toBe(true);
    const lastAcked = acked[acked.length - 1][1];
    expect(log.logEndOffset).toBeGreaterThan(lastAcked);
    // Every acked batch is there, intact, at its offsets.
    for (const [base, last] of acked) {
      const r = log.read(base, 1);
      const batches = [...iterateBatches(r.records, { verifyCrc: true })];
      expect(batches[0].header.baseOffset).toBe(base);
      expect(batches[0].lastOffset).toBe(last);
      for (const rec of batches[0].records()) expect(rec.value!.toString()).toBe(valueFor(rec.offset));
    }
    // The whole log is valid batches with increasing offsets, contents as written.
    let offset = 0;
    let next = 0;
    while (offset < log.logEndOffset) {
      const r = log.read(offset, 256 * 1024);
      for (const b of iterateBatches(r.records, { verifyCrc: true })) {
        expect(b.header.baseOffset).toBe(next);
        for (const rec of b.records()) expect(rec.value!.toString()).toBe(valueFor(rec.offset));
        next = b.nextOffset;
      }
      offset = r.nextOffset;
    }
    expect(next).toBe(log.logEndOffset);
    // The producer's state matches the log: its next sequence (= next offset here) is accepted.
    const probe = log.logEndOffset;
    const again = log.appendAsLeader(batchOf([{ key: 'probe', value: valueFor(probe) }], { producerId: 12, producerEpoch: 0, baseSequence: probe }), { leaderEpoch: 0 });
    expect(again.errorCode).toBe(0);
    const leo = log.logEndOffset;
    m.closeSync();
    return leo;
  }

  it('every flushed batch survives SIGKILL, intact; the log reopens and keeps going', async () => {
    const dir = tmp();
    const acked = await killMidAppend(dir, 1, 150);
    verify(dir, acked);
    // Again on the same log, flushing less often (recovery of a longer unflushed tail).
    const more = await killMidAppend(dir, 8, 400);
    expect(more[0][0]).toBeGreaterThan(acked[acked.length - 1][1]);
    verify(dir, more);
  }, 60_000);
});
