/**
 * An in-memory FileSystem that models what a crash does to a real disk, and
 * fails on demand. Deterministic from its seed.
 *
 * Durability model (a journaling file system with ordered metadata, ext4
 * data=ordered style):
 * - Data written to a file sits in "dirty pages" (4 KiB) until `sync()` on a
 *   handle of that file; synced data survives a crash.
 * - On `crash()`, each file's dirty pages are lost, persisted, or persisted
 *   torn (a prefix of their 512-byte sectors), per the crash mode: all lost;
 *   a random prefix in page order (sequential writeback); or any subset (the
 *   kernel writes back pages in any order). A persisted page past the synced
 *   length extends the file; lost pages inside the new length read as zeros
 *   (or as random garbage with `garbage: true`).
 * - Metadata operations (create, rename, unlink, mkdir, rmdir, truncate) are
 *   durable as soon as they return. Code must still call `syncDir` where a
 *   real file system needs it; the model does not punish its absence.
 * - A crash kills the "process": every handle opened before it is dead and
 *   locks are dropped (the lock files stay behind, as on a real disk).
 *
 * Fault injection:
 * - `injectFault({ op, path, after, times, code, shortWrite })`: the matching
 *   operations (after skipping `after` of them) fail with errno `code`
 *   (default EIO), or for writes with `shortWrite: n`, write only n bytes and
 *   return n (a short write).
 * - `crashAfter(n)`: the n-th mutating operation from now (write, truncate,
 *   sync, rename, unlink, mkdir, rmdir, create) is the crash point: a write
 *   lands torn (a random prefix of it), any other operation happens or not
 *   (coin flip); it and every later call throw ECRASH until `crash()` is
 *   called to "reboot" with the durability model applied.
 */
import * as nodePath from 'node:path';
import { FileHandle, FileLock, FileStat, FileSystem, OpenMode, fsError, writeFileAtomicVia } from './file-system';

const PAGE = 4096;
const SECTOR = 512;

export type FsOp =
  | 'open'
  | 'create'
  | 'read'
  | 'write'
  | 'truncate'
  | 'size'
  | 'sync'
  | 'stat'
  | 'readdir'
  | 'mkdir'
  | 'rename'
  | 'unlink'
  | 'rmdir'
  | 'readFile'
  | 'syncDir'
  | 'lock';

const MUTATING: ReadonlySet<FsOp> = new Set<FsOp>(['create', 'write', 'truncate', 'sync', 'rename', 'unlink', 'mkdir', 'rmdir']);

export interface FaultSpec {
  /** Operation(s) to fail; '*' for all. `create` is an open that creates a file. */
  op: FsOp | FsOp[] | '*';
  /** Only paths starting with this string, or matching this RegExp. */
  path?: string | RegExp;
  /** Let this many matching operations through first (default 0). */
  after?: number;
  /** How many matching operations fail (default 1; Infinity for a persistent fault like a full disk). */
  times?: number;
  /** errno code (default 'EIO'). */
  code?: string;
  /** For writes: instead of failing, write only this many bytes and return that count. */
  shortWrite?: number;
}

export interface Fault {
  readonly spec: FaultSpec;
  /** How many operations this fault has failed so far. */
  readonly hits: number;
  remove(): void;
}

export type CrashMode = 'lose-unsynced' | 'prefix' | 'random' | 'mixed';

export interface CrashOptions {
  /** What happens to unsynced data (default 'mixed': a random mode per file). */
  mode?: CrashMode;
  /** Lost pages inside a file's new length hold random bytes instead of zeros. */
  garbage?: boolean;
}

/** A small seeded PRNG (mulberry32). */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }
  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

class MemFile {
  data: Buffer = Buffer.alloc(0);
  length = 0;
  durable: Buffer = Buffer.alloc(0);
  durableLength = 0;
  dirty = new Set<number>();
  mtimeMs = 0;

  private static grow(buf: Buffer, needed: number): Buffer {
    if (needed <= buf.length) return buf;
    let cap = Math.max(PAGE, buf.length * 2);
    while (cap < needed) cap *= 2;
    const next = Buffer.alloc(cap);
    buf.copy(next);
    return next;
  }

  write(src: Uint8Array, offset: number, length: number, position: number): void {
    const end = position + length;
    this.data = MemFile.grow(this.data, end);
    this.data.set(src.subarray(offset, offset + length), position);
    const from = Math.min(position, this.length);
    if (end > this.length) this.length = end;
    if (end > from) for (let p = Math.floor(from / PAGE); p <= Math.floor((end - 1) / PAGE); p++) this.dirty.add(p);
  }

  truncate(len: number): void {
    const grew = len > this.length;
    if (len < this.length) {
      this.data.fill(0, len, this.length);
      this.length = len;
      for (const p of [...this.dirty]) if (p * PAGE >= len) this.dirty.delete(p);
    } else if (len > this.length) {
      this.data = MemFile.grow(this.data, len);
      this.length = len;
    }
    // Size changes are metadata, durable at once: a shrink cuts the synced
    // content too; a grow past the synced length reads as zeros after a crash.
    if (len < this.durableLength) {
      this.durable.fill(0, len, this.durableLength);
      this.durableLength = len;
    } else if (grew && len > this.durableLength) {
      this.durable = MemFile.grow(this.durable, len);
      this.durableLength = len;
    }
  }

  persistRange(from: number, to: number): void {
    this.durable = MemFile.grow(this.durable, to);
    this.data.copy(this.durable, from, from, to);
  }

  sync(): void {
    for (const p of this.dirty) {
      const from = p * PAGE;
      const to = Math.min(from + PAGE, this.length);
      if (to > from) this.persistRange(from, to);
    }
    this.dirty.clear();
    if (this.length < this.durableLength) this.durable.fill(0, this.length, this.durableLength);
    this.durableLength = this.length;
  }

  crash(rng: Rng, mode: Exclude<CrashMode, 'mixed'>, garbage: boolean): void {
    const pages = [...this.dirty].sort((a, b) => a - b);
    let newLength = this.durableLength;
    const lost: number[] = [];
    const persist = (p: number, torn: boolean): void => {
      const from = p * PAGE;
      let to = Math.min(from + PAGE, this.length);
      if (torn) to = Math.min(to, from + SECTOR * rng.int(PAGE / SECTOR));
      if (to > from) {
        this.persistRange(from, to);
        if (to > newLength) newLength = to;
      }
      if (torn) lost.push(p);
    };
    if (mode === 'prefix') {
      const k = rng.int(pages.length + 1);
      for (let i = 0; i < pages.length; i++) {
        if (i < k) persist(pages[i], false);
        else if (i === k && rng.next() < 0.5) persist(pages[i], true);
        else lost.push(pages[i]);
      }
    } else if (mode === 'random') {
      for (const p of pages) {
        const r = rng.next();
        if (r < 0.45) persist(p, false);
        else if (r < 0.6) persist(p, true);
        else lost.push(p);
      }
    } else {
      lost.push(...pages);
    }
    this.durable = MemFile.grow(this.durable, newLength);
    if (garbage) {
      for (const p of lost) {
        const from = Math.max(p * PAGE, this.durableLength);
        const to = Math.min(p * PAGE + PAGE, newLength);
        for (let i = from; i < to; i++) if (this.durable[i] === 0) this.durable[i] = 1 + rng.int(255);
      }
    }
    this.durableLength = newLength;
    this.data = Buffer.alloc(this.durable.length);
    this.durable.copy(this.data, 0, 0, newLength);
    this.length = newLength;
    this.dirty.clear();
  }
}

interface FaultState {
  spec: FaultSpec;
  skip: number;
  remaining: number;
  hits: number;
}

export class CrashError extends Error {
  readonly code = 'ECRASH';
  constructor(op: string, path: string) {
    super(`ECRASH: simulated crash at ${op} '${path}'`);
  }
}

class MemHandle implements FileHandle {
  private closed = false;
  constructor(
    private readonly mfs: MemoryFileSystem,
    readonly path: string,
    private readonly file: MemFile,
    private readonly writable: boolean,
    private readonly generation: number,
  ) {}

  private guard(op: FsOp): void {
    this.mfs._checkGeneration(this.generation, op, this.path);
    if (this.closed) throw fsError('EBADF', op, this.path, 'file handle is closed');
  }

  read(buffer: Uint8Array, offset: number, length: number, position: number): number {
    this.guard('read');
    this.mfs._check('read', this.path);
    const n = Math.max(0, Math.min(length, this.file.length - position));
    if (n > 0) buffer.set(this.file.data.subarray(position, position + n), offset);
    return n;
  }

  write(buffer: Uint8Array, offset: number, length: number, position: number): number {
    this.guard('write');
    if (!this.writable) throw fsError('EBADF', 'write', this.path, 'file opened read-only');
    const verdict = this.mfs._check('write', this.path);
    if (verdict.crash) {
      const n = this.mfs._rng.int(length + 1);
      if (n > 0) this.file.write(buffer, offset, n, position);
      this.mfs._die('write', this.path);
    }
    const n = verdict.shortWrite !== undefined ? Math.min(verdict.shortWrite, length) : length;
    if (n > 0) this.file.write(buffer, offset, n, position);
    this.file.mtimeMs = this.mfs._now();
    return n;
  }

  truncate(length: number): void {
    this.guard('truncate');
    if (!this.writable) throw fsError('EBADF', 'ftruncate', this.path, 'file opened read-only');
    this.mfs._mutate('truncate', this.path, () => this.file.truncate(length));
  }

  size(): number {
    this.guard('size');
    this.mfs._check('size', this.path);
    return this.file.length;
  }

  sync(): void {
    this.guard('sync');
    this.mfs._mutate('sync', this.path, () => this.file.sync());
  }

  syncAsync(): Promise<void> {
    try {
      this.sync();
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(e);
    }
  }

  close(): void {
    this.closed = true;
  }
}

export interface MemoryFileSystemOptions {
  /** Seed of every random choice (torn lengths, crash modes). */
  seed?: number;
  /** Source of file modification times (default: always 0). */
  now?: () => number;
}

export class MemoryFileSystem implements FileSystem {
  private files = new Map<string, MemFile>();
  private dirs = new Set<string>(['/']);
  private locks = new Set<string>();
  private faults: FaultState[] = [];
  private generation = 0;
  private dead = false;
  private crashAt = 0;
  /** Mutating operations performed so far. */
  opCount = 0;
  /** @internal */
  readonly _rng: Rng;
  private readonly clockNow: () => number;

  constructor(options: MemoryFileSystemOptions = {}) {
    this._rng = new Rng(options.seed ?? 1);
    this.clockNow = options.now ?? (() => 0);
  }

  // ---- fault machinery -------------------------------------------------------------------------

  /** @internal */
  _now(): number {
    return this.clockNow();
  }

  /** @internal */
  _checkGeneration(generation: number, op: string, path: string): void {
    if (this.dead) throw new CrashError(op, path);
    if (generation !== this.generation) throw fsError('EBADF', op, path, 'handle from before a crash');
  }

  /** @internal Runs the fault checks of one operation; returns whether it is the crash point or a short write. */
  _check(op: FsOp, path: string): { crash: boolean; shortWrite?: number } {
    if (this.dead) throw new CrashError(op, path);
    let crash = false;
    if (MUTATING.has(op)) {
      this.opCount++;
      if (this.crashAt > 0 && this.opCount >= this.crashAt) {
        this.crashAt = 0;
        crash = true;
      }
    }
    if (!crash) {
      for (const f of this.faults) {
        if (f.remaining <= 0) continue;
        const ops = f.spec.op;
        if (ops !== '*' && (Array.isArray(ops) ? !ops.includes(op) : ops !== op)) continue;
        const pf = f.spec.path;
        if (pf !== undefined && (typeof pf === 'string' ? !path.startsWith(pf) : !pf.test(path))) continue;
        if (f.skip > 0) {
          f.skip--;
          continue;
        }
        f.remaining--;
        f.hits++;
        if (op === 'write' && f.spec.shortWrite !== undefined) return { crash: false, shortWrite: f.spec.shortWrite };
        throw fsError(f.spec.code ?? 'EIO', op, path, 'injected fault');
      }
    }
    return { crash };
  }

  /** @internal */
  _die(op: string, path: string): never {
    this.dead = true;
    throw new CrashError(op, path);
  }

  /** @internal A mutating operation other than write: at the crash point it happens or not, then the process dies. */
  _mutate<T>(op: FsOp, path: string, apply: () => T): T {
    const v = this._check(op, path);
    if (v.crash) {
      if (this._rng.next() < 0.5) apply();
      this._die(op, path);
    }
    return apply();
  }

  injectFault(spec: FaultSpec): Fault {
    const state: FaultState = { spec, skip: spec.after ?? 0, remaining: spec.times ?? 1, hits: 0 };
    this.faults.push(state);
    return {
      spec,
      get hits() {
        return state.hits;
      },
      remove: () => {
        this.faults = this.faults.filter((f) => f !== state);
      },
    };
  }

  clearFaults(): void {
    this.faults = [];
  }

  /** Makes the n-th mutating operation from now (n >= 1) the crash point. */
  crashAfter(n: number): void {
    if (!(n >= 1)) throw new RangeError('crashAfter needs n >= 1');
    this.crashAt = this.opCount + n;
  }

  /** True between the crash point and `crash()`. */
  get isDead(): boolean {
    return this.dead;
  }

  /**
   * Simulates power loss and reboot: unsynced data is lost, kept or torn per
   * `mode`, every open handle dies, locks are dropped. Pending `crashAfter`
   * and injected faults are cleared.
   */
  crash(options: CrashOptions = {}): void {
    const modes: Exclude<CrashMode, 'mixed'>[] = ['lose-unsynced', 'prefix', 'random'];
    for (const path of [...this.files.keys()].sort()) {
      const f = this.files.get(path)!;
      const mode = !options.mode || options.mode === 'mixed' ? modes[this._rng.int(3)] : options.mode;
      f.crash(this._rng, mode, options.garbage ?? false);
    }
    this.generation++;
    this.dead = false;
    this.crashAt = 0;
    this.faults = [];
    this.locks.clear();
  }

  // ---- helpers for tests -----------------------------------------------------------------------

  /** Current content of a file (null if missing). */
  peek(path: string): Buffer | null {
    const f = this.files.get(norm(path));
    return f ? Buffer.from(f.data.subarray(0, f.length)) : null;
  }

  /** Overwrites bytes of a file in place, durably (to simulate bit rot in tests). */
  corrupt(path: string, position: number, bytes: Uint8Array): void {
    const f = this.files.get(norm(path));
    if (!f) throw fsError('ENOENT', 'corrupt', path);
    f.write(bytes, 0, bytes.length, position);
    f.sync();
  }

  /** Every file path, sorted. */
  listFiles(): string[] {
    return [...this.files.keys()].sort();
  }

  /** Sum of file lengths. */
  totalBytes(): number {
    let n = 0;
    for (const f of this.files.values()) n += f.length;
    return n;
  }

  // ---- FileSystem --------------------------------------------------------------------------------

  private parentExists(path: string): boolean {
    return this.dirs.has(nodePath.posix.dirname(path));
  }

  open(path: string, mode: OpenMode): FileHandle {
    const p = norm(path);
    let file = this.files.get(p);
    if (this.dirs.has(p)) throw fsError('EISDIR', 'open', p);
    if (mode === 'r' || mode === 'r+') {
      this._check('open', p);
      if (!file) throw fsError('ENOENT', 'open', p);
    } else {
      if (mode === 'wx+' && file) {
        this._check('open', p);
        throw fsError('EEXIST', 'open', p);
      }
      if (!this.parentExists(p)) {
        this._check('open', p);
        throw fsError('ENOENT', 'open', p);
      }
      file = this._mutate('create', p, () => {
        let f = this.files.get(p);
        if (!f) {
          f = new MemFile();
          f.mtimeMs = this._now();
          this.files.set(p, f);
        } else {
          f.truncate(0);
        }
        return f;
      });
    }
    return new MemHandle(this, p, file, mode !== 'r', this.generation);
  }

  stat(path: string): FileStat | null {
    const p = norm(path);
    this._check('stat', p);
    if (this.dirs.has(p)) return { size: 0, isDirectory: true, mtimeMs: 0 };
    const f = this.files.get(p);
    return f ? { size: f.length, isDirectory: false, mtimeMs: f.mtimeMs } : null;
  }

  exists(path: string): boolean {
    const p = norm(path);
    if (this.dead) throw new CrashError('exists', p);
    return this.dirs.has(p) || this.files.has(p);
  }

  readdir(path: string): string[] {
    const p = norm(path);
    this._check('readdir', p);
    if (!this.dirs.has(p)) throw fsError(this.files.has(p) ? 'ENOTDIR' : 'ENOENT', 'readdir', p);
    const prefix = p === '/' ? '/' : p + '/';
    const out = new Set<string>();
    for (const k of [...this.files.keys(), ...this.dirs]) {
      if (k.length > prefix.length && k.startsWith(prefix)) {
        const rest = k.slice(prefix.length);
        out.add(rest.split('/')[0]);
      }
    }
    return [...out].sort();
  }

  mkdir(path: string): void {
    const p = norm(path);
    if (this.dirs.has(p)) {
      this._check('stat', p);
      return;
    }
    this._mutate('mkdir', p, () => {
      let cur = p;
      const chain: string[] = [];
      while (!this.dirs.has(cur)) {
        if (this.files.has(cur)) throw fsError('EEXIST', 'mkdir', cur);
        chain.push(cur);
        cur = nodePath.posix.dirname(cur);
      }
      for (const d of chain) this.dirs.add(d);
    });
  }

  rename(from: string, to: string): void {
    const a = norm(from);
    const b = norm(to);
    this._mutate('rename', a, () => {
      if (!this.parentExists(b)) throw fsError('ENOENT', 'rename', b);
      const f = this.files.get(a);
      if (f) {
        this.files.delete(a);
        this.files.set(b, f);
        return;
      }
      if (!this.dirs.has(a)) throw fsError('ENOENT', 'rename', a);
      if (this.dirs.has(b) || this.files.has(b)) throw fsError('EEXIST', 'rename', b);
      const pa = a + '/';
      for (const d of [...this.dirs]) {
        if (d === a || d.startsWith(pa)) {
          this.dirs.delete(d);
          this.dirs.add(b + d.slice(a.length));
        }
      }
      for (const [k, v] of [...this.files]) {
        if (k.startsWith(pa)) {
          this.files.delete(k);
          this.files.set(b + k.slice(a.length), v);
        }
      }
    });
  }

  unlink(path: string): void {
    const p = norm(path);
    this._mutate('unlink', p, () => {
      if (!this.files.delete(p)) throw fsError(this.dirs.has(p) ? 'EISDIR' : 'ENOENT', 'unlink', p);
    });
  }

  rmdir(path: string): void {
    const p = norm(path);
    this._mutate('rmdir', p, () => {
      const pp = p + '/';
      for (const k of [...this.files.keys()]) if (k.startsWith(pp)) this.files.delete(k);
      for (const d of [...this.dirs]) if (d === p || d.startsWith(pp)) this.dirs.delete(d);
    });
  }

  readFile(path: string): Buffer {
    const p = norm(path);
    this._check('readFile', p);
    const f = this.files.get(p);
    if (!f) throw fsError(this.dirs.has(p) ? 'EISDIR' : 'ENOENT', 'open', p);
    return Buffer.from(f.data.subarray(0, f.length));
  }

  writeFileAtomic(path: string, data: Uint8Array): void {
    writeFileAtomicVia(this, norm(path), data, nodePath.posix.dirname);
  }

  syncDir(path: string): void {
    const p = norm(path);
    this._check('syncDir', p);
    if (!this.dirs.has(p)) throw fsError('ENOENT', 'fsync', p);
  }

  lock(path: string): FileLock {
    const p = norm(path);
    this._check('lock', p);
    if (this.locks.has(p)) {
      const e = fsError('ELOCKED', 'lock', p, 'lock file is held by another owner') as Error & { holder?: string };
      e.holder = 'another owner in this MemoryFileSystem';
      throw e;
    }
    const h = this.open(p, 'w+');
    h.close();
    this.locks.add(p);
    const generation = this.generation;
    let released = false;
    return {
      path: p,
      release: () => {
        if (released || generation !== this.generation || this.dead) return;
        released = true;
        this.locks.delete(p);
        if (this.files.has(p)) this.unlink(p);
      },
    };
  }
}

function norm(p: string): string {
  const n = nodePath.posix.normalize(p);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}
