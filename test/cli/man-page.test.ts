/** mdev-agg(1) is written from the command table: every command, option and example is in it, as roff that man renders. */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMMANDS, GLOBAL_OPTIONS } from '../../src/cli/command-table';
import { manPage } from '../../src/cli/man-page';
import { tempDir } from '../helpers/temp-dir';

test('every command with its usage, options and example; the global options; rendered by man without warnings', () => {
  const file = join(tempDir('mdev-agg-man-'), 'mdev-agg.1');
  writeFileSync(file, manPage('9.9.9', '2026-01-02'));
  const r = spawnSync('man', ['--warnings', '-l', '-Tutf8', file], { encoding: 'utf8', env: { ...process.env, MANWIDTH: '200' } });
  expect(r.stderr).toBe('');
  // what man shows, without the overstrike bold and underline of a terminal page
  const page = r.stdout.replace(/.\x08/g, '').replace(/\u2010/g, '-');
  expect(page).toMatch(/^MDEV-AGG\(1\)\s+User Commands/);
  expect(page).toContain('mdev-agg 9.9.9');
  for (const spec of COMMANDS.values()) {
    for (const usage of spec.usage.split('\n')) expect(page).toContain(usage.trim());
    expect(page).toContain(spec.example);
    for (const name of Object.keys(spec.options)) expect(page).toContain(`--${name}`);
  }
  for (const name of Object.keys(GLOBAL_OPTIONS)) expect(page).toContain(`--${name}`);
});
