/**
 * `hook install --hooks-dir DIR`: a directory that does not exist is most likely a typo, and a
 * wrapper installed there is one libvirt never runs; it is made only when `--create` says so.
 * The default directory under the root is made as needed (libvirt reads it once it exists).
 */
import type { CommandContext } from '../context';
import { requireOperatorDirectory } from '../operator-directory';

export function refuseMissingHooksDir(ctx: CommandContext, dir: string): void {
  const given = ctx.text('hooks-dir');
  if (given === undefined || given === '') return;
  requireOperatorDirectory('hook install: --hooks-dir', dir, ctx.flag('create') ? null : ' (libvirt reads /etc/libvirt/hooks/qemu.d); add --create to make it');
}
