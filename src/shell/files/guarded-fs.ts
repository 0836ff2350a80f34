/**
 * The one way mdev-agg touches files (src/shell/files/ is the only place in src/ that imports
 * `fs`; a test keeps it so). Two kinds of access:
 *
 * - `ConfinedTree`: paths under a root (the host's sysfs, `run/mdev-agg/`, `etc/mdev-agg/`,
 *   `sim.json`, the hooks directory under `--root`, an `--out` directory). Every path is resolved
 *   under the root and refused (`E_PATH_ESCAPE`) when a link on the way leads out of it; each
 *   opened descriptor's own path is checked again, so a link swapped in after resolving is caught;
 *   the last component is never followed on open, write, rename or removal.
 * - `readOperatorFile` and `listOperatorDirectory`: files the operator names on the command line
 *   (domains, snapshots, the policy, fleet directories), where the operator's own links are theirs
 *   to follow.
 *
 * For both: every open is non-blocking and checked with fstat before use (a regular file, or a
 * directory where one is listed: FIFOs, devices and sockets are `E_FILE_TYPE`); sizes are checked
 * against the caller's limit before reading and every read is bounded (`E_FILE_TOO_LARGE`); a write
 * into an existing file refuses one with more than one link (`E_FILE_HARD_LINK`), whose other name
 * may be anywhere; and nothing is ever created, renamed or removed under `sys/`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PathEscapeError, SysfsError } from '../../core/host/sysfs';
import { byCodeUnits } from '../../core/text/order';

/** What a refusal of this module means, as a diagnostic code. */
export type FileRefusal = 'E_FILE_TYPE' | 'E_FILE_TOO_LARGE' | 'E_FILE_HARD_LINK' | 'E_PATH_ESCAPE';

type Op = SysfsError['op'];

/** A refusal by this module (not the operating system's errno alone): `refusal` is its code. */
export class FileRefusedError extends SysfsError {
  constructor(readonly refusal: FileRefusal, errno: string, file: string, op: Op, detail: string) {
    super(errno, file, op, detail);
    this.name = 'FileRefusedError';
  }
}

const { O_RDONLY, O_WRONLY, O_RDWR, O_APPEND, O_NOFOLLOW, O_NONBLOCK, O_CREAT, O_EXCL, O_DIRECTORY } = fs.constants;
/** statfs f_type of a kernel's sysfs. */
const SYSFS_MAGIC = 0x62656572;
const O_CLOEXEC = (fs.constants as Record<string, number>).O_CLOEXEC ?? 0;

/** The errno name of a failure; Node reports a NUL byte in a path as ERR_INVALID_ARG_VALUE, the kernel would say EINVAL. */
export function errnoOf(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : 'EINVAL';
}

function kindOf(stat: fs.Stats): string {
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isSocket()) return 'a socket';
  if (stat.isDirectory()) return 'a directory';
  if (stat.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

/**
 * Room for one read of a small file, cut from a shared slab as Buffer's own pool does for smaller
 * sizes: a validator reading thousands of domains then makes one allocation per slab, not one per
 * file. A file's bytes are never written after the read, so sharing the slab is safe.
 */
// Below malloc's mmap threshold (128 KiB): a slab reuses heap memory, where a larger one would be
// fresh pages, each faulted in by the read that first writes it.
const SLAB_BYTES = 64 * 1024;
let slab: Buffer | null = null;
let slabUsed = 0;

function readBuffer(bytes: number): Buffer {
  if (bytes > SLAB_BYTES / 8) return Buffer.allocUnsafe(bytes);
  if (slab === null || slabUsed + bytes > SLAB_BYTES) {
    slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
    slabUsed = 0;
  }
  const room = slab.subarray(slabUsed, slabUsed + bytes);
  // Each piece starts on an 8-byte boundary, as typed-array views of the bytes may need.
  slabUsed += (bytes + 7) & ~7;
  return room;
}

/** Runs `use` on an open descriptor and closes it; a failure that is not a SysfsError yet becomes one of `file`. */
function usingDescriptor<T>(fd: number, file: string, op: Op, use: () => T): T {
  try {
    return use();
  } catch (err) {
    if (err instanceof SysfsError) throw err;
    throw new SysfsError(errnoOf(err), file, op);
  } finally {
    fs.closeSync(fd);
  }
}

/** One write(2) of all of `bytes`; a short write is EIO, as retrying could make a sysfs store act twice. */
function writeOnce(fd: number, bytes: Buffer, file: string): void {
  const written = fs.writeSync(fd, bytes, 0, bytes.length, null);
  if (written !== bytes.length) throw new SysfsError('EIO', file, 'write', `short write: ${written} of ${bytes.length} bytes`);
}

/**
 * Reads `fd` (already checked regular) up to `limit` bytes; more is E_FILE_TOO_LARGE. `statedSize`:
 * the size the caller's fstat already found (procfs and sysfs state 0 or a page, so a short read
 * ends the file only when it makes up exactly that size).
 */
function boundedRead(fd: number, limit: number, file: string, op: Op, buffer?: Buffer, statedSize?: number): Buffer {
  const size = statedSize ?? fs.fstatSync(fd).size;
  // Checked before reading: a sparse or huge file costs nothing to refuse.
  if (size > limit) throw new FileRefusedError('E_FILE_TOO_LARGE', 'EFBIG', file, op, `larger than ${limit} bytes`);
  // A stated size is read into exactly its room and a byte more (to see growth); 0 (procfs, sysfs) starts at a page.
  const target = buffer && buffer.length > limit ? buffer : readBuffer(Math.min(limit, size > 0 ? size : 4096) + 1);
  let length = 0;
  let chunks: Buffer[] | null = null;
  let current = target;
  for (;;) {
    if (length === current.length) {
      // A file that grows after fstat (or reports size 0, as sysfs and procfs do): read on, bounded.
      chunks ??= [];
      chunks.push(current);
      current = Buffer.allocUnsafe(Math.min(limit + 1, current.length * 2));
      length = 0;
    }
    const wanted = current.length - length;
    const n = fs.readSync(fd, current, length, wanted, null);
    if (n === 0) break;
    length += n;
    const total = (chunks?.reduce((sum, c) => sum + c.length, 0) ?? 0) + length;
    if (total > limit) throw new FileRefusedError('E_FILE_TOO_LARGE', 'EFBIG', file, op, `larger than ${limit} bytes`);
    // Short of what was asked and exactly the size fstat gave: the end, without a read to see it.
    if (n < wanted && total === statedSize) break;
  }
  const last = current.subarray(0, length);
  return chunks ? Buffer.concat([...chunks, last]) : last;
}

/** The kernel's name of what a descriptor holds, or null without /proc. */
function descriptorPath(fd: number): string | null {
  try {
    return fs.readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return null;
  }
}

/** The mount id of what a descriptor holds (`/proc/self/fdinfo`), or null without /proc. */
function mountIdOf(fd: number): string | null {
  try {
    return /^mnt_id:\s*(\d+)$/m.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'latin1'))?.[1] ?? null;
  } catch {
    return null;
  }
}

/**
 * A file the operator named (a domain, a snapshot, the policy, a file of a fleet directory):
 * links are followed (the operator chose the path), but only a regular file is read, without
 * waiting on a FIFO, and only up to `limit` bytes, checked before reading. `-` is not handled here.
 */
export function readOperatorFile(file: string, limit: number): Buffer {
  let fd: number;
  try {
    fd = fs.openSync(file, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  } catch (err) {
    throw new SysfsError(errnoOf(err), file, 'read');
  }
  return usingDescriptor(fd, file, 'read', () => {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) throw new FileRefusedError('E_FILE_TYPE', stat.isDirectory() ? 'EISDIR' : 'EINVAL', file, 'read', `${kindOf(stat)}, not a regular file`);
    return boundedRead(fd, limit, file, 'read', undefined, stat.size);
  });
}

/** The names in a directory the operator named, sorted. */
export function listOperatorDirectory(dir: string): string[] {
  try {
    return fs.readdirSync(dir).sort(byCodeUnits);
  } catch (err) {
    throw new SysfsError(errnoOf(err), dir, 'list');
  }
}

/** The canonical path of an operator's path (links followed), or null when it does not exist. */
export function canonicalOperatorPath(file: string): string | null {
  try {
    return fs.realpathSync.native(file);
  } catch {
    return null;
  }
}

/**
 * What an operator's path is, links followed (a root named through a link is the link's target;
 * journald's /dev/log is a link to its socket). Anything that cannot be looked at says its errno.
 */
export function operatorPathKind(file: string): 'directory' | 'socket' | 'other' | 'missing' | string {
  try {
    const stat = fs.statSync(file);
    return stat.isDirectory() ? 'directory' : stat.isSocket() ? 'socket' : 'other';
  } catch (err) {
    const errno = errnoOf(err);
    return errno === 'ENOENT' || errno === 'ENOTDIR' ? 'missing' : errno;
  }
}

/** Makes a directory the operator named, and its missing ancestors (the operator's links are followed). */
export function makeOperatorDirectory(dir: string, mode = 0o755): void {
  try {
    fs.mkdirSync(dir, { recursive: true, mode });
  } catch (err) {
    throw new SysfsError(errnoOf(err), dir, 'write');
  }
}

/**
 * A tree under a root. Host paths are absolute (`/sys/...`); they map under the root by plain
 * concatenation, so `..` is resolved by the kernel after links, never lexically.
 */
export class ConfinedTree {
  /** The root after resolving every link in it; all accesses stay below this. */
  readonly realRoot: string;

  constructor(readonly root: string) {
    try {
      this.realRoot = fs.realpathSync.native(path.resolve(root));
    } catch (err) {
      throw new SysfsError(errnoOf(err), root, 'resolve', 'the root does not resolve');
    }
    const stat = fs.statSync(this.realRoot);
    if (!stat.isDirectory()) throw new SysfsError('ENOTDIR', root, 'resolve', 'the root is not a directory');
  }

  /** The host path as a path of this machine (for messages and for the operator). */
  shown(hostPath: string): string {
    return this.realRoot === '/' ? hostPath : this.realRoot + hostPath;
  }

  /** The real path of a host path after every link; null when it does not exist; PathEscapeError outside the root. */
  resolve(hostPath: string, op: Op): string | null {
    this.checkHostPath(hostPath, op);
    const mapped = this.shown(hostPath);
    let real: string;
    try {
      real = fs.realpathSync.native(mapped);
    } catch (err) {
      const errno = errnoOf(err);
      if (errno === 'ENOENT' || errno === 'ENOTDIR') {
        this.refuseMissingOutside(mapped, hostPath);
        return null;
      }
      throw new SysfsError(errno, hostPath, op);
    }
    if (!this.isInside(real)) throw new PathEscapeError(hostPath, real);
    return real;
  }

  exists(hostPath: string): boolean {
    return this.resolve(hostPath, 'resolve') !== null;
  }

  /** The canonical host path after following every link; null when it does not exist. */
  realpath(hostPath: string): string | null {
    const real = this.resolve(hostPath, 'resolve');
    if (real === null) return null;
    if (this.realRoot === '/') return real;
    return real === this.realRoot ? '/' : real.slice(this.realRoot.length);
  }

  /** Names in a directory (links on the way followed inside the root), sorted; null when it is not a directory. */
  list(hostPath: string): string[] | null {
    const real = this.resolve(hostPath, 'list');
    if (real === null) return null;
    try {
      return fs.readdirSync(real).sort(byCodeUnits);
    } catch (err) {
      const errno = errnoOf(err);
      if (errno === 'ENOENT' || errno === 'ENOTDIR') return null;
      throw new SysfsError(errno, hostPath, 'list');
    }
  }

  /** A regular file's bytes, at most `limit`; null when absent. */
  readBytes(hostPath: string, limit: number): Buffer | null {
    return this.readInto(hostPath, limit);
  }

  /**
   * A regular file's text, at most `limit` bytes; null when absent. `buffer` (longer than `limit`)
   * is reused by callers that read thousands of small files.
   */
  read(hostPath: string, limit: number, buffer?: Buffer): string | null {
    return this.readInto(hostPath, limit, buffer)?.toString('utf8') ?? null;
  }

  private readInto(hostPath: string, limit: number, buffer?: Buffer): Buffer | null {
    const opened = this.open(hostPath, O_RDONLY, 'read');
    if (opened === null) return null;
    return usingDescriptor(opened, hostPath, 'read', () => boundedRead(opened, limit, hostPath, 'read', buffer));
  }

  /**
   * One write(2) of `data` into an existing regular file with one link (never created: on sysfs a
   * missing attribute is an error, and a plain tree must not gain files). A short write is EIO:
   * retrying could make a sysfs store act twice.
   */
  write(hostPath: string, data: string): void {
    const fd = this.open(hostPath, O_WRONLY, 'write');
    if (fd === null) throw new SysfsError('ENOENT', hostPath, 'write');
    usingDescriptor(fd, hostPath, 'write', () => writeOnce(fd, Buffer.from(data, 'utf8'), hostPath));
  }

  /**
   * Appends `text` to an existing regular file with one link, and flushes it: one write(2), so a
   * reader sees the line whole or (killed mid-write) cut short, never interleaved. The file may
   * not grow past `limit` bytes.
   */
  appendFile(hostPath: string, text: string, limit: number): void {
    this.refuseUnderSys(hostPath, 'write');
    const fd = this.open(hostPath, O_WRONLY | O_APPEND, 'write');
    if (fd === null) throw new SysfsError('ENOENT', hostPath, 'write');
    usingDescriptor(fd, hostPath, 'write', () => {
      const bytes = Buffer.from(text, 'utf8');
      if (fs.fstatSync(fd).size + bytes.length > limit) throw new FileRefusedError('E_FILE_TOO_LARGE', 'EFBIG', hostPath, 'write', `would grow past ${limit} bytes`);
      writeOnce(fd, bytes, hostPath);
      fs.fsyncSync(fd);
    });
  }

  /**
   * Whether opening a character device read-write answers EBUSY (a VFIO group held by a VM). Not a
   * character device, or absent: false. Opening and closing an idle group changes nothing.
   */
  characterDeviceBusy(hostPath: string): boolean {
    const real = this.resolve(hostPath, 'read');
    if (real === null) return false;
    let fd: number;
    try {
      const stat = fs.lstatSync(real);
      if (!stat.isCharacterDevice()) return false;
      fd = fs.openSync(real, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    } catch (err) {
      return errnoOf(err) === 'EBUSY';
    }
    fs.closeSync(fd);
    return false;
  }

  /** The file system type (statfs f_type) of a host path, or null when it does not exist. */
  fileSystemType(hostPath: string): number | null {
    const real = this.resolve(hostPath, 'resolve');
    if (real === null) return null;
    try {
      return fs.statfsSync(real).type;
    } catch (err) {
      throw new SysfsError(errnoOf(err), hostPath, 'resolve');
    }
  }

  /** What is at a host path itself, its last component not followed: null when nothing is. */
  entryKind(hostPath: string): 'file' | 'directory' | 'link' | 'other' | null {
    return this.atEntry(hostPath, 'resolve', false, (at) => {
      let stat: fs.Stats;
      try {
        stat = fs.lstatSync(at);
      } catch (err) {
        if (['ENOENT', 'ENOTDIR'].includes(errnoOf(err))) return null;
        throw new SysfsError(errnoOf(err), hostPath, 'resolve');
      }
      return stat.isSymbolicLink() ? 'link' : stat.isDirectory() ? 'directory' : stat.isFile() ? 'file' : 'other';
    });
  }

  /** When a name itself (its last component not followed) was last modified, in ms since the epoch; null when absent. */
  modifiedAt(hostPath: string): number | null {
    return this.atEntry(hostPath, 'resolve', false, (at) => {
      try {
        return fs.lstatSync(at).mtimeMs;
      } catch (err) {
        if (['ENOENT', 'ENOTDIR'].includes(errnoOf(err))) return null;
        throw new SysfsError(errnoOf(err), hostPath, 'resolve');
      }
    });
  }

  /**
   * The directories of a host path, made one level at a time, each checked to be a directory
   * inside the root before the next is made. `modes` gives a mode per level (the last repeats).
   */
  makeDirectories(hostPath: string, modes: readonly number[] = [0o755]): void {
    this.checkHostPath(hostPath, 'write');
    const names = hostPath.split('/').filter((n) => n !== '');
    const levelPath = (level: number) => `/${names.slice(0, level).join('/')}`;
    // Usually the whole path, or all of it but its last level, is there already as plain
    // directories: one look at it spares the guarded steps of the levels above. Anything else (a
    // link on the way included) is made and checked level by level.
    const start = this.isPlainDirectory(hostPath) ? names.length : names.length > 1 && this.isPlainDirectory(levelPath(names.length - 1)) ? names.length - 1 : 0;
    for (let i = start; i < names.length; i++) {
      const current = levelPath(i + 1);
      this.atEntry(current, 'write', true, (at) => {
        try {
          fs.mkdirSync(at, { mode: modes[Math.min(i, modes.length - 1)] });
        } catch (err) {
          if (errnoOf(err) !== 'EEXIST') throw new SysfsError(errnoOf(err), current, 'write');
        }
      });
      const real = this.resolve(current, 'write');
      let directory: boolean;
      try {
        directory = real !== null && fs.statSync(real).isDirectory();
      } catch (err) {
        // Renamed or removed since it resolved.
        throw new SysfsError(errnoOf(err), current, 'write');
      }
      if (!directory) throw new SysfsError('ENOTDIR', current, 'write', 'not a directory');
    }
  }

  /**
   * Whether a host path is a directory reached through directories only: its real path is the
   * path itself under the root, so every level above it is a directory inside the root too.
   * Anything else (a link on the way, even one that leads back inside; under `/sys`, where nothing
   * is made; not there; unreadable) is false: the caller then makes the levels one by one and
   * meets any refusal as it would have without this look.
   */
  private isPlainDirectory(hostPath: string): boolean {
    if (hostPath === '/sys' || hostPath.startsWith('/sys/')) return false;
    try {
      const real = this.resolve(hostPath, 'write');
      return real === this.shown(hostPath) && fs.statSync(real).isDirectory();
    } catch {
      return false;
    }
  }

  /**
   * A new file with `content`, made exclusively (a name already there, a link included, is EEXIST),
   * flushed to the disk before it is closed unless `flush` is false (content whose loss in a crash
   * is harmless). The caller renames it into place.
   */
  createFile(hostPath: string, content: string, mode: number, flush = true): void {
    const fd = this.atEntry(
      hostPath,
      'write',
      true,
      (at) => {
        try {
          return fs.openSync(at, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600);
        } catch (err) {
          throw new SysfsError(errnoOf(err), hostPath, 'write');
        }
      },
      (created) => fs.closeSync(created),
    );
    try {
      this.checkDescriptor(fd, hostPath, 'write');
      this.checkWriteMount(fd, hostPath);
      const bytes = Buffer.from(content, 'utf8');
      let offset = 0;
      while (offset < bytes.length) offset += fs.writeSync(fd, bytes, offset, bytes.length - offset, null);
      fs.fchmodSync(fd, mode);
      if (flush) fs.fsyncSync(fd);
    } catch (err) {
      fs.closeSync(fd);
      this.removeEntry(hostPath);
      if (err instanceof Error && (err instanceof SysfsError || err instanceof PathEscapeError)) throw err;
      throw new SysfsError(errnoOf(err), hostPath, 'write');
    }
    fs.closeSync(fd);
  }

  /**
   * Replaces a file atomically: a temporary file beside it (a dot name, which directories scanned
   * for scripts or configurations skip), then a rename, which replaces the name itself: a link at
   * the name is replaced, never written through.
   */
  replaceFile(hostPath: string, content: string, mode: number, tag = String(process.pid)): void {
    const tmp = `${path.posix.dirname(hostPath)}/.${path.posix.basename(hostPath)}.${tag}.tmp`.replace(/^\/\//, '/');
    this.removeEntry(tmp);
    this.createFile(tmp, content, mode);
    try {
      this.rename(tmp, hostPath);
    } catch (err) {
      this.removeEntry(tmp);
      throw err;
    }
  }

  /** Renames one name to another in the tree; neither is followed. */
  rename(fromHostPath: string, toHostPath: string): void {
    this.atEntry(fromHostPath, 'write', true, (from) =>
      this.atEntry(toHostPath, 'write', true, (to) => {
        try {
          fs.renameSync(from, to);
        } catch (err) {
          throw new SysfsError(errnoOf(err), toHostPath, 'write');
        }
      }),
    );
  }

  /** Removes a name (a file, a link itself, or a directory with what it holds); absent is fine. */
  removeEntry(hostPath: string): void {
    this.atEntry(hostPath, 'write', true, (at) => {
      try {
        // Usually nothing is there: a look first spares loading Node's recursive removal.
        if (fs.lstatSync(at, { throwIfNoEntry: false }) === undefined) return;
        fs.rmSync(at, { recursive: true, force: true });
      } catch (err) {
        throw new SysfsError(errnoOf(err), hostPath, 'write');
      }
    });
  }

  /** Removes a name that is not a directory; true when it was removed, false when absent or a directory. */
  unlinkEntry(hostPath: string): boolean {
    return this.removeName(hostPath, fs.unlinkSync, ['ENOENT', 'EISDIR', 'EPERM', 'ENOTDIR']);
  }

  /** Removes an empty directory; false when absent, not empty, or not a directory. */
  removeEmptyDirectory(hostPath: string): boolean {
    return this.removeName(hostPath, fs.rmdirSync, ['ENOENT', 'ENOTEMPTY', 'EEXIST', 'ENOTDIR']);
  }

  /** `remove` on a name itself; true when it went, false for an errno that means "nothing of that kind here". */
  private removeName(hostPath: string, remove: (at: string) => void, nothingThere: readonly string[]): boolean {
    return this.atEntry(hostPath, 'write', true, (at) => {
      try {
        remove(at);
        return true;
      } catch (err) {
        const errno = errnoOf(err);
        if (nothingThere.includes(errno)) return false;
        throw new SysfsError(errno, hostPath, 'write');
      }
    });
  }

  /**
   * Opens an existing file, never creating one and never following its last component; PathEscapeError
   * when the way leaves the root; null when absent. Only a regular file is returned (sysfs
   * attributes are regular files) with exactly one link.
   */
  private open(hostPath: string, mode: number, op: Op): number | null {
    const real = this.resolve(hostPath, op);
    if (real === null) return null;
    let fd: number;
    try {
      fd = fs.openSync(real, mode | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    } catch (err) {
      const errno = errnoOf(err);
      if (errno === 'ENOENT' && op === 'read') return null;
      throw new SysfsError(errno, hostPath, op);
    }
    try {
      const stat = this.checkDescriptor(fd, hostPath, op);
      if (!stat.isFile()) {
        throw new FileRefusedError('E_FILE_TYPE', stat.isDirectory() ? 'EISDIR' : 'EINVAL', hostPath, op, `${kindOf(stat)}, not a regular file`);
      }
      // Reads too: a sysfs attribute has one link, and another name of the file may be outside the
      // root, whose content would then be read (and shown) as the host's.
      if (stat.nlink > 1) {
        throw new FileRefusedError('E_FILE_HARD_LINK', 'EMLINK', hostPath, op, `a regular file with ${stat.nlink} links: another name of it may be outside the root`);
      }
      if (op === 'write') this.checkWriteMount(fd, hostPath);
      return fd;
    } catch (err) {
      fs.closeSync(fd);
      throw err;
    }
  }

  /**
   * fstat of an opened descriptor, after checking that the file it names is inside the root (the
   * kernel's own name for it: a link swapped in between resolving and opening is caught here).
   */
  private checkDescriptor(fd: number, hostPath: string, op: Op): fs.Stats {
    if (this.realRoot !== '/') this.descriptorInside(fd, hostPath);
    try {
      return fs.fstatSync(fd);
    } catch (err) {
      throw new SysfsError(errnoOf(err), hostPath, op);
    }
  }

  /**
   * The kernel's name of what a descriptor holds, refused when it is outside the root (a link
   * swapped in between resolving and opening); null without /proc, where the resolution before
   * opening stands alone.
   */
  private descriptorInside(fd: number, hostPath: string): string | null {
    const actual = descriptorPath(fd);
    if (actual !== null && !this.isInside(actual)) throw new PathEscapeError(hostPath, actual);
    return actual;
  }

  /**
   * Runs `act` with a path naming `hostPath` itself (its last component never followed) inside
   * its directory, held open while `act` runs. Under a root other than `/` the path goes through
   * `/proc/self/fd/<the directory's descriptor>`, which the kernel resolves to the opened
   * directory itself: a directory (or any ancestor) swapped for a link after the check cannot send
   * a creation, rename or removal elsewhere. With `mutating`, refuses any change under `sys/` and
   * in a directory on another mount than the root's, and looks at the directory again once `act`
   * has run: moved out of the root meanwhile (a rename keeps the descriptor), the move is reported
   * so the caller stops there. What `act` made stays: removing it by name could remove whatever
   * was put in its place. `release` frees what `act` returned (a descriptor) when it is reported.
   */
  private atEntry<T>(hostPath: string, op: Op, mutating: boolean, act: (at: string) => T, release?: (result: T) => void): T {
    this.checkHostPath(hostPath, op);
    if (mutating) this.refuseUnderSys(hostPath, op);
    const name = path.posix.basename(hostPath);
    if (name === '' || name === '.' || name === '..') throw new SysfsError('EINVAL', hostPath, op, 'not a name');
    const dir = path.posix.dirname(hostPath);
    const realDir = dir === '/' ? this.realRoot : this.resolve(dir, op);
    if (realDir === null) throw new SysfsError('ENOENT', dir, op);
    // The whole machine is the root: no path can lead out of it.
    if (this.realRoot === '/') return act(path.join(realDir, name));
    let fd: number;
    try {
      fd = fs.openSync(realDir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    } catch (err) {
      const errno = errnoOf(err);
      // Replaced by a link since it was resolved (O_NOFOLLOW answers ELOOP): the way left the root.
      if (errno === 'ELOOP') throw new PathEscapeError(dir, `${realDir}, replaced by a link while in use`);
      throw new SysfsError(errno, dir, op);
    }
    try {
      const held = this.descriptorInside(fd, dir) === null ? null : `/proc/self/fd/${fd}`;
      if (mutating) this.checkWriteMount(fd, dir);
      const at = held === null ? path.join(realDir, name) : `${held}/${name}`;
      const result = act(at);
      const now = mutating && held !== null ? descriptorPath(fd) : null;
      if (now !== null && !this.isInside(now)) {
        release?.(result);
        throw new PathEscapeError(dir, `${now}, moved out of the root while in use`);
      }
      return result;
    } finally {
      fs.closeSync(fd);
    }
  }

  private rootMount: string | null | undefined;

  /**
   * Refuses a write into a file (or a change in a directory) on another mount than the root's,
   * under a root other than `/`: a directory bind-mounted inside the root shows inside paths while
   * its files are elsewhere. Under `sys/` a kernel's sysfs mounted in the root is the kernel's own
   * attributes, and is written. Without /proc the mount cannot be told and the path check stands alone.
   */
  private checkWriteMount(fd: number, hostPath: string): void {
    if (this.realRoot === '/') return;
    if (this.rootMount === undefined) {
      const rootFd = fs.openSync(this.realRoot, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      try {
        this.rootMount = mountIdOf(rootFd);
      } finally {
        fs.closeSync(rootFd);
      }
    }
    const mount = mountIdOf(fd);
    if (this.rootMount === null || mount === null || mount === this.rootMount) return;
    if (hostPath.startsWith('/sys/') && fs.statfsSync(`/proc/self/fd/${fd}`).type === SYSFS_MAGIC) return;
    throw new FileRefusedError('E_PATH_ESCAPE', 'EXDEV', hostPath, 'write', `on another mount than the root (mount ${mount}, the root's is ${this.rootMount}): a mount inside the root may hold files of anywhere`);
  }

  private refuseUnderSys(hostPath: string, op: Op): void {
    if (hostPath === '/sys' || hostPath.startsWith('/sys/')) throw new SysfsError('EPERM', hostPath, op, 'nothing is created, renamed, removed or appended to under /sys');
  }

  private checkHostPath(hostPath: string, op: Op): void {
    if (!hostPath.startsWith('/') || hostPath.includes('\0')) throw new SysfsError('EINVAL', hostPath, op, 'not an absolute host path');
  }

  /**
   * A missing path is refused, not reported missing, when the way to it leaves the root: through
   * its deepest existing ancestor, or through a dangling link pointing outside.
   */
  private refuseMissingOutside(mapped: string, hostPath: string): void {
    let probe = mapped;
    for (let hops = 0; hops < 40; hops++) {
      let real: string | null = null;
      try {
        real = fs.realpathSync.native(probe);
      } catch {
        // keep climbing
      }
      if (real !== null) {
        if (!this.isInside(real)) throw new PathEscapeError(hostPath, real);
        return;
      }
      let danglingTarget: string | null = null;
      try {
        if (fs.lstatSync(probe).isSymbolicLink()) danglingTarget = path.resolve(path.dirname(probe), fs.readlinkSync(probe));
      } catch {
        // not there at all: climb
      }
      if (danglingTarget !== null) {
        probe = danglingTarget;
        continue;
      }
      const up = path.dirname(probe);
      if (up === probe) return;
      probe = up;
    }
  }

  isInside(real: string): boolean {
    return this.realRoot === '/' || real === this.realRoot || real.startsWith(`${this.realRoot}/`);
  }
}
