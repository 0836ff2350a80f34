/**
 * A directory swapped for a link between the check of a path and the change made there: every
 * creation, rename and removal of the guarded module, with `run/mdev-agg` (or `run`) replaced by a
 * link out of the root right after the module resolved it. The swap is made by a tree whose
 * `resolve` swaps once it has answered, the window a slow disk or a busy machine leaves open.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { PathEscapeError, SysfsError } from '../../src/core/host/sysfs';
import { ConfinedTree } from '../../src/shell/files/guarded-fs';
import { settings } from '../property/settings';
import { removeTempDir, tempDir } from '../helpers/temp-dir';

/** A tree that, once armed, swaps `swapped` (under the root) for a link to `outside` after resolving `trigger`. */
class SwappingTree extends ConfinedTree {
  armed = false;
  constructor(root: string, private readonly trigger: string, private readonly swapped: string, private readonly outside: string) {
    super(root);
  }

  override resolve(hostPath: string, op: Parameters<ConfinedTree['resolve']>[1]): string | null {
    const real = super.resolve(hostPath, op);
    if (this.armed && hostPath === this.trigger) {
      this.armed = false;
      renameSync(join(this.root, this.swapped), join(this.root, `${this.swapped}.real`));
      symlinkSync(this.outside, join(this.root, this.swapped));
    }
    return real;
  }
}

const OPERATIONS: Record<string, (t: ConfinedTree) => unknown> = {
  'remove a file': (t) => t.removeEntry('/run/mdev-agg/journal.json'),
  'unlink a file': (t) => t.unlinkEntry('/run/mdev-agg/journal.json'),
  'remove an empty directory': (t) => t.removeEmptyDirectory('/run/mdev-agg/lock'),
  'make a directory': (t) => t.makeDirectories('/run/mdev-agg/lock.7.new'),
  'create a file': (t) => t.createFile('/run/mdev-agg/new.tmp', 'x', 0o600),
  'rename a file': (t) => t.rename('/run/mdev-agg/journal.json', '/run/mdev-agg/journal.json.aside'),
  'replace a file': (t) => t.replaceFile('/run/mdev-agg/journal.json', 'replaced', 0o600),
  'what a name is': (t) => t.entryKind('/run/mdev-agg/journal.json'),
};

/** Every name under a directory, at any depth. */
function listing(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

/**
 * A scratch directory with a root holding run/mdev-agg/lock and run/mdev-agg/journal.json, and an
 * empty directory beside it for the outside; removed after `use`.
 */
function withRootAndOutside(prefix: string, use: (root: string, outside: string) => void) {
  const scratch = tempDir(prefix);
  try {
    const root = join(scratch, 'root');
    mkdirSync(join(root, 'run/mdev-agg/lock'), { recursive: true });
    writeFileSync(join(root, 'run/mdev-agg/journal.json'), 'inside\n');
    const outside = join(scratch, 'outside');
    mkdirSync(outside);
    use(root, outside);
  } finally {
    removeTempDir(scratch);
  }
}

describe('GIVEN run/mdev-agg or run swapped for a link out of the root after the check', () => {
  test('WHEN any creation, rename or removal runs THEN nothing outside changes, and the failure is a path refusal or an errno, never another error', () => {
    let runs = 0;
    fc.assert(
      fc.property(fc.constantFrom(...Object.keys(OPERATIONS)), fc.constantFrom('run/mdev-agg', 'run'), (operation, swapped) => {
        runs++;
        withRootAndOutside('mdev-agg-swap-', (root, outside) => {
          // The outside holds the same names, so a change by path there would be seen.
          mkdirSync(join(outside, 'mdev-agg/lock'), { recursive: true });
          writeFileSync(join(outside, 'journal.json'), 'SECRET\n');
          writeFileSync(join(outside, 'mdev-agg/journal.json'), 'SECRET\n');
          mkdirSync(join(outside, 'lock'));
          const before = listing(outside);
          const target = swapped === 'run' ? outside : join(outside, 'mdev-agg');
          const tree = new SwappingTree(root, '/run/mdev-agg', swapped, target);
          tree.armed = true;
          try {
            OPERATIONS[operation]!(tree);
          } catch (e) {
            expect(e instanceof PathEscapeError || e instanceof SysfsError).toBe(true);
          }
          expect(tree.armed).toBe(false);
          expect(listing(outside)).toEqual(before);
          expect(existsSync(join(outside, 'journal.json'))).toBe(true);
          expect(existsSync(join(outside, 'mdev-agg/journal.json'))).toBe(true);
        });
      }),
      settings(64),
    );
    expect(runs).toBeGreaterThan(0);
  });
});

/** The guarded module's step that makes a change inside a directory held open (private: reached for this test only). */
type AtEntry = (hostPath: string, op: 'write', mutating: boolean, act: (at: string) => unknown, release?: (result: unknown) => void) => unknown;
const atEntryOf = (tree: ConfinedTree) => (ConfinedTree.prototype as unknown as { atEntry: AtEntry }).atEntry.bind(tree);

describe('GIVEN run/mdev-agg moved out of the root (a rename: the held descriptor follows it) just before a change in it', () => {
  test.each([
    ['a directory is made', (at: string) => mkdirSync(at), ['moved/lock.7.new']],
    ['a file is made', (at: string) => writeFileSync(at, 'x', { flag: 'wx' }), ['moved/lock.7.new']],
    ['a name is renamed there', (at: string, root: string) => renameSync(join(root, 'run/aside'), at), ['moved/lock.7.new']],
  ] as const)('WHEN %s THEN the move is reported, and nothing else in the moved directory is removed or changed', (_what, change, made) => {
    withRootAndOutside('mdev-agg-moved-', (root, outside) => {
      writeFileSync(join(root, 'run/aside'), 'aside\n');
      const tree = new ConfinedTree(root);
      let released = 0;
      let error: unknown = null;
      try {
        atEntryOf(tree)(
          '/run/mdev-agg/lock.7.new',
          'write',
          true,
          (at) => {
            renameSync(join(root, 'run/mdev-agg'), join(outside, 'moved'));
            change(at, root);
            return 'made';
          },
          (result) => {
            expect(result).toBe('made');
            released++;
          },
        );
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(PathEscapeError);
      expect((error as Error).message).toMatch(/moved out of the root while in use/);
      expect(released).toBe(1);
      // The change the race sent outside stays (removing it by name could remove another's file);
      // what the directory held is untouched.
      expect(listing(outside)).toEqual(['moved', 'moved/journal.json', 'moved/lock', ...made].sort());
      expect(readFileSync(join(outside, 'moved/journal.json'), 'utf8')).toBe('inside\n');
    });
  });

  test('WHEN the directory stays inside THEN the change stands and nothing is reported', () => {
    const root = tempDir('mdev-agg-kept-');
    try {
      mkdirSync(join(root, 'run/mdev-agg'), { recursive: true });
      const tree = new ConfinedTree(root);
      let released = false;
      atEntryOf(tree)('/run/mdev-agg/lock.7.new', 'write', true, (at) => mkdirSync(at), () => (released = true));
      expect(released).toBe(false);
      expect(readdirSync(join(root, 'run/mdev-agg'))).toEqual(['lock.7.new']);
    } finally {
      removeTempDir(root);
    }
  });
});

describe('GIVEN a directory being made renamed away (inside the root) between its making and its check', () => {
  test('WHEN the check finds it gone THEN the failure is an errno of that path, never an internal error', () => {
    const root = tempDir('mdev-agg-renamed-');
    try {
      mkdirSync(join(root, 'run/mdev-agg'), { recursive: true });
      // Renames the new level away once its making is done, when its check resolves it.
      class RenamingTree extends ConfinedTree {
        override resolve(hostPath: string, op: Parameters<ConfinedTree['resolve']>[1]): string | null {
          const real = super.resolve(hostPath, op);
          if (hostPath === '/run/mdev-agg/lock.7.new' && real !== null) renameSync(real, join(root, 'run/elsewhere'));
          return real;
        }
      }
      expect(() => new RenamingTree(root).makeDirectories('/run/mdev-agg/lock.7.new')).toThrow(SysfsError);
    } finally {
      removeTempDir(root);
    }
  });
});
