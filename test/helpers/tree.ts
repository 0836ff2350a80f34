/** Temporary copies of fixture trees and a comparable picture of what they hold. */
import { cpSync, lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './golden';
import { tempDir } from './temp-dir';

/** A copy of fixtures/hosts/<name> at `<fresh dir>/root`, links kept as they are (relative); removed after the file's tests. */
export function copyHost(name: string): { parent: string; root: string } {
  const parent = tempDir();
  const root = join(parent, 'root');
  cpSync(join(REPO, 'fixtures/hosts', name), root, { recursive: true, verbatimSymlinks: true });
  return { parent, root };
}

/**
 * Every entry below `dir`: its kind, link target, or the content of a regular file (with size and
 * mtime when `times` is set, to prove a file was not even rewritten). Special files are named,
 * never opened: a FIFO planted in a hostile tree must not hang the test.
 */
export function treePicture(dir: string, skip: (rel: string) => boolean = () => false, { times = false } = {}): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const path = rel ? `${rel}/${name}` : name;
      if (skip(path)) continue;
      const stat = lstatSync(join(dir, path));
      if (stat.isSymbolicLink()) out[path] = `link ${readlinkSync(join(dir, path))}`;
      else if (stat.isDirectory()) {
        out[path] = 'dir';
        walk(path);
      } else if (stat.isFile()) out[path] = `file ${times ? `${stat.size} ${stat.mtimeMs} ` : ''}${readFileSync(join(dir, path), 'latin1')}`;
      else out[path] = `special ${stat.mode}`;
    }
  };
  walk('');
  return out;
}
