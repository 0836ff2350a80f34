/**
 * Timing processes fairly: the two commands of a comparison run alternately (A, B, A, B, …) so that
 * load from other work on the machine falls on both sides alike; figures are medians.
 * Wall time is taken around a plain spawn; peak RSS comes from separate runs under GNU time
 * (`%M`, the kernel's maxrss of the child at exit), so the wrapper never adds to a wall figure.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const GNU_TIME = '/usr/bin/time';

/** A failed command ends the benchmark: a figure for a command that did not do its work is worthless. */
export class CommandFailed extends Error {}

/**
 * One process. `command`: { label, argv, input?, cwd?, env?, expectStatus? (a status or a list;
 * default 0) }.
 * `capture`: keep stdout (for checking the work was done); otherwise stdout goes to /dev/null so
 * neither side pays for the harness draining a pipe.
 */
export function runOnce(command, { capture = false, wrap = [] } = {}) {
  const [file, ...args] = [...wrap, ...command.argv];
  const devNull = capture ? null : openSync('/dev/null', 'w');
  try {
    const started = process.hrtime.bigint();
    const result = spawnSync(file, args, {
      input: command.input,
      cwd: command.cwd,
      env: command.env ?? process.env,
      stdio: [command.input === undefined ? 'ignore' : 'pipe', capture ? 'pipe' : devNull, 'pipe'],
      maxBuffer: 1 << 30,
    });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const expected = [command.expectStatus ?? 0].flat();
    // A command that does not read its stdin (node -e 0) may exit before the harness has written
    // it all: EPIPE on our side, not a failure of the command, when it exited as expected.
    const unreadInput = result.error?.code === 'EPIPE' && expected.includes(result.status);
    if ((result.error && !unreadInput) || !expected.includes(result.status)) {
      const why = result.error ? result.error.message : result.signal ? `signal ${result.signal}` : `exit ${result.status}, expected ${expected.join(' or ')}`;
      const stderr = result.stderr ? result.stderr.toString().trim().split('\n').slice(-8).join('\n') : '';
      throw new CommandFailed(`${command.label} failed (${why}): ${[file, ...args].join(' ').slice(0, 300)}${stderr ? `\n${stderr}` : ''}`);
    }
    return { ms, stdout: capture ? result.stdout : null, stderr: result.stderr };
  } finally {
    if (devNull !== null) closeSync(devNull);
  }
}

/** One timed sample: a process, or `{ label, steps }` whose processes run in turn and count as one. */
export function timeOnce(command) {
  if (command.steps) return command.steps.reduce((total, step) => total + runOnce(step).ms, 0);
  return runOnce(command).ms;
}

/** Wall times of each command over `iterations` alternating rounds, after `warmup` unrecorded rounds. */
export function alternateWall(commands, { iterations, warmup = 1 }) {
  const samples = commands.map(() => []);
  for (let round = -warmup; round < iterations; round++) {
    // Alternate which command opens the round too, so neither always follows the other.
    const order = round % 2 === 0 ? commands.map((_, i) => i) : commands.map((_, i) => commands.length - 1 - i);
    for (const i of order) {
      const ms = timeOnce(commands[i]);
      if (round >= 0) samples[i].push(ms);
    }
  }
  return samples;
}

/** Peak resident set (KiB) of each command over alternating rounds, from GNU time's `%M`. */
export function alternatePeakRss(commands, { iterations }) {
  return alternateGnuTime(commands, { iterations, format: '%M', what: 'peak RSS' });
}

/** CPU seconds (user + system, every thread and child) per run, alternating, from GNU time. */
export function alternateCpu(commands, { iterations }) {
  return alternateGnuTime(commands, { iterations, format: '%U %S', what: 'CPU time' }, (line) => line.split(' ').reduce((sum, part) => sum + Number(part), 0));
}

function alternateGnuTime(commands, { iterations, format, what }, parse = Number) {
  const dir = mkdtempSync(join(tmpdir(), 'mdev-agg-time-'));
  const samples = commands.map(() => []);
  try {
    const out = join(dir, 'time');
    for (let round = 0; round < iterations; round++) {
      for (const [i, command] of commands.entries()) {
        const steps = command.steps ?? [command];
        let total = 0;
        for (const step of steps) {
          runOnce(step, { wrap: [GNU_TIME, '-f', format, '-o', out, '--'] });
          const value = parse(readFileSync(out, 'utf8').trim().split('\n').pop());
          if (!Number.isFinite(value) || value < 0 || (what === 'peak RSS' && value === 0)) throw new CommandFailed(`${command.label}: GNU time reported no ${what}`);
          total = what === 'peak RSS' ? Math.max(total, value) : total + value;
        }
        samples[i].push(total);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return samples;
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function summary(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return { n: sorted.length, median: median(sorted), min: sorted[0], max: sorted[sorted.length - 1] };
}
