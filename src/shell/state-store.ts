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

export class FileStateStore implements StateStore {
  private readonly realRoot: string;
  private resolvedDir: string | null = null;

  constructor(root: string) {
    this.realRoot = fs.realpathSync.native(path.resolve(root));
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
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = fs.openSync(this.lockPath, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o600);
        fs.writeSync(fd, `${process.pid}\n`);
        fs.closeSync(fd);
        this.sweepLeftovers();
        return true;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      // A lock that is a link was planted, not written by a run: as stale as a dead holder's.
      const holder = Number.parseInt(readSmall(this.lockPath, '') ?? '', 10);
      // An empty lock file is a holder killed between create and write: as dead as any other.
      if (Number.isInteger(holder) && holder > 0 && isAlive(holder)) return false;
      // Take over atomically: rename the stale lock away, so two waiters cannot both remove it.
      const stale = `${this.lockPath}.stale.${process.pid}`;
      try {
        fs.renameSync(this.lockPath, stale);
        fs.unlinkSync(stale);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    }
    return false;
  }

  /**
   * A run killed while writing its journal or taking over a lock leaves `journal.json.<pid>.tmp`
   * or `lock.stale.<pid>`, which nobody else would ever remove. Only the lock holder writes a
   * journal, so once the lock is ours a dead process's file of either kind is garbage.
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
      const m = /^(?:journal\.json\.(\d+)\.tmp|lock\.stale\.(\d+))$/.exec(name);
      if (!m) continue;
      const pid = Number(m[1] ?? m[2]);
      if (pid === process.pid || isAlive(pid)) continue;
      try {
        // Removes a link itself, never its target; a directory planted under such a name stays.
        fs.rmSync(path.join(this.dir, name), { force: true });
      } catch {
        // not a leftover of a run
      }
    }
  }

  unlock() {
    if (readSmall(this.lockPath, '')?.trim() === String(process.pid)) fs.unlinkSync(this.lockPath);
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
    const tmp = `${this.journalPath}.${process.pid}.tmp`;
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
