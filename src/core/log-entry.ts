/**
 * What mdev-agg tells the system log: libvirt discards a hook's stderr when it exits 0, so every
 * line the hook writes, and what apply and release did, also goes to syslog. Pure: the entry and
 * its one-line text; src/shell/syslog.ts sends it.
 */
import { printable } from './diagnostics';

export type LogSeverity = 'error' | 'warning' | 'info';

export interface LogEntry {
  severity: LogSeverity;
  /** The hook's operation (prepare, release, reconnect, …) or the command (apply, release). */
  op: string;
  /** The guest (the hook's first argument, or the domain's name); null when the domain has none. */
  guest: string | null;
  /** A diagnostic code: what a reader greps for. */
  code: string;
  message: string;
}

/** syslog's facility daemon (3) with the entry's level (err 3, warning 4, info 6): `<PRI>` as RFC 3164 puts it. */
const PRIORITY: Record<LogSeverity, number> = { error: 3 * 8 + 3, warning: 3 * 8 + 4, info: 3 * 8 + 6 };

/**
 * One line: `<PRI>op=prepare guest="web-1" code=E_CAPACITY: message`. The guest is JSON-quoted and
 * every character outside printable ASCII escaped, so a name cannot split the line or carry
 * terminal escapes into a log viewer.
 */
export function syslogLine(entry: LogEntry): string {
  const guest = entry.guest === null ? '-' : printable(JSON.stringify(entry.guest));
  return `<${PRIORITY[entry.severity]}>op=${printable(entry.op)} guest=${guest} code=${entry.code}: ${printable(entry.message.replace(/\s*\n\s*/g, ' '))}`;
}
