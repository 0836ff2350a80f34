/** The committed injection corpus is exactly what injection-cases.ts describes. */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REPO, regenerating } from '../helpers/golden';
import { injectionCases } from './injection-cases';

const DIR = join(REPO, 'fixtures/hostile/injection');

test('every injection file and its manifest entry match the table (MDEV_AGG_REGENERATE=1 rewrites them)', () => {
  const cases = injectionCases();
  const manifest = Object.fromEntries(cases.map(({ file, code, why, devices }) => [file, { code, why, ...(devices ? { devices } : {}) }]));
  const manifestText = `{\n${Object.entries(manifest).map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(',\n')}\n}\n`;
  if (regenerating) {
    rmSync(DIR, { recursive: true, force: true });
    for (const c of cases) {
      mkdirSync(dirname(join(DIR, c.file)), { recursive: true });
      writeFileSync(join(DIR, c.file), c.content);
    }
    writeFileSync(join(DIR, 'cases.json'), manifestText);
  }
  const differing = cases.filter((c) => !existsSync(join(DIR, c.file)) || readFileSync(join(DIR, c.file), 'utf8') !== c.content).map((c) => c.file);
  expect(differing).toEqual([]);
  expect(readFileSync(join(DIR, 'cases.json'), 'utf8')).toBe(manifestText);
  expect(new Set(cases.map((c) => c.file)).size).toBe(cases.length);
});
