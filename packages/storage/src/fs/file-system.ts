/**
 * The storage engine's only door to the disk. Everything the engine does with
 * files goes through these two interfaces, so the same code runs on the real
 * disk (`NodeFileSystem`, fs/node-fs.ts) and on `MemoryFileSystem`, which can
 * fail, tear and lose writes on demand for deterministic crash tests.
 *
 * The interface is synchronous on purpose: appends and reads hit the page
 * cache and a synchronous positioned write/read is the cheapest way to do
 * that from Node (no thread-pool hop). The one slow call, fsync, also has an
 * asynchronous form (`syncAsync`) for callers that must not block the event
 * loop.
 *
 * Errors are thrown as Node-style errors carrying an errno `code` (`ENOENT`,
 * `ENOSPC`, `EIO`, ...). The storage engine turns them into NagareErrors.
 */

/** How to open a file (Node's flag strings): read-only, read/write an existing file, create-or-truncate, create-exclusive. */
export type OpenMode = 'r' | 'r+' | 'w+' | 'wx+';

export interface FileHandle {
  readonly path: string;
  /** Positioned read; returns the bytes read (less than `length` only at end of file). */
  read(buffer: Uint8Array, offset: number, length: number, position: number): number;
  /** Positioned write; returns the bytes written, which may be fewer than `length` (a short write). */
  write(buffer: Uint8Array, offset: number, length: number, position: number): number;
  /** Sets the file length (shrinks, or grows with zeros). */
  truncate(length: number): void;
  /** Current length in bytes. */
  size(): number;
  /** fsync: everything written so far survives a crash once this returns. */
  sync(): void;
  /** fsync without blocking the caller; the handle stays usable meanwhile. */
  syncAsync(): Promise<void>;
  /** Closes the handle (deferred until in-flight `syncAsync` calls finish). */
  close(): void;
}

export interface FileStat {
  size: number;
  isDirectory: boolean;
  mtimeMs: number;
}

export interface FileLock {
  readonly path: string;
  release(): void;
}

export interface FileSystem {
  open(path: string, mode: OpenMode): FileHandle;
  /** null when nothing exists at `path`. */
  stat(path: string): FileStat | null;
  exists(path: string): boolean;
  /** Names (not paths) of the entries of a directory, sorted. */
  readdir(path: string): string[];
  /** mkdir -p. */
  mkdir(path: string): void;
  /** Atomic rename (replaces `to` if it exists). */
  rename(from: string, to: string): void;
  unlink(path: string): void;
  /** rm -rf of a directory. */
  rmdir(path: string): void;
  readFile(path: string): Buffer;
  /**
   * Replaces the file atomically and durably: write `<path>.tmp`, fsync it,
   * rename over `path`, fsync the directory. A crash leaves the old or the
   * new content, never a mix.
   */
  writeFileAtomic(path: string, data: Uint8Array): void;
  /** fsync of a directory, making creates/renames/unlinks in it durable. */
  syncDir(path: string): void;
  /**
   * Takes an exclusive lock file at `path`. Throws an error with code
   * `ELOCKED` (and `holder`, a description of the owner) when another owner
   * holds it. Locks die with their process.
   */
  lock(path: string): FileLock;
}

/** An errno-style error, as Node's fs throws. */
export interface FsError extends Error {
  code: string;
  path?: string;
  syscall?: string;
}

export function fsError(code: string, syscall: string, path: string, detail?: string): FsError {
  const e = new Error(`${code}: ${detail ?? syscall} '${path}'`) as FsError;
  e.code = code;
  e.syscall = syscall;
  e.path = path;
  return e;
}

export function errnoCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string' ? (e as { code: string }).code : undefined;
}

/** Writes all of `data` at `position`, looping over short writes; throws ENOSPC if a write makes no progress. */
export function writeFully(h: FileHandle, data: Uint8Array, position: number, offset = 0, length = data.length - offset): void {
  let done = 0;
  while (done < length) {
    const n = h.write(data, offset + done, length - done, position + done);
    if (!(n > 0)) throw fsError('ENOSPC', 'write', h.path, `write made no progress after ${done} of ${length} bytes`);
    done += n;
  }
}

/** Reads exactly `length` bytes at `position` unless the file ends first; returns the bytes read. */
export function readFully(h: FileHandle, buf: Uint8Array, offset: number, length: number, position: number): number {
  let done = 0;
  while (done < length) {
    const n = h.read(buf, offset + done, length - done, position + done);
    if (n <= 0) break;
    done += n;
  }
  return done;
}

/** The atomic-replace recipe of `FileSystem.writeFileAtomic`, built from the other primitives. */
export function writeFileAtomicVia(fs: FileSystem, path: string, data: Uint8Array, dirOf: (p: string) => string): void {
  const tmp = `${path}.tmp`;
  const h = fs.open(tmp, 'w+');
  try {
    writeFully(h, data, 0);
    h.sync();
  } finally {
    h.close();
  }
  fs.rename(tmp, path);
  fs.syncDir(dirOf(path));
}
