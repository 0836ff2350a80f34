import { type Diagnostic, diagnostic, hasErrors } from '../../core/text/diagnostics';
import { readDomain } from '../../core/reading/domain';
import { MAX_XML_BYTES, tooLargeDiagnostic } from '../../core/xml/reader';
import { type CommandContext, EXIT, type ExitCode } from '../context';
import { diagnosticsJson, printDiagnostics, printJson } from '../diagnostics-printer';

/** Many files in one process: fleets validate thousands at a time. */
export async function validateCommand(ctx: CommandContext): Promise<ExitCode> {
  const all: Diagnostic[] = [];
  const files: { file: string; ok: boolean; devices: number }[] = [];
  let unreadable = false;
  const total = ctx.positionals.length;
  const showProgress = ctx.options.stderrIsTTY === true && !!ctx.options.progress && total > 1;
  for (const [index, path] of ctx.positionals.entries()) {
    const file = path === '-' ? '<stdin>' : path;
    if (showProgress && (index % 100 === 0 || index === total - 1)) ctx.options.progress!(`validate: ${index + 1}/${total}`);
    const input = await ctx.readInput(path, MAX_XML_BYTES);
    if (!input.ok && input.tooLarge) {
      all.push(tooLargeDiagnostic(file));
      files.push({ file, ok: false, devices: 0 });
      continue;
    }
    if (!input.ok) {
      unreadable = true;
      all.push(diagnostic('E_INPUT_UNREADABLE', input.message, file, { line: 1, column: 1 }));
      files.push({ file, ok: false, devices: 0 });
      continue;
    }
    const { model, diagnostics } = readDomain(input.data, file);
    all.push(...diagnostics);
    files.push({ file, ok: !hasErrors(diagnostics), devices: model?.devices.length ?? 0 });
  }
  if (ctx.flags.json) printJson(ctx.out, diagnosticsJson(all, { files }));
  else {
    printDiagnostics(ctx.out, all, ctx.flags);
    if (!ctx.flags.quiet) {
      for (const f of files) if (f.ok) ctx.out.out(`${f.file}: valid, ${f.devices} aggregated mdev${f.devices === 1 ? '' : 's'}`);
    }
  }
  if (unreadable) return EXIT.USAGE;
  return hasErrors(all) ? EXIT.NO : EXIT.OK;
}
