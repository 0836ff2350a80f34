/**
 * The host configuration file (`<root>/etc/mdev-agg/config.json`): parsing and validation with
 * positions. Pure: the CLI reads the file and hands its text here.
 *
 * {
 *   "lockTimeoutMs": 30000,
 *   "allowUnknownDriver": false,
 *   "driverPolicy": { "nvidia": [ { "from": "535.104.05", "to": "535.129.03" } ] }
 * }
 */
import { type Code, type Diagnostic, type Position, diagnostic } from './diagnostics';
import { LineIndex } from './xml/text-position';

/** One allowed migration between two versions of a host driver: a device may move from `from` to `to`. */
export interface DriverVersionStep {
  from: string;
  to: string;
}

export interface Config {
  /** How long apply and release wait for the host-wide lock. */
  lockTimeoutMs: number;
  /** Migration checks whose driver facts are missing pass instead of failing. */
  allowUnknownDriver: boolean;
  /** Per driver name, version pairs allowed beyond equality. */
  driverPolicy: Readonly<Record<string, readonly DriverVersionStep[]>>;
}

export const DEFAULT_CONFIG: Config = { lockTimeoutMs: 30_000, allowUnknownDriver: false, driverPolicy: {} };

/** Longer waits would hold a guest's start (the hook) for minutes; refuse them. */
export const MAX_LOCK_TIMEOUT_MS = 600_000;

export const CONFIG_PATH = '/etc/mdev-agg/config.json';

export type ConfigResult = { config: Config; diagnostics: Diagnostic[] } | { config: null; diagnostics: Diagnostic[] };

const KNOWN_KEYS = new Set(['lockTimeoutMs', 'allowUnknownDriver', 'driverPolicy']);

export function parseConfig(text: string, file: string): ConfigResult {
  const lines = new LineIndex(text);
  const diagnostics: Diagnostic[] = [];
  const report = (code: Code, message: string, at: Position) => diagnostics.push(diagnostic(code, message, file, at));
  const invalid = (message: string, at: Position) => report('E_CONFIG_INVALID', message, at);

  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const message = (e as Error).message;
    invalid(`not valid JSON: ${message}`, jsonErrorPosition(message, text, lines));
    return { config: null, diagnostics };
  }
  const start = lines.at(0);
  if (!isObject(value)) {
    invalid('the configuration must be a JSON object', start);
    return { config: null, diagnostics };
  }

  const config: { -readonly [K in keyof Config]: Config[K] } = { ...DEFAULT_CONFIG };
  const keyAt = (key: string, from = 0) => lines.at(keyOffset(text, key, from));
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
    } else {
      const policy = readDriverPolicy(v, text, keyOffset(text, key, 0), lines, invalid);
      if (policy) config.driverPolicy = policy;
    }
  }
  if (diagnostics.some((d) => d.severity === 'error')) return { config: null, diagnostics };
  return { config, diagnostics };
}

function readDriverPolicy(
  value: unknown,
  text: string,
  policyOffset: number,
  lines: LineIndex,
  invalid: (message: string, at: Position) => void,
): Record<string, DriverVersionStep[]> | null {
  if (!isObject(value)) {
    invalid('driverPolicy must be an object of driver names, each a list of {"from": VERSION, "to": VERSION}', lines.at(policyOffset));
    return null;
  }
  const policy: Record<string, DriverVersionStep[]> = {};
  let ok = true;
  for (const [driver, steps] of Object.entries(value)) {
    const at = lines.at(keyOffset(text, driver, policyOffset));
    const valid =
      Array.isArray(steps) &&
      steps.every((s) => isObject(s) && Object.keys(s).length === 2 && typeof s.from === 'string' && s.from !== '' && typeof s.to === 'string' && s.to !== '');
    if (!valid) {
      invalid(`driverPolicy.${driver} must be a list of {"from": VERSION, "to": VERSION} (non-empty strings, no other keys)`, at);
      ok = false;
      continue;
    }
    policy[driver] = (steps as DriverVersionStep[]).map(({ from, to }) => ({ from, to }));
  }
  return ok ? policy : null;
}

/** Equal versions always pass; otherwise the policy must list the step for that driver. */
export function driverVersionsAllowed(config: Config, driver: string, from: string, to: string): boolean {
  if (from === to) return true;
  const steps = Object.hasOwn(config.driverPolicy, driver) ? config.driverPolicy[driver]! : [];
  return steps.some((s) => s.from === from && s.to === to);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Where JSON.parse stopped: "at position N" when V8 says so, the end for a truncated text, else the
 * start (V8 names the unexpected token without its position).
 */
function jsonErrorPosition(message: string, text: string, lines: LineIndex): Position {
  const m = /at position (\d+)/.exec(message);
  if (m) return lines.at(Math.min(Number(m[1]), text.length));
  if (/end of JSON input/.test(message)) return lines.at(text.length);
  return lines.at(0);
}

/** Offset of the first `"key":` after `from` (the key as JSON writes it); `from` when absent. */
function keyOffset(text: string, key: string, from: number): number {
  const quoted = JSON.stringify(key);
  let at = text.indexOf(quoted, from);
  while (at !== -1) {
    if (/^\s*:/.test(text.slice(at + quoted.length, at + quoted.length + 64))) return at;
    at = text.indexOf(quoted, at + 1);
  }
  return from;
}
