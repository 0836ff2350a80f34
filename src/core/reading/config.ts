/**
 * The host configuration file (`<root>/etc/mdev-agg/config.json`): parsing and validation with
 * positions. Pure: the CLI reads the file and hands its text here. `driverPolicy` holds a driver
 * policy document as `migrate-check --policy` reads it (core/migration/policy.ts).
 *
 * {
 *   "lockTimeoutMs": 30000,
 *   "allowUnknownDriver": false,
 *   "migrationParent": "prefer",
 *   "driverPolicy": { "drivers": { "nvidia": { "compatible": [["535.104.05", "535.129.03"]] } } }
 * }
 */
import { type Code, type Diagnostic, type Position, diagnostic } from '../text/diagnostics';
import { JsonTree, isJsonObject, parseJsonDocument } from '../text/json-text';
import { type DriverPolicy, EMPTY_POLICY, policyFromJson } from '../migration/policy';
import { LineIndex } from '../xml/text-position';

export interface Config {
  /** How long apply and release (and the hook) wait for the host-wide lock. */
  lockTimeoutMs: number;
  /** Migration checks whose driver facts are missing pass instead of failing. */
  allowUnknownDriver: boolean;
  /** Driver versions allowed to migrate between each other beyond equality. */
  driverPolicy: DriverPolicy;
  /**
   * A domain's named parent on a migration target: `prefer` keeps it when it can take the device
   * and otherwise places the device where most room is left; `require` keeps it or refuses.
   */
  migrationParent: MigrationParent;
}

export const MIGRATION_PARENT_VALUES = ['prefer', 'require'] as const;
export type MigrationParent = (typeof MIGRATION_PARENT_VALUES)[number];

export const DEFAULT_CONFIG: Config = { lockTimeoutMs: 30_000, allowUnknownDriver: false, driverPolicy: EMPTY_POLICY, migrationParent: 'prefer' };

/** Longer waits would hold a guest's start (the hook) for minutes; refuse them. */
const MAX_LOCK_TIMEOUT_MS = 600_000;

export type ConfigResult = { config: Config; diagnostics: Diagnostic[] } | { config: null; diagnostics: Diagnostic[] };

const KNOWN_KEYS = new Set(['lockTimeoutMs', 'allowUnknownDriver', 'driverPolicy', 'migrationParent']);

export function parseConfig(text: string, file: string): ConfigResult {
  const lines = new LineIndex(text);
  const diagnostics: Diagnostic[] = [];
  const report = (code: Code, message: string, at: Position) => diagnostics.push(diagnostic(code, message, file, at));
  const invalid = (message: string, at: Position) => report('E_CONFIG_INVALID', message, at);

  const document = parseJsonDocument(text);
  if (!document.ok) {
    invalid(document.message, document.position);
    return { config: null, diagnostics };
  }
  const { value } = document;
  const start = lines.at(0);
  if (!isJsonObject(value)) {
    invalid('the configuration must be a JSON object', start);
    return { config: null, diagnostics };
  }

  const config: { -readonly [K in keyof Config]: Config[K] } = { ...DEFAULT_CONFIG };
  // The syntax tree is built only when a finding needs its place.
  let tree: JsonTree | null = null;
  const keyAt = (key: string) => (tree ??= new JsonTree(text)).at([key], true);
  for (const [key, v] of Object.entries(value)) {
    if (!KNOWN_KEYS.has(key)) {
      report('W_CONFIG_UNKNOWN_KEY', `unknown key ${JSON.stringify(key)} is ignored (known: ${[...KNOWN_KEYS].join(', ')})`, keyAt(key));
      continue;
    }
    if (key === 'lockTimeoutMs') {
      if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_LOCK_TIMEOUT_MS) config.lockTimeoutMs = v;
      else invalid(`lockTimeoutMs must be an integer 0..${MAX_LOCK_TIMEOUT_MS} (milliseconds), not ${JSON.stringify(v)}`, keyAt(key));
    } else if (key === 'allowUnknownDriver') {
      if (typeof v === 'boolean') config.allowUnknownDriver = v;
      else invalid(`allowUnknownDriver must be true or false, not ${JSON.stringify(v)}`, keyAt(key));
    } else if (key === 'migrationParent') {
      if ((MIGRATION_PARENT_VALUES as readonly unknown[]).includes(v)) config.migrationParent = v as MigrationParent;
      else invalid(`migrationParent must be ${MIGRATION_PARENT_VALUES.map((m) => JSON.stringify(m)).join(' or ')}, not ${JSON.stringify(v)}`, keyAt(key));
    } else {
      // The policy document's own rules on the value already parsed; its findings are placed at the key and prefixed with it.
      const { policy, problems } = policyFromJson(v);
      if (problems.length === 0) config.driverPolicy = policy;
      for (const p of problems) invalid(`driverPolicy: ${p.message}`, keyAt(key));
    }
  }
  if (diagnostics.some((d) => d.severity === 'error')) return { config: null, diagnostics };
  return { config, diagnostics };
}
