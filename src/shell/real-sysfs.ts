/**
 * The `Sysfs` of a real directory tree: the live host (root `/`) or a tree laid out like one
 * (fixtures, `--root`). Every access resolves links with the operating system and refuses a
 * result outside the root, so a crafted link cannot turn a root-run write into a write elsewhere.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PathEscapeError, Sysfs, SysfsError } from '../core/sysfs';

/** Reads stop here: sysfs attributes fit in a page; anything larger is not an attribute. */
export const MAX_READ_BYTES = 64 * 1024;

/** The root for host paths: `--root`, else `MDEV_AGG_ROOT`, else the live host. */
export function resolveRoot(flag: string | undefined, env: Readonly<Record<string, string | undefined>>): string {
  if (flag !== undefined && flag !== '') return path.resolve(flag);
  const fromEnv = env.MDEV_AGG_ROOT;
  if (fromEnv !== undefined && fromEnv !== '') return path.resolve(fromEnv);
  return '/';
}

type Op = SysfsError['op'];

/** statfs(2) f_type of sysfs (linux/magic.h SYSFS_MAGIC). */
const SYSFS_MAGIC = 0x62656572;

function errnoOf(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  // Node reports a NUL byte in a path as ERR_INVALID_ARG_VALUE; the kernel would say EINVAL.
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : 'EINVAL';
}

export class RealSysfs implements Sysfs {
  /** The root after resolving every link in it; all accesses must stay below this. */
  readonly realRoot: string;
  /** One read buffer per instance: reads are synchronous, and a snapshot reads thousands of files. */
  private readonly readBuffer = Buffer.allocUnsafe(MAX_READ_BYTES + 1);

  constructor(readonly root: string) {
    try {
      this.realRoot = fs.realpathSync.native(path.resolve(root));
    } catch (err) {
      throw new SysfsError(errnoOf(err), root, 'resolve', 'the root does not resolve');
    }
  }

  list(hostPath: string): string[] | null {
    const real = this.resolve(hostPath, 'list');
    if (real === null) return null;
    try {
      return fs.readdirSync(real).sort();
    } catch (err) {
      const errno = errnoOf(err);
      if (errno === 'ENOENT' || errno === 'ENOTDIR') return null;
      throw new SysfsError(errno, hostPath, 'list');
    }
  }

  read(hostPath: string): string | null {
    const real = this.resolve(hostPath, 'read');
    if (real === null) return null;
    let fd: number;
    try {
      // O_NONBLOCK: a FIFO planted in a hostile tree must not hang the reader.
      fd = fs.openSync(real, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
    } catch (err) {
      const errno = errnoOf(err);
      if (errno === 'ENOENT') return null;
      throw new SysfsError(errno, hostPath, 'read');
    }
    try {
      const stat = fs.fstatSync(fd);
      if (stat.isDirectory()) throw new SysfsError('EISDIR', hostPath, 'read');
      if (!stat.isFile()) throw new SysfsError('EINVAL', hostPath, 'read', 'not a regular file');
      const buffer = this.readBuffer;
      let length = 0;
      for (;;) {
        const n = fs.readSync(fd, buffer, length, buffer.length - length, null);
        if (n === 0) break;
        length += n;
        if (length > MAX_READ_BYTES) throw new SysfsError('EFBIG', hostPath, 'read', `larger than ${MAX_READ_BYTES} bytes`);
      }
      return buffer.toString('utf8', 0, length);
    } catch (err) {
      if (err instanceof SysfsError) throw err;
      throw new SysfsError(errnoOf(err), hostPath, 'read');
    } finally {
      fs.closeSync(fd);
    }
  }

  exists(hostPath: string): boolean {
    return this.resolve(hostPath, 'resolve') !== null;
  }

  realpath(hostPath: string): string | null {
    const real = this.resolve(hostPath, 'resolve');
    if (real === null) return null;
    if (this.realRoot === '/') return real;
    return real === this.realRoot ? '/' : real.slice(this.realRoot.length);
  }

  write(hostPath: string, data: string): void {
    const real = this.resolve(hostPath, 'write');
    if (real === null) throw new SysfsError('ENOENT', hostPath, 'write');
    let fd: number;
    try {
      // Never O_CREAT: a missing attribute is an error, and a plain tree must not gain files.
      // O_NOFOLLOW on the resolved path: a link swapped in after resolving is refused, not followed.
      fd = fs.openSync(real, fs.constants.O_WRONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
    } catch (err) {
      throw new SysfsError(errnoOf(err), hostPath, 'write');
    }
    try {
      if (!fs.fstatSync(fd).isFile()) throw new SysfsError('EINVAL', hostPath, 'write', 'not a regular file');
      const bytes = Buffer.from(data, 'utf8');
      // One write(2): a sysfs store sees exactly one call; retrying a short write could create twice.
      const written = fs.writeSync(fd, bytes, 0, bytes.length, null);
      if (written !== bytes.length) {
        throw new SysfsError('EIO', hostPath, 'write', `short write: ${written} of ${bytes.length} bytes`);
      }
    } catch (err) {
      if (err instanceof SysfsError) throw err;
      throw new SysfsError(errnoOf(err), hostPath, 'write');
    } finally {
      fs.closeSync(fd);
    }
  }

  /**
   * A VFIO group admits one user at a time, so opening the device's group character device
   * read-write answers EBUSY exactly while a VM holds it. Opening and closing an idle group
   * changes nothing. No group (a plain tree, a driver without IOMMU group) reads as not in use.
   */
  onKernelSysfs(hostPath: string): boolean {
    const real = this.resolve(hostPath, 'resolve');
    if (real === null) return false;
    try {
      return fs.statfsSync(real).type === SYSFS_MAGIC;
    } catch {
      return false;
    }
  }

  deviceInUse(uuid: string): boolean {
    const group = this.realpath(`/sys/bus/mdev/devices/${uuid}/iommu_group`);
    const id = group === null ? '' : path.basename(group);
    if (!/^[0-9]+$/.test(id)) return false;
    const node = this.resolve(`/dev/vfio/${id}`, 'read');
    if (node === null) return false;
    try {
      fs.closeSync(fs.openSync(node, fs.constants.O_RDWR | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK));
      return false;
    } catch (err) {
      return errnoOf(err) === 'EBUSY';
    }
  }

  /**
   * The real path of a host path after every link, or null when it does not exist.
   * PathEscapeError when it resolves outside the root, whatever the operation.
   */
  private resolve(hostPath: string, op: Op): string | null {
    if (!hostPath.startsWith('/') || hostPath.includes('\0')) {
      throw new SysfsError('EINVAL', hostPath, op, 'not an absolute host path');
    }
    // Plain concatenation, not path.join: `..` must be resolved by the kernel after links, not lexically.
    const mapped = this.realRoot === '/' ? hostPath : this.realRoot + hostPath;
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

  /**
   * A missing path is refused, not reported missing, when the way to it leaves the root: through
   * its deepest existing ancestor, or through a dangling link pointing outside. Nothing is read
   * there, but the caller deserves the real reason.
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
        // Judge a dangling link by where the existing part of its target really is.
        probe = danglingTarget;
        continue;
      }
      const up = path.dirname(probe);
      if (up === probe) return;
      probe = up;
    }
  }

  private isInside(real: string): boolean {
    return this.realRoot === '/' || real === this.realRoot || real.startsWith(this.realRoot + '/');
  }
}
