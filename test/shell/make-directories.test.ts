/**
 * `makeDirectories` of the guarded module over generated trees: each level of a three-level path
 * missing, a directory, a file, a link to a directory inside the root, a link out of the root, or a
 * dangling link. Whatever is already there, the outcome is the one the first level that is not a
 * directory inside the root decides, and nothing outside the root changes.
 */
import { lstatSync, mkdirSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { PathEscapeError, SysfsError } from '../../src/core/host/sysfs';
import { ConfinedTree } from '../../src/shell/files/guarded-fs';
import { settings } from '../property/settings';
import { removeTempDir, tempDir } from '../helpers/temp-dir';

type Level = 'missing' | 'directory' | 'file' | 'link inside' | 'link outside' | 'dangling link';
const LEVELS: Level[] = ['missing', 'directory', 'file', 'link inside', 'link outside', 'dangling link'];
const NAMES = ['a', 'b', 'c'];

/** Levels below a missing level, a file or a dangling link cannot exist. */
const layouts = fc.array(fc.constantFrom(...LEVELS), { minLength: 3, maxLength: 3 }).map((levels) => {
  const end = levels.findIndex((l) => l === 'missing' || l === 'file' || l === 'dangling link');
  return end < 0 ? levels : levels.map((l, i) => (i > end ? 'missing' : l));
});

function listing(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

/** Builds the levels under `root`; a link's directory lives in `inside` (under the root) or `outside`. */
function build(root: string, inside: string, outside: string, levels: readonly Level[]) {
  let real = root;
  levels.forEach((level, i) => {
    const at = join(real, NAMES[i]!);
    real = at;
    if (level === 'directory') mkdirSync(at);
    else if (level === 'file') writeFileSync(at, 'x');
    else if (level === 'dangling link') symlinkSync(join(inside, 'nowhere'), at);
    else if (level === 'link inside' || level === 'link outside') {
      real = join(level === 'link inside' ? inside : outside, `level${i}`);
      mkdirSync(real);
      symlinkSync(real, at);
    }
  });
}

describe('GIVEN a three-level path whose levels are anything', () => {
  test('WHEN its directories are made THEN the first level that is not a directory inside the root decides, and nothing outside changes', () => {
    let runs = 0;
    fc.assert(
      fc.property(layouts, fc.boolean(), (levels, twice) => {
        runs++;
        const scratch = tempDir('mdev-agg-mkdirs-');
        try {
          const root = join(scratch, 'root');
          const inside = join(root, 'elsewhere');
          const outside = join(scratch, 'outside');
          mkdirSync(inside, { recursive: true });
          mkdirSync(outside);
          build(root, inside, outside, levels);
          const before = listing(outside);
          const tree = new ConfinedTree(root);
          const first = levels.findIndex((l) => l !== 'directory' && l !== 'link inside');
          const decider = first < 0 ? 'directory' : levels[first]!;
          const act = () => tree.makeDirectories('/a/b/c', [0o755, 0o711, 0o700]);
          for (let round = 0; round < (twice ? 2 : 1); round++) {
            if (decider === 'directory' || decider === 'missing') {
              act();
              expect(statSync(join(root, 'a/b/c')).isDirectory()).toBe(true);
              expect(tree.realpath('/a/b/c')).not.toBeNull();
              // The levels it made have the mode asked for that level.
              levels.forEach((level, i) => {
                if (level !== 'missing') return;
                const made = join(root, ...NAMES.slice(0, i + 1));
                expect(lstatSync(made).mode & 0o777).toBe([0o755, 0o711, 0o700][i]! & ~process.umask());
              });
            } else {
              let error: unknown = null;
              try {
                act();
              } catch (e) {
                error = e;
              }
              expect(error).toBeInstanceOf(decider === 'link outside' ? PathEscapeError : SysfsError);
            }
          }
          expect(listing(outside)).toEqual(before);
        } finally {
          removeTempDir(scratch);
        }
      }),
      settings(120),
    );
    expect(runs).toBeGreaterThan(0);
  });

  test('WHEN the path is under /sys THEN nothing is made there, even where it exists already', () => {
    const root = tempDir('mdev-agg-mkdirs-sys-');
    try {
      mkdirSync(join(root, 'sys/kernel'), { recursive: true });
      const tree = new ConfinedTree(root);
      for (const path of ['/sys/kernel', '/sys/kernel/new']) {
        expect(() => tree.makeDirectories(path)).toThrow(SysfsError);
        expect(() => tree.makeDirectories(path)).toThrow(/EPERM/);
      }
      expect(readdirSync(join(root, 'sys/kernel'))).toEqual([]);
    } finally {
      removeTempDir(root);
    }
  });
});
