/**
 * The benchmark's wall timer (lib/spawn-timer.c through measure.mjs's alternateWall): each figure
 * must be the time of a command that ran as it was given (its argv, environment, directory and the
 * whole of its stdin) and ended as expected, in the alternating order the reports describe.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REPO } from '../helpers/golden';
import { tempDir } from '../helpers/temp-dir';

const dir = tempDir('mdev-agg-spawn-timer-');
const PATH = process.env.PATH ?? '/usr/bin:/bin';

interface Step {
  label?: string;
  argv: string[];
  input?: { base64: string };
  cwd?: string;
  env?: Record<string, string>;
  expectStatus?: number | number[];
}
interface Command extends Step {
  steps?: Step[];
}

/** alternateWall in its own process (measure.mjs is an ES module of the benchmark); the request on its stdin, inputs as base64. */
function alternateWall(commands: Command[], iterations: number, warmup: number): { samples?: number[][]; error?: string } {
  const program = `
    import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
    import { alternateWall } from ${JSON.stringify(join(REPO, 'test/bench/lib/measure.mjs'))};
    const decode = (c) => ({ ...c, ...(c.input ? { input: Buffer.from(c.input.base64, 'base64') } : {}), ...(c.steps ? { steps: c.steps.map(decode) } : {}) });
    const { commands, iterations, warmup } = JSON.parse(readFileSync(0, 'utf8'));
    try { console.log(JSON.stringify({ samples: alternateWall(commands.map(decode), { iterations, warmup }) })); }
    catch (e) { console.log(JSON.stringify({ error: e.message })); }`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', program], { input: JSON.stringify({ commands, iterations, warmup }), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`alternateWall's process failed: ${r.error?.message ?? r.stderr}`);
  return JSON.parse(r.stdout);
}

const sh = (script: string, extra: Partial<Command> = {}): Command => ({ label: script, argv: ['sh', '-c', script, 'sh'], ...extra });

describe('GIVEN the benchmark timing commands with alternateWall', () => {
  test('WHEN a command sleeps THEN its samples are at least its sleep, one per round, and a command doing nothing is faster', () => {
    const { samples } = alternateWall([sh('sleep 0.2'), { label: 'true', argv: ['true'] }], 3, 1);
    expect(samples).toHaveLength(2);
    expect(samples![0]).toHaveLength(3);
    for (const ms of samples![0]) expect(ms).toBeGreaterThanOrEqual(200);
    expect(Math.max(...samples![1])).toBeLessThan(Math.min(...samples![0]));
  });

  test('WHEN rounds run THEN each opens with the other command than the last, warm-up rounds included', () => {
    const log = join(dir, 'order');
    const append = (name: string) => sh(`printf ${name} >> "${log}"`);
    alternateWall([append('A'), append('B')], 2, 1);
    expect(readFileSync(log, 'utf8')).toBe('BAABBA');
  });

  test('WHEN a command has stdin THEN it gets every byte, NULs and a missing final newline included, beyond a pipe buffer', () => {
    const bytes = Buffer.concat([Buffer.from('<domain>\0\xff'), Buffer.alloc(300_000, 'x'), Buffer.from('\n\nend')]);
    const out = join(dir, 'stdin-copy');
    const { samples } = alternateWall([sh(`cat > "${out}"`, { input: { base64: bytes.toString('base64') } })], 1, 0);
    expect(samples).toHaveLength(1);
    expect(readFileSync(out).equals(bytes)).toBe(true);
  });

  test('WHEN a command does not read a large stdin THEN it is timed all the same (EPIPE is not its failure)', () => {
    const { samples, error } = alternateWall([{ label: 'true', argv: ['true'], input: { base64: Buffer.alloc(2_000_000, 'y').toString('base64') } }], 2, 0);
    expect(error).toBeUndefined();
    expect(samples![0]).toHaveLength(2);
  });

  test('WHEN a command names its environment and directory THEN it runs with exactly them, found on that PATH', () => {
    const work = tempDir('mdev-agg-spawn-timer-cwd-');
    alternateWall([sh('pwd > where; env > environment', { cwd: work, env: { PATH, ONLY: 'this' } })], 1, 0);
    expect(readFileSync(join(work, 'where'), 'utf8').trim()).toBe(work);
    const names = readFileSync(join(work, 'environment'), 'utf8').trim().split('\n').map((line) => line.split('=')[0]).sort();
    expect(names.filter((n) => !['PWD', 'SHLVL', '_'].includes(n))).toEqual(['ONLY', 'PATH']);
  });

  test('WHEN a command runs THEN it has standard input, output and error open and no other descriptor', () => {
    const work = tempDir('mdev-agg-spawn-timer-fds-');
    // The listing's own directory handle is the one descriptor past 2 it may see.
    const list = 'opendir(my $d, "/proc/self/fd") or die; my @fds = sort grep { !/^[.]/ } readdir($d); open(my $o, ">", $ARGV[0]) or die; print $o "@fds"';
    alternateWall([{ label: 'perl', argv: ['perl', '-e', list, join(work, 'fds')] }], 1, 0);
    expect(readFileSync(join(work, 'fds'), 'utf8')).toBe('0 1 2 3');
  });

  test('WHEN a command exits otherwise than expected THEN the run fails naming it, its status and its stderr', () => {
    const { error } = alternateWall([{ label: 'ok', argv: ['true'] }, sh('echo broken pipe dream >&2; exit 3', { label: 'the failing one' })], 2, 0);
    expect(error).toContain('the failing one failed (exit 3)');
    expect(error).toContain('broken pipe dream');
  });

  test('WHEN a status is listed as expected THEN it is not a failure', () => {
    const { samples } = alternateWall([sh('exit 1', { expectStatus: [0, 1] })], 2, 0);
    expect(samples![0]).toHaveLength(2);
  });

  test('WHEN a command is killed by a signal THEN the run fails naming the signal', () => {
    const { error } = alternateWall([sh('kill -TERM $$', { label: 'killed' })], 1, 0);
    expect(error).toContain('killed failed (signal 15)');
  });

  test('WHEN a command has steps THEN one sample is the sum of its processes', () => {
    const { samples } = alternateWall([{ label: 'two sleeps', argv: [], steps: [sh('sleep 0.1'), sh('sleep 0.1')] }], 2, 0);
    for (const ms of samples![0]) expect(ms).toBeGreaterThanOrEqual(200);
  });

  test('WHEN a command cannot start THEN the run fails saying why, even when 126 or 127 is an expected status', () => {
    const missing = alternateWall([{ label: 'missing', argv: ['no-such-command-here'], env: { PATH: dir }, expectStatus: [0, 127] }], 1, 0);
    expect(missing.error).toContain('missing failed (cannot start: No such file or directory): no-such-command-here');
    const nowhere = alternateWall([{ label: 'nowhere', argv: ['true'], cwd: join(dir, 'no-such-directory'), env: { PATH }, expectStatus: [0, 126, 127] }], 1, 0);
    expect(nowhere.error).toContain('nowhere failed (cannot start: No such file or directory)');
  });

  test('WHEN a command is named without a path THEN it is found as execvp finds it, on its own PATH, with argv[0] as given', () => {
    const work = tempDir('mdev-agg-spawn-timer-path-');
    // A directory of the command's name earlier on the PATH is passed over; a relative entry is the command's directory's.
    mkdirSync(join(work, 'first', 'probe'), { recursive: true });
    mkdirSync(join(work, 'bin'));
    writeFileSync(join(work, 'bin', 'probe'), '#!/bin/sh\nprintf "%s" "$(pwd)" > "$1"\n', { mode: 0o755 });
    alternateWall([{ label: 'probe', argv: ['probe', join(work, 'ran')], cwd: work, env: { PATH: `${join(work, 'first')}:bin:/usr/bin:/bin` } }], 1, 0);
    expect(readFileSync(join(work, 'ran'), 'utf8')).toBe(work);
    alternateWall([{ label: 'node', argv: ['node', '-e', 'require("fs").writeFileSync(process.argv[1], process.argv0)', join(work, 'argv0')], env: { PATH: dirname(process.execPath) } }], 1, 0);
    expect(readFileSync(join(work, 'argv0'), 'utf8')).toBe('node');
  });

  test('WHEN a command leaves a child holding its output THEN the time runs until the output ends, as libvirt reads it', () => {
    const { samples } = alternateWall([sh('sleep 0.3 & exit 0')], 1, 0);
    expect(samples![0][0]).toBeGreaterThanOrEqual(300);
  });

  test('WHEN a failing command wrote much to stderr THEN the message shows how it ended', () => {
    const { error } = alternateWall([sh('head -c 300000 /dev/zero | tr "\\0" x >&2; echo; echo the last line >&2; exit 5', { label: 'noisy' })], 1, 0);
    expect(error).toContain('noisy failed (exit 5)');
    expect(error).toContain('the last line');
  });

  test('WHEN an argument or the environment holds a NUL byte THEN the run is refused before anything runs', () => {
    expect(alternateWall([{ label: 'nul', argv: ['true', 'a\0b'] }], 1, 0).error).toContain('nul: an argument holds a NUL byte');
    expect(alternateWall([{ label: 'nul', argv: ['true'], env: { PATH, X: 'a\0b' } }], 1, 0).error).toContain('nul: the environment holds a NUL byte');
  });

  test('WHEN no round is asked THEN every command has no sample', () => {
    expect(alternateWall([sh('exit 0'), sh('exit 0')], 0, 0).samples).toEqual([[], []]);
  });

  test('WHEN the runner is killed THEN the timer ends too, not only the command it was timing', () => {
    const work = tempDir('mdev-agg-spawn-timer-kill-');
    const program = `import { alternateWall } from ${JSON.stringify(join(REPO, 'test/bench/lib/measure.mjs'))};
      alternateWall([{ label: 'sleep', argv: ['sleep', '0.1'] }], { iterations: 100, warmup: 0 });`;
    const runner = spawn(process.execPath, ['--input-type=module', '-e', program], { env: { ...process.env, TMPDIR: work }, stdio: 'ignore' });
    // The timer's own children carry its command line between fork and exec; the timer is the one
    // whose parent is the runner.
    const timerProcesses = () => readdirSync('/proc').filter((pid) => /^\d+$/.test(pid) && (() => {
      try {
        const cmdline = readFileSync(join('/proc', pid, 'cmdline'), 'utf8');
        return cmdline.includes(work) && cmdline.includes('spawn-timer');
      } catch {
        return false;
      }
    })());
    const parentOf = (pid: string) => {
      try {
        return Number(/^PPid:\s*(\d+)$/m.exec(readFileSync(join('/proc', pid, 'status'), 'utf8'))?.[1]);
      } catch {
        return NaN;
      }
    };
    const timers = () => timerProcesses().filter((pid) => parentOf(pid) === runner.pid);
    const deadline = Date.now() + 10_000;
    while (timers().length === 0 && Date.now() < deadline) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    expect(timers()).toHaveLength(1);
    runner.kill('SIGKILL');
    const gone = Date.now() + 2_000;
    while (timerProcesses().length > 0 && Date.now() < gone) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    expect(timerProcesses()).toEqual([]);
  });
});
