/**
 * `hook run GUEST OP SUBOP EXTRA`, the domain XML on stdin: libvirt waits for it on every event of
 * every guest, so operations with nothing to do, and domains whose text cannot hold an aggregation
 * entry, return before anything is parsed or any host file is read. The work itself is loaded
 * only when there is some.
 */
import { mentionsAggregation } from '../../core/reading/domain-precheck';
import { type HookAction, hookOperation } from '../../core/hook/hook-operation';
import { type CommandContext, EXIT, type ExitCode, UsageError } from '../context';
import { HookLog } from './hook-log';

export interface HookCall {
  guest: string;
  op: string;
  /** What the call says, on stderr and to the system log. */
  log: HookLog;
}

export async function runHook(ctx: CommandContext, { guest, op }: { guest: string; op: string }): Promise<ExitCode> {
  const operation = hookOperation(op);
  // Read all of stdin whatever the operation: libvirt writes the whole domain XML into the pipe.
  const input = await ctx.readInput('-');
  if (operation.action === 'none') return EXIT.OK;
  const log = new HookLog(ctx.out, guest, op);
  try {
    if (!input.ok) {
      log.say(operation.aborts ? 'error' : 'warning', 'E_INPUT_UNREADABLE', `mdev-agg: ${op} of guest '${guest}': ${input.message}`);
      return operation.aborts ? EXIT.USAGE : EXIT.OK;
    }
    if (!mentionsAggregation(input.data)) return EXIT.OK;
    return await perform(ctx, { guest, op, log }, operation.action, input.data);
  } catch (e) {
    // run() prints a usage error (a root that cannot be a host): the log gets the same line.
    if (e instanceof UsageError) log.note({ severity: 'error', op, guest, code: 'E_USAGE', message: e.message });
    throw e;
  } finally {
    if (log.entries.length) (require('../system-log') as typeof import('../system-log')).logToSystem(ctx, log.entries);
  }
}

function perform(ctx: CommandContext, call: HookCall, action: Exclude<HookAction, 'none'>, xml: Uint8Array): ExitCode {
  switch (action) {
    case 'apply':
    case 'release':
      return (require('./transact-hook') as typeof import('./transact-hook')).transactHook(ctx, call, action, xml);
    case 'verify':
      return (require('./verify-hook') as typeof import('./verify-hook')).verifyHook(ctx, call, xml);
    case 'migrate':
      return (require('./migrate-hook') as typeof import('./migrate-hook')).migrateHook(ctx, call, xml);
  }
}
