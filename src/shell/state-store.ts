/**
 * The executor's own state: one host-wide lock and the journal of the run holding it, under
 * `<root>/run/mdev-agg/`. A file store for real runs; a memory store for `--simulate`, which
 * writes nothing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
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
  private readonly dir: string;

  constructor(root: string) {
    const realRoot = fs.realpathSync.native(path.resolve(root));
    const dir = path.join(realRoot, 'run', 'mdev-agg');
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const realDir = fs.realpathSync.native(dir);
    const inside = realRoot === '/' ? realDir.startsWith('/') : realDir.startsWith(`${realRoot}/`);
    if (!inside) throw new PathEscapeError('/run/mdev-agg', realDir);
    this.dir = realDir;
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
        return true;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const holder = Number.parseInt(readSmall(this.lockPath) ?? '', 10);
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

  unlock() {
    if (readSmall(this.lockPath)?.trim() === String(process.pid)) fs.unlinkSync(this.lockPath);
  }

  readJournal(): Journal | null {
    const text = readSmall(this.journalPath);
    if (text === null) return null;
    try {
      const j = JSON.parse(text) as Journal;
      if (!Array.isArray(j.entries)) throw new Error('no entries');
      return j;
    } catch (e) {
      throw new JournalUnreadableError(`${this.journalPath}: ${(e as Error).message}`);
    }
  }

  writeJournal(journal: Journal) {
    // Write then rename: a run killed mid-write leaves the previous journal, never half of one.
    const tmp = `${this.journalPath}.${process.pid}.tmp`;
    const fd = fs.openSync(tmp, 'w', 0o600);
    fs.writeSync(fd, JSON.stringify(journal));
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.renameSync(tmp, this.journalPath);
  }

  clearJournal() {
    fs.rmSync(this.journalPath, { force: true });
  }
}

function readSmall(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8').slice(0, 65536);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
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
