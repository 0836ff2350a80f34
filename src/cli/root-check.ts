/**
 * A root that cannot be the host's: checked before anything is read under it, so that a `--root`
 * naming a file, a typo or the `sys` directory itself is a usage error naming what is missing,
 * not an empty host ("no mdev parent devices") that looks like an answer.
 */
import { join } from 'node:path';
import { canonicalOperatorPath, operatorPathKind } from '../shell/files/guarded-fs';

/**
 * What is wrong with `root` as a host root, or null when it will do. `/` needs no `sys/` (a host
 * without sysfs has no mdevs); nor does a command that only writes under `etc/` (`hook install`).
 */
export function rootProblem(root: string, needsSys = true): string | null {
  const kind = kindOf(root);
  if (kind !== 'directory') return `the root ${root} ${kind === 'missing' ? 'does not exist' : kind === 'other' ? 'is not a directory' : `cannot be read (${kind})`}`;
  if (root === '/' || !needsSys) return null;
  const sys = kindOf(join(root, 'sys'));
  if (sys === 'directory') return escapeFrom(root);
  const hint = root.endsWith('/sys') ? `; the root is the directory holding sys/, not sys itself` : '';
  return `the root ${root} has no sys/ directory${sys === 'missing' ? '' : ` (${join(root, 'sys')} ${sys === 'other' ? 'is not a directory' : `cannot be read: ${sys}`})`}${hint}`;
}

/** The directories that say which mdevs a host has: a link of these out of the root reads as a host without any. */
const MDEV_DIRECTORIES = ['sys', 'sys/class/mdev_bus', 'sys/bus/mdev/devices'];

/**
 * The first of the mdev directories whose links lead out of the root, as a problem: every read
 * under it would be refused as an escape and the host would look empty. Links inside the root
 * are fine.
 */
function escapeFrom(root: string): string | null {
  const real = canonicalOperatorPath(root);
  if (real === null) return null;
  for (const dir of MDEV_DIRECTORIES) {
    const target = canonicalOperatorPath(join(root, dir));
    if (target !== null && target !== real && !target.startsWith(real === '/' ? '/' : `${real}/`)) {
      return `the root ${root} has ${join(root, dir)} leading outside it (to ${target}); a root's sys/ must be inside the root`;
    }
  }
  return null;
}

/** What a path is, following links (a root given through a link is followed); a socket is no directory. */
function kindOf(path: string): 'directory' | 'other' | 'missing' | string {
  const kind = operatorPathKind(path);
  return kind === 'socket' ? 'other' : kind;
}
