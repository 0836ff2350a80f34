/**
 * `hook install` and `hook uninstall`: the wrapper script in libvirt's qemu.d. Install is
 * idempotent and never replaces a file it did not write; uninstall removes only its own file.
 */
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { HOOK_NAME, HOOKS_DIR, isOurWrapper, wrapperScript } from '../../core/hook/hook-wrapper';
import { ConfinedTree, canonicalOperatorPath, makeOperatorDirectory } from '../../shell/files/guarded-fs';
import { resolveRoot } from '../../shell/real-sysfs';
import { type CommandContext, EXIT, type ExitCode, UsageError } from '../context';
import { describeFileFailure } from '../file-failure';
import { rootProblem } from '../root-check';
import { refuseMissingHooksDir } from './hooks-dir';

const RELOAD_NOTE =
  'libvirt reads hook scripts when it starts: restart libvirtd (or virtqemud), or send it SIGHUP, for this to take effect.';

/** The largest wrapper read back: ours is a few hundred bytes; anything far larger is not ours. */
const MAX_WRAPPER_BYTES = 64 * 1024;

/**
 * Where the wrapper goes: `--hooks-dir DIR` (the operator's directory, made only with --create), else
 * the hooks directory under the root. `file` is the path shown; the tree confines every access,
 * so a link in the hooks directory's components under the root never leads the write out of it.
 */
interface WrapperPlace {
  file: string;
  /** The confined tree; `create` makes an operator's --hooks-dir when it is missing. */
  tree: (create: boolean) => ConfinedTree;
  dir: string;
  hostPath: string;
}

function wrapperPlace(ctx: CommandContext): WrapperPlace {
  const dir = ctx.text('hooks-dir');
  if (dir !== undefined && dir !== '') {
    const given = resolve(ctx.cwd, dir);
    const named = ctx.flags.root ?? ctx.env.MDEV_AGG_ROOT;
    const root = named ? resolve(ctx.cwd, named) : null;
    const within = root === null ? null : relative(root, given);
    if (within !== null && within !== '' && !within.startsWith('..') && !isAbsolute(within)) {
      // A --hooks-dir under the named root is confined to it, as the default directory is: a link
      // on its way leading out of the root is refused, and what is missing is made inside.
      const hostDir = `/${within.split(sep).join('/')}`;
      const tree = (create: boolean) => {
        if (create) refuseMissingHooksDir(ctx, given);
        return new ConfinedTree(root!);
      };
      return { file: join(given, HOOK_NAME), dir: hostDir, hostPath: `${hostDir}/${HOOK_NAME}`, tree };
    }
    const tree = (create: boolean) => {
      if (create) {
        refuseMissingHooksDir(ctx, given);
        makeOperatorDirectory(given);
      }
      return new ConfinedTree(given);
    };
    return { file: join(given, HOOK_NAME), dir: '/', hostPath: `/${HOOK_NAME}`, tree };
  }
  // The wrapper goes under etc/: a root without sys/ will do (a staging tree, a package build).
  const root = resolveRoot(ctx.flags.root, ctx.env);
  const problem = rootProblem(root, false);
  if (problem) throw new UsageError(problem);
  return { file: join(root, HOOKS_DIR, HOOK_NAME), dir: HOOKS_DIR, hostPath: `${HOOKS_DIR}/${HOOK_NAME}`, tree: () => new ConfinedTree(root) };
}

/** The wrapper's text there, or null when there is none; refusals (a link out, a FIFO) throw. */
function existingWrapper(tree: ConfinedTree, place: WrapperPlace): string | null {
  try {
    return tree.read(place.hostPath, MAX_WRAPPER_BYTES);
  } catch (e) {
    // A directory on the way missing, under a root being set up: no wrapper yet.
    if ((e as { errno?: string }).errno === 'ENOENT') return null;
    throw e;
  }
}

/** The CLI file to run: the one running now, with links resolved (an npm bin link, /usr/bin). */
function installedCli(ctx: CommandContext): string {
  const entry = ctx.options.entryScript;
  if (!entry) throw new UsageError('hook install: run it from the installed CLI (dist/mdev-agg.js), which knows its own path');
  const real = canonicalOperatorPath(entry);
  if (real === null) throw new UsageError(`hook install: the CLI file ${entry} does not resolve`);
  return real;
}

export function installHook(ctx: CommandContext): ExitCode {
  const place = wrapperPlace(ctx);
  const file = place.file;
  const script = wrapperScript({ node: canonicalOperatorPath(ctx.nodePath) ?? ctx.nodePath, cli: installedCli(ctx) });
  try {
    return writeWrapper(ctx, place, script);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    ctx.out.err(`mdev-agg: ${describeFileFailure(file, e)}`);
    return EXIT.NO;
  }
}

function writeWrapper(ctx: CommandContext, place: WrapperPlace, script: string): ExitCode {
  const { file } = place;
  const tree = place.tree(true);
  const existing = existingWrapper(tree, place);
  if (existing !== null && !isOurWrapper(existing)) {
    ctx.out.err(`mdev-agg: ${file} exists and was not written by mdev-agg; it is left as it is`);
    return EXIT.NO;
  }
  if (existing === script) {
    ctx.out.out(`hook already installed: ${file} (unchanged)`);
    return EXIT.OK;
  }
  tree.makeDirectories(place.dir);
  tree.replaceFile(place.hostPath, script, 0o755);
  ctx.out.out(`${existing === null ? 'installed' : 'updated'} hook ${file}`);
  ctx.out.out(RELOAD_NOTE);
  return EXIT.OK;
}

export function uninstallHook(ctx: CommandContext): ExitCode {
  const place = wrapperPlace(ctx);
  try {
    return removeWrapper(ctx, place);
  } catch (e) {
    ctx.out.err(`mdev-agg: ${describeFileFailure(place.file, e)}`);
    return EXIT.NO;
  }
}

function removeWrapper(ctx: CommandContext, place: WrapperPlace): ExitCode {
  const { file } = place;
  let tree: ConfinedTree | null;
  try {
    tree = place.tree(false);
  } catch (e) {
    if ((e as { errno?: string }).errno !== 'ENOENT') throw e;
    tree = null;
  }
  const existing = tree && existingWrapper(tree, place);
  if (existing === null) {
    ctx.out.out(`no hook at ${file}: nothing to remove`);
    return EXIT.OK;
  }
  if (!isOurWrapper(existing)) {
    ctx.out.err(`mdev-agg: ${file} was not written by mdev-agg; it is left as it is`);
    return EXIT.NO;
  }
  tree!.removeEntry(place.hostPath);
  ctx.out.out(`removed hook ${file}`);
  ctx.out.out(RELOAD_NOTE);
  return EXIT.OK;
}
