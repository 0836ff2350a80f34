/**
 * Timing processes fairly: the two commands of a comparison run alternately (A, B, A, B, …) so that
 * load from other work on the machine falls on both sides alike; figures are medians.
 * Wall time is taken by spawn-timer.c, which runs each command as libvirtd runs a hook (fork, exec,
 * stdin, stdout and stderr through pipes, wait) and so adds nothing of a Node harness to a figure;
 * peak RSS comes from separate runs under GNU time (`%M`, the kernel's maxrss of the child at exit),
 * so the wrapper never adds to a wall figure.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const GNU_TIME = '/usr/bin/time';

/** A failed command ends the benchmark: a figure for a command that did not do its work is worthless. */
export class CommandFailed extends Error {}

/** What ends the benchmark when a command fails: its label, why, its command line and the end of its stderr. */
function commandFailure(label, why, argv, stderr) {
  const tail = stderr.trim().split('\n').slice(-8).join('\n');
  return new CommandFailed(`${label} failed (${why}): ${argv.join(' ').slice(0, 300)}${tail ? `\n${tail}` : ''}`);
}

/**
 * One process, untimed: to check the work a command does (`capture` keeps its stdout, otherwise it
 * goes to /dev/null) or to measure it under a wrapper (`wrap`, GNU time). `command`: { label, argv,
 * input?, cwd?, env?, expectStatus? (a status or a list; default 0) }.
 */
export function runOnce(command, { capture = false, wrap = [] } = {}) {
  const [file, ...args] = [...wrap, ...command.argv];
  const devNull = capture ? null : openSync('/dev/null', 'w');
  try {
    const result = spawnSync(file, args, {
      input: command.input,
      cwd: command.cwd,
      env: command.env ?? process.env,
      stdio: [command.input === undefined ? 'ignore' : 'pipe', capture ? 'pipe' : devNull, 'pipe'],
      maxBuffer: 1 << 30,
    });
    const expected = [command.expectStatus ?? 0].flat();
    // A command that does not read its stdin (node -e 0) may exit before the harness has written
    // it all: EPIPE on our side, not a failure of the command, when it exited as expected.
    const unreadInput = result.error?.code === 'EPIPE' && expected.includes(result.status);
    if ((result.error && !unreadInput) || !expected.includes(result.status)) {
      const why = result.error ? result.error.message : result.signal ? `signal ${result.signal}` : `exit ${result.status}, expected ${expected.join(' or ')}`;
      throw commandFailure(command.label, why, [file, ...args], result.stderr?.toString() ?? '');
    }
    return { stdout: capture ? result.stdout : null, stderr: result.stderr };
  } finally {
    if (devNull !== null) closeSync(devNull);
  }
}

const TIMER_SOURCE = fileURLToPath(new URL('./spawn-timer.c', import.meta.url));
// Beside the checkout's other caches, not in dist/: `npm pack` ships dist/ whole.
const BUILT_TIMERS = resolve(dirname(TIMER_SOURCE), '../../../.cache/bench');
let timerBinary = null;

/** spawn-timer.c built with the system's C compiler, once per version of its source. */
export function spawnTimer() {
  if (timerBinary) return timerBinary;
  const source = readFileSync(TIMER_SOURCE);
  const binary = join(BUILT_TIMERS, `spawn-timer-${createHash('sha256').update(source).digest('hex').slice(0, 12)}`);
  if (!existsSync(binary)) {
    mkdirSync(BUILT_TIMERS, { recursive: true });
    const building = `${binary}.${process.pid}`;
    const cc = spawnSync('cc', ['-O2', '-Wall', '-Werror', '-o', building, TIMER_SOURCE], { encoding: 'utf8' });
    if (cc.error || cc.status !== 0) throw new CommandFailed(`cannot build ${TIMER_SOURCE} with cc (test/bench/setup.sh installs it): ${cc.error?.message ?? cc.stderr.trim()}`);
    renameSync(building, binary);
  }
  timerBinary = binary;
  return binary;
}

/** A field of the timer's spec, which NUL bytes separate: refused where spawnSync refuses it too. */
function specField(value, what, label) {
  const text = String(value);
  if (text.includes('\0')) throw new CommandFailed(`${label}: ${what} holds a NUL byte`);
  return text;
}

/**
 * Wall times of each command over `iterations` alternating rounds, after `warmup` unrecorded rounds
 * (each round opens with the other command than the last, so neither always follows the other).
 * A command is a process, or `{ label, steps }` whose processes run in turn and count as one.
 */
export function alternateWall(commands, { iterations, warmup = 1 }) {
  for (const [what, rounds] of Object.entries({ iterations, warmup })) {
    if (!Number.isSafeInteger(rounds) || rounds < 0) throw new CommandFailed(`alternateWall: ${what} must be a whole number of rounds, not ${rounds}`);
  }
  const timer = spawnTimer();
  const dir = mkdtempSync(join(tmpdir(), 'mdev-agg-wall-'));
  try {
    const fields = [iterations, warmup, commands.length];
    let inputs = 0;
    for (const command of commands) {
      const steps = command.steps ?? [command];
      fields.push(steps.length);
      for (const step of steps) {
        const label = step.label ?? command.label;
        if (!step.argv?.length) throw new CommandFailed(`${label}: no command to run`);
        const argv = step.argv.map((arg) => specField(arg, 'an argument', label));
        const env = step.env ?? process.env;
        const environment = Object.entries(env)
          .filter(([, value]) => value !== undefined)
          .map(([key, value]) => specField(`${key}=${value}`, 'the environment', label));
        let input = '';
        if (step.input !== undefined) {
          input = join(dir, `input.${inputs++}`);
          writeFileSync(input, step.input);
        }
        const expected = [step.expectStatus ?? 0].flat();
        fields.push(specField(step.cwd ?? '', 'the directory', label), argv.length, ...argv, environment.length, ...environment, input, expected.length, ...expected);
      }
    }
    const spec = join(dir, 'spec');
    const stderrFile = join(dir, 'stderr');
    writeFileSync(spec, fields.map((f) => `${f}\0`).join(''));
    const run = spawnSync(timer, [spec, stderrFile, String(process.pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 30 });
    const failed = /^fail (\d+) (\d+) (.*)$/m.exec(run.stdout ?? '');
    if (failed) {
      const command = commands[Number(failed[1])];
      const step = (command.steps ?? [command])[Number(failed[2])];
      throw commandFailure(command.label, failed[3], step.argv, existsSync(stderrFile) ? readFileSync(stderrFile, 'utf8') : '');
    }
    if (run.error || run.status !== 0) throw new CommandFailed(`spawn-timer failed (${run.error?.message ?? `exit ${run.status}`}): ${run.stderr?.trim() ?? ''}`);
    const samples = commands.map(() => []);
    for (const line of run.stdout.split('\n').filter(Boolean)) {
      const [index, ms] = line.split(' ');
      samples[Number(index)].push(Number(ms));
    }
    return samples;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Peak resident set (KiB) of each command over alternating rounds, from GNU time's `%M`. */
export function alternatePeakRss(commands, { iterations }) {
  return alternateGnuTime(commands, { iterations, format: '%M', what: 'peak RSS' });
}

/** Minor page faults per run (pages mapped when first touched; the steps of a command add up), alternating, from GNU time's `%R`. */
export function alternateMinorFaults(commands, { iterations }) {
  return alternateGnuTime(commands, { iterations, format: '%R', what: 'minor page faults' });
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
          if (!Number.isFinite(value) || value < 0 || (what !== 'CPU time' && value === 0)) throw new CommandFailed(`${command.label}: GNU time reported no ${what}`);
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
