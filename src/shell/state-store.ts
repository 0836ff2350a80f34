/**
 * The executor's own state: one host-wide lock and the journal of the run holding it, under
 * `<root>/run/mdev-agg/`. A file store for real runs; a memory store for `--simulate`, which
 * writes nothing.
 */
import { isJsonObject, parseJsonDocument } from '../core/text/json-text';
import { isSafeSysfsName, normaliseUuid } from '../core/reading/names';
import { SysfsError } from '../core/host/sysfs';
import { ConfinedTree } from './files/guarded-fs';
import { STATE_DIR } from '../core/host/host-layout';
import type { PlacedDevice } from '../core/host/host-model';

export interface JournalEntry extends PlacedDevice {
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
  /**
   * Takes the lock or returns false when a live holder keeps it; a dead holder's lock is taken
   * over, and so is one naming no start time once older than `unverifiedHolderMs`.
   */
  tryLock(unverifiedHolderMs?: number): boolean;
  unlock(): void;
  /** The journal an interrupted run left, null when none; JournalUnreadableError when it cannot be acted on. */
  readJournal(): Journal | null;
  /** Starts this run's journal with its first entries (a journal left behind was reconciled first). */
  startJournal(journal: Journal): void;
  /** Records one entry's new state (a new entry, or the next state of one recorded). */
  recordJournal(entry: JournalEntry): void;
  clearJournal(): void;
  /** Moves an unreadable journal (or list of unreconciled devices) aside, kept, renamed with a timestamp; the new host path, or null. */
  setJournalAside(which?: JournalFile): string | null;
  /** The devices earlier runs could not remove while reconciling, null when none; JournalUnreadableError when it cannot be acted on. */
  readUnreconciled(): Journal | null;
  /** Keeps the devices reconciliation could not remove, for every later run to retry (null: none left). */
  keepUnreconciled(journal: Journal | null): void;
}

/** The journal of the run holding the lock, or the devices reconciliation could not remove yet. */
export type JournalFile = 'journal' | 'unreconciled';

/** A journal that cannot be acted on; `devices` are the UUIDs its text names, for the operator to check. */
export class JournalUnreadableError extends Error {
  constructor(message: string, readonly devices: string[]) {
    super(message);
  }
}

/**
 * The journal is one JSON object per line: its header (pid, kind, domain), then one entry per
 * change of state, appended and flushed before the step it announces, so a run costs one short
 * write per step however many devices it has. One limit holds for writing and reading; an entry
 * takes about 200 bytes and the domain name is kept to MAX_JOURNAL_DOMAIN characters, so the
 * largest domain accepted (4 MiB, at most some 20,000 devices, two lines each) stays well below it.
 * A line a killed run left half-written (no final newline) announced a step never taken: it is
 * ignored.
 */
export const MAX_JOURNAL_BYTES = 16 * 1024 * 1024;
const MAX_JOURNAL_DOMAIN = 256;
/** How long a lock naming no start time is respected when the caller names no lock timeout. */
const DEFAULT_UNVERIFIED_HOLDER_MS = 30_000;
const LOCK_DIR = STATE_DIR;
const LOCK = `${LOCK_DIR}/lock`;
const JOURNAL = `${LOCK_DIR}/journal.json`;
const FILES: Record<JournalFile, string> = { journal: JOURNAL, unreconciled: `${LOCK_DIR}/unreconciled.json` };

/** The kernel's start time of a process (`/proc/<pid>/stat`, field 22, clock ticks since boot), or null. */
export function processStartTime(proc: ConfinedTree, pid: number): string | null {
  let text: string | null;
  try {
    text = proc.read(`/proc/${pid}/stat`, 4096);
  } catch {
    return null;
  }
  // The command name (field 2) is in parentheses and may hold anything, ')' and spaces included.
  const fields = text?.slice(text.lastIndexOf(')') + 2).split(' ');
  const start = fields?.[19];
  return start !== undefined && /^[0-9]+$/.test(start) ? start : null;
}

/**
 * Whether the process that wrote a lock is alive: its pid exists and, when the lock recorded its
 * start time, the process now holding that pid started then (a reused pid is another process).
 */
function isAlive(proc: ConfinedTree, pid: number, startTime: string | null): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (startTime === null) return true;
  const now = processStartTime(proc, pid);
  return now === null || now === startTime;
}

/** `<pid>` or `<pid> <start time>`, as a lock records its holder. */
function parseHolder(text: string | null): { pid: number; startTime: string | null } | null {
  const m = /^([1-9][0-9]{0,9})(?: ([0-9]{1,20}))?\n?$/.exec(text ?? '');
  return m ? { pid: Number(m[1]), startTime: m[2] ?? null } : null;
}

/**
 * The lock is a directory `lock` holding one file named by its holder's pid (its content: the pid
 * and the process's start time). It is taken by renaming a ready directory onto `lock`, which the
 * kernel does only while `lock` is absent or empty, so the lock and its holder's name appear
 * together. A dead holder's lock is emptied by removing `lock/<its pid>`: that name exists only in
 * the lock it was read from, so a waiter that judged an earlier holder dead can never remove a
 * newer holder's lock (renaming or removing `lock` itself could, and two waiters then both held
 * it), and of the waiters racing for an emptied lock, one rename succeeds. Every access goes
 * through the guarded file module, confined under the root.
 */
export class FileStateStore implements StateStore {
  private readonly tree: ConfinedTree;
  /** The machine's own /proc: a lock holder is a process of this machine, whatever the root. */
  private readonly proc = new ConfinedTree('/');
  private dirReady = false;

  /** `pid`: the process this store takes the lock for (tests stand in for other processes). */
  constructor(root: string, private readonly pid = process.pid, private readonly now: () => Date = () => new Date()) {
    this.tree = new ConfinedTree(root);
  }

  /** Whether a process is alive; tests stand in for other processes and interleave them here. */
  protected isAlive(pid: number, startTime: string | null): boolean {
    return isAlive(this.proc, pid, startTime);
  }

  /**
   * `<root>/run/mdev-agg`, made one level at a time, each level checked to resolve inside the root
   * before the next is made: a `run` that links out of the root gets nothing created under it
   * (PathEscapeError), a `run` that is a file, a dangling link or a loop is a SysfsError.
   */
  private ensureDir(): void {
    if (this.dirReady) return;
    this.tree.makeDirectories(LOCK_DIR, [0o755, 0o700]);
    this.dirReady = true;
  }

  tryLock(unverifiedHolderMs = DEFAULT_UNVERIFIED_HOLDER_MS): boolean {
    this.ensureDir();
    const ready = `${LOCK}.${this.pid}.new`;
    this.tree.removeEntry(ready);
    this.tree.makeDirectories(ready, [0o700]);
    let renamed = false;
    try {
      const start = processStartTime(this.proc, this.pid);
      // Not flushed: a holder file a crash left empty or short names no start time, and such a
      // lock is judged by its process and its age (holds), as a lock this product never wrote.
      this.tree.createFile(`${ready}/${this.pid}`, `${this.pid}${start === null ? '' : ` ${start}`}\n`, 0o600, false);
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          this.tree.rename(ready, LOCK);
          renamed = true;
          this.sweepLeftovers();
          return true;
        } catch (e) {
          // Held (a directory with a name in it), or something other than a directory at `lock`.
          if (!(e instanceof SysfsError) || !['ENOTEMPTY', 'EEXIST', 'ENOTDIR', 'EISDIR'].includes(e.errno)) throw e;
        }
        if (this.heldByLiveProcess(unverifiedHolderMs)) return false;
      }
      return false;
    } finally {
      // Gone once renamed; removed after a failed attempt, so a waiting run leaves nothing.
      if (!renamed) this.tree.removeEntry(ready);
    }
  }

  /** The holder a lock file names, read without following a link or waiting on a FIFO. */
  private holderIn(hostPath: string): { pid: number; startTime: string | null } | null {
    try {
      return parseHolder(this.tree.read(hostPath, 64));
    } catch {
      return null;
    }
  }

  /**
   * Whether a live process holds the lock. Otherwise clears what stands in the way of the next
   * rename: a dead holder's name (the lock is then empty) or a non-directory at `lock`.
   */
  private heldByLiveProcess(unverifiedHolderMs: number): boolean {
    const kind = this.tree.entryKind(LOCK);
    if (kind === null) return false;
    if (kind !== 'directory') {
      // Not made by a run: planted, or a lock file of a build before the directory. A file naming a
      // live process is respected; a link or anything else is removed, never followed. unlink cannot
      // remove a directory, so a lock another waiter took meanwhile stays.
      const holder = kind === 'file' ? this.holderIn(LOCK) : null;
      if (holder !== null && this.holds(LOCK, holder.pid, holder.startTime, unverifiedHolderMs)) return true;
      this.tree.unlinkEntry(LOCK);
      return false;
    }
    let names: string[] | null;
    try {
      names = this.tree.list(LOCK);
    } catch {
      names = null;
    }
    // Unlocked (or replaced) since: free for the next rename to find out.
    if (names === null) return false;
    let live = false;
    try {
      for (const name of names) {
        const named = /^[1-9][0-9]{0,9}$/.test(name) ? Number(name) : Number.NaN;
        const holder = this.tree.entryKind(`${LOCK}/${name}`) === 'file' ? this.holderIn(`${LOCK}/${name}`) : null;
        const startTime = holder?.pid === named ? holder.startTime : null;
        if (Number.isInteger(named) && this.holds(`${LOCK}/${name}`, named, startTime, unverifiedHolderMs)) live = true;
        // A lock taken by rename holds only its holder's pid: no newer lock can hold this name.
        else this.tree.removeEntry(`${LOCK}/${name}`);
      }
    } catch (e) {
      // The lock was emptied and released (perhaps taken again) by other runs while these names
      // were judged: the next rename finds out whether it is free. Anything else is a real failure.
      if (!(e instanceof SysfsError) || !['ENOENT', 'ENOTDIR'].includes(e.errno)) throw e;
      return false;
    }
    return live;
  }

  /**
   * Whether the holder a lock file names still holds it. Every lock this product writes records
   * its holder's start time (read from this machine's /proc), so a name without one (empty, a pid
   * alone, or content naming another pid) was not written by a run of it: a pid alone cannot tell
   * the holder from a process that reused the pid, so such a name is respected while its process
   * lives and the file is younger than the lock timeout, then taken over. A time in the future is
   * no age at all (a clock set back, or a planted date): such a name is taken over at once.
   */
  private holds(lockFile: string, pid: number, startTime: string | null, unverifiedHolderMs: number): boolean {
    if (!this.isAlive(pid, startTime)) return false;
    if (startTime !== null) return true;
    const written = this.tree.modifiedAt(lockFile);
    if (written === null) return false;
    // The clock gives whole milliseconds and a file's time is finer: a name written in the current
    // millisecond is not dated in the future.
    const age = this.now().getTime() - Math.floor(written);
    return age >= 0 && age < unverifiedHolderMs;
  }

  /**
   * Files a run killed half-way leaves (`journal.json.<pid>.tmp` while writing its journal,
   * `lock.<pid>.new` while taking the lock), which nobody else would ever remove. Only the lock
   * holder writes a journal and a run's ready lock is its own, so once the lock is ours a dead
   * process's file of either kind is garbage.
   */
  private sweepLeftovers() {
    // Housekeeping only: nothing here may throw once the lock is taken, or the lock would stay.
    try {
      for (const name of this.tree.list(LOCK_DIR) ?? []) {
        const m = /^(?:\.?journal\.json\.(\d+)\.tmp|lock\.(\d+)\.new)$/.exec(name);
        if (!m) continue;
        const pid = Number(m[1] ?? m[2]);
        if (pid === this.pid || this.isAlive(pid, null)) continue;
        this.tree.removeEntry(`${LOCK_DIR}/${name}`);
      }
    } catch {
      // not a leftover of a run
    }
  }

  unlock() {
    // Empty the lock, then remove it unless another run's rename has already replaced it.
    if (this.tree.entryKind(LOCK) !== 'directory') return;
    this.tree.unlinkEntry(`${LOCK}/${this.pid}`);
    this.tree.removeEmptyDirectory(LOCK);
  }

  readJournal(): Journal | null {
    return this.readFile(JOURNAL);
  }

  readUnreconciled(): Journal | null {
    return this.readFile(FILES.unreconciled);
  }

  private readFile(file: string): Journal | null {
    this.ensureDir();
    let text: string | null;
    try {
      text = this.tree.read(file, MAX_JOURNAL_BYTES);
    } catch (e) {
      const why = e instanceof SysfsError ? `${e.errno}${e.message.includes('(') ? ` ${e.message.slice(e.message.indexOf('('))}` : ''}` : (e as Error).message;
      throw new JournalUnreadableError(`${file}: ${why}`, []);
    }
    if (text === null) return null;
    const read = parseJournal(text);
    if (typeof read === 'string') throw new JournalUnreadableError(`${file}: ${read}`, uuidsIn(text));
    return read;
  }

  startJournal(journal: Journal) {
    this.writeFile(JOURNAL, journal);
  }

  keepUnreconciled(journal: Journal | null) {
    if (journal === null) this.tree.removeEntry(FILES.unreconciled);
    else this.writeFile(FILES.unreconciled, journal);
  }

  private writeFile(file: string, journal: Journal) {
    this.ensureDir();
    const domain = journal.domain !== null && journal.domain.length > MAX_JOURNAL_DOMAIN ? `${journal.domain.slice(0, MAX_JOURNAL_DOMAIN)}…` : journal.domain;
    const lines = [JSON.stringify({ pid: journal.pid, kind: journal.kind, domain }), ...journal.entries.map((e) => JSON.stringify(e))];
    const text = `${lines.join('\n')}\n`;
    if (Buffer.byteLength(text) > MAX_JOURNAL_BYTES) throw new SysfsError('EFBIG', file, 'write', `the journal would be larger than ${MAX_JOURNAL_BYTES} bytes`);
    // Written beside, then renamed: the journal appears whole, header and first entries together.
    this.tree.replaceFile(file, text, 0o600, String(this.pid));
  }

  recordJournal(entry: JournalEntry) {
    this.tree.appendFile(JOURNAL, `${JSON.stringify(entry)}\n`, MAX_JOURNAL_BYTES);
  }

  clearJournal() {
    this.tree.removeEntry(JOURNAL);
  }

  setJournalAside(which: JournalFile = 'journal'): string | null {
    const file = FILES[which];
    if (this.tree.entryKind(file) === null) return null;
    const stamp = this.now().toISOString().replace(/[:.]/g, '-');
    const aside = `${file}.damaged-${stamp}`;
    this.tree.rename(file, aside);
    return aside;
  }
}

/**
 * The journal a text holds, or why it cannot be acted on. The header line, then entries; the
 * last state recorded for a UUID is its state, in the order the UUIDs first appear. The single
 * object of earlier builds (`entries` inside the header) is read too.
 */
function parseJournal(text: string): Journal | string {
  const lines = text.split('\n');
  const last = lines.pop()!;
  // Earlier builds wrote one object without a newline; the header of this format is never torn
  // (it is renamed into place), so a lone unterminated line holding entries is such a journal.
  if (lines.length === 0 && /^\s*\{.*"entries"\s*:/s.test(last)) lines.push(last);
  // Otherwise a last line without its newline was being written when the run was killed: its step was never taken.
  if (lines.length === 0) return 'empty';
  const values: unknown[] = [];
  for (const [i, line] of lines.entries()) {
    const document = parseJsonDocument(line);
    if (!document.ok) return `line ${i + 1}: ${document.message}`;
    values.push(document.value);
  }
  const [header, ...entryValues] = values;
  const legacy = isJsonObject(header) && 'entries' in header && entryValues.length === 0;
  const why = headerDefect(header, legacy);
  if (why) return `line 1: ${why}`;
  const all = legacy ? ((header as Record<string, unknown>).entries as unknown[]) : entryValues;
  const entries = new Map<string, JournalEntry>();
  for (const [i, entry] of all.entries()) {
    const defect = entryDefect(entry);
    if (defect) return legacy ? `entry ${i}: ${defect}` : `line ${i + 2}: ${defect}`;
    const e = entry as unknown as JournalEntry;
    entries.set(e.uuid, { uuid: e.uuid, parent: e.parent, type: e.type, instances: e.instances, state: e.state });
  }
  const h = header as Record<string, unknown>;
  return { pid: h.pid as number, kind: h.kind as Journal['kind'], domain: h.domain as string | null, entries: [...entries.values()] };
}

/** The lower-case dashed UUIDs a text names, at most 1,000, for a report about a journal that cannot be read. */
function uuidsIn(text: string): string[] {
  const found = new Set<string>();
  for (const m of text.matchAll(/[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}/g)) {
    const uuid = normaliseUuid(m[0]);
    if (uuid !== null) found.add(uuid);
    if (found.size >= 1000) break;
  }
  return [...found];
}

const ENTRY_STATES = ['creating', 'done', 'removing'];
const HEADER_KEYS = ['pid', 'kind', 'domain'];
const ENTRY_KEYS = ['uuid', 'parent', 'type', 'instances', 'state'];

/** Why a journal's header cannot be acted on, or null: every field of its type, nothing else there. */
function headerDefect(value: unknown, legacy: boolean): string | null {
  if (!isJsonObject(value)) return 'not an object';
  const extra = Object.keys(value).find((k) => !HEADER_KEYS.includes(k) && !(legacy && k === 'entries'));
  if (extra !== undefined) return 'a key that is not pid, kind or domain';
  if (!Number.isSafeInteger(value.pid) || (value.pid as number) < 1) return 'pid is not a positive integer';
  if (value.kind !== 'apply' && value.kind !== 'release') return 'kind is not apply or release';
  if (value.domain !== null && typeof value.domain !== 'string') return 'domain is not a string or null';
  if (legacy && !Array.isArray(value.entries)) return 'entries is not a list';
  return null;
}

/**
 * Why an entry cannot be acted on, or null. Its names become paths of removals run as root, so
 * they obey the rules a domain's do: a normalised UUID, safe parent and type names.
 */
function entryDefect(entry: unknown): string | null {
  const valid =
    isJsonObject(entry) &&
    Object.keys(entry).every((k) => ENTRY_KEYS.includes(k)) &&
    typeof entry.uuid === 'string' && normaliseUuid(entry.uuid) === entry.uuid &&
    typeof entry.type === 'string' && isSafeSysfsName(entry.type) &&
    typeof entry.parent === 'string' && (entry.parent === '' || isSafeSysfsName(entry.parent)) &&
    Number.isSafeInteger(entry.instances) && (entry.instances as number) >= 1 && (entry.instances as number) <= 2147483647 &&
    ENTRY_STATES.includes(entry.state as string);
  return valid ? null : 'not a journal entry (a lower-case UUID, safe parent and type names, a count, a state)';
}

/** For `--simulate` and in-process tests: the same protocol, held in memory. */
export class MemoryStateStore implements StateStore {
  locked = false;
  journal: Journal | null = null;
  unreconciled: Journal | null = null;

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
  startJournal(journal: Journal) {
    this.journal = structuredClone(journal);
  }
  recordJournal(entry: JournalEntry) {
    if (!this.journal) throw new Error('recordJournal before startJournal');
    const at = this.journal.entries.findIndex((e) => e.uuid === entry.uuid);
    if (at >= 0) this.journal.entries[at] = { ...entry };
    else this.journal.entries.push({ ...entry });
  }
  clearJournal() {
    this.journal = null;
  }
  setJournalAside(which: JournalFile = 'journal') {
    this[which] = null;
    return null;
  }
  readUnreconciled() {
    return this.unreconciled && structuredClone(this.unreconciled);
  }
  keepUnreconciled(journal: Journal | null) {
    this.unreconciled = journal && structuredClone(journal);
  }
}
