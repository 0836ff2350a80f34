/** Temporary copies of fixture trees and a comparable picture of what they hold. */
import { cpSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from './golden';

/** A copy of fixtures/hosts/<name> at `<fresh dir>/root`, links kept as they are (relative). */
export function copyHost(name: string): { parent: string; root: string } {
  const parent = mkdtempSync(join(tmpdir(), 'mdev-agg-'));
  const root = join(parent, 'root');
  cpSync(join(REPO, 'fixtures/hosts', name), root, { recursive: true, verbatimSymlinks: true });
  return { parent, root };
}

/** Every path under `dir` with its content (files), target (links) or a marker (directories). */
export function treePicture(dir: string, skip: (rel: string) => boolean = () => false): Record<string, string> {
  const picture: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const path = rel ? `${rel}/${name}` : name;
      if (skip(path)) continue;
      const stat = lstatSync(join(dir, path));
      if (stat.isSymbolicLink()) picture[path] = `-> ${readlinkSync(join(dir, path))}`;
      else if (stat.isDirectory()) {
        picture[path] = '<dir>';
        walk(path);
      } else picture[path] = readFileSync(join(dir, path), 'utf8');
    }
  };
  walk('');
  return picture;
}
