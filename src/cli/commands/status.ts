import { readHost } from '../../core/host/read-host';
import { domainStatus, statusText } from '../../core/plan/status';
import { type CommandContext, EXIT, type ExitCode } from '../context';
import { loadDomain } from '../inputs';
import { printJson } from '../diagnostics-printer';

/** Exit 0 when every managed device is on the host as declared, 1 otherwise. */
export async function statusCommand(ctx: CommandContext): Promise<ExitCode> {
  const loaded = await loadDomain(ctx, ctx.positionals[0]);
  if ('exit' in loaded) return loaded.exit;
  const rows = domainStatus(loaded.model, readHost(ctx.host().sysfs));
  const allPresent = rows.every((r) => r.state === 'present');
  if (ctx.flags.json) printJson(ctx.out, { ok: allPresent, domain: loaded.model.name, devices: rows });
  else ctx.out.out(statusText(loaded.model.name, rows));
  return allPresent ? EXIT.OK : EXIT.NO;
}
