import { readHost } from '../../core/host';
import { type CommandContext, EXIT, type ExitCode } from '../context';
import { hostView } from '../host-access';
import { printJson } from '../report';

export function typesCommand(ctx: CommandContext): ExitCode {
  const host = readHost(hostView(ctx));
  if (ctx.flags.json) {
    printJson(ctx.out, { ok: true, parents: host.parents, problems: host.problems });
    return EXIT.OK;
  }
  const out = ctx.out;
  if (host.parents.length === 0) out.out('no mdev parent devices on this host');
  for (const p of host.parents) {
    const ids = p.vendorId && p.deviceId ? ` [${p.vendorId}:${p.deviceId}]` : '';
    out.out(`${p.name}  driver ${p.driver ?? '?'}${p.driverVersion ? ` ${p.driverVersion}` : ''}${ids}`);
    for (const t of p.types) {
      const max = t.dialect === 'none' ? 'no aggregation' : `${t.dialect}, max ${t.maxAggregation ?? 'per device'}`;
      out.out(`  ${t.id.padEnd(28)} ${String(t.availableInstances ?? '?').padStart(4)} available  ${(t.deviceApi ?? '?').padEnd(8)}  ${max}${t.name ? `  (${t.name})` : ''}`);
    }
  }
  for (const problem of host.problems) out.err(`mdev-agg: warning: ${problem.path}: ${problem.message}`);
  return EXIT.OK;
}
