/**
 * The real file system: synchronous positioned I/O through Node's `fs`, the
 * one file of the storage engine allowed to touch the disk directly.
 *
 * Locks: an O_EXCL lock file holding `<pid> <hostname>`. A lock file left by
 * a dead process (no such pid on this host), or by an earlier incarnation of
 * this very pid (a restarted container where the broker is always pid 1) that
 * this process does not hold, is stale and taken over. Node offers no flock
 * without native modules; this is the documented substitute.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as nodePath from 'node:path';
import { FileHandle, FileLock, FileStat, FileSystem, OpenMode, fsError, writeFileAtomicVia } from './file-system';

/** Lock files held by this process (a second LogManager in the same process must not get them). */
const heldLocks = new Set<string>();

class NodeFileHandle implements FileHandle {
  private fd: number;
  private pending = 0;
  private closing = false;

  constructor(
    readonly path: string,
    fd: number,
  ) {
    this.fd = fd;
  }

  private live(syscall: string): number {
    if (this.closing) throw fsError('EBADF', syscall, this.path, 'file handle is closed');
    return this.fd;
  }

  read(buffer: Uint8Array, offset: number, length: number, position: number): number {
    return fs.readSync(this.live('read'), buffer, offset, length, position);
  }

  write(buffer: Uint8Array, offset: number, length: number, position: number): number {
    return fs.writeSync(this.live('write'), buffer, offset, length, position);
  }

  truncate(length: number): void {
    fs.ftruncateSync(this.live('ftruncate'), length);
  }

  size(): number {
    return fs.fstatSync(this.live('fstat')).size;
  }

  sync(): void {
    fs.fsyncSync(this.live('fsync'));
  }

  syncAsync(): Promise<void> {
    const fd = this.live('fsync');
    this.pending++;
    return new Promise<void>((resolve, reject) => {
      fs.fsync(fd, (err) => {
        this.pending--;
        if (this.closing && this.pending === 0) this.reallyClose();
        if (err) reject(err);
        else resolve();
      });
    });
  }

  close(): void {
    if (this.closing) return;
    this.closing = true;
    if (this.pending === 0) this.reallyClose();
  }

  private reallyClose(): void {
    if (this.fd < 0) return;
    const fd = this.fd;
    this.fd = -1;
    fs.closeSync(fd);
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM';
  }
}

export class NodeFileSystem implements FileSystem {
  open(path: string, mode: OpenMode): FileHandle {
    return new NodeFileHandle(path, fs.openSync(path, mode));
  }

  stat(path: string): FileStat | null {
    try {
      const s = fs.statSync(path);
      return { size: s.size, isDirectory: s.isDirectory(), mtimeMs: s.mtimeMs };
    } catch (e) {
      if ((e as { code?: string }).code === 'ENOENT') return null;
      throw e;
    }
  }

  exists(path: string): boolean {
    return fs.existsSync(path);
  }

  readdir(path: string): string[] {
    return fs.readdirSync(path).sort();
  }

  mkdir(path: string): void {
    fs.mkdirSync(path, { recursive: true });
  }

  rename(from: string, to: string): void {
    fs.renameSync(from, to);
  }

  unlink(path: string): void {
    fs.unlinkSync(path);
  }

  rmdir(path: string): void {
    fs.rmSync(path, { recursive: true, force: true });
  }

  readFile(path: string): Buffer {
    return fs.readFileSync(path);
  }

  writeFileAtomic(path: string, data: Uint8Array): void {
    writeFileAtomicVia(this, path, data, nodePath.dirname);
  }

  syncDir(path: string): void {
    const fd = fs.openSync(path, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }

  lock(path: string): FileLock {
    const key = nodePath.resolve(path);
    if (heldLocks.has(key)) throw lockedError(path, `this process (pid ${process.pid})`);
    const content = `${process.pid} ${os.hostname()}\n`;
    for (let attempt = 0; ; attempt++) {
      try {
        const fd = fs.openSync(path, 'wx');
        try {
          fs.writeSync(fd, content);
          fs.fsyncSync(fd);
        } finally {
          fs.closeSync(fd);
        }
        break;
      } catch (e) {
        if ((e as { code?: string }).code !== 'EEXIST' || attempt > 0) {
          if ((e as { code?: string }).code === 'EEXIST') throw lockedError(path, 'another process (lock file re-created while taking over a stale one)');
          throw e;
        }
        let holder = '';
        try {
          holder = fs.readFileSync(path, 'utf8').trim();
        } catch {
          // vanished meanwhile: retry
        }
        const [pidText, host] = holder.split(' ');
        const pid = Number(pidText);
        const sameHost = host === undefined || host === os.hostname();
        const stale =
          holder === '' || !Number.isInteger(pid) || pid <= 0 || (sameHost && (pid === process.pid ? !heldLocks.has(key) : !processAlive(pid)));
        if (!stale) throw lockedError(path, `pid ${pid}${host ? ' on ' + host : ''}`);
        try {
          fs.unlinkSync(path);
        } catch {
          // someone else removed it
        }
      }
    }
    heldLocks.add(key);
    let released = false;
    return {
      path,
      release: () => {
        if (released) return;
        released = true;
        heldLocks.delete(key);
        try {
          fs.unlinkSync(path);
        } catch {
          // already gone
        }
      },
    };
  }
}

function lockedError(path: string, holder: string): Error {
  const e = fsError('ELOCKED', 'lock', path, `lock file is held by ${holder}`) as Error & { holder?: string };
  e.holder = holder;
  return e;
}
