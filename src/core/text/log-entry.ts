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
 * A syslog message's size, header included: journald and rsyslog take datagrams of 8 KiB and more.
 * logger's own limit (`--size`, the text after its header) defaults to 1 KiB, RFC 3164's old
 * limit, and would split a long entry into messages of which only the first names the operation,
 * guest and code: it is raised to this, and a line is kept short enough for header and line to fit.
 */
export const SYSLOG_MESSAGE_BYTES = 8192;

/** What logger puts before a line (`<PRI>Mmm dd hh:mm:ss mdev-agg[pid]: `), with room to spare. */
const SYSLOG_HEADER_ROOM = 320;

/** The longest line syslogLine returns after its `<PRI>` prefix (which logger takes off). */
export const SYSLOG_LINE_CHARS = SYSLOG_MESSAGE_BYTES - SYSLOG_HEADER_ROOM;

/** Marks where a message (or, past all reason, a guest name) was cut to fit one syslog message. */
export const CUT_MARK = '[cut]';

/**
 * One line: `<PRI>op=prepare guest="web-1" code=E_CAPACITY: message`. The guest is JSON-quoted and
 * every character outside printable ASCII escaped, so a name cannot split the line or carry
 * terminal escapes into a log viewer. A line longer than one syslog message has its message cut
 * (its fields stay whole), so logger sends it as one message.
 */
export function syslogLine(entry: LogEntry): string {
  const text = entry.message.replace(/\s*\n\s*/g, ' ');
  const fields = `op=${printable(entry.op)} guest= code=${entry.code}: `.length;
  // A guest name is cut only past all reason: when it would leave the message less than half the line.
  const guestRoom = Math.max(SYSLOG_LINE_CHARS / 2, SYSLOG_LINE_CHARS - fields - printable(text).length);
  const guest = entry.guest === null ? '-' : fitted(entry.guest, quotedName, guestRoom);
  const head = `op=${printable(entry.op)} guest=${guest} code=${entry.code}: `;
  const message = fitted(text, printable, SYSLOG_LINE_CHARS - head.length);
  return `<${PRIORITY[entry.severity]}>${head}${message}`;
}

const quotedName = (name: string): string => printable(JSON.stringify(name));

/**
 * `show(text)` when it fits in `room` characters, else `show` of the longest prefix (whole
 * characters) that fits with the mark after it: the cut is made before escaping, so no escape is
 * split and what is kept reads as it was written.
 */
function fitted(text: string, show: (text: string) => string, room: number): string {
  const whole = show(text);
  if (whole.length <= room) return whole;
  const chars = Array.from(text);
  // The shown length grows with the prefix: the longest prefix that fits, by bisection.
  let [fits, tooLong] = [0, chars.length];
  while (tooLong - fits > 1) {
    const middle = (fits + tooLong) >> 1;
    if (show(chars.slice(0, middle).join('')).length + CUT_MARK.length <= room) fits = middle;
    else tooLong = middle;
  }
  return `${show(chars.slice(0, fits).join(''))}${CUT_MARK}`;
}
