/**
 * The one owner of the host a command works on (`ctx.host()`): the host an in-process caller
 * gave, else the real tree under the root, else (`--simulate`) a kernel seeded from that tree.
 * Commands never build a host themselves.
 */
import { readHost } from '../core/host/read-host';
import type { HostModel } from '../core/host/host-model';
import { MAX_JSON_BYTES, parseJsonDocument } from '../core/text/json-text';
import { PathEscapeError, SysfsError } from '../core/host/sysfs';
import { SIM_OPTIONS_PATH } from '../core/host/host-layout';
import { RealSysfs, resolveRoot } from '../shell/real-sysfs';
import { FileStateStore, MemoryStateStore } from '../shell/state-store';
import { type CommandContext, type Host, UsageError } from './context';
import { rootProblem } from './root-check';

/** What opening a host depends on: the command line, the environment and the caller's options. */
type HostSource = Pick<CommandContext, 'flags' | 'env' | 'options' | 'clock'>;

/** The host root, refused (usage error) when it cannot be a host; a caller's own host needs no sys/ there. */
export function checkedRoot(source: HostSource): string {
  const root = resolveRoot(source.flags.root, source.env);
  const problem = rootProblem(root, !source.options.host);
  if (problem) throw new UsageError(problem);
  return root;
}

function openTree(source: HostSource): RealSysfs {
  const root = checkedRoot(source);
  try {
    return new RealSysfs(root);
  } catch (e) {
    throw new UsageError(`the root ${root} cannot be used: ${(e as Error).message}`);
  }
}

/**
 * The host: the caller's own (`RunOptions.host`), else the tree under the root with its lock and
 * journal under `<root>/run/mdev-agg`. `simulate`: a kernel seeded from the tree, lock and journal
 * in memory, so nothing is written anywhere; a tree may carry `sim.json` beside `sys/` to declare
 * shared pools. The store is made on first use: a command that only reads never opens it.
 */
export function openHost(source: HostSource, simulate: boolean): Host {
  const given = source.options.host;
  if (given) return { root: checkedRoot(source), sysfs: given.sysfs, store: given.store, simulated: simulate };
  const real = openTree(source);
  if (!simulate) {
    let store: FileStateStore | undefined;
    return {
      root: real.root,
      sysfs: real,
      get store() {
        return (store ??= new FileStateStore(real.root, process.pid, () => new Date(source.clock.now())));
      },
      simulated: false,
    };
  }
  return { root: real.root, sysfs: simulateTree(real), store: new MemoryStateStore(), simulated: true };
}

/** A kernel seeded from the tree and its `sim.json`, refused when it would answer otherwise than the tree reads. */
function simulateTree(real: RealSysfs) {
  // Loaded only here: a run on the real host (the hook's) never compiles the simulator.
  const { SimKernel } = require('../shell/sim/kernel') as typeof import('../shell/sim/kernel');
  const { parseSimSeedOptions } = require('../shell/sim/seed') as typeof import('../shell/sim/seed');
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
  let kernel;
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
  return kernel;
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
