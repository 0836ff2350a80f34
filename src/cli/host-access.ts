/** The host a command works on: the real tree under the root, or a simulated kernel seeded from it. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Sysfs } from '../core/sysfs';
import { RealSysfs, resolveRoot } from '../shell/real-sysfs';
import { SimKernel } from '../shell/sim-kernel';
import { parseSimSeedOptions } from '../shell/sim-seed';
import { FileStateStore, MemoryStateStore, type StateStore } from '../shell/state-store';
import { type CommandContext, UsageError } from './context';
import { rootProblem } from './root-check';

export interface HostAccess {
  root: string;
  sysfs: Sysfs;
  store: StateStore;
  simulated: boolean;
}

/** The host root, refused (usage error) when it cannot be a host; a caller's own host needs no sys/ there. */
export function rootOf(ctx: CommandContext): string {
  const root = resolveRoot(ctx.flags.root, ctx.env);
  const problem = rootProblem(root, !ctx.options.host);
  if (problem) throw new UsageError(problem);
  return root;
}

export function openReal(ctx: CommandContext): RealSysfs {
  const root = rootOf(ctx);
  try {
    return new RealSysfs(root);
  } catch (e) {
    throw new UsageError(`the root ${root} cannot be used: ${(e as Error).message}`);
  }
}

/** The host to read: the one the caller gave, else the tree under the root. */
export function hostView(ctx: CommandContext): Sysfs {
  return ctx.options.host?.sysfs ?? openReal(ctx);
}

/**
 * `--simulate`: a kernel seeded from the tree under the root; lock and journal in memory, so
 * nothing is written anywhere. A tree may carry `sim.json` beside `sys/` to declare shared pools.
 */
export function openHost(ctx: CommandContext, simulate: boolean): HostAccess {
  const given = ctx.options.host;
  if (given) return { root: rootOf(ctx), sysfs: given.sysfs, store: given.store, simulated: simulate };
  const real = openReal(ctx);
  if (!simulate) return { root: real.root, sysfs: real, store: new FileStateStore(real.root), simulated: false };
  let options;
  try {
    options = parseSimSeedOptions(JSON.parse(readFileSync(join(real.realRoot, 'sim.json'), 'utf8')));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new UsageError(`${join(real.root, 'sim.json')}: ${(e as Error).message}`);
  }
  return { root: real.root, sysfs: SimKernel.seed(real, options), store: new MemoryStateStore(), simulated: true };
}
