import { hasErrors } from '../../core/text/diagnostics';
import { readHost } from '../../core/host/read-host';
import { planApply, planRelease } from '../../core/plan/plan';
import { planJson, planShell, planText } from '../../core/plan/plan-format';
import { deviceGives } from '../../core/host/type-resources';
import { type CommandContext, EXIT, type ExitCode, UsageError } from '../context';
import { loadDomain } from '../inputs';
import { printDiagnostics, printFatalDiagnostics, printJson } from '../diagnostics-printer';

const FORMATS = ['text', 'json', 'sh'] as const;

export async function planCommand(ctx: CommandContext): Promise<ExitCode> {
  const format = ctx.text('format') ?? (ctx.flags.json ? 'json' : 'text');
  if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be text, json or sh, not ${JSON.stringify(format)}`);
  const loaded = await loadDomain(ctx, ctx.positionals[0]);
  if ('exit' in loaded) return loaded.exit;
  const host = readHost(ctx.host().sysfs);
  const plan = ctx.flag('release') ? planRelease(loaded.model, host) : planApply(loaded.model, host);
  const failed = hasErrors(plan.diagnostics);
  const gives = deviceGives(host);
  if (format === 'json') printJson(ctx.out, planJson(plan, gives));
  else if (failed) printFatalDiagnostics(ctx, plan.diagnostics);
  else if (format === 'sh') ctx.out.document(planShell(plan));
  else {
    ctx.out.out(planText(plan, gives));
    printDiagnostics(ctx.out, plan.diagnostics, ctx.flags);
  }
  return failed ? EXIT.NO : EXIT.OK;
}

