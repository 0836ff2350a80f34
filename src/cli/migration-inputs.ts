/** Reading migrate-check's inputs: snapshots and the policy file. Unreadable -> exit 2; invalid -> diagnostics, exit 1. */
import { type DriverPolicy, EMPTY_POLICY, parsePolicy } from '../core/migration/policy';
import type { HostSnapshot } from '../core/snapshot/model';
import { readSnapshot } from '../core/snapshot/read';
import { type CommandContext, EXIT, type ExitCode } from './context';
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

export async function loadPolicy(ctx: CommandContext, path: string | undefined): Promise<{ policy: DriverPolicy } | { exit: ExitCode }> {
  if (path === undefined) return { policy: EMPTY_POLICY };
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
  return { policy: parsed.policy };
}
