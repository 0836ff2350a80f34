/**
 * Where a run's log entries go: the syslog socket under the root (`<root>/dev/log`), so that a
 * test's temporary root gets its own listener and a fixture tree none. Simulated runs log nothing.
 */
import type { Diagnostic } from '../core/text/diagnostics';
import type { LogEntry } from '../core/text/log-entry';
import type { TransactionOutcome } from '../shell/executor';
import { resolveRoot } from '../shell/real-sysfs';
import { sendToSyslog, syslogSocketUnder } from '../shell/syslog';
import type { CommandContext } from './context';

export function logToSystem(ctx: CommandContext, entries: readonly LogEntry[], simulated = false): void {
  if (entries.length === 0 || simulated) return;
  const named = ctx.flags.root ?? ctx.env.MDEV_AGG_ROOT;
  // An in-process caller's own host is not this machine's: it logs only under a root it names.
  if (ctx.options.host && !named) return;
  const socket = syslogSocketUnder(resolveRoot(ctx.flags.root, ctx.env));
  if (socket) sendToSyslog(socket, entries);
}

/** A device of the outcome as the user reads it: `<uuid> <type> x<N> on <parent> [<dialect>]`. */
export function describeDevice(outcome: Pick<TransactionOutcome, 'plan'>, uuid: string): string {
  const d = outcome.plan?.devices.find((p) => p.uuid === uuid);
  return d ? `${uuid} ${d.type} x${d.instances} on ${d.parent} [${d.dialect}]` : uuid;
}

/** What an apply or release did, for the system log: each device created or removed, and the given diagnostics. */
export function transactionEntries(outcome: TransactionOutcome, op: string, guest: string | null, diagnostics: readonly Diagnostic[]): LogEntry[] {
  return [
    ...outcome.created.map((uuid): LogEntry => ({ severity: 'info', op, guest, code: 'I_CREATED', message: `created ${describeDevice(outcome, uuid)}` })),
    ...outcome.removed.map((uuid): LogEntry => ({ severity: 'info', op, guest, code: 'I_REMOVED', message: `removed ${describeDevice(outcome, uuid)}` })),
    ...diagnostics.map((d): LogEntry => ({ severity: d.severity, op, guest, code: d.code, message: d.message })),
  ];
}
