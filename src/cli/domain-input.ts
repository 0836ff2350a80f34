/** Reading the domain a command works on: unreadable -> exit 2; diagnostics with errors -> exit 1. */
import { type Diagnostic, hasErrors } from '../core/diagnostics';
import { type DomainModel, readDomain } from '../core/domain';
import { MAX_XML_BYTES, tooLargeDiagnostic } from '../core/xml/reader';
import { type CommandContext, EXIT, type ExitCode } from './context';
import { diagnosticsJson, printDiagnostics, printJson } from './report';

export type LoadedDomain = { model: DomainModel; diagnostics: Diagnostic[] } | { exit: ExitCode };

export async function loadDomain(ctx: CommandContext, path: string): Promise<LoadedDomain> {
  const input = await ctx.readInput(path, MAX_XML_BYTES);
  if (!input.ok && input.tooLarge) {
    reportDiagnostics(ctx, [tooLargeDiagnostic(path === '-' ? '<stdin>' : path)]);
    return { exit: EXIT.NO };
  }
  if (!input.ok) {
    ctx.out.err(`mdev-agg: ${input.message}`);
    return { exit: EXIT.USAGE };
  }
  const { model, diagnostics } = readDomain(input.data, path === '-' ? '<stdin>' : path);
  if (!model || hasErrors(diagnostics)) {
    reportDiagnostics(ctx, diagnostics);
    return { exit: EXIT.NO };
  }
  return { model, diagnostics };
}

/** Diagnostics that end a command: JSON on stdout with --json, else lines on stderr. */
export function reportDiagnostics(ctx: CommandContext, diagnostics: Diagnostic[]) {
  if (ctx.flags.json) printJson(ctx.out, diagnosticsJson(diagnostics));
  else {
    const lines = new (ctx.out.constructor as new () => typeof ctx.out)();
    printDiagnostics(lines, diagnostics, ctx.flags);
    ctx.out.err(lines.stdout);
  }
}
