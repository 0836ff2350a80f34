/**
 * A root that cannot be the host's: checked before anything is read under it, so that a `--root`
 * naming a file, a typo or the `sys` directory itself is a usage error naming what is missing,
 * not an empty host ("no mdev parent devices") that looks like an answer.
 */
import { join } from 'node:path';
import { operatorPathKind } from '../shell/files/guarded-fs';

/**
 * What is wrong with `root` as a host root, or null when it will do. `/` needs no `sys/` (a host
 * without sysfs has no mdevs); nor does a command that only writes under `etc/` (`hook install`).
 */
export function rootProblem(root: string, needsSys = true): string | null {
  const kind = kindOf(root);
  if (kind !== 'directory') return `the root ${root} ${kind === 'missing' ? 'does not exist' : kind === 'other' ? 'is not a directory' : `cannot be read (${kind})`}`;
  if (root === '/' || !needsSys) return null;
  const sys = kindOf(join(root, 'sys'));
  if (sys === 'directory') return null;
  const hint = root.endsWith('/sys') ? `; the root is the directory holding sys/, not sys itself` : '';
  return `the root ${root} has no sys/ directory${sys === 'missing' ? '' : ` (${join(root, 'sys')} ${sys === 'other' ? 'is not a directory' : `cannot be read: ${sys}`})`}${hint}`;
}

/** What a path is, following links (a root given through a link is followed); a socket is no directory. */
function kindOf(path: string): 'directory' | 'other' | 'missing' | string {
  const kind = operatorPathKind(path);
  return kind === 'socket' ? 'other' : kind;
}
