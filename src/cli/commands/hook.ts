/** `hook run|install|uninstall`: the libvirt qemu hook and its wrapper script. */
import { hookArguments } from '../../core/hook/hook-operation';
import { type CommandContext, type ExitCode, UsageError } from '../context';

export async function hookCommand(ctx: CommandContext): Promise<ExitCode> {
  const [sub, ...args] = ctx.positionals;
  const hooksDir = ctx.text('hooks-dir');
  if (sub === 'run') {
    const call = hookArguments(args, true);
    if (call === null) throw new UsageError('hook run: expected GUEST OP SUBOP EXTRA, as libvirt passes them');
    if (hooksDir !== undefined) throw new UsageError('hook run: --hooks-dir belongs to install and uninstall');
    if (ctx.flag('create')) throw new UsageError('hook run: --create belongs to install');
    return (require('../hook/run-hook') as typeof import('../hook/run-hook')).runHook(ctx, call);
  }
  if (sub === 'install' || sub === 'uninstall') {
    if (args.length) throw new UsageError(`hook ${sub}: unexpected argument '${args[0]}'`);
    if (sub === 'uninstall' && ctx.flag('create')) throw new UsageError('hook uninstall: --create belongs to install');
    const wrapper = require('../hook/install') as typeof import('../hook/install');
    return sub === 'install' ? wrapper.installHook(ctx) : wrapper.uninstallHook(ctx);
  }
  throw new UsageError(`hook: unknown subcommand '${sub}' (run, install or uninstall)`);
}
