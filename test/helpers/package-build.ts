/**
 * A checkout as a fresh clone has it (the files git tracks or would track; no dist/), with the
 * repository's node_modules linked in, for tests that pack or package: they build there, never
 * in the repository's own dist/, which other tests are reading at the same time.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REPO } from './golden';
import { tempDir } from './temp-dir';

export function freshClone(): string {
  const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO, encoding: 'utf8' });
  if (listed.status !== 0) throw new Error(`git ls-files failed: ${listed.stderr}`);
  const clone = join(tempDir('mdev-agg-clone-'), 'mdev-agg');
  for (const file of listed.stdout.split('\0').filter(Boolean)) {
    mkdirSync(dirname(join(clone, file)), { recursive: true });
    cpSync(join(REPO, file), join(clone, file), { verbatimSymlinks: true });
  }
  symlinkSync(join(REPO, 'node_modules'), join(clone, 'node_modules'));
  return clone;
}

/** A command that must succeed; its line and output go to the transcript the test prints. */
export function step(transcript: string[], cwd: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}): string {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } });
  // npm pack lists every file: the transcript keeps its summary.
  const said = `${r.stdout}${r.stderr}`.trimEnd().split('\n').filter((l) => l !== '' && !/^npm notice (?!(filename|package size|total files):)/.test(l));
  transcript.push(`$ ${[command, ...args].join(' ')}`, ...said.map((l) => `  ${l}`));
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${r.status}:\n${r.stdout}${r.stderr}`);
  return r.stdout;
}
