/**
 * `hook run GUEST OP SUBOP EXTRA`, the domain XML on stdin: libvirt waits for it on every event of
 * every guest, so operations with nothing to do, and domains whose text cannot hold an aggregation
 * entry, return before anything is parsed or any host file is read. The work itself is loaded
 * only when there is some.
 */
import { mentionsAggregation } from '../../core/domain-precheck';
import { hookOperation } from '../../core/hook-operation';
import { type CommandContext, EXIT, type ExitCode } from '../context';

export interface HookCall {
  guest: string;
  op: string;
}

export async function runHook(ctx: CommandContext, call: HookCall): Promise<ExitCode> {
  const operation = hookOperation(call.op);
  // Read all of stdin whatever the operation: libvirt writes the whole domain XML into the pipe.
  const input = await ctx.readInput('-');
  if (operation.action === 'none') return EXIT.OK;
  if (!input.ok) {
    ctx.out.err(`mdev-agg: ${call.op} of guest '${call.guest}': ${input.message}`);
    return operation.aborts ? EXIT.USAGE : EXIT.OK;
  }
  if (!mentionsAggregation(input.data)) return EXIT.OK;
  const xml = input.data;
  switch (operation.action) {
    case 'apply':
    case 'release':
      return (require('./transact-hook') as typeof import('./transact-hook')).transactHook(ctx, call, operation.action, xml);
    case 'verify':
      return (require('./verify-hook') as typeof import('./verify-hook')).verifyHook(ctx, call, xml);
    case 'migrate':
      return (require('./migrate-hook') as typeof import('./migrate-hook')).migrateHook(ctx, call, xml);
  }
}
