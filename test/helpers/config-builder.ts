/** The host configuration as the CLI and the hook read it: <root>/etc/mdev-agg/config.json. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tempDir } from './temp-dir';

export const CONFIG_FILE = 'etc/mdev-agg/config.json';

/** The settings the README documents; any of them may be left out. */
export interface ConfigSettings {
  lockTimeoutMs?: number;
  allowUnknownDriver?: boolean;
  migrationParent?: 'prefer' | 'require';
  driverPolicy?: { drivers: Record<string, { compatible: string[][] }> };
}

/** A driver policy in which `driver`'s `versions` are one compatible group. */
export const compatibleVersions = (driver: string, ...versions: string[]): ConfigSettings['driverPolicy'] => ({ drivers: { [driver]: { compatible: [versions] } } });

/** Writes `config` (settings, or the raw text of a file a test breaks on purpose) as the root's configuration; returns its path. */
export function writeConfig(root: string, config: ConfigSettings | string): string {
  const file = join(root, CONFIG_FILE);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, typeof config === 'string' ? config : JSON.stringify(config));
  return file;
}

/** A new root holding only its configuration, removed after the file's tests. */
export function configRoot(config: ConfigSettings | string): string {
  const root = tempDir('mdev-agg-config-');
  writeConfig(root, config);
  return root;
}
