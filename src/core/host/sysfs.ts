/**
 * The one interface through which mdev-agg sees and changes a host's mdev sysfs. Paths are host
 * paths (`/sys/...`); implementations map them under their root (the real tree) or hold them in
 * memory (the simulated kernel). Every call is synchronous, as sysfs itself is.
 */

/** An errno from the kernel or the file system, by name (`EINVAL`, `EEXIST`, `ENOENT`, ...). */
export class SysfsError extends Error {
  constructor(
    readonly errno: string,
    readonly path: string,
    readonly op: 'read' | 'write' | 'list' | 'resolve',
    detail?: string,
  ) {
    super(`${op} ${path}: ${errno}${detail ? ` (${detail})` : ''}`);
    this.name = 'SysfsError';
  }
}

/** Raised before any effect when a path would leave the root (links, crafted names). */
export class PathEscapeError extends Error {
  constructor(readonly path: string, readonly resolved: string) {
    super(`${path} resolves to ${resolved}, outside the root`);
    this.name = 'PathEscapeError';
  }
}

export interface SysfsView {
  /** Names in a directory (following links), sorted; null when it is not a directory. */
  list(path: string): string[] | null;
  /** A file's contents; null when it does not exist. Other failures throw SysfsError. */
  read(path: string): string | null;
  /** True when the path exists (following links). */
  exists(path: string): boolean;
  /** The canonical host path after following every link; null when it does not exist. */
  realpath(path: string): string | null;
}

export interface Sysfs extends SysfsView {
  /**
   * One write(2) of `data` to an existing attribute file; never creates a file. Throws
   * SysfsError with the errno the kernel answered, PathEscapeError before writing outside the root.
   */
  write(path: string, data: string): void;
  /**
   * True when a process holds the device open (a running VM). A real kernel does not refuse a
   * `remove` of such a device: the write blocks until the holder lets go, so callers ask first.
   */
  deviceInUse(uuid: string): boolean;
  /**
   * True when `path` lies on a kernel's sysfs, whose attribute writes reach a driver. A tree copy
   * takes any write into a plain file, so a protocol answered by a write means nothing there.
   */
  onKernelSysfs(path: string): boolean;
}
