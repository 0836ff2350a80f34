/**
 * libvirt shows a failing hook's stderr in its error message ("Hook script execution failed: …"),
 * so a failure is one line naming the guest, the operation and the first error, whatever the guest's
 * name holds (line breaks and controls escaped).
 */
import type { Diagnostic } from '../../core/diagnostics';
import { sanitiseLine } from '../../core/terminal-text';

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
