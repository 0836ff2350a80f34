/**
 * How a command prints diagnostics: libvirt/compiler style lines, or the JSON shape the README
 * documents (`--json`); and how it prints any JSON document.
 */
import { type Diagnostic, formatDiagnostic, hasErrors } from '../core/text/diagnostics';
import { sanitiseJson } from '../core/text/terminal-text';
import { type CommandContext, type GlobalFlags, Output } from './context';

function visible(diagnostics: readonly Diagnostic[], flags: GlobalFlags): Diagnostic[] {
  return flags.quiet ? diagnostics.filter((d) => d.severity === 'error') : [...diagnostics];
}

/** Text mode: one line per diagnostic on stdout. */
export function printDiagnostics(out: Output, diagnostics: readonly Diagnostic[], flags: GlobalFlags) {
  for (const d of visible(diagnostics, flags)) out.out(formatDiagnostic(d));
}

/** The lines printDiagnostics prints, for a command that puts them on stderr. */
export function diagnosticsText(diagnostics: readonly Diagnostic[], flags: GlobalFlags): string {
  const lines = new Output();
  printDiagnostics(lines, diagnostics, flags);
  return lines.stdout;
}

/** Diagnostics that end a command: JSON on stdout with --json, else lines on stderr. */
export function printFatalDiagnostics(ctx: CommandContext, diagnostics: Diagnostic[]) {
  if (ctx.flags.json) printJson(ctx.out, diagnosticsJson(diagnostics));
  else ctx.out.err(diagnosticsText(diagnostics, ctx.flags));
}

export function diagnosticsJson(diagnostics: readonly Diagnostic[], extra: Record<string, unknown> = {}) {
  return { ok: !hasErrors(diagnostics), ...extra, diagnostics };
}

export function printJson(out: Output, value: unknown) {
  out.document(`${sanitiseJson(JSON.stringify(value, null, 2))}\n`);
}
