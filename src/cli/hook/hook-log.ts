/**
 * libvirt shows a failing hook's stderr in its error message ("Hook script execution failed: …"),
 * so a failure is one line naming the guest, the operation and the first error, whatever the guest's
 * name holds (line breaks and controls escaped). libvirt discards stderr when the hook exits 0, so
 * every line also goes to the system log, with what was done.
 */
import type { Diagnostic } from '../../core/text/diagnostics';
import type { LogEntry, LogSeverity } from '../../core/text/log-entry';
import { sanitiseLine } from '../../core/text/terminal-text';
import type { Output } from '../context';

export function failureLine(op: string, guest: string, diagnostics: readonly Diagnostic[], outcome = 'failed'): string {
  const errors = diagnostics.filter((d) => d.severity === 'error');
  const first = errors[0] ?? diagnostics[0];
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more: ${errors.slice(1).map((d) => d.code).join(', ')})` : '';
  const what = first ? `${first.code}: ${first.message}${where(first)}` : 'failed without a diagnostic';
  return sanitiseLine(`mdev-agg: ${op} of guest '${guest}' ${outcome}: ${what}${more}`);
}

/** The position only when it points into a file the user can open (not the XML libvirt piped in). */
function where(d: Diagnostic): string {
  if (d.file === '<stdin>') return ` (domain XML line ${d.line})`;
  return d.file.startsWith('/') ? ` (${d.file}:${d.line}:${d.column})` : '';
}

/** What one hook call says: its lines on stderr, and the same lines and its notes for the system log. */
export class HookLog {
  readonly entries: LogEntry[] = [];
  constructor(
    private readonly out: Output,
    readonly guest: string,
    readonly op: string,
  ) {}

  /** A line on stderr, also logged; `mdev-agg: ` is the log's tag, so the entry goes without it. */
  say(severity: LogSeverity, code: string, text: string): void {
    const line = sanitiseLine(text);
    this.out.err(line);
    this.note({ severity, op: this.op, guest: this.guest, code, message: line.replace(/^mdev-agg: /, '') });
  }

  /** The failure line of `diagnostics` (see failureLine), at the severity the outcome has. */
  fail(diagnostics: readonly Diagnostic[], outcome = 'failed', severity: LogSeverity = 'error'): void {
    const first = diagnostics.find((d) => d.severity === 'error') ?? diagnostics[0];
    this.say(severity, first?.code ?? 'E_USAGE', failureLine(this.op, this.guest, diagnostics, outcome));
  }

  /** Only for the system log: what the call did (libvirt shows nothing of a hook that succeeds). */
  note(...entries: LogEntry[]): void {
    this.entries.push(...entries);
  }
}
