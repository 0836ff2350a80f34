/** Reading the host configuration file under the root; a missing file means the defaults. */
import { type ConfigResult, DEFAULT_CONFIG, parseConfig } from '../core/config';
import { CONFIG_PATH } from '../core/host-layout';
import { diagnostic } from '../core/diagnostics';
import { MAX_JSON_BYTES } from '../core/json-text';
import { ConfinedTree } from '../shell/files/guarded-fs';
import type { CommandContext } from './context';
import { rootOf } from './host-access';

export function loadConfig(ctx: CommandContext): ConfigResult {
  const root = rootOf(ctx);
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
