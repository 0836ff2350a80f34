/**
 * The journal on a real directory: a run of 600 devices stopped before each of its writes leaves a
 * journal the next run (another guest's) reconciles, whatever its size; a journal that cannot be
 * acted on is set aside with a timestamp and named devices, and blocks no one; a lock left by a
 * process whose pid now belongs to another process is taken over.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readHost } from '../../src/core/host/read-host';
import { transact } from '../../src/shell/executor';
import { ConfinedTree } from '../../src/shell/files/guarded-fs';
import { SimKernel } from '../../src/shell/sim/kernel';
import { FileStateStore, MAX_JOURNAL_BYTES, processStartTime } from '../../src/shell/state-store';
import { Figures } from '../hostile/figures';
import { domainModel } from '../helpers/domain-builder';
import { GVT_PARENT, aggregateType, gvtHost } from '../helpers/host-builder';
import { removeTempDir, tempDir } from '../helpers/temp-dir';

const figures = new Figures();
figures.printAfterAll((n) => [
  `a 600-device apply stopped before each of its ${n('kill points')} writes: ${n('reconciled')} reconciled by the next run (another guest's apply), ${n('leaked')} leaked devices, ${n('blocked')} runs blocked`,
]);

/** tmpfs when there is one: the kill test flushes hundreds of thousands of journal lines. */
const SCRATCH = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
const freshRoot = () => tempDir('mdev-agg-journal-', SCRATCH);

const DEVICES = 600;
const uuid = (i: number) => `11111111-2222-4333-8444-${String(i).padStart(12, '0')}`;
const domain = (name: string, ids: string[]) => domainModel(ids.map((id) => ({ uuid: id, type: 'i915-GVTg_V5_8', instances: 2, parent: GVT_PARENT })), { name });

/** The create-option generation (one write per device) with room for every device of the big guest and one more. */
const bigHost = () => gvtHost({ units: 2 * DEVICES + 2 }, [aggregateType('i915-GVTg_V5_8')]);

const devicesOn = (kernel: SimKernel) => readHost(kernel).devices.map((d) => d.uuid).sort();
const errorsOf = (diagnostics: { severity: string; code: string }[]) => diagnostics.filter((d) => d.severity === 'error').map((d) => d.code);

describe('GIVEN a guest of 600 aggregated devices', () => {
  const big = domain('big', Array.from({ length: DEVICES }, (_, i) => uuid(i + 1)));
  const other = domain('other', [uuid(999_999)]);

  test('WHEN its apply is stopped before each write THEN the next run, for another guest, reconciles the journal and succeeds', () => {
    const kernel = SimKernel.build(bigHost());
    const before = devicesOn(kernel);
    const root = freshRoot();
    try {
      const probe = new FileStateStore(root);
      const total = transact('apply', big, { sysfs: kernel, store: probe, lockTimeoutMs: 0 }).writes;
      expect(total).toBe(DEVICES);
      const journalBytes = { largest: 0 };
      transact('release', big, { sysfs: kernel, store: probe, lockTimeoutMs: 0 });
      expect(devicesOn(kernel)).toEqual(before);
      for (let stopAt = 0; stopAt < total; stopAt++) {
        figures.add('kill points');
        const store = new FileStateStore(root);
        expect(() =>
          transact('apply', big, {
            sysfs: kernel,
            store,
            lockTimeoutMs: 0,
            beforeWrite: (index) => {
              if (index === stopAt) throw new Error('killed');
            },
          }),
        ).toThrow('killed');
        store.unlock(); // a killed process holds no lock
        const journal = join(root, 'run/mdev-agg/journal.json');
        journalBytes.largest = Math.max(journalBytes.largest, readFileSync(journal).length);
        const next = transact('apply', other, { sysfs: kernel, store: new FileStateStore(root), lockTimeoutMs: 0 });
        const errors = errorsOf(next.diagnostics);
        if (errors.length) figures.add('blocked');
        expect(errors).toEqual([]);
        expect(next.diagnostics.map((d) => d.code)).toContain('I_RECONCILED');
        expect(existsSync(journal)).toBe(false);
        const left = devicesOn(kernel).filter((d) => d !== uuid(999_999));
        if (left.length) figures.add('leaked', left.length);
        expect(left).toEqual(before);
        figures.add('reconciled');
        transact('release', other, { sysfs: kernel, store: new FileStateStore(root), lockTimeoutMs: 0 });
      }
      // The old limit was 64 KiB read back: a journal this size blocked every later run.
      expect(journalBytes.largest).toBeGreaterThan(64 * 1024);
      expect(journalBytes.largest).toBeLessThan(MAX_JOURNAL_BYTES);
    } finally {
      removeTempDir(root);
    }
  }, 600_000);
});

describe('GIVEN a journal that cannot be acted on', () => {
  const domainWithDevice = domain('guest', [uuid(7)]);
  const NAMED = uuid(42);
  const header = (fields: Record<string, unknown>) => JSON.stringify({ pid: 1, kind: 'apply', domain: 'x', ...fields });
  const entry = (fields: Record<string, unknown> = {}) => JSON.stringify({ uuid: NAMED, parent: GVT_PARENT, type: 't', instances: 1, state: 'creating', ...fields });
  const DAMAGED: [string, (journal: string) => void][] = [
    ['pid is an object', (j) => writeFileSync(j, `${header({ pid: { a: 1 } })}\n${entry()}\n`)],
    ['domain is a number', (j) => writeFileSync(j, `${header({ domain: 5 })}\n${entry()}\n`)],
    ['an unknown header key', (j) => writeFileSync(j, `${header({ extra: true })}\n${entry()}\n`)],
    ['a count of the wrong type', (j) => writeFileSync(j, `${header({})}\n${entry({ instances: '2' })}\n`)],
    ['a count of zero', (j) => writeFileSync(j, `${header({})}\n${entry({ instances: 0 })}\n`)],
    ['an entry with a path for a UUID', (j) => writeFileSync(j, `${header({})}\n${entry({ uuid: '../../../etc' })}\n`)],
    ['a key written twice', (j) => writeFileSync(j, `{"pid": 1, "pid": 2, "kind": "apply", "domain": null}\n${entry()}\n`)],
    ['not JSON', (j) => writeFileSync(j, `garbage ${NAMED}\n`)],
    ['a line of garbage amid entries', (j) => writeFileSync(j, `${header({})}\n${entry()}\n}}}\n${entry()}\n`)],
    ['larger than the limit (sparse)', (j) => { writeFileSync(j, `${header({})}\n${entry()}\n`); truncateSync(j, MAX_JOURNAL_BYTES + 1); }],
    ['1.5 GB sparse', (j) => { writeFileSync(j, ''); truncateSync(j, 1_500_000_000); }],
    ['a FIFO', (j) => spawnSync('mkfifo', [j])],
    ['a directory', (j) => mkdirSync(j)],
    ['a link to /dev/zero', (j) => symlinkSync('/dev/zero', j)],
    ['empty', (j) => writeFileSync(j, '')],
  ];

  test.each(DAMAGED)('%s: set aside with a timestamp, reported as E_JOURNAL with the devices it names, and the run goes on', (_what, make) => {
    const root = freshRoot();
    try {
      mkdirSync(join(root, 'run/mdev-agg'), { recursive: true });
      const journal = join(root, 'run/mdev-agg/journal.json');
      make(journal);
      const kernel = SimKernel.build(bigHost());
      const now = new Date('2026-12-05T13:00:00.000Z');
      const report = transact('apply', domainWithDevice, { sysfs: kernel, store: new FileStateStore(root, process.pid, () => now), lockTimeoutMs: 0 });
      expect(errorsOf(report.diagnostics)).toEqual([]);
      expect(report.created).toEqual([uuid(7)]);
      const finding = report.diagnostics.find((d) => d.code === 'E_JOURNAL');
      expect(finding?.severity).toBe('warning');
      expect(finding?.message).toMatch(/journal\.json\.damaged-2026-12-05T13-00-00-000Z/);
      // The kept file read back only when it is a small regular file (never a FIFO, a device or a sparse giant).
      const aside = join(root, 'run/mdev-agg/journal.json.damaged-2026-12-05T13-00-00-000Z');
      const kept = lstatSync(aside);
      if (kept.isFile() && kept.size < 65536 && readFileSync(aside, 'utf8').includes(NAMED)) expect(finding?.message).toContain(NAMED);
      expect(readdirSync(join(root, 'run/mdev-agg')).sort()).toEqual(['journal.json.damaged-2026-12-05T13-00-00-000Z']);
    } finally {
      removeTempDir(root);
    }
  });

  const BAD_DIRECTORIES: [string, (root: string) => void][] = [
    ['run is a file', (r) => writeFileSync(join(r, 'run'), 'x')],
    ['run/mdev-agg is a file', (r) => { mkdirSync(join(r, 'run')); writeFileSync(join(r, 'run/mdev-agg'), 'x'); }],
    ['run is a dangling link inside the root', (r) => symlinkSync(join(r, 'nowhere'), join(r, 'run'))],
    ['run/mdev-agg is a link loop', (r) => { mkdirSync(join(r, 'run')); symlinkSync('mdev-agg', join(r, 'run/mdev-agg')); }],
    ['run is a FIFO', (r) => spawnSync('mkfifo', [join(r, 'run')])],
  ];
  test.each(BAD_DIRECTORIES)('%s: a code and exit 3 (host failure), never an internal error, nothing created', (_what, make) => {
    const root = freshRoot();
    try {
      make(root);
      const before = readdirSync(root).sort();
      const kernel = SimKernel.build(bigHost());
      const report = transact('apply', domainWithDevice, { sysfs: kernel, store: new FileStateStore(root), lockTimeoutMs: 0 });
      expect(errorsOf(report.diagnostics)).toEqual(['E_LOCK_UNAVAILABLE']);
      expect(report.unclean).toBe(true);
      expect(devicesOn(kernel)).toEqual([]);
      expect(readdirSync(root).sort()).toEqual(before);
    } finally {
      removeTempDir(root);
    }
  });
});

describe('GIVEN a lock left by a process whose pid was reused', () => {
  const lockWith = (root: string, pid: number, content: string) => {
    mkdirSync(join(root, 'run/mdev-agg/lock'), { recursive: true });
    writeFileSync(join(root, `run/mdev-agg/lock/${pid}`), content);
  };

  test('WHEN the pid belongs to a live process that started at another time THEN the lock is taken over; at the same time THEN it is respected', () => {
    const sleeper = spawn('sleep', ['30']);
    const root = freshRoot();
    try {
      const pid = sleeper.pid!;
      const started = processStartTime(new ConfinedTree('/'), pid);
      expect(started).toMatch(/^[0-9]+$/);
      lockWith(root, pid, `${pid} ${Number(started) + 1}\n`);
      expect(new FileStateStore(root).tryLock()).toBe(true);
      rmSync(join(root, 'run'), { recursive: true });
      lockWith(root, pid, `${pid} ${started}\n`);
      expect(new FileStateStore(root).tryLock()).toBe(false);
      // A lock of an earlier build names the pid alone: a live pid is respected.
      rmSync(join(root, 'run'), { recursive: true });
      lockWith(root, pid, `${pid}\n`);
      expect(new FileStateStore(root).tryLock()).toBe(false);
    } finally {
      sleeper.kill();
      removeTempDir(root);
    }
  });

  test('WHEN a run takes the lock THEN it records its own start time beside its pid', () => {
    const root = freshRoot();
    try {
      const store = new FileStateStore(root);
      expect(store.tryLock()).toBe(true);
      const started = processStartTime(new ConfinedTree('/'), process.pid);
      expect(readFileSync(join(root, `run/mdev-agg/lock/${process.pid}`), 'utf8')).toBe(`${process.pid} ${started}\n`);
      store.unlock();
    } finally {
      removeTempDir(root);
    }
  });
});
