/**
 * The `Sysfs` of a real directory tree: the live host (root `/`) or a tree laid out like one
 * (fixtures, `--root`). Every access goes through the guarded file module, confined under the
 * root, so a crafted link or hard link cannot turn a root-run write into a write elsewhere.
 */
import * as path from 'node:path';
import type { Sysfs } from '../core/host/sysfs';
import { ConfinedTree } from './files/guarded-fs';
import { MDEV_DEVICES, vfioGroup } from '../core/host/host-layout';

/** Reads stop here: sysfs attributes fit in a page; anything larger is not an attribute. */
export const MAX_READ_BYTES = 64 * 1024;

/** The root for host paths: `--root`, else `MDEV_AGG_ROOT`, else the live host. */
export function resolveRoot(flag: string | undefined, env: Readonly<Record<string, string | undefined>>): string {
  if (flag !== undefined && flag !== '') return path.resolve(flag);
  const fromEnv = env.MDEV_AGG_ROOT;
  if (fromEnv !== undefined && fromEnv !== '') return path.resolve(fromEnv);
  return '/';
}

/** statfs(2) f_type of sysfs (linux/magic.h SYSFS_MAGIC). */
const SYSFS_MAGIC = 0x62656572;

export class RealSysfs implements Sysfs {
  readonly tree: ConfinedTree;
  /** One read buffer per instance: reads are synchronous, and a snapshot reads thousands of files. */
  private readonly readBuffer = Buffer.allocUnsafe(MAX_READ_BYTES + 1);

  constructor(readonly root: string) {
    this.tree = new ConfinedTree(root);
  }

  /** The root after resolving every link in it; all accesses stay below this. */
  get realRoot(): string {
    return this.tree.realRoot;
  }

  list(hostPath: string): string[] | null {
    return this.tree.list(hostPath);
  }

  read(hostPath: string): string | null {
    return this.tree.read(hostPath, MAX_READ_BYTES, this.readBuffer);
  }

  exists(hostPath: string): boolean {
    return this.tree.exists(hostPath);
  }

  realpath(hostPath: string): string | null {
    return this.tree.realpath(hostPath);
  }

  write(hostPath: string, data: string): void {
    this.tree.write(hostPath, data);
  }

  onKernelSysfs(hostPath: string): boolean {
    try {
      return this.tree.fileSystemType(hostPath) === SYSFS_MAGIC;
    } catch {
      return false;
    }
  }

  /**
   * A VFIO group admits one user at a time, so opening the device's group character device
   * read-write answers EBUSY exactly while a VM holds it. No group (a plain tree, a driver without
   * IOMMU group) reads as not in use.
   */

  deviceInUse(uuid: string): boolean {
    const group = this.realpath(`${MDEV_DEVICES}/${uuid}/iommu_group`);
    const id = group === null ? '' : path.basename(group);
    if (!/^[0-9]+$/.test(id)) return false;
    return this.tree.characterDeviceBusy(vfioGroup(id));
  }
}
