/**
 * An in-memory sysfs-like tree: directories, attribute files backed by functions, and links
 * holding absolute host paths. Resolution follows links component by component as the kernel
 * does, so `..` after a link is taken from the link's target.
 */

/** An errno raised by an attribute's handler; the kernel wraps it with the path. */
export class Errno extends Error {
  constructor(readonly errno: string) {
    super(errno);
    this.name = 'Errno';
  }
}

export interface SimDir {
  kind: 'dir';
  children: Map<string, SimNode>;
}
export interface SimFile {
  kind: 'file';
  /** Absent: the attribute is write-only (reads answer EACCES). */
  read?: () => string;
  /** Absent: the attribute is read-only (writes answer EACCES). */
  write?: (data: string) => void;
}
export interface SimLink {
  kind: 'link';
  target: string;
}
export type SimNode = SimDir | SimFile | SimLink;

const MAX_LINK_DEPTH = 40;

const components = (path: string): string[] => path.split('/').filter((c) => c !== '' && c !== '.');

export interface Resolved {
  node: SimNode;
  /** Canonical host path. */
  real: string;
}

export class SimTree {
  private readonly root: SimDir = { kind: 'dir', children: new Map() };

  /** The node at a path after every link; null when missing. Throws Errno('ELOOP') on link cycles. */
  resolve(path: string): Resolved | null {
    return this.walk(components(path), 0);
  }

  /** Creates the directories of a path (real directories, not through links) and returns the last. */
  mkdirs(path: string): SimDir {
    let dir = this.root;
    for (const name of components(path)) {
      let child = dir.children.get(name);
      if (child === undefined) {
        child = { kind: 'dir', children: new Map() };
        dir.children.set(name, child);
      }
      if (child.kind !== 'dir') throw new Error(`${path}: ${name} is not a directory`);
      dir = child;
    }
    return dir;
  }

  /** Places a node at a path, creating the directories above it. */
  put(path: string, node: SimNode): void {
    const parts = components(path);
    const name = parts.pop();
    if (name === undefined) throw new Error('cannot replace the root');
    this.mkdirs(parts.join('/')).children.set(name, node);
  }

  /** Removes the node at a path (not following a final link). */
  remove(path: string): void {
    const parts = components(path);
    const name = parts.pop();
    if (name === undefined) return;
    const parent = this.walk(parts, 0);
    if (parent?.node.kind === 'dir') parent.node.children.delete(name);
  }

  private walk(parts: string[], depth: number): Resolved | null {
    if (depth > MAX_LINK_DEPTH) throw new Errno('ELOOP');
    let dirs: SimDir[] = [this.root];
    let names: string[] = [];
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      if (part === '..') {
        if (dirs.length > 1) {
          dirs.pop();
          names.pop();
        }
        continue;
      }
      const found = dirs[dirs.length - 1]!.children.get(part);
      if (found === undefined) return null;
      if (found.kind === 'link') {
        const target = this.walk(components(found.target), depth + 1);
        if (target === null) return null;
        if (target.node.kind === 'dir') {
          // Continue from the target's real position so that a later `..` climbs from there.
          const real = components(target.real);
          const along = this.dirsAlong(real);
          if (along === null) return null;
          dirs = along;
          names = real;
          continue;
        }
        if (i !== parts.length - 1) return null;
        return target;
      }
      if (found.kind === 'dir') {
        dirs.push(found);
        names.push(part);
        continue;
      }
      if (i !== parts.length - 1) return null;
      return { node: found, real: '/' + [...names, part].join('/') };
    }
    return { node: dirs[dirs.length - 1]!, real: '/' + names.join('/') };
  }

  private dirsAlong(parts: string[]): SimDir[] | null {
    const dirs: SimDir[] = [this.root];
    for (const part of parts) {
      const next = dirs[dirs.length - 1]!.children.get(part);
      if (next === undefined || next.kind !== 'dir') return null;
      dirs.push(next);
    }
    return dirs;
  }
}
