/**
 * Golden files: generated output compared with a committed file. MDEV_AGG_REGENERATE=1 rewrites
 * them (libvirt's VIR_TEST_REGENERATE_OUTPUT habit); review the diff before committing.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const REPO = join(__dirname, '..', '..');
export const regenerating = process.env.MDEV_AGG_REGENERATE === '1';

export function expectGolden(relativePath: string, actual: string) {
  const path = join(REPO, relativePath);
  if (regenerating || !existsSync(path)) {
    if (!regenerating) throw new Error(`golden file ${relativePath} is missing; run with MDEV_AGG_REGENERATE=1 to create it`);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
    return;
  }
  expect(actual).toBe(readFileSync(path, 'utf8'));
}
