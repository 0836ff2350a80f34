/** Reading migrate-check's inputs: snapshots, the policy file and the configuration. Unreadable -> exit 2; invalid -> diagnostics, exit 1. */
import { MIGRATION_PARENT_VALUES, type MigrationParent } from '../core/config';
import type { CheckOptions } from '../core/migration/compat';
import { parentRuleOf } from '../core/placement';
import { parsePolicy } from '../core/migration/policy';
import type { HostSnapshot } from '../core/snapshot/model';
import { readSnapshot } from '../core/snapshot/read';
import { loadConfig } from './config-file';
import { type CommandContext, EXIT, type ExitCode, UsageError } from './context';
import { reportDiagnostics } from './domain-input';

export async function loadSnapshot(ctx: CommandContext, path: string): Promise<{ snapshot: HostSnapshot } | { exit: ExitCode }> {
  const input = await ctx.readInput(path);
  if (!input.ok) {
    ctx.out.err(`mdev-agg: ${input.message}`);
    return { exit: EXIT.USAGE };
  }
  const read = readSnapshot(input.data, path);
  if (read.snapshot === null) {
    reportDiagnostics(ctx, read.diagnostics);
    return { exit: EXIT.NO };
  }
  return { snapshot: read.snapshot };
}

/**
 * The driver policy and the unknown-driver rule: --policy FILE and --allow-unknown-driver, else the
 * configuration file's driverPolicy and allowUnknownDriver (<root>/etc/mdev-agg/config.json); the
 * rule for named parents on the target: --migration-parent, else the configuration's migrationParent.
 */
export async function loadCheckOptions(ctx: CommandContext): Promise<{ options: CheckOptions } | { exit: ExitCode }> {
  const { config, diagnostics } = loadConfig(ctx);
  if (!config) {
    reportDiagnostics(ctx, diagnostics);
    return { exit: EXIT.USAGE };
  }
  const allowUnknownDriver = ctx.flag('allow-unknown-driver') || config.allowUnknownDriver;
  const given = ctx.text('migration-parent');
  if (given !== undefined && !(MIGRATION_PARENT_VALUES as readonly string[]).includes(given)) {
    throw new UsageError(`--migration-parent must be ${MIGRATION_PARENT_VALUES.join(' or ')}, not ${JSON.stringify(given)}`);
  }
  const parentRule = parentRuleOf((given as MigrationParent | undefined) ?? config.migrationParent);
  const path = ctx.text('policy');
  if (path === undefined) return { options: { policy: config.driverPolicy, allowUnknownDriver, parentRule } };
  const input = await ctx.readInput(path);
  if (!input.ok) {
    ctx.out.err(`mdev-agg: ${input.message}`);
    return { exit: EXIT.USAGE };
  }
  const parsed = parsePolicy(Buffer.from(input.data).toString('utf8'), path);
  if (parsed.policy === null) {
    reportDiagnostics(ctx, parsed.diagnostics);
    return { exit: EXIT.NO };
  }
  return { options: { policy: parsed.policy, allowUnknownDriver, parentRule } };
}
