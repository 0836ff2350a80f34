/** The host a command works on: the real tree under the root, or a simulated kernel seeded from it. */
import { readHost } from '../core/host/read-host';
import type { HostModel } from '../core/host/host-model';
import { parseJsonDocument } from '../core/text/json-text';
import { PathEscapeError, type Sysfs, SysfsError } from '../core/host/sysfs';
import { MAX_JSON_BYTES } from '../core/text/json-text';
import { RealSysfs, resolveRoot } from '../shell/real-sysfs';
import { SimKernel } from '../shell/sim/kernel';
import { parseSimSeedOptions } from '../shell/sim/seed';
import { FileStateStore, MemoryStateStore, type StateStore } from '../shell/state-store';
import { type CommandContext, UsageError } from './context';
import { rootProblem } from './root-check';
import { SIM_OPTIONS_PATH } from '../core/host/host-layout';

export interface HostAccess {
  root: string;
  sysfs: Sysfs;
  store: StateStore;
  simulated: boolean;
}

/** Beside `sys/`: which types of a tree share a resource pool (fixtures/README.md). */

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
  if (!simulate) return { root: real.root, sysfs: real, store: new FileStateStore(real.root, process.pid, () => new Date(ctx.clock.now())), simulated: false };
  const shown = `${real.root === '/' ? '' : real.root}${SIM_OPTIONS_PATH}`;
  let options;
  try {
    const text = real.tree.read(SIM_OPTIONS_PATH, MAX_JSON_BYTES);
    if (text !== null) {
      const document = parseJsonDocument(text);
      if (!document.ok) throw new Error(`${document.message} (line ${document.position.line}, column ${document.position.column})`);
      options = parseSimSeedOptions(document.value);
    }
  } catch (e) {
    throw new UsageError(`${shown}: ${(e as Error).message}`);
  }
  let kernel: SimKernel;
  try {
    kernel = SimKernel.seed(real, options);
  } catch (e) {
    // The options name a parent or type the tree lacks: the file is wrong, not the program.
    if (options !== undefined && e instanceof Error && e.message.startsWith('sim.json')) throw new UsageError(`${shown}: ${e.message}`);
    // A tree whose links leave the root, or whose files cannot be read, cannot be simulated.
    if (e instanceof PathEscapeError || e instanceof SysfsError) throw new UsageError(`the tree under ${real.root} cannot be simulated: ${e.message}`);
    throw e;
  }
  const mismatch = simulationMismatch(readHost(real), readHost(kernel));
  if (mismatch) throw new UsageError(`the tree under ${real.root} cannot be simulated faithfully: ${mismatch}; the simulated kernel would answer otherwise than the tree reads`);
  return { root: real.root, sysfs: kernel, store: new MemoryStateStore(), simulated: true };
}

/**
 * Where a simulated kernel would read otherwise than the tree it was seeded from: a fact the tree
 * cannot give (a problem: garbage, an unreadable file), or a fact sim.json's pools change (a
 * count of available instances the pools do not give). A verdict or a plan on such a kernel
 * would not be the tree's, so --simulate refuses it instead.
 */
function simulationMismatch(tree: HostModel, simulated: HostModel): string | null {
  const problem = tree.problems[0];
  if (problem) return `${problem.path}: ${problem.message}`;
  const facts = (host: HostModel) => JSON.stringify({ parents: host.parents, devices: host.devices });
  if (facts(tree) === facts(simulated)) return null;
  for (const parent of tree.parents) {
    const other = simulated.parents.find((p) => p.name === parent.name);
    for (const type of parent.types) {
      const twin = other?.types.find((t) => t.id === type.id);
      if (JSON.stringify(type) !== JSON.stringify(twin)) {
        const field = twin ? Object.keys(type).find((k) => JSON.stringify(type[k as keyof typeof type]) !== JSON.stringify(twin[k as keyof typeof twin])) : 'the type';
        return `${parent.name}/${type.id}: ${field} reads ${JSON.stringify(type[field as keyof typeof type] ?? null)} in the tree, ${twin ? JSON.stringify(twin[field as keyof typeof twin]) : 'nothing'} as simulated (sim.json's pools?)`;
      }
    }
  }
  return 'its parents or devices differ from the simulated ones';
}
