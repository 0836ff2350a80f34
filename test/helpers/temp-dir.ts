/**
 * Temporary directories that are removed when the test file's tests are done. A test file that
 * imports this registers one `afterAll`; MDEV_AGG_KEEP_TEMP=1 keeps them for a look after a failure.
 */
import { chmodSync, lstatSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made = new Set<string>();
const keep = () => process.env.MDEV_AGG_KEEP_TEMP === '1';

afterAll(() => {
  if (keep()) return;
  for (const dir of made) removeTree(dir);
  made.clear();
});

/**
 * A new empty directory, removed after the file's tests: under the system's temporary directory,
 * or under `under` (a faster file system, or a directory the test itself made).
 */
export function tempDir(prefix = 'mdev-agg-', under = tmpdir()): string {
  const dir = mkdtempSync(join(under, prefix));
  made.add(dir);
  return dir;
}

/** Removes a directory made by `tempDir` now: for tests that make one per generated run. */
export function removeTempDir(dir: string): void {
  if (keep()) return;
  made.delete(dir);
  removeTree(dir);
}

/** Removes a tree whatever its modes (hostile trees make directories nobody may enter). */
function removeTree(dir: string) {
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch {
    // A directory without search or write permission: open it up, then remove.
    try {
      chmodTree(dir);
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // Left for the system's cleaning of its temporary directory; a test never fails for it.
    }
  }
}

function chmodTree(dir: string) {
  chmodSync(dir, 0o700);
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (lstatSync(path).isDirectory()) chmodTree(path);
  }
}
