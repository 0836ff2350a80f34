/** Reading the host configuration file under the root; a missing file means the defaults. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_PATH, type ConfigResult, DEFAULT_CONFIG, parseConfig } from '../core/config';
import { diagnostic } from '../core/diagnostics';
import type { CommandContext } from './context';
import { rootOf } from './host-access';

export function loadConfig(ctx: CommandContext): ConfigResult {
  const path = join(rootOf(ctx), CONFIG_PATH);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') return { config: DEFAULT_CONFIG, diagnostics: [] };
    return { config: null, diagnostics: [diagnostic('E_CONFIG_INVALID', `cannot read the configuration: ${err.code ?? err.message}`, path, { line: 1, column: 1 })] };
  }
  return parseConfig(text, path);
}
