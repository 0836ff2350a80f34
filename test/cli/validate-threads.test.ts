/**
 * validate on several threads says exactly what it says on one: the same stdout, stderr and exit
 * status for any list of files (valid, invalid, unreadable, too large, standard input, repeated),
 * whichever thread read which file, and when a worker thread fails.
 */
import fc from 'fast-check';
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, truncateSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { run } from '../../src/cli/run';
import { builtCli } from '../helpers/built-cli';
import { cli } from '../helpers/cli';
import { REPO } from '../helpers/golden';
import { tempDir } from '../helpers/temp-dir';
import { settings } from '../property/settings';

const PROBE = join(REPO, 'test/helpers/validate-worker-probe.js');
const WORKER = join(REPO, 'dist/mdev-agg-validate.js');
const FIXTURES = join(REPO, 'fixtures/domains');

const dir = tempDir();
const log = join(dir, 'chunks.log');
const domains = readdirSync(FIXTURES).filter((f) => f.endsWith('.xml')).sort();
// Every kind of entry a list can hold: each fixture (valid and not), and files that cannot be read.
const names = [...domains, 'missing.xml', 'a-directory', 'a-fifo', 'too-large.xml', '-'];

beforeAll(() => {
  if (!existsSync(WORKER)) throw new Error(`${WORKER} is missing: run npm run build (npm test builds it first)`);
  for (const f of domains) copyFileSync(join(FIXTURES, f), join(dir, f));
  mkdirSync(join(dir, 'a-directory'));
  if (spawnSync('mkfifo', [join(dir, 'a-fifo')]).status !== 0) throw new Error('mkfifo failed');
  writeFileSync(join(dir, 'too-large.xml'), '');
  truncateSync(join(dir, 'too-large.xml'), 4 * 1024 * 1024 + 1);
  probe(null);
});

/** What the probe worker does next (test/helpers/validate-worker-probe.js); its log starts empty. */
function probe(fail: 'start' | 'after-one' | null) {
  writeFileSync(join(dir, 'probe.json'), JSON.stringify({ worker: WORKER, log, fail }));
  writeFileSync(log, '');
}

const stdin = readFileSync(join(FIXTURES, domains[0]));
const validate = (list: string[], args: string[], worker?: string) =>
  cli(['validate', ...args, ...list], stdin, {}, { cwd: dir, ...(worker ? { validateWorker: worker } : {}) });
const logged = (what: string) => readFileSync(log, 'utf8').split('\n').filter((line) => line.startsWith(what)).length;

const lists = fc.array(fc.constantFrom(...names), { minLength: 256, maxLength: 900 });
const jobs = fc.integer({ min: 2, max: 5 });
const format = fc.constantFrom<string[]>([], ['--json'], ['--quiet']);

describe('validate on several threads', () => {
  test('GIVEN any list of files WHEN read on 2-5 threads THEN stdout, stderr and exit equal one thread', async () => {
    probe(null);
    await fc.assert(
      fc.asyncProperty(lists, jobs, format, async (list, n, args) => {
        const one = await validate(list, [...args, '--jobs', '1'], PROBE);
        const many = await validate(list, [...args, '--jobs', String(n)], PROBE);
        expect(many).toEqual(one);
      }),
      settings(8),
    );
  });

  test('GIVEN a list long enough to outlast starting the workers WHEN read on 3 threads THEN the workers read files, and the output equals one thread', async () => {
    // The property above may be met by this thread alone when the workers start late (a loaded
    // machine): here the list takes this thread far longer than a worker's start.
    const list = Array.from({ length: 12_000 }, (_, i) => domains[i % domains.length]!);
    const one = await validate(list, ['--jobs', '1'], PROBE);
    probe(null);
    const many = await validate(list, ['--jobs', '3'], PROBE);
    expect(many).toEqual(one);
    expect(logged('chunk')).toBeGreaterThan(0);
  });

  test.each(['start', 'after-one'])('GIVEN a worker that fails (%s) THEN every file is still judged, as on one thread', async (how) => {
    const list = Array.from({ length: 1200 }, (_, i) => names[i % names.length]).filter((n) => n !== '-');
    const one = await validate(list, ['--json', '--jobs', '1']);
    probe(how as 'start' | 'after-one');
    const many = await validate(list, ['--json', '--jobs', '3'], PROBE);
    expect(many).toEqual(one);
    expect(JSON.parse(many.stdout).files).toHaveLength(list.length);
    // Both workers started and failed as told (one chunk each at most: how many they took before
    // failing depends on how soon they started); their chunks were read again by this thread.
    expect(logged('started')).toBe(2);
    expect(logged('chunk')).toBeLessThanOrEqual(how === 'start' ? 0 : 2);
  });

  test('GIVEN paths naming the process itself (/proc/self/fd/N, /dev/stdin) THEN the output equals one thread', () => {
    const own = [...Array.from({ length: 26 }, (_, n) => `/proc/self/fd/${n}`), '/dev/stdin', '/dev/fd/0', '-'];
    const list = [...Array.from({ length: 300 }, (_, i) => domains[i % domains.length]), ...own, ...domains];
    const input = join(dir, domains[1]);
    const spawn = (jobs: string) => {
      const stdinFd = openSync(input, 'r');
      try {
        return spawnSync(process.execPath, [builtCli(), 'validate', '--jobs', jobs, ...list], { cwd: dir, encoding: 'utf8', stdio: [stdinFd, 'pipe', 'pipe'] });
      } finally {
        closeSync(stdinFd);
      }
    };
    const one = spawn('1');
    for (const jobs of ['2', '5']) {
      const many = spawn(jobs);
      expect({ status: many.status, stdout: many.stdout, stderr: many.stderr }).toEqual({ status: one.status, stdout: one.stdout, stderr: one.stderr });
    }
  });

  test('GIVEN a bad --jobs and standard input that never ends THEN exit 2 at once, nothing read', async () => {
    const never = () => new Promise<Uint8Array>(() => undefined);
    const r = await run(['validate', '-', '--jobs', '0'], never, {}, { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--jobs takes a number of threads from 1 to 64, not '0'");
  });

  test('GIVEN --jobs that is not a number of threads THEN exit 2 with the reason', async () => {
    for (const bad of ['0', '65', 'two', '1.5', '', '007']) {
      const r = await cli(['validate', `--jobs=${bad}`, 'x.xml'], '', {}, { cwd: dir });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`--jobs takes a number of threads from 1 to 64, not '${bad}'`);
    }
  });
});
