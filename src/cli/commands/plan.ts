import { hasErrors } from '../../core/diagnostics';
import { readHost } from '../../core/host';
import { type DevicePlan, planApply, planRelease } from '../../core/plan';
import { type DeviceGives, planJson, planShell, planText } from '../../core/plan-format';
import type { HostModel } from '../../core/host-model';
import { findParent, findType } from '../../core/host-model';
import { givesText, readTypeResources, resourcesFor } from '../../core/type-resources';
import { type CommandContext, EXIT, type ExitCode, UsageError } from '../context';
import { loadDomain, reportDiagnostics } from '../domain-input';
import { openReal } from '../host-access';
import { printDiagnostics, printJson } from '../report';

const FORMATS = ['text', 'json', 'sh'] as const;

export async function planCommand(ctx: CommandContext): Promise<ExitCode> {
  const format = (ctx.values.format as string | undefined) ?? (ctx.flags.json ? 'json' : 'text');
  if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be text, json or sh, not ${JSON.stringify(format)}`);
  const loaded = await loadDomain(ctx, ctx.positionals[0]);
  if ('exit' in loaded) return loaded.exit;
  const host = readHost(openReal(ctx));
  const plan = ctx.values.release ? planRelease(loaded.model, host) : planApply(loaded.model, host);
  const failed = hasErrors(plan.diagnostics);
  const gives = deviceGives(host);
  if (format === 'json') printJson(ctx.out, planJson(plan, gives));
  else if (failed) reportDiagnostics(ctx, plan.diagnostics);
  else if (format === 'sh') ctx.out.out(planShell(plan));
  else {
    ctx.out.out(planText(plan, gives));
    printDiagnostics(ctx.out, plan.diagnostics, ctx.flags);
  }
  return failed ? EXIT.NO : EXIT.OK;
}

/** What each planned device gives, from its type's description on this host (nothing when it has none). */
function deviceGives(host: HostModel): DeviceGives {
  const resourcesOf = (d: DevicePlan) => {
    const parent = findParent(host, d.parent);
    const type = parent && findType(parent, d.type);
    return type ? readTypeResources(type.description) : null;
  };
  return {
    text: (d) => {
      const r = resourcesOf(d);
      return r && givesText(r, d.instances);
    },
    json: (d) => {
      const r = resourcesOf(d);
      return r && resourcesFor(r, d.instances);
    },
  };
}
