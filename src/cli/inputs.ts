/**
 * Every input a command reads besides the host: the domain, host snapshots, the driver policy and
 * the configuration file. One rule for all: unreadable (missing, a FIFO, too large for JSON) ->
 * exit 2 with one line; read but invalid -> its diagnostics, exit 1 (JSON with --json).
 */
import { MIGRATION_PARENT_VALUES, type ConfigResult, DEFAULT_CONFIG, type MigrationParent, parseConfig } from '../core/reading/config';
import { type Diagnostic, diagnostic, hasErrors } from '../core/text/diagnostics';
import { type DomainModel, readDomain } from '../core/reading/domain';
import { CONFIG_PATH } from '../core/host/host-layout';
import { MAX_JSON_BYTES } from '../core/text/json-text';
import type { CheckOptions } from '../core/migration/compat';
import { parsePolicy } from '../core/migration/policy';
import { parentRuleOf } from '../core/plan/placement';
import type { HostSnapshot } from '../core/snapshot/model';
import { readSnapshot } from '../core/snapshot/read';
import { MAX_XML_BYTES, tooLargeDiagnostic } from '../core/xml/reader';
import { ConfinedTree } from '../shell/files/guarded-fs';
import { type CommandContext, EXIT, type ExitCode, UsageError } from './context';
import { printFatalDiagnostics } from './diagnostics-printer';

type Loaded<T> = T | { exit: ExitCode };

/**
 * A file the user named (`-`: stdin), read and parsed by `parse`; null from it means invalid.
 * `tooLarge`: the diagnostic a file over the limit gives (the reader's own code) instead of exit 2.
 */
async function loadParsed<T>(
  ctx: CommandContext,
  path: string,
  limit: number,
  parse: (data: Uint8Array) => { value: T | null; diagnostics: Diagnostic[] },
  tooLarge?: Diagnostic,
): Promise<Loaded<{ value: T; diagnostics: Diagnostic[] }>> {
  const input = await ctx.readInput(path, limit);
  if (!input.ok && input.tooLarge && tooLarge) {
    printFatalDiagnostics(ctx, [tooLarge]);
    return { exit: EXIT.NO };
  }
  if (!input.ok) {
    ctx.out.err(`mdev-agg: ${input.message}`);
    return { exit: EXIT.USAGE };
  }
  const { value, diagnostics } = parse(input.data);
  if (value === null) {
    printFatalDiagnostics(ctx, diagnostics);
    return { exit: EXIT.NO };
  }
  return { value, diagnostics };
}

export type LoadedDomain = Loaded<{ model: DomainModel; diagnostics: Diagnostic[] }>;

/** The domain a command works on; one larger than the XML limit is E_XML_TOO_LARGE (exit 1), as its reader says. */
export async function loadDomain(ctx: CommandContext, path: string): Promise<LoadedDomain> {
  const file = path === '-' ? '<stdin>' : path;
  const parse = (data: Uint8Array) => {
    const { model, diagnostics } = readDomain(data, file);
    return { value: model && !hasErrors(diagnostics) ? model : null, diagnostics };
  };
  const loaded = await loadParsed(ctx, path, MAX_XML_BYTES, parse, tooLargeDiagnostic(file));
  return 'exit' in loaded ? loaded : { model: loaded.value, diagnostics: loaded.diagnostics };
}

export async function loadSnapshot(ctx: CommandContext, path: string): Promise<Loaded<{ snapshot: HostSnapshot }>> {
  const loaded = await loadParsed(ctx, path, MAX_JSON_BYTES, (data) => {
    const read = readSnapshot(data, path);
    return { value: read.snapshot, diagnostics: read.diagnostics };
  });
  return 'exit' in loaded ? loaded : { snapshot: loaded.value };
}

/** The host configuration file under the root; a missing file means the defaults. */
export function loadConfig(ctx: CommandContext): ConfigResult {
  const root = ctx.root();
  const shown = root === '/' ? CONFIG_PATH : `${root}${CONFIG_PATH}`;
  let tree: ConfinedTree;
  try {
    tree = new ConfinedTree(root);
  } catch {
    // A root that cannot be used holds no configuration; the command says so when it opens the host.
    return { config: DEFAULT_CONFIG, diagnostics: [] };
  }
  let text: string | null;
  try {
    // Confined under the root like every host path: a link out of it, a FIFO or /dev/zero there is refused, not read.
    text = tree.read(CONFIG_PATH, MAX_JSON_BYTES);
  } catch (e) {
    return { config: null, diagnostics: [diagnostic('E_CONFIG_INVALID', `cannot read the configuration: ${(e as Error).message}`, shown, { line: 1, column: 1 })] };
  }
  if (text === null) return { config: DEFAULT_CONFIG, diagnostics: [] };
  return parseConfig(text, shown);
}

/**
 * The driver policy and the unknown-driver rule: --policy FILE and --allow-unknown-driver, else the
 * configuration file's driverPolicy and allowUnknownDriver (<root>/etc/mdev-agg/config.json); the
 * rule for named parents on the target: --migration-parent, else the configuration's migrationParent.
 */
export async function loadCheckOptions(ctx: CommandContext): Promise<Loaded<{ options: CheckOptions }>> {
  const { config, diagnostics } = loadConfig(ctx);
  if (!config) {
    printFatalDiagnostics(ctx, diagnostics);
    return { exit: EXIT.USAGE };
  }
  const allowUnknownDriver = ctx.flag('allow-unknown-driver') || config.allowUnknownDriver;
  const given = ctx.text('migration-parent');
  if (given !== undefined && !(MIGRATION_PARENT_VALUES as readonly string[]).includes(given)) {
    throw new UsageError(`--migration-parent must be ${MIGRATION_PARENT_VALUES.join(' or ')}, not ${JSON.stringify(given)}`);
  }
  const parentRule = parentRuleOf((given as MigrationParent | undefined) ?? config.migrationParent);
  const path = ctx.text('policy');
  if (path === undefined) return { options: { policy: config.driverPolicy, allowUnknownDriver, parentRule } };
  const loaded = await loadParsed(ctx, path, MAX_JSON_BYTES, (data) => {
    const parsed = parsePolicy(Buffer.from(data).toString('utf8'), path);
    return { value: parsed.policy, diagnostics: parsed.diagnostics };
  });
  return 'exit' in loaded ? loaded : { options: { policy: loaded.value, allowUnknownDriver, parentRule } };
}
