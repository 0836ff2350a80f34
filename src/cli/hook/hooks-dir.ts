/**
 * `hook install --hooks-dir DIR`: a directory that does not exist is most likely a typo, and a
 * wrapper installed there is one libvirt never runs; it is made only when `--create` says so.
 * The default directory under the root is made as needed (libvirt reads it once it exists).
 */
import { operatorPathKind } from '../../shell/files/guarded-fs';
import { type CommandContext, UsageError } from '../context';

export function refuseMissingHooksDir(ctx: CommandContext, dir: string): void {
  const given = ctx.values['hooks-dir'];
  if (typeof given !== 'string' || given === '' || ctx.values.create === true) return;
  const kind = operatorPathKind(dir);
  if (kind === 'missing') throw new UsageError(`hook install: --hooks-dir ${dir} does not exist (libvirt reads /etc/libvirt/hooks/qemu.d); add --create to make it`);
  if (kind !== 'directory') throw new UsageError(`hook install: --hooks-dir ${dir} ${kind === 'other' || kind === 'socket' ? 'is not a directory' : `cannot be read (${kind})`}`);
}
