import { hasErrors } from '../../core/text/diagnostics';
import { sanitiseLine } from '../../core/text/terminal-text';
import type { CheckOptions } from '../../core/migration/compat';
import { checkDomainMigration } from '../../core/migration/domain-check';
import { migrationVerdictText } from '../../core/migration/verdict-text';
import { readHost } from '../../core/host/read-host';
import type { HostSnapshot } from '../../core/snapshot/model';
import { migrationVersionWriter } from '../../shell/migration-version-writer';
import { type CommandContext, EXIT, type ExitCode, UsageError } from '../context';
import { loadCheckOptions, loadDomain, loadSnapshot } from '../inputs';
import { diagnosticsText, printJson } from '../diagnostics-printer';

const FLEET_OPTIONS = ['domains', 'source-dir', 'targets'] as const;

export async function migrateCheckCommand(ctx: CommandContext): Promise<ExitCode> {
    const fleet = FLEET_OPTIONS.filter((name) => ctx.text(name) !== undefined);
  if (fleet.length > 0) {
    if (fleet.length < FLEET_OPTIONS.length) throw new UsageError(`fleet mode needs --domains, --source-dir and --targets (missing --${FLEET_OPTIONS.find((n) => ctx.text(n) === undefined)})`);
    for (const single of ['source', 'target']) if (ctx.text(single) !== undefined) throw new UsageError(`--${single} is not used in fleet mode`);
    if (ctx.flag('simulate')) throw new UsageError('--simulate is not used in fleet mode');
    if (ctx.positionals.length > 0) throw new UsageError('fleet mode takes no FILE: the domains come from --domains');
    const { fleetCommand } = require('./migrate-fleet') as typeof import('./migrate-fleet');
    return fleetCommand(ctx);
  }
  if (ctx.positionals.length === 0) throw new UsageError('migrate-check: missing FILE (or --domains, --source-dir and --targets for fleet mode)');
  const targetPath = ctx.text('target');
  if (targetPath !== undefined && ctx.flag('simulate')) throw new UsageError('--simulate applies to the live target only; it cannot be combined with --target');

  const settings = await loadCheckOptions(ctx);
  if ('exit' in settings) return settings.exit;
  const domain = await loadDomain(ctx, ctx.positionals[0]!);
  if ('exit' in domain) return domain.exit;
  let source: HostSnapshot | null = null;
  const sourcePath = ctx.text('source');
  if (sourcePath !== undefined) {
    const loaded = await loadSnapshot(ctx, sourcePath);
    if ('exit' in loaded) return loaded.exit;
    source = loaded.snapshot;
  }

  const options: CheckOptions = { ...settings.options };
  let targetName: string;
  let target;
  if (targetPath !== undefined) {
    const loaded = await loadSnapshot(ctx, targetPath);
    if ('exit' in loaded) return loaded.exit;
    target = loaded.snapshot.host;
    targetName = `${loaded.snapshot.name ?? '(unnamed)'} (${targetPath})`;
  } else {
    // Live: this host is the target, and its kernel answers the migration_version protocol.
    const host = ctx.host(ctx.flag('simulate'));
    target = readHost(host.sysfs);
    options.writeMigrationVersion = migrationVersionWriter(host.sysfs);
    targetName = `this host (${host.root}${host.simulated ? ', simulated' : ''})`;
  }

  const verdict = checkDomainMigration(domain.model, source, target, options);
  const diagnostics = [...domain.diagnostics, ...verdict.diagnostics];
  if (ctx.flags.json) {
    printJson(ctx.out, {
      ok: !hasErrors(diagnostics),
      compatible: verdict.compatible,
      domain: domain.model.name,
      source: sourcePath ?? null,
      target: targetPath ?? 'live',
      devices: verdict.devices,
      diagnostics,
    });
  } else {
    const sourceName = source ? `${source.name ?? '(unnamed)'} (${sourcePath})` : 'the domain\'s stamps';
    ctx.out.out(migrationVerdictText(`migration of ${sanitiseLine(domain.model.name ?? '(unnamed domain)')}: source ${sourceName}, target ${targetName}`, verdict.devices, verdict.compatible));
    if (!ctx.flags.quiet) {
      const lines = diagnosticsText(domain.diagnostics, ctx.flags);
      if (lines) ctx.out.err(lines);
    }
  }
  return verdict.compatible && !hasErrors(diagnostics) ? EXIT.OK : EXIT.NO;
}
