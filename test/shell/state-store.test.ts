/**
 * The file store on a real directory: the lock taken by several processes, holders that die, and
 * what runs killed at a bad moment leave. The kernel scenarios 96-crash-sigkill and 97-concurrency
 * do this with real processes; here each interleaving is pinned down. Other processes are stood in
 * for by stores with their own pids, whose liveness the test decides.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileStateStore } from '../../src/shell/state-store';
import { tempDir } from '../helpers/temp-dir';

/** A pid that belonged to a process which has exited and been reaped. */
const deadPid = () => spawnSync(process.execPath, ['-e', '0']).pid!;

function freshRoot() {
  const root = tempDir('mdev-agg-store-');
  const run = join(root, 'run/mdev-agg');
  mkdirSync(run, { recursive: true });
  return { root, run };
}

/** Pids standing for processes: alive while in `alive`; `onCheck` runs when a store asks. */
const alive = new Set<number>();
let onCheck: ((pid: number) => void) | null = null;
class StandIn extends FileStateStore {
  protected override isAlive(pid: number) {
    const check = onCheck;
    onCheck = null;
    check?.(pid);
    return alive.has(pid);
  }
}
const A = 4_000_001;
const B = 4_000_002;
const DEAD = 4_000_003;

beforeEach(() => {
  alive.clear();
  alive.add(A).add(B);
  onCheck = null;
});

const lockHolders = (run: string) => readdirSync(join(run, 'lock')).sort();

describe('GIVEN several runs after one lock', () => {
  test('WHEN one holds it THEN the others wait, and once it unlocks nothing is left and the next takes it', () => {
    const { root, run } = freshRoot();
    const a = new StandIn(root, A);
    const b = new StandIn(root, B);
    expect(a.tryLock()).toBe(true);
    expect(lockHolders(run)).toEqual([String(A)]);
    expect(b.tryLock()).toBe(false);
    expect(readdirSync(run)).toEqual(['lock']);
    a.unlock();
    expect(readdirSync(run)).toEqual([]);
    expect(b.tryLock()).toBe(true);
    expect(lockHolders(run)).toEqual([String(B)]);
  });

  test('WHEN the holder died THEN its lock is taken over', () => {
    const { root, run } = freshRoot();
    mkdirSync(join(run, 'lock'));
    writeFileSync(join(run, 'lock', String(DEAD)), `${DEAD}\n`);
    expect(new StandIn(root, A).tryLock()).toBe(true);
    expect(lockHolders(run)).toEqual([String(A)]);
    expect(readFileSync(join(run, 'lock', String(A)), 'utf8')).toBe(`${A}\n`);
  });

  test('WHEN a waiter judged the dead holder only after another had taken its lock over THEN it does not take the new holder\'s lock', () => {
    const { root, run } = freshRoot();
    mkdirSync(join(run, 'lock'));
    writeFileSync(join(run, 'lock', String(DEAD)), `${DEAD}\n`);
    const a = new StandIn(root, A);
    const b = new StandIn(root, B);
    // B reads the dead holder; before B acts on it, A takes the lock over.
    let aTook: boolean | null = null;
    onCheck = () => {
      aTook = a.tryLock();
    };
    const bTook = b.tryLock();
    expect(aTook).toBe(true);
    expect(bTook).toBe(false);
    expect(lockHolders(run)).toEqual([String(A)]);
    a.unlock();
    expect(b.tryLock()).toBe(true);
  });

  test('WHEN, while a waiter judges the dead holder, another takes the lock over and releases it THEN the waiter takes it (the vanished lock is not an error)', () => {
    const { root, run } = freshRoot();
    mkdirSync(join(run, 'lock'));
    writeFileSync(join(run, 'lock', String(DEAD)), `${DEAD}\n`);
    const a = new StandIn(root, A);
    const b = new StandIn(root, B);
    onCheck = () => {
      expect(a.tryLock()).toBe(true);
      a.unlock();
    };
    expect(b.tryLock()).toBe(true);
    expect(lockHolders(run)).toEqual([String(B)]);
  });

  test('WHEN, while a waiter judges the dead holder, another takes the lock over and keeps it THEN the waiter waits', () => {
    const { root, run } = freshRoot();
    mkdirSync(join(run, 'lock'));
    writeFileSync(join(run, 'lock', String(DEAD)), `${DEAD}\n`);
    writeFileSync(join(run, 'lock', '4000004'), `4000004\n`);
    const a = new StandIn(root, A);
    const b = new StandIn(root, B);
    // B lists both dead names; between its checks of them, A empties the lock, takes it and holds it.
    onCheck = () => {
      rmSync(join(run, 'lock'), { recursive: true });
      expect(a.tryLock()).toBe(true);
    };
    expect(b.tryLock()).toBe(false);
    expect(lockHolders(run)).toEqual([String(A)]);
  });

  test('WHEN the holder is between emptying and removing its lock and another takes it THEN the old holder leaves the new lock alone', () => {
    const { root, run } = freshRoot();
    const a = new StandIn(root, A);
    const b = new StandIn(root, B);
    expect(a.tryLock()).toBe(true);
    rmSync(join(run, 'lock', String(A)));
    expect(b.tryLock()).toBe(true);
    a.unlock();
    expect(lockHolders(run)).toEqual([String(B)]);
  });

  test('WHEN the lock is empty (a holder killed while unlocking) THEN it is taken', () => {
    const { root, run } = freshRoot();
    mkdirSync(join(run, 'lock'));
    expect(new StandIn(root, A).tryLock()).toBe(true);
    expect(lockHolders(run)).toEqual([String(A)]);
  });

  test('WHEN a lock file names a live process THEN it is respected; naming a dead one or being a link THEN it is replaced, never followed', () => {
    const { root, run } = freshRoot();
    writeFileSync(join(run, 'lock'), `${B}\n`);
    expect(new StandIn(root, A).tryLock()).toBe(false);
    expect(readFileSync(join(run, 'lock'), 'utf8')).toBe(`${B}\n`);

    writeFileSync(join(run, 'lock'), `${DEAD}\n`);
    expect(new StandIn(root, A).tryLock()).toBe(true);
    expect(lockHolders(run)).toEqual([String(A)]);

    const other = freshRoot();
    const outside = join(other.root, 'outside');
    mkdirSync(outside);
    symlinkSync(outside, join(other.run, 'lock'));
    expect(new StandIn(other.root, A).tryLock()).toBe(true);
    expect(lockHolders(other.run)).toEqual([String(A)]);
    expect(readdirSync(outside)).toEqual([]);
  });
});

describe('GIVEN a lock naming a live process but no start time (not written by this version)', () => {
  const aged = (file: string, ms: number) => utimesSync(file, new Date(Date.now() - ms), new Date(Date.now() - ms));

  test.each([
    ['a pid alone', `${B}\n`],
    ['nothing', ''],
    ['another pid', '99999 12345\n'],
  ])('WHEN lock/<pid> holds %s THEN it is respected while younger than the lock timeout, then taken over', (_what, content) => {
    const { root, run } = freshRoot();
    mkdirSync(join(run, 'lock'));
    writeFileSync(join(run, 'lock', String(B)), content);
    expect(new StandIn(root, A).tryLock(60_000)).toBe(false);
    aged(join(run, 'lock', String(B)), 61_000);
    expect(new StandIn(root, A).tryLock(120_000)).toBe(false);
    expect(new StandIn(root, A).tryLock(60_000)).toBe(true);
    expect(lockHolders(run)).toEqual([String(A)]);
  });

  test('WHEN such a name is dated in the future (a clock set back, a planted date) THEN it is taken over at once, not respected until that date', () => {
    const { root, run } = freshRoot();
    mkdirSync(join(run, 'lock'));
    writeFileSync(join(run, 'lock', String(B)), '');
    aged(join(run, 'lock', String(B)), -3_600_000);
    expect(new StandIn(root, A).tryLock(60_000)).toBe(true);
    expect(lockHolders(run)).toEqual([String(A)]);
  });

  test('WHEN such a name was written in the millisecond the waiter reads the clock THEN it is respected, not taken for a date in the future', () => {
    const { root, run } = freshRoot();
    mkdirSync(join(run, 'lock'));
    writeFileSync(join(run, 'lock', String(B)), `${B}\n`);
    const now = Math.floor(Date.now() / 1000) * 1000;
    // 0.6 ms into the millisecond the clock reads: finer than the clock, not later than it.
    utimesSync(join(run, 'lock', String(B)), (now + 0.6) / 1000, (now + 0.6) / 1000);
    expect(new StandIn(root, A, () => new Date(now)).tryLock(60_000)).toBe(false);
    expect(lockHolders(run)).toEqual([String(B)]);
  });

  test('WHEN the lock is a file naming a live pid alone THEN the same holds; WHEN it records a start time THEN its age does not matter', () => {
    const { root, run } = freshRoot();
    writeFileSync(join(run, 'lock'), `${B}\n`);
    aged(join(run, 'lock'), 61_000);
    expect(new StandIn(root, A).tryLock(60_000)).toBe(true);
    new StandIn(root, A).unlock();
    mkdirSync(join(run, 'lock'), { recursive: true });
    writeFileSync(join(run, 'lock', String(B)), `${B} 123456\n`);
    aged(join(run, 'lock', String(B)), 3_600_000);
    expect(new StandIn(root, A).tryLock(60_000)).toBe(false);
  });
});

describe('GIVEN files a killed run left in run/mdev-agg', () => {
  test('WHEN the lock is taken THEN dead runs\' temporary journals and ready locks are removed, and nothing else', () => {
    const { root, run } = freshRoot();
    const dead = deadPid();
    const deadToo = deadPid();
    const live = process.ppid;
    const outside = join(root, 'outside');
    writeFileSync(outside, 'kept');
    writeFileSync(join(run, `journal.json.${dead}.tmp`), '{"pid":');
    mkdirSync(join(run, `lock.${dead}.new`));
    writeFileSync(join(run, `lock.${dead}.new`, String(dead)), `${dead}\n`);
    symlinkSync(outside, join(run, `journal.json.${deadToo}.tmp`));
    // A live process may be taking the lock this moment: its ready lock is its own to remove.
    mkdirSync(join(run, `lock.${live}.new`));
    writeFileSync(join(run, 'journal.json'), JSON.stringify({ pid: dead, kind: 'apply', domain: 'g', entries: [] }));
    writeFileSync(join(run, 'notes'), 'not ours');

    const store = new FileStateStore(root);
    expect(store.tryLock()).toBe(true);

    expect(readdirSync(run).sort()).toEqual(['journal.json', 'lock', `lock.${live}.new`, 'notes'].sort());
    // the link was removed, never what it points to; the journal is for reconciliation to read
    expect(readFileSync(outside, 'utf8')).toBe('kept');
    expect(store.readJournal()).toEqual({ pid: dead, kind: 'apply', domain: 'g', entries: [] });
    store.unlock();
    expect(readdirSync(run)).not.toContain('lock');
  });

  test('WHEN a live holder keeps the lock THEN nothing is swept, and the waiter leaves nothing behind', () => {
    const { root, run } = freshRoot();
    const dead = deadPid();
    mkdirSync(join(run, 'lock'));
    writeFileSync(join(run, 'lock', String(process.ppid)), `${process.ppid}\n`);
    writeFileSync(join(run, `journal.json.${dead}.tmp`), '{');

    expect(new FileStateStore(root).tryLock()).toBe(false);
    expect(readdirSync(run).sort()).toEqual([`journal.json.${dead}.tmp`, 'lock']);
    expect(lockHolders(run)).toEqual([String(process.ppid)]);
  });
});
