/**
 * The executor's own state: one host-wide lock and the journal of the run holding it, under
 * `<root>/run/mdev-agg/`. A file store for real runs; a memory store for `--simulate`, which
 * writes nothing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isSafeSysfsName, normaliseUuid } from '../core/names';
import { PathEscapeError } from '../core/sysfs';

export interface JournalEntry {
  uuid: string;
  parent: string;
  type: string;
  instances: number;
  /** apply: `creating` before the create write, `done` once verified. release: `removing`. */
  state: 'creating' | 'done' | 'removing';
}

export interface Journal {
  pid: number;
  kind: 'apply' | 'release';
  domain: string | null;
  entries: JournalEntry[];
}

export interface StateStore {
  /** Takes the lock or returns false when a live holder keeps it; a dead holder's lock is taken over. */
  tryLock(): boolean;
  unlock(): void;
  readJournal(): Journal | null;
  writeJournal(journal: Journal): void;
  clearJournal(): void;
}

export class JournalUnreadableError extends Error {}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * The lock is a directory `lock` holding one file named by its holder's pid. It is taken by renaming
 * a ready directory onto `lock`, which the kernel does only while `lock` is absent or empty, so the
 * lock and its holder's name appear together. A dead holder's lock is emptied by removing
 * `lock/<its pid>`: that name exists only in the lock it was read from, so a waiter that judged an
 * earlier holder dead can never remove a newer holder's lock (renaming or removing `lock` itself
 * could, and two waiters then both held it), and of the waiters racing for an emptied lock, one
 * rename succeeds.
 */
export class FileStateStore implements StateStore {
  private readonly realRoot: string;
  private resolvedDir: string | null = null;

  /** `pid`: the process this store takes the lock for (tests stand in for other processes). */
  constructor(root: string, private readonly pid = process.pid) {
    this.realRoot = fs.realpathSync.native(path.resolve(root));
  }

  /** Whether a process is alive; tests stand in for other processes and interleave them here. */
  protected isAlive(pid: number): boolean {
    return isAlive(pid);
  }

  /**
   * `<root>/run/mdev-agg`, made one level at a time, each level checked to resolve inside the root
   * before the next is made: a `run` that links out of the root gets nothing created under it.
   * PathEscapeError (from tryLock, so the executor reports it) otherwise.
   */
  private get dir(): string {
    if (this.resolvedDir !== null) return this.resolvedDir;
    let real = this.realRoot;
    const levels = [{ name: 'run', hostPath: '/run', mode: 0o755 }, { name: 'mdev-agg', hostPath: '/run/mdev-agg', mode: 0o700 }];
    for (const { name, hostPath, mode } of levels) {
      const next = path.join(real, name);
      try {
        fs.mkdirSync(next, { mode });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      real = fs.realpathSync.native(next);
      const inside = this.realRoot === '/' || real.startsWith(`${this.realRoot}/`);
      if (!inside) throw new PathEscapeError(hostPath, real);
    }
    return (this.resolvedDir = real);
  }

  private get lockPath() {
    return path.join(this.dir, 'lock');
  }
  private get journalPath() {
    return path.join(this.dir, 'journal.json');
  }

  tryLock(): boolean {
    const ready = `${this.lockPath}.${this.pid}.new`;
    fs.rmSync(ready, { recursive: true, force: true });
    fs.mkdirSync(ready, { mode: 0o700 });
    try {
      fs.writeFileSync(path.join(ready, String(this.pid)), `${this.pid}\n`, { flag: 'wx', mode: 0o600 });
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          fs.renameSync(ready, this.lockPath);
          this.sweepLeftovers();
          return true;
        } catch (e) {
          // Held (a directory with a name in it), or something other than a directory at `lock`.
          if (!['ENOTEMPTY', 'EEXIST', 'ENOTDIR', 'EISDIR'].includes((e as NodeJS.ErrnoException).code ?? '')) throw e;
        }
        if (this.heldByLiveProcess()) return false;
      }
      return false;
    } finally {
      // Gone once renamed; removed after a failed attempt, so a waiting run leaves nothing.
      fs.rmSync(ready, { recursive: true, force: true });
    }
  }

  /**
   * Whether a live process holds the lock. Otherwise clears what stands in the way of the next
   * rename: a dead holder's name (the lock is then empty) or a non-directory at `lock`.
   */
  private heldByLiveProcess(): boolean {
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(this.lockPath);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw e;
    }
    if (!stat.isDirectory()) {
      // Not made by a run: planted, or a lock file of a build before the directory. A file naming a
      // live process is respected; a link or anything else is removed, never followed. unlink cannot
      // remove a directory, so a lock another waiter took meanwhile stays.
      const holder = stat.isFile() ? Number.parseInt(readSmall(this.lockPath, '') ?? '', 10) : Number.NaN;
      if (Number.isInteger(holder) && holder > 0 && this.isAlive(holder)) return true;
      removeIfThere(() => fs.unlinkSync(this.lockPath), ['EISDIR']);
      return false;
    }
    let names: string[];
    try {
      names = fs.readdirSync(this.lockPath);
    } catch (e) {
      // Unlocked (or replaced) since the lstat: free for the next rename to find out.
      if (['ENOENT', 'ENOTDIR'].includes((e as NodeJS.ErrnoException).code ?? '')) return false;
      throw e;
    }
    let live = false;
    for (const name of names) {
      const holder = /^[1-9][0-9]{0,9}$/.test(name) ? Number(name) : Number.NaN;
      if (Number.isInteger(holder) && this.isAlive(holder)) live = true;
      // A lock taken by rename holds only its holder's pid: no newer lock can hold this name.
      else removeIfThere(() => fs.rmSync(path.join(this.lockPath, name), { recursive: true }), []);
    }
    return live;
  }

  /**
   * Files a run killed half-way leaves (`journal.json.<pid>.tmp` while writing its journal,
   * `lock.<pid>.new` while taking the lock), which nobody else would ever remove. Only the lock
   * holder writes a journal and a run's ready lock is its own, so once the lock is ours a dead
   * process's file of either kind is garbage.
   */
  private sweepLeftovers() {
    // Housekeeping only: nothing here may throw once the lock is taken, or the lock would stay.
    let names: string[];
    try {
      names = fs.readdirSync(this.dir);
    } catch {
      return;
    }
    for (const name of names) {
      const m = /^(?:journal\.json\.(\d+)\.tmp|lock\.(\d+)\.new)$/.exec(name);
      if (!m) continue;
      const pid = Number(m[1] ?? m[2]);
      if (pid === this.pid || this.isAlive(pid)) continue;
      try {
        // Removes a link itself, never its target.
        fs.rmSync(path.join(this.dir, name), { recursive: true, force: true });
      } catch {
        // not a leftover of a run
      }
    }
  }

  unlock() {
    // Empty the lock, then remove it unless another run's rename has already replaced it.
    if (!fs.lstatSync(this.lockPath, { throwIfNoEntry: false })?.isDirectory()) return;
    removeIfThere(() => fs.unlinkSync(path.join(this.lockPath, String(this.pid))), []);
    removeIfThere(() => fs.rmdirSync(this.lockPath), ['ENOTEMPTY', 'EEXIST', 'ENOTDIR']);
  }

  readJournal(): Journal | null {
    let text: string | null;
    try {
      text = readSmall(this.journalPath);
    } catch (e) {
      throw new JournalUnreadableError(`${this.journalPath}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    if (text === null) return null;
    let journal: unknown;
    try {
      journal = JSON.parse(text);
    } catch {
      // The parser's message quotes the text: say only that it is not JSON.
      throw new JournalUnreadableError(`${this.journalPath}: not JSON`);
    }
    const why = journalDefect(journal);
    if (why) throw new JournalUnreadableError(`${this.journalPath}: ${why}`);
    return journal as Journal;
  }

  writeJournal(journal: Journal) {
    // Write then rename: a run killed mid-write leaves the previous journal, never half of one.
    // A fresh file, never a link someone left at the name: O_EXCL and O_NOFOLLOW after removing it.
    const tmp = `${this.journalPath}.${this.pid}.tmp`;
    fs.rmSync(tmp, { force: true });
    const fd = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o600);
    fs.writeSync(fd, JSON.stringify(journal));
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.renameSync(tmp, this.journalPath);
  }

  clearJournal() {
    fs.rmSync(this.journalPath, { force: true });
  }
}

/** Runs a removal; the file being gone already, or one of `alsoFine`, is no failure. */
function removeIfThere(remove: () => void, alsoFine: string[]) {
  try {
    remove();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    if (code !== 'ENOENT' && !alsoFine.includes(code)) throw e;
  }
}

/**
 * At most 64 KiB of a regular file, without following a link (ELOOP) or waiting on a FIFO; null
 * when absent. `whenLink`, if given, is returned for a link instead of throwing.
 */
function readSmall(file: string, whenLink?: string): string | null {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'ELOOP' && whenLink !== undefined) return whenLink;
    throw e;
  }
  try {
    if (!fs.fstatSync(fd).isFile()) throw Object.assign(new Error(`${file} is not a regular file`), { code: 'EINVAL' });
    const buffer = Buffer.alloc(65536);
    return buffer.toString('utf8', 0, fs.readSync(fd, buffer, 0, buffer.length, 0));
  } finally {
    fs.closeSync(fd);
  }
}

const ENTRY_STATES = ['creating', 'done', 'removing'];

/**
 * Why a parsed journal cannot be acted on, or null. Its names become paths of removals run as
 * root, so they obey the rules a domain's do: a normalised UUID, safe parent and type names.
 */
function journalDefect(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return 'not an object';
  const j = value as Record<string, unknown>;
  if (j.kind !== 'apply' && j.kind !== 'release') return 'kind is not apply or release';
  if (!Array.isArray(j.entries)) return 'no entries';
  for (const [i, entry] of (j.entries as unknown[]).entries()) {
    const e = entry as Record<string, unknown> | null;
    const valid =
      typeof e === 'object' && e !== null &&
      typeof e.uuid === 'string' && normaliseUuid(e.uuid) === e.uuid &&
      typeof e.type === 'string' && isSafeSysfsName(e.type) &&
      typeof e.parent === 'string' && (e.parent === '' || isSafeSysfsName(e.parent)) &&
      Number.isInteger(e.instances) &&
      ENTRY_STATES.includes(e.state as string);
    if (!valid) return `entry ${i} is not a journal entry (a lower-case UUID, safe parent and type names, a count, a state)`;
  }
  return null;
}

/** For `--simulate` and in-process tests: the same protocol, held in memory. */
export class MemoryStateStore implements StateStore {
  locked = false;
  journal: Journal | null = null;
  /** Journals as written, for tests that stop a run at each step. */
  readonly history: Journal[] = [];

  tryLock() {
    if (this.locked) return false;
    this.locked = true;
    return true;
  }
  unlock() {
    this.locked = false;
  }
  readJournal() {
    return this.journal && structuredClone(this.journal);
  }
  writeJournal(journal: Journal) {
    this.journal = structuredClone(journal);
    this.history.push(this.journal);
  }
  clearJournal() {
    this.journal = null;
  }
}
