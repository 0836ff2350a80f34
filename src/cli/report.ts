/** Printing diagnostics: libvirt/compiler style lines, or the JSON shape the README documents (CLI, `--format json`). */
import { type Diagnostic, formatDiagnostic, hasErrors } from '../core/text/diagnostics';
import { sanitiseJson } from '../core/text/terminal-text';
import type { GlobalFlags, Output } from './context';

export function visible(diagnostics: readonly Diagnostic[], flags: GlobalFlags): Diagnostic[] {
  return flags.quiet ? diagnostics.filter((d) => d.severity === 'error') : [...diagnostics];
}

/** Text mode: one line per diagnostic on stdout. */
export function printDiagnostics(out: Output, diagnostics: readonly Diagnostic[], flags: GlobalFlags) {
  for (const d of visible(diagnostics, flags)) out.out(formatDiagnostic(d));
}

export function diagnosticsJson(diagnostics: readonly Diagnostic[], extra: Record<string, unknown> = {}) {
  return { ok: !hasErrors(diagnostics), ...extra, diagnostics };
}

export function printJson(out: Output, value: unknown) {
  out.document(`${sanitiseJson(JSON.stringify(value, null, 2))}\n`);
}
