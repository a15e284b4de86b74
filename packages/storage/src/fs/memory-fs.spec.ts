import { CrashError, MemoryFileSystem } from './memory-fs';
import { readFully, writeFully } from './file-system';

function write(fs: MemoryFileSystem, path: string, data: string | Buffer, sync = false): void {
  const h = fs.open(path, fs.exists(path) ? 'r+' : 'w+');
  writeFully(h, Buffer.isBuffer(data) ? data : Buffer.from(data), h.size());
  if (sync) h.sync();
  h.close();
}

describe('MemoryFileSystem', () => {
  it('behaves like a file system: dirs, files, rename, unlink, rmdir', () => {
    const fs = new MemoryFileSystem();
    expect(() => fs.open('/a/x', 'w+')).toThrow(/ENOENT/);
    fs.mkdir('/a/b');
    write(fs, '/a/b/f', 'hello');
    expect(fs.readdir('/a')).toEqual(['b']);
    expect(fs.readdir('/a/b')).toEqual(['f']);
    expect(fs.stat('/a/b/f')).toMatchObject({ size: 5, isDirectory: false });
    fs.rename('/a/b/f', '/a/g');
    expect(fs.readFile('/a/g').toString()).toBe('hello');
    expect(fs.exists('/a/b/f')).toBe(false);
    fs.rename('/a/b', '/a/c');
    expect(fs.stat('/a/c')?.isDirectory).toBe(true);
    fs.unlink('/a/g');
    expect(() => fs.unlink('/a/g')).toThrow(/ENOENT/);
    write(fs, '/a/c/z', 'z');
    fs.rmdir('/a');
    expect(fs.exists('/a/c/z')).toBe(false);
    expect(fs.exists('/a')).toBe(false);
    expect(() => fs.open('/nope', 'r')).toThrow(/ENOENT/);
  });

  it('positioned reads and writes, truncate, exclusive create', () => {
    const fs = new MemoryFileSystem();
    const h = fs.open('/f', 'w+');
    writeFully(h, Buffer.from('abcdef'), 0);
    writeFully(h, Buffer.from('XY'), 8);
    expect(h.size()).toBe(10);
    const b = Buffer.alloc(10);
    expect(readFully(h, b, 0, 10, 0)).toBe(10);
    expect(b).toEqual(Buffer.from('abcdef\0\0XY'));
    h.truncate(3);
    expect(fs.readFile('/f').toString()).toBe('abc');
    expect(() => fs.open('/f', 'wx+')).toThrow(/EEXIST/);
    const r = fs.open('/f', 'r');
    expect(() => r.write(Buffer.from('x'), 0, 1, 0)).toThrow(/EBADF/);
  });

  it('a crash loses unsynced data and keeps synced data', () => {
    const fs = new MemoryFileSystem({ seed: 1 });
    write(fs, '/s', 'synced', true);
    write(fs, '/s', '+more');
    write(fs, '/u', 'never synced');
    fs.crash({ mode: 'lose-unsynced' });
    expect(fs.readFile('/s').toString()).toBe('synced');
    expect(fs.readFile('/u').length).toBe(0); // the create is metadata: the file exists, empty
  });

  it('a prefix crash keeps a page-ordered prefix of unsynced data, possibly torn', () => {
    const data = Buffer.alloc(64 * 1024);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7 + 3) & 0xff;
    const lengths = new Set<number>();
    for (let seed = 1; seed <= 40; seed++) {
      const fs = new MemoryFileSystem({ seed });
      write(fs, '/f', data);
      fs.crash({ mode: 'prefix' });
      const after = fs.readFile('/f');
      lengths.add(after.length);
      expect(after.length).toBeLessThanOrEqual(data.length);
      // What survived is exactly the start of what was written.
      expect(after.equals(data.subarray(0, after.length))).toBe(true);
    }
    expect(lengths.size).toBeGreaterThan(5);
  });

  it('a random crash can persist later pages and lose earlier ones (holes read as zeros or garbage)', () => {
    const data = Buffer.alloc(32 * 4096, 0xab);
    let holes = 0;
    let garbage = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const fs = new MemoryFileSystem({ seed });
      write(fs, '/f', data);
      fs.crash({ mode: 'random', garbage: seed % 2 === 0 });
      const after = fs.readFile('/f');
      for (let p = 0; p < after.length; p += 4096) {
        if (after[p] === 0) holes++;
        else if (after[p] !== 0xab) garbage++;
      }
    }
    expect(holes).toBeGreaterThan(0);
    expect(garbage).toBeGreaterThan(0);
  });

  it('is deterministic from its seed', () => {
    const run = (seed: number) => {
      const fs = new MemoryFileSystem({ seed });
      for (let i = 0; i < 20; i++) write(fs, `/f${i % 3}`, Buffer.alloc(5000 + i * 100, i), i % 5 === 0);
      fs.crash();
      return fs.listFiles().map((f) => fs.readFile(f).toString('hex'));
    };
    expect(run(42)).toEqual(run(42));
    expect(run(42)).not.toEqual(run(43));
  });

  it('injects failures on the n-th matching operation, persistent faults and short writes', () => {
    const fs = new MemoryFileSystem();
    fs.mkdir('/d');
    const f = fs.injectFault({ op: 'write', path: '/d/', after: 2, code: 'ENOSPC' });
    const h = fs.open('/d/x', 'w+');
    h.write(Buffer.from('a'), 0, 1, 0);
    h.write(Buffer.from('b'), 0, 1, 1);
    expect(() => h.write(Buffer.from('c'), 0, 1, 2)).toThrow(/ENOSPC/);
    h.write(Buffer.from('c'), 0, 1, 2);
    expect(f.hits).toBe(1);
    fs.injectFault({ op: 'write', shortWrite: 2 });
    expect(h.write(Buffer.from('defg'), 0, 4, 3)).toBe(2);
    expect(fs.readFile('/d/x').toString()).toBe('abcde');
    const full = fs.injectFault({ op: ['write', 'create'], path: /\/d\//, times: Infinity, code: 'ENOSPC' });
    expect(() => h.write(Buffer.from('x'), 0, 1, 5)).toThrow(/ENOSPC/);
    expect(() => fs.open('/d/y', 'w+')).toThrow(/ENOSPC/);
    full.remove();
    fs.open('/d/y', 'w+').close();
    fs.injectFault({ op: 'rename', code: 'EACCES' });
    expect(() => fs.rename('/d/y', '/d/z')).toThrow(/EACCES/);
    fs.injectFault({ op: 'sync' });
    expect(() => h.sync()).toThrow(/EIO/);
  });

  it('crashAfter: the n-th mutating operation tears, later calls fail until crash()', () => {
    const fs = new MemoryFileSystem({ seed: 3 });
    const h = fs.open('/f', 'w+');
    writeFully(h, Buffer.from('durable'), 0);
    h.sync();
    fs.crashAfter(1);
    expect(() => h.write(Buffer.alloc(10000, 1), 0, 10000, 7)).toThrow(CrashError);
    expect(fs.isDead).toBe(true);
    expect(() => fs.readdir('/')).toThrow(/ECRASH/);
    expect(() => h.size()).toThrow(/ECRASH/);
    fs.crash({ mode: 'lose-unsynced' });
    expect(fs.readFile('/f').toString()).toBe('durable');
    expect(() => h.size()).toThrow(/EBADF/);
  });

  it('locks are exclusive and die with a crash (the lock file stays)', () => {
    const fs = new MemoryFileSystem();
    fs.mkdir('/d');
    const l = fs.lock('/d/.lock');
    expect(() => fs.lock('/d/.lock')).toThrow(expect.objectContaining({ code: 'ELOCKED' }));
    l.release();
    const l2 = fs.lock('/d/.lock');
    fs.crash();
    expect(fs.exists('/d/.lock')).toBe(true);
    fs.lock('/d/.lock').release();
    l2.release(); // a stale release after a crash is harmless
  });

  it('writeFileAtomic leaves the old or the new content across a crash at any point', () => {
    for (let n = 1; n <= 8; n++) {
      const fs = new MemoryFileSystem({ seed: n });
      fs.mkdir('/d');
      fs.writeFileAtomic('/d/c', Buffer.from('old content'));
      fs.crashAfter(n);
      try {
        fs.writeFileAtomic('/d/c', Buffer.from('new content!'));
      } catch (e) {
        expect(e).toBeInstanceOf(CrashError);
      }
      fs.crash();
      expect(['old content', 'new content!']).toContain(fs.readFile('/d/c').toString());
    }
  });
});
