import { readHost } from '../../core/host/read-host';
import type { HostType } from '../../core/host/host-model';
import { aggregateResources, largestAggregate, readTypeResources, resourcesFor, resourcesText } from '../../core/host/type-resources';
import { type CommandContext, EXIT, type ExitCode } from '../context';
import { printJson } from '../diagnostics-printer';

export function typesCommand(ctx: CommandContext): ExitCode {
  const host = readHost(ctx.host().sysfs);
  if (ctx.flags.json) {
    const parents = host.parents.map((p) => ({ ...p, types: p.types.map((t) => ({ ...t, gives: typeGivesJson(t) })) }));
    printJson(ctx.out, { ok: true, parents, problems: host.problems });
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
      for (const line of typeGivesLines(t)) out.out(`      ${line}`);
    }
  }
  for (const problem of host.problems) out.err(`mdev-agg: warning: ${problem.path}: ${problem.message}`);
  return EXIT.OK;
}

/** What one instance of the type gives, and the largest aggregate one new device could have now. */
function typeGivesLines(type: HostType): string[] {
  const resources = readTypeResources(type.description);
  if (!resources) return [];
  if (resources.format === 'unknown') return [`description: ${resources.description.replace(/\s*\n\s*/g, '; ')} (not a format mdev-agg reads)`];
  const largest = largestAggregate(type);
  const one = resources.perInstance;
  return [`one instance: ${resourcesText(one)}`, ...(largest !== null && largest > 1 ? [`largest now, x${largest}: ${resourcesText(aggregateResources(one, largest))}`] : [])];
}

function typeGivesJson(type: HostType) {
  const resources = readTypeResources(type.description);
  if (!resources) return null;
  const largest = largestAggregate(type);
  return { ...resourcesFor(resources, 1), largest: largest === null ? null : resourcesFor(resources, largest) };
}
