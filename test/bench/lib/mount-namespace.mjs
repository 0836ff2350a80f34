/**
 * One alternating comparison run inside a private mount namespace (`unshare -m`, root only) that
 * shows generated trees where a host has its own directories (a host tree as /sys, its state
 * directory as /run): commands there run with their root at /, as on a host. Both commands run
 * in the namespace (namespace-worker.mjs), so neither pays for entering it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CommandFailed } from './measure.mjs';

/** This environment without MDEV_AGG_ROOT: mdev-agg then reads and writes under /, as on a host. */
export function withoutRootOverride(env = process.env) {
  return Object.fromEntries(Object.entries(env).filter(([key]) => key !== 'MDEV_AGG_ROOT'));
}

/**
 * `binds`: [{ from, to, ifPresent? }] bind-mounted in order (`ifPresent`: only where `to` exists).
 * `commands`: as alternateWall takes them (JSON: an input is a string). Returns each command's
 * samples and the stdout and stderr of one captured run of each (to check that each did the whole
 * work).
 */
export function alternateInMountNamespace({ repo, outDir, binds, commands, iterations, warmup }) {
  mkdirSync(outDir, { recursive: true });
  const resultFile = join(outDir, 'result.json');
  const specFile = join(outDir, 'spec.json');
  writeFileSync(specFile, JSON.stringify({ commands, iterations, warmup, outDir, resultFile }));
  const script = [
    'set -e',
    ...binds.map((b, i) => (b.ifPresent ? `if [ -d "${b.to}" ]; then mount --bind "$${i + 1}" "${b.to}"; fi` : `mount --bind "$${i + 1}" "${b.to}"`)),
    `shift ${binds.length}`,
    'exec "$@"',
  ].join('\n');
  for (const b of binds) if (!existsSync(b.from)) throw new CommandFailed(`nothing to bind-mount at ${b.from}`);
  const run = spawnSync('unshare', ['-m', 'sh', '-c', script, 'sh', ...binds.map((b) => b.from), process.execPath, join(repo, 'test/bench/namespace-worker.mjs'), specFile], {
    encoding: 'utf8',
    stdio: ['ignore', 'inherit', 'pipe'],
  });
  if (run.status !== 0) throw new CommandFailed(`the mount-namespace run failed (exit ${run.status}): ${run.stderr.trim()}`);
  const { samples } = JSON.parse(readFileSync(resultFile, 'utf8'));
  const output = (extension) => commands.map((_, i) => readFileSync(join(outDir, `${i}.${extension}`), 'utf8'));
  return { samples, stdout: output('out'), stderr: output('err') };
}
