import { readHost } from '../../core/host/read-host';
import { type HostSnapshot, snapshotJson } from '../../core/snapshot/model';
import { isOneLine } from '../../core/snapshot/values';
import { writeSnapshot } from '../../core/snapshot/write';
import { readHostName } from '../../shell/host-name';
import { type CommandContext, type Env, EXIT, type ExitCode, UsageError } from '../context';
import { printJson } from '../diagnostics-printer';

/** Seconds since the epoch from SOURCE_DATE_EPOCH (reproducible output), else the clock. */
function generatedAt(env: Env, now: number): string {
  const fixed = env.SOURCE_DATE_EPOCH;
  if (fixed !== undefined && fixed !== '') {
    if (!/^[0-9]{1,12}$/.test(fixed)) throw new UsageError(`SOURCE_DATE_EPOCH ${JSON.stringify(fixed)} is not a number of seconds`);
    return new Date(Number(fixed) * 1000).toISOString().replace(/\.000Z$/, 'Z');
  }
  return new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function snapshotCommand(ctx: CommandContext): ExitCode {
  const view = ctx.host().sysfs;
  const given = ctx.text('name');
  if (given !== undefined && !isOneLine(given)) throw new UsageError('--name must be one non-empty line');
  const snapshot: HostSnapshot = { name: given ?? readHostName(view), generated: generatedAt(ctx.env, ctx.clock.now()), host: readHost(view) };
  if (ctx.flags.json) printJson(ctx.out, snapshotJson(snapshot));
  else ctx.out.document(writeSnapshot(snapshot));
  if (!ctx.flags.quiet) for (const p of snapshot.host.problems) ctx.out.err(`mdev-agg: warning: ${p.path}: ${p.message}`);
  return EXIT.OK;
}
