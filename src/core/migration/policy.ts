/**
 * The driver policy file: which driver versions may migrate between each other when the versions
 * differ and no migration_version protocol decides. JSON:
 *
 *   { "drivers": { "nvidia": { "compatible": [["535.104.05", "535.129.03"], ["550.54.14", "550.90.07"]] } } }
 *
 * Each inner list is a group of versions that may migrate to one another in either direction.
 * Pure: the text in, the policy or E_POLICY_INVALID diagnostics out, each at its place in the text.
 */
import { type Diagnostic, diagnostic } from '../text/diagnostics';
import { isSafeSysfsName } from '../reading/names';
import { type JsonPath, JsonTree, formatJsonPath, isJsonObject as isRecord, parseJsonDocument } from '../text/json-text';

export interface DriverPolicy {
  /** Driver name -> groups of mutually compatible versions. */
  drivers: ReadonlyMap<string, readonly ReadonlySet<string>[]>;
}

export const EMPTY_POLICY: DriverPolicy = { drivers: new Map() };

export type PolicyResult = { policy: DriverPolicy; diagnostics: [] } | { policy: null; diagnostics: Diagnostic[] };

const isVersion = (value: unknown): value is string => typeof value === 'string' && value.length > 0 && !/[\x00-\x1f\x7f]/.test(value);

export function parsePolicy(text: string, file: string): PolicyResult {
  const document = parseJsonDocument(text);
  if (!document.ok) return { policy: null, diagnostics: [diagnostic('E_POLICY_INVALID', document.message, file, document.position)] };
  const { policy, problems } = policyFromJson(document.value);
  if (problems.length > 0) {
    const tree = new JsonTree(text);
    return { policy: null, diagnostics: problems.map((p) => diagnostic('E_POLICY_INVALID', p.message, file, tree.at(p.path, p.key))) };
  }
  return { policy, diagnostics: [] };
}

/** A finding in a policy document: its message (path included) and where it is (the key itself when `key`). */
export interface PolicyProblem {
  path: JsonPath;
  message: string;
  key: boolean;
}

/** The policy a parsed JSON value describes, and what is wrong with it (the policy is used only when nothing is). */
export function policyFromJson(json: unknown): { policy: DriverPolicy; problems: PolicyProblem[] } {
  const problems: PolicyProblem[] = [];
  const problem = (path: JsonPath, message: string, key = false) => problems.push({ path, message: path.length ? `${formatJsonPath(path)}: ${message}` : message, key });
  const drivers = new Map<string, ReadonlySet<string>[]>();
  if (!isRecord(json)) problem([], 'the file must hold an object: {"drivers": {...}}');
  else {
    for (const key of Object.keys(json)) if (key !== 'drivers') problem([key], 'unknown key (only "drivers")', true);
    if (!isRecord(json.drivers)) problem(['drivers'], 'must be an object of driver name -> {"compatible": [[versions...], ...]}');
    else {
      for (const [name, entry] of Object.entries(json.drivers)) {
        const where = ['drivers', name];
        if (!isSafeSysfsName(name)) problem(where, 'not a driver name ([A-Za-z0-9_.:+-], 1..128)', true);
        if (!isRecord(entry)) {
          problem(where, 'must be an object {"compatible": [[versions...], ...]}');
          continue;
        }
        for (const key of Object.keys(entry)) if (key !== 'compatible') problem([...where, key], 'unknown key (only "compatible")', true);
        if (!Array.isArray(entry.compatible)) {
          problem([...where, 'compatible'], 'must be a list of version groups');
          continue;
        }
        const groups: ReadonlySet<string>[] = [];
        entry.compatible.forEach((group: unknown, i: number) => {
          const at = [...where, 'compatible', i];
          if (!Array.isArray(group) || group.length < 2) return problem(at, 'a group is a list of at least two versions');
          const bad = group.findIndex((v) => !isVersion(v));
          if (bad >= 0) return problem([...at, bad], 'a version is a non-empty string without control characters');
          const versions = new Set(group as string[]);
          if (versions.size !== group.length) return problem(at, 'a version is listed twice');
          groups.push(versions);
        });
        drivers.set(name, groups);
      }
    }
  }
  return { policy: { drivers }, problems };
}

/** True when the policy puts both versions of `driver` in one group. */
export function policyAllows(policy: DriverPolicy, driver: string, from: string, to: string): boolean {
  return (policy.drivers.get(driver) ?? []).some((group) => group.has(from) && group.has(to));
}
