/**
 * The driver policy file: which driver versions may migrate between each other when the versions
 * differ and no migration_version protocol decides. JSON:
 *
 *   { "drivers": { "nvidia": { "compatible": [["535.104.05", "535.129.03"], ["550.54.14", "550.90.07"]] } } }
 *
 * Each inner list is a group of versions that may migrate to one another in either direction.
 * Pure: the text in, the policy or located E_POLICY_INVALID diagnostics out.
 */
import { type Diagnostic, diagnostic } from '../diagnostics';
import { isSafeSysfsName } from '../names';
import { LineIndex } from '../xml/text-position';

export interface DriverPolicy {
  /** Driver name -> groups of mutually compatible versions. */
  drivers: ReadonlyMap<string, readonly ReadonlySet<string>[]>;
}

export const EMPTY_POLICY: DriverPolicy = { drivers: new Map() };

export type PolicyResult = { policy: DriverPolicy; diagnostics: [] } | { policy: null; diagnostics: Diagnostic[] };

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isVersion = (value: unknown): value is string => typeof value === 'string' && value.length > 0 && !/[\x00-\x1f\x7f]/.test(value);

export function parsePolicy(text: string, file: string): PolicyResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    const message = (e as Error).message;
    const position = /at position (\d+)/.exec(message);
    const at = position ? new LineIndex(text).at(Number(position[1])) : { line: 1, column: 1 };
    return { policy: null, diagnostics: [diagnostic('E_POLICY_INVALID', `not JSON: ${message.replace(/ in JSON at position.*$|, ".*$/s, '')}`, file, at)] };
  }
  const problems: string[] = [];
  const drivers = new Map<string, ReadonlySet<string>[]>();
  if (!isRecord(json)) problems.push('the file must hold an object: {"drivers": {...}}');
  else {
    for (const key of Object.keys(json)) if (key !== 'drivers') problems.push(`${key}: unknown key (only "drivers")`);
    if (!isRecord(json.drivers)) problems.push('drivers: must be an object of driver name -> {"compatible": [[versions...], ...]}');
    else {
      for (const [name, entry] of Object.entries(json.drivers)) {
        const where = `drivers.${name}`;
        if (!isSafeSysfsName(name)) problems.push(`${where}: not a driver name ([A-Za-z0-9_.:+-], 1..128)`);
        if (!isRecord(entry)) {
          problems.push(`${where}: must be an object {"compatible": [[versions...], ...]}`);
          continue;
        }
        for (const key of Object.keys(entry)) if (key !== 'compatible') problems.push(`${where}.${key}: unknown key (only "compatible")`);
        if (!Array.isArray(entry.compatible)) {
          problems.push(`${where}.compatible: must be a list of version groups`);
          continue;
        }
        const groups: ReadonlySet<string>[] = [];
        entry.compatible.forEach((group: unknown, i: number) => {
          const at = `${where}.compatible[${i}]`;
          if (!Array.isArray(group) || group.length < 2) return problems.push(`${at}: a group is a list of at least two versions`);
          const bad = group.findIndex((v) => !isVersion(v));
          if (bad >= 0) return problems.push(`${at}[${bad}]: a version is a non-empty string without control characters`);
          const versions = new Set(group as string[]);
          if (versions.size !== group.length) return problems.push(`${at}: a version is listed twice`);
          groups.push(versions);
        });
        drivers.set(name, groups);
      }
    }
  }
  if (problems.length > 0) {
    return { policy: null, diagnostics: problems.map((p) => diagnostic('E_POLICY_INVALID', p, file, { line: 1, column: 1 })) };
  }
  return { policy: { drivers }, diagnostics: [] };
}

/** True when the policy puts both versions of `driver` in one group. */
export function policyAllows(policy: DriverPolicy, driver: string, from: string, to: string): boolean {
  return (policy.drivers.get(driver) ?? []).some((group) => group.has(from) && group.has(to));
}
