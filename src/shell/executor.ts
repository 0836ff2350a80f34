/**
 * Carrying out a plan on a host: under the host-wide lock, after reconciling any journal an
 * interrupted run left, with read-back after each step and, on failure, removal of what this run
 * created, newest first. The first error is always reported first.
 */
import { type Code, type Diagnostic, type Position, diagnostic, hasErrors } from '../core/text/diagnostics';
import type { DomainModel } from '../core/reading/domain';
import { readHost } from '../core/host/read-host';
import type { HostModel } from '../core/host/host-model';
import { type DevicePlan, type Plan, type PlanOp, planApply, planRelease, removalOps } from '../core/plan/plan';
import { PathEscapeError, type Sysfs, SysfsError } from '../core/host/sysfs';
import { deviceAttr, deviceDir, MDEV_DEVICES } from '../core/host/host-layout';
import { FileRefusedError } from './files/guarded-fs';
import { type Journal, type JournalEntry, type JournalFile, JournalUnreadableError, type StateStore } from './state-store';
import { type Clock, systemClock } from './clock';


export interface ExecutorOptions {
  sysfs: Sysfs;
  store: StateStore;
  lockTimeoutMs: number;
  clock?: Clock;
  /** Called before every sysfs write; tests throw from it to stop a run at that point. */
  beforeWrite?: (index: number, path: string) => void;
}

export interface TransactionOutcome {
  plan: Plan | null;
  /** Host read under the lock, before any change. */
  host: HostModel | null;
  diagnostics: Diagnostic[];
  created: string[];
  removed: string[];
  rolledBack: string[];
  writes: number;
  /** True when a rollback or reconciliation could not finish: the host may hold a device it should not. */
  unclean: boolean;
}

class StepFailure extends Error {
  constructor(readonly code: Code, message: string) {
    super(message);
  }
}

/** apply or release one domain, the whole transaction. */
export function transact(kind: 'apply' | 'release', domain: DomainModel, options: ExecutorOptions): TransactionOutcome {
  const outcome: TransactionOutcome = { plan: null, host: null, diagnostics: [], created: [], removed: [], rolledBack: [], writes: 0, unclean: false };
  const positionOf = (uuid: string | null): Position => domain.devices.find((d) => d.uuid === uuid)?.at ?? { line: 1, column: 1 };
  const note: Note = (code, message, uuid = null, severity) => {
    const found = diagnostic(code, message, domain.file, positionOf(uuid));
    outcome.diagnostics.push(severity ? { ...found, severity } : found);
  };

  const clock = options.clock ?? systemClock;
  const deadline = clock.now() + options.lockTimeoutMs;
  const tryLock = () => {
    try {
      return options.store.tryLock(options.lockTimeoutMs);
    } catch (e) {
      // The lock's directory leaves the root, or cannot be made or used: refused before any write.
      if (e instanceof PathEscapeError || e instanceof SysfsError) return e;
      throw e;
    }
  };
  for (let locked = tryLock(); locked !== true; locked = tryLock()) {
    if (locked instanceof PathEscapeError) {
      note('E_PATH_ESCAPE', `${locked.message}: the lock and journal stay under the root`);
      return outcome;
    }
    if (locked instanceof SysfsError) {
      note(locked instanceof FileRefusedError ? locked.refusal : 'E_LOCK_UNAVAILABLE', `the host lock (/run/mdev-agg/lock) cannot be taken: ${locked.message}`);
      outcome.unclean = true;
      return outcome;
    }
    if (clock.now() >= deadline) {
      note('E_LOCK_TIMEOUT', `the host lock (/run/mdev-agg/lock) is held by a live process; gave up after ${options.lockTimeoutMs} ms`);
      return outcome;
    }
    clock.sleep(50);
  }
  try {
    const steps = new Steps(options, outcome);
    const unreconciled = reconcile(options.store, steps, note, outcome);
    if (unreconciled === null) return outcome;
    const stuck = kind === 'apply' ? domain.devices.find((d) => d.uuid !== null && unreconciled.has(d.uuid)) : undefined;
    if (stuck) {
      // Still listed to be removed: taking it for this guest would hand it a device a later run removes.
      note('E_ROLLBACK_FAILED', `${stuck.uuid} was made by an interrupted run and could not be removed yet (W_RECONCILE_PENDING); this domain is refused until it is`, stuck.uuid);
      outcome.unclean = true;
      return outcome;
    }
    outcome.host = readHost(options.sysfs);
    const plan = kind === 'apply' ? planApply(domain, outcome.host) : planRelease(domain, outcome.host);
    outcome.plan = plan;
    outcome.diagnostics.push(...plan.diagnostics);
    // An apply is all or nothing. A release frees what exists as declared and leaves (and reports)
    // the rest: one conflicting device must not keep a stopped guest's other devices taken.
    if (kind === 'apply' && hasErrors(plan.diagnostics)) return outcome;

    if (kind === 'apply') runApply(plan, options.store, steps, note, outcome);
    else runRelease(plan, options.store, steps, note, outcome);
    return outcome;
  } finally {
    unlock(options.store, note, outcome);
  }
}

/** Releases the lock; its directory replaced meanwhile (a link out of the root, a file) is reported, never an internal error. */
function unlock(store: StateStore, note: Note, outcome: TransactionOutcome) {
  storeStep(note, outcome, () => store.unlock(), (e) => [e instanceof PathEscapeError ? 'E_PATH_ESCAPE' : 'E_LOCK_UNAVAILABLE', `the host lock (/run/mdev-agg/lock) could not be released: ${e.message}`]);
}

/**
 * A change to the lock or journal after the run's work: its failure on the host (the directory
 * replaced by a link out of the root, a file error) is noted and leaves the run unclean; false then.
 */
function storeStep(note: Note, outcome: TransactionOutcome, change: () => void, failure: (e: PathEscapeError | SysfsError) => [Code, string]): boolean {
  try {
    change();
    return true;
  } catch (e) {
    if (!(e instanceof PathEscapeError || e instanceof SysfsError)) throw e;
    note(...failure(e));
    outcome.unclean = true;
    return false;
  }
}

/** Performs plan operations on the host, counting writes and turning failures into codes. */
class Steps {
  constructor(private readonly options: ExecutorOptions, private readonly outcome: TransactionOutcome) {}

  /** One operation of the device `uuid`'s plan. */
  run(op: PlanOp, uuid: string, release = false) {
    try {
      this.perform(op, uuid);
    } catch (e) {
      throw this.failure(e, op, release);
    }
  }

  /** A host error as the StepFailure it means; anything else (a defect, a stop) unchanged. */
  private failure(e: unknown, op: PlanOp | null, release: boolean): unknown {
    if (e instanceof StepFailure) return e;
    if (e instanceof PathEscapeError) return new StepFailure('E_PATH_ESCAPE', e.message);
    if (e instanceof FileRefusedError) return new StepFailure(e.refusal, e.message);
    if (!(e instanceof SysfsError)) return e;
    if (e.op !== 'write') return new StepFailure('E_SYSFS_READ', e.message);
    if (release && e.errno === 'EBUSY') return new StepFailure('E_DEVICE_BUSY', `${e.path}: the device is in use (EBUSY)`);
    const data = op?.op === 'write' ? op.data : undefined;
    return new StepFailure('E_SYSFS_WRITE', `${e.path}: the kernel refused ${JSON.stringify(data)} with ${e.errno}`);
  }

  /** A read outside a plan operation, its host errors turned into StepFailures as run does. */
  private read<T>(f: () => T): T {
    try {
      return f();
    } catch (e) {
      throw this.failure(e, null, false);
    }
  }

  private perform(op: PlanOp, uuid: string) {
    const { sysfs } = this.options;
    switch (op.op) {
      case 'write':
        if (op.role === 'remove') this.refuseIfInUse(uuid);
        this.options.beforeWrite?.(this.outcome.writes, op.path);
        this.outcome.writes++;
        sysfs.write(op.path, op.data);
        return;
      case 'exists':
        if (sysfs.exists(op.path) !== op.value) {
          throw new StepFailure(op.failure, op.value ? `${op.path} did not appear` : `${op.path} exists`);
        }
        return;
      case 'expect': {
        const text = sysfs.read(op.path);
        if (text === null) throw new StepFailure(op.failure, `${op.path} is missing`);
        const value = text.trim();
        const ok = op.compare === 'eq' ? value === op.value : /^\d+$/.test(value) && Number(value) >= Number(op.value);
        if (!ok) {
          throw new StepFailure(op.failure, `${op.path} reads ${JSON.stringify(value)}, ${op.compare === 'eq' ? 'expected' : 'at least'} ${op.value}`);
        }
        return;
      }
    }
  }

  /** A remove of an open device would block until the VM lets go: refuse before writing. */
  private refuseIfInUse(uuid: string) {
    if (this.options.sysfs.deviceInUse(uuid)) throw new StepFailure('E_DEVICE_BUSY', `mdev ${uuid} is in use (its VFIO group is held open); not removed`);
  }

  /**
   * Runs a device's removal (a plan's rollback, or the removal of a journaled device) if the device
   * exists; false when there was none to remove.
   */
  remove(uuid: string, removal: readonly PlanOp[] = removalOps(uuid), release = false): boolean {
    if (!this.read(() => this.options.sysfs.exists(deviceDir(uuid)))) return false;
    for (const op of removal) this.run(op, uuid, release);
    return true;
  }

  deviceType(uuid: string): string | null {
    const link = this.read(() => this.options.sysfs.realpath(deviceAttr(uuid, 'mdev_type')));
    return link && link.slice(link.lastIndexOf('/') + 1);
  }
}

/** Records a finding; `severity` overrides the code's own (a journal set aside is reported, not fatal). */
type Note = (code: Code, message: string, uuid?: string | null, severity?: 'warning') => void;

/**
 * A journal write as a step: refused or failing (the directory replaced, the disk full), it stops
 * the run before the step it would have announced, as a failed sysfs write does.
 */
function journaled(write: () => void) {
  try {
    write();
  } catch (e) {
    if (e instanceof PathEscapeError || e instanceof SysfsError) throw new StepFailure('E_JOURNAL', `the journal cannot be written: ${e.message}`);
    throw e;
  }
}

function runApply(plan: Plan, store: StateStore, steps: Steps, note: Note, outcome: TransactionOutcome) {
  let started = false;
  const created: DevicePlan[] = [];
  let failure: { uuid: string; error: StepFailure } | null = null;
  for (const device of plan.devices) {
    try {
      if (device.action === 'present') {
        for (const op of device.ops) steps.run(op, device.uuid);
        continue;
      }
      const entry = { uuid: device.uuid, parent: device.parent, type: device.type, instances: device.instances, state: 'creating' as const };
      // Before the create: a run stopped from here on leaves a journal naming the device.
      journaled(() => (started ? store.recordJournal(entry) : store.startJournal({ pid: process.pid, kind: 'apply', domain: plan.domain, entries: [entry] })));
      started = true;
      for (const op of device.ops) {
        steps.run(op, device.uuid);
        if (op.role === 'create') created.push(device);
      }
      journaled(() => store.recordJournal({ ...entry, state: 'done' }));
    } catch (e) {
      if (!(e instanceof StepFailure)) throw e;
      failure = { uuid: device.uuid, error: e };
      break;
    }
  }
  if (!failure) {
    outcome.created = created.map((d) => d.uuid);
    clearJournal(store, note, outcome);
    return;
  }
  note(failure.error.code, failure.error.message, failure.uuid);
  let clean = true;
  // A create the kernel accepted whose device never appeared has nothing to remove: not said to be removed.
  const neverAppeared: string[] = [];
  for (const device of [...created].reverse()) {
    try {
      if (steps.remove(device.uuid, device.rollback)) outcome.rolledBack.push(device.uuid);
      else neverAppeared.push(device.uuid);
    } catch (e) {
      // Only what the host answered; a stop (or a defect) ends the run here, the journal kept.
      if (!(e instanceof StepFailure)) throw e;
      clean = false;
      note('E_ROLLBACK_FAILED', `rollback could not remove ${device.uuid}: ${e.message}`, device.uuid);
    }
  }
  if (clean) {
    clearJournal(store, note, outcome);
    if (created.length) note('I_ROLLED_BACK', rollbackSummary(outcome.rolledBack, neverAppeared));
  } else outcome.unclean = true; // the journal stays: the next run retries the removal
}

function rollbackSummary(removed: readonly string[], neverAppeared: readonly string[]): string {
  const devices = (n: number) => `${n} device${n === 1 ? '' : 's'}`;
  const parts = [
    ...(removed.length ? [`removed ${devices(removed.length)} this run created (${removed.join(', ')})`] : []),
    ...(neverAppeared.length ? [`${neverAppeared.join(', ')} never appeared after ${neverAppeared.length === 1 ? 'its' : 'their'} create: nothing to remove`] : []),
  ];
  return `rolled back: ${parts.join('; ')}`;
}

function runRelease(plan: Plan, store: StateStore, steps: Steps, note: Note, outcome: TransactionOutcome) {
  const toRemove = plan.devices.filter((d) => d.action === 'remove');
  if (toRemove.length === 0) return;
  try {
    journaled(() =>
      store.startJournal({
        pid: process.pid,
        kind: 'release',
        domain: plan.domain,
        entries: toRemove.map((d) => ({ uuid: d.uuid, parent: d.parent, type: d.type, instances: d.instances, state: 'removing' })),
      }),
    );
  } catch (e) {
    if (!(e instanceof StepFailure)) throw e;
    note(e.code, `${e.message}; nothing removed`);
    return;
  }
  for (const device of toRemove) {
    try {
      for (const op of device.ops) steps.run(op, device.uuid, true);
      outcome.removed.push(device.uuid);
    } catch (e) {
      if (!(e instanceof StepFailure)) throw e;
      note(e.code, e.message, device.uuid);
    }
  }
  clearJournal(store, note, outcome);
}

/** A finished run's journal removed; failing that, the next run finds it and reconciles what is already done. */
function clearJournal(store: StateStore, note: Note, outcome: TransactionOutcome) {
  storeStep(note, outcome, () => store.clearJournal(), (e) => ['E_JOURNAL', `the journal could not be removed: ${e.message}`]);
}

/**
 * A journal that cannot be acted on is kept, renamed with a timestamp, and reported with the
 * devices its text names, for the operator to check; the run goes on, so one damaged journal never
 * blocks every guest of the host. Only when it cannot even be moved does the run stop.
 */
function setAside(store: StateStore, which: JournalFile, e: JournalUnreadableError, note: Note, outcome: TransactionOutcome): boolean {
  const devices = e.devices.length ? `; it names ${e.devices.length} device${e.devices.length === 1 ? '' : 's'} (${listed(e.devices)}): check them in ${MDEV_DEVICES}` : '; it names no device';
  let aside: string | null;
  try {
    aside = store.setJournalAside(which);
  } catch (moveError) {
    note('E_JOURNAL', `${e.message}${devices}; it could not be moved aside (${(moveError as Error).message})`);
    outcome.unclean = true;
    return false;
  }
  note('E_JOURNAL', `${e.message}${devices}; kept as ${aside ?? 'it was'} and not acted on`, null, 'warning');
  return true;
}

const listed = (uuids: readonly string[]) => `${uuids.slice(0, 20).join(', ')}${uuids.length > 20 ? ', …' : ''}`;

/** A journal file read, or null when absent or set aside; false when it could not even be moved aside. */
function readJournalFile(store: StateStore, which: JournalFile, note: Note, outcome: TransactionOutcome): Journal | null | false {
  try {
    return which === 'journal' ? store.readJournal() : store.readUnreconciled();
  } catch (e) {
    if (!(e instanceof JournalUnreadableError)) throw e;
    return setAside(store, which, e, note, outcome) ? null : false;
  }
}

/**
 * A journal left behind means a run was killed. An interrupted apply never reported success, so
 * its devices are removed (the guest did not start); an interrupted release is finished. A device
 * that cannot be removed (in use, a write the kernel refuses) must not block every other guest of
 * the host: it is kept in `unreconciled.json`, reported (W_RECONCILE_PENDING), retried by every
 * later run, and a domain naming it is refused until it is gone. Returns those devices, or null
 * when the run must stop (nothing could be kept).
 */
function reconcile(store: StateStore, steps: Steps, note: Note, outcome: TransactionOutcome): Set<string> | null {
  const journal = readJournalFile(store, 'journal', note, outcome);
  if (journal === false) return null;
  const earlier = readJournalFile(store, 'unreconciled', note, outcome);
  if (earlier === false) return null;
  if (!journal && !earlier) return new Set();
  const kept: JournalEntry[] = [];
  const reasons: string[] = [];
  const outcomes: string[] = [];
  for (const source of [journal, earlier]) {
    if (!source) continue;
    const removed: string[] = [];
    const inUse: string[] = [];
    for (const entry of [...source.entries].reverse()) {
      try {
        const type = steps.deviceType(entry.uuid);
        if (type === null) continue; // never created, or already gone
        if (type !== entry.type) {
          note('E_DEVICE_CONFLICT', `journal names ${entry.uuid} as ${entry.type}, but the host has it as ${type}; left alone`);
          continue;
        }
        steps.remove(entry.uuid, removalOps(entry.uuid), source.kind === 'release');
        removed.push(entry.uuid);
      } catch (e) {
        if (!(e instanceof StepFailure)) throw e;
        // A release leaves a device in use where it is (E_DEVICE_BUSY to its caller); finishing an
        // interrupted one does the same. A device an interrupted apply made is never forgotten.
        if (e.code === 'E_DEVICE_BUSY' && source.kind === 'release') inUse.push(entry.uuid);
        else {
          kept.unshift(entry);
          reasons.push(`${entry.uuid}: ${e.message}`);
        }
      }
    }
    const what = source === journal ? `an interrupted ${source.kind} of ${source.domain ?? 'a domain'} (pid ${source.pid})` : 'devices earlier runs could not remove';
    if (source === journal || removed.length || inUse.length) {
      outcomes.push(`${what}: ${[removed.length ? `removed ${removed.join(', ')}` : 'nothing removed', ...(inUse.length ? [`left ${inUse.join(', ')} in place: in use`] : [])].join('; ')}`);
    }
  }
  // Kept before the journal goes: a run killed in between finds both, and retries each device once more.
  const keep = () => store.keepUnreconciled(kept.length ? { pid: process.pid, kind: 'apply', domain: null, entries: kept } : null);
  const failure = (e: Error): [Code, string] => ['E_ROLLBACK_FAILED', `reconciling could not remove ${listed(kept.map((k) => k.uuid))} (${reasons.join('; ')}), and could not keep them for a later run: ${e.message}`];
  if (!storeStep(note, outcome, keep, failure)) return null;
  if (journal) clearJournal(store, note, outcome);
  if (outcomes.length) note('I_RECONCILED', `reconciled ${outcomes.join('; ')}`);
  if (kept.length) {
    note('W_RECONCILE_PENDING', `could not remove ${reasons.join('; ')}; kept in /run/mdev-agg/unreconciled.json, retried by every run, and a domain naming ${kept.length === 1 ? 'it' : 'one of them'} is refused until then`);
  }
  return new Set(kept.map((k) => k.uuid));
}
