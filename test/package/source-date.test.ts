/**
 * The date a build writes (the manual, the Debian changelog and copyright) is SOURCE_DATE_EPOCH,
 * else the last commit's: building one commit twice gives the same files.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from '../helpers/golden';
import { tempDir } from '../helpers/temp-dir';

/** sourceDate() as a build script calls it, in `cwd`, with `env` (HOME and PATH for git). */
function sourceDateIn(cwd: string, env: Record<string, string> = {}) {
  return spawnSync(process.execPath, ['--input-type=module', '-e', `import { sourceDate } from ${JSON.stringify(join(REPO, 'scripts/source-date.mjs'))}; console.log(sourceDate().toISOString());`], {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: cwd, ...env },
  });
}

test('SOURCE_DATE_EPOCH when set, else the last commit\'s date; a malformed epoch is refused', () => {
  const repo = tempDir('mdev-agg-date-');
  const git = (...args: string[]) => {
    const r = spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', ...args], { cwd: repo, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: repo, GIT_COMMITTER_DATE: '2025-06-07T08:09:10Z', GIT_AUTHOR_DATE: '2025-06-07T08:09:10Z' } });
    expect(r.status).toBe(0);
  };
  git('init', '-q');
  writeFileSync(join(repo, 'f'), 'x\n');
  git('add', 'f');
  git('commit', '-qm', 'one');
  expect(sourceDateIn(repo).stdout).toBe('2025-06-07T08:09:10.000Z\n');
  expect(sourceDateIn(repo, { SOURCE_DATE_EPOCH: '1767323045' }).stdout).toBe('2026-01-02T03:04:05.000Z\n');
  const bad = sourceDateIn(repo, { SOURCE_DATE_EPOCH: 'yesterday' });
  expect(bad.status).not.toBe(0);
  expect(bad.stderr).toMatch(/SOURCE_DATE_EPOCH is not a number of seconds: yesterday/);
});
