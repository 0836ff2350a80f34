/**
 * Temporary directories that are removed when the test file's tests are done. A test file that
 * imports this registers one `afterAll`; MDEV_AGG_KEEP_TEMP=1 keeps them for a look after a failure.
 */
import { chmodSync, lstatSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];

afterAll(() => {
  if (process.env.MDEV_AGG_KEEP_TEMP === '1') return;
  for (const dir of made.splice(0)) removeTree(dir);
});

/** A new empty directory under the system's temporary directory, removed after the file's tests. */
export function tempDir(prefix = 'mdev-agg-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
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
