/**
 * The file store on a real directory: the lock file and what runs killed at a bad moment leave
 * beside it. The kernel scenario 96-crash-sigkill kills real runs; these pin down each leftover.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStateStore } from '../../src/shell/state-store';

/** A pid that belonged to a process which has exited and been reaped. */
const deadPid = () => spawnSync(process.execPath, ['-e', '0']).pid!;

function freshRoot() {
  const root = mkdtempSync(join(tmpdir(), 'mdev-agg-store-'));
  const run = join(root, 'run/mdev-agg');
  mkdirSync(run, { recursive: true });
  return { root, run };
}

describe('GIVEN files a killed run left in run/mdev-agg', () => {
  test('WHEN the lock is taken THEN dead runs\' temporary journals and stale locks are removed, and nothing else', () => {
    const { root, run } = freshRoot();
    const dead = deadPid();
    const deadToo = deadPid();
    const live = process.ppid;
    const outside = join(root, 'outside');
    writeFileSync(outside, 'kept');
    writeFileSync(join(run, `journal.json.${dead}.tmp`), '{"pid":');
    writeFileSync(join(run, `lock.stale.${dead}`), `${dead}\n`);
    symlinkSync(outside, join(run, `journal.json.${deadToo}.tmp`));
    // A live process may be between its rename and its unlink: its file is its own to remove.
    writeFileSync(join(run, `lock.stale.${live}`), `${live}\n`);
    mkdirSync(join(run, `journal.json.${dead}0.tmp`));
    writeFileSync(join(run, 'journal.json'), JSON.stringify({ pid: dead, kind: 'apply', domain: 'g', entries: [] }));
    writeFileSync(join(run, 'notes'), 'not ours');

    const store = new FileStateStore(root);
    expect(store.tryLock()).toBe(true);

    expect(readdirSync(run).sort()).toEqual([`journal.json.${dead}0.tmp`, 'journal.json', 'lock', `lock.stale.${live}`, 'notes'].sort());
    // the link was removed, never what it points to; the journal is for reconciliation to read
    expect(readFileSync(outside, 'utf8')).toBe('kept');
    expect(store.readJournal()).toEqual({ pid: dead, kind: 'apply', domain: 'g', entries: [] });
    store.unlock();
    expect(readdirSync(run)).not.toContain('lock');
  });

  test('WHEN a live holder keeps the lock THEN nothing is swept and the lock is not taken', () => {
    const { root, run } = freshRoot();
    const dead = deadPid();
    writeFileSync(join(run, 'lock'), `${process.ppid}\n`);
    writeFileSync(join(run, `journal.json.${dead}.tmp`), '{');

    expect(new FileStateStore(root).tryLock()).toBe(false);
    expect(readdirSync(run).sort()).toEqual([`journal.json.${dead}.tmp`, 'lock']);
  });

  test('WHEN the holder died THEN its lock is taken over and its leftovers go with it', () => {
    const { root, run } = freshRoot();
    const dead = deadPid();
    writeFileSync(join(run, 'lock'), `${dead}\n`);
    writeFileSync(join(run, `journal.json.${dead}.tmp`), '{');

    const store = new FileStateStore(root);
    expect(store.tryLock()).toBe(true);
    expect(readFileSync(join(run, 'lock'), 'utf8')).toBe(`${process.pid}\n`);
    expect(readdirSync(run)).toEqual(['lock']);
  });
});
