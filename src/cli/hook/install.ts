/**
 * `hook install` and `hook uninstall`: the wrapper script in libvirt's qemu.d. Install is
 * idempotent and never replaces a file it did not write; uninstall removes only its own file.
 */
import { mkdirSync, realpathSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { HOOK_NAME, HOOKS_DIR, isOurWrapper, wrapperScript } from '../../core/hook-wrapper';
import { readIfExists, writeFileAtomic } from '../../shell/atomic-file';
import { resolveRoot } from '../../shell/real-sysfs';
import { type CommandContext, EXIT, type ExitCode, UsageError } from '../context';
import { rootProblem } from '../root-check';
import { refuseMissingHooksDir } from './hooks-dir';

const RELOAD_NOTE =
  'libvirt reads hook scripts when it starts: restart libvirtd (or virtqemud), or send it SIGHUP, for this to take effect.';

function wrapperPath(ctx: CommandContext): string {
  const dir = ctx.values['hooks-dir'];
  if (typeof dir === 'string' && dir !== '') return join(resolve(ctx.options.cwd ?? process.cwd(), dir), HOOK_NAME);
  // The wrapper goes under etc/: a root without sys/ will do (a staging tree, a package build).
  const root = resolveRoot(ctx.flags.root, ctx.env);
  const problem = rootProblem(root, false);
  if (problem) throw new UsageError(problem);
  return join(root, HOOKS_DIR, HOOK_NAME);
}

/** The CLI file to run: the one running now, with links resolved (an npm bin link, /usr/bin). */
function installedCli(ctx: CommandContext): string {
  const entry = ctx.options.entryScript;
  if (!entry) throw new UsageError('hook install: run it from the installed CLI (dist/mdev-agg.js), which knows its own path');
  return realpathSync(entry);
}

export function installHook(ctx: CommandContext): ExitCode {
  const file = wrapperPath(ctx);
  refuseMissingHooksDir(ctx, join(file, '..'));
  const script = wrapperScript({ node: realpathSync(process.execPath), cli: installedCli(ctx) });
  const existing = readIfExists(file);
  if (existing !== null && !isOurWrapper(existing)) {
    ctx.out.err(`mdev-agg: ${file} exists and was not written by mdev-agg; it is left as it is`);
    return EXIT.NO;
  }
  if (existing === script) {
    ctx.out.out(`hook already installed: ${file} (unchanged)`);
    return EXIT.OK;
  }
  mkdirSync(join(file, '..'), { recursive: true, mode: 0o755 });
  writeFileAtomic(file, script, 0o755);
  ctx.out.out(`${existing === null ? 'installed' : 'updated'} hook ${file}`);
  ctx.out.out(RELOAD_NOTE);
  return EXIT.OK;
}

export function uninstallHook(ctx: CommandContext): ExitCode {
  const file = wrapperPath(ctx);
  const existing = readIfExists(file);
  if (existing === null) {
    ctx.out.out(`no hook at ${file}: nothing to remove`);
    return EXIT.OK;
  }
  if (!isOurWrapper(existing)) {
    ctx.out.err(`mdev-agg: ${file} was not written by mdev-agg; it is left as it is`);
    return EXIT.NO;
  }
  rmSync(file);
  ctx.out.out(`removed hook ${file}`);
  ctx.out.out(RELOAD_NOTE);
  return EXIT.OK;
}
