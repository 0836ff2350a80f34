/**
 * Snapshot JSON (`snapshot --json`) -> HostSnapshot. The same content as the XML form and the same
 * rules (schemas/host.rng's values, no unknown member, no repeated parent, type, device or key), so
 * either form of one host reads to one model. Each break is an E_SNAPSHOT_INVALID at the member's
 * line and column, named by its path. Pure: a function of the text.
 */
import { diagnostic, quoted } from '../text/diagnostics';
import type { HostDevice, HostParent, HostProblem, HostType } from '../host/host-model';
import { type JsonPath, JsonTree, formatJsonPath, isJsonObject, parseJsonDocument } from '../text/json-text';
import { sortedSnapshot } from './model';
import type { SnapshotResult } from './read';
import { DEVICE_FIELDS, type Field, HOST_FIELDS, OUTSIDE_ROOT, PROBLEM_MESSAGE, PROBLEM_PATH, TYPE_FIELDS, hostDeviceFrom, hostTypeFrom, parentFields } from './values';

/** What a member must be, for messages: a count is a JSON number, a flag is `true`. */
const expected = (field: Field): string => (field.kind === 'count' ? `an integer ${field.rule.range}` : field.rule.what);
const JSON_TYPE = { text: 'string', count: 'number', flag: 'boolean' } as const;

const PARENT_FIELDS = parentFields('vendorId', 'deviceId');
const PROBLEM_FIELDS = { path: PROBLEM_PATH, message: PROBLEM_MESSAGE, outsideRoot: OUTSIDE_ROOT };

type Finding = { path: JsonPath; key: boolean; message: string };

class JsonSnapshotReader {
  readonly findings: Finding[] = [];

  report(path: JsonPath, message: string, key = false): null {
    this.findings.push({ path, key, message: `${formatJsonPath(path)}: ${message}` });
    return null;
  }

  /**
   * An object's members by the rules given, each value as its canonical text (null when absent or
   * null), and its lists by name (empty when missing or not a list, so that what they hold is
   * still read and reported); unknown members, missing ones and bad values are reported and clear
   * `ok`. Null when `value` is not an object.
   */
  object<K extends string, L extends string>(value: unknown, path: JsonPath, members: Record<K, Field>, lists: readonly L[] = []): { ok: boolean; values: Record<K, string | null>; lists: Record<L, unknown[]> } | null {
    if (!isJsonObject(value)) return this.report(path, `must be an object, not ${describe(value)}`);
    const before = this.findings.length;
    const values = {} as Record<K, string | null>;
    const found = {} as Record<L, unknown[]>;
    for (const name of lists) found[name] = [];
    for (const [name, member] of Object.entries(value)) {
      if (Object.hasOwn(members, name)) values[name as K] = this.member(member, [...path, name], members[name as K]) ?? null;
      else if (!(lists as readonly string[]).includes(name)) this.report([...path, name], `is not a member of ${path.length ? 'this object' : 'a snapshot'}`, true);
      else if (Array.isArray(member)) found[name as L] = member;
      else this.report([...path, name], `must be a list, not ${describe(member)}`);
    }
    for (const [name, rule] of Object.entries(members) as [K, Field][]) {
      if (Object.hasOwn(value, name)) continue;
      if (rule.required) this.report(path, `has no ${name}`);
      values[name] = null;
    }
    for (const name of lists) if (!Object.hasOwn(value, name)) this.report(path, `has no ${name} list`);
    return { ok: this.findings.length === before, values, lists: found };
  }

  /** The member's canonical text, null for an allowed null, undefined (reported) when it breaks its rule. */
  private member(value: unknown, path: JsonPath, field: Field): string | null | undefined {
    if (value === null && !field.required) return null;
    const canonical = typeof value === JSON_TYPE[field.kind] ? String(value) : null;
    if (canonical === null || !field.rule.test(canonical)) {
      this.report(path, `${describe(value)} is not ${expected(field)}${field.required ? '' : ' or null'}`);
      return undefined;
    }
    return canonical;
  }
}

const describe = (value: unknown): string => {
  if (value === null || typeof value === 'boolean' || typeof value === 'number') return String(value);
  if (typeof value === 'string') return quoted(value);
  return Array.isArray(value) ? 'a list' : 'an object';
};

export function readSnapshotJson(source: string, file: string): SnapshotResult {
  const document = parseJsonDocument(source);
  if (!document.ok) return { snapshot: null, diagnostics: [diagnostic('E_SNAPSHOT_INVALID', document.message, file, document.position)] };
  const { value } = document;
  const reader = new JsonSnapshotReader();
  const top = reader.object(value, [], HOST_FIELDS, ['parents', 'devices', 'problems'] as const);
  const parents: HostParent[] = [];
  const devices: HostDevice[] = [];
  const problems: HostProblem[] = [];
  if (top !== null) {
    const parentNames = new Set<string>();
    top.lists.parents.forEach((entry, i) => {
      const parent = readParent(reader, entry, ['parents', i]);
      if (parent === null) return;
      if (parentNames.has(parent.name)) reader.report(['parents', i], `parent ${parent.name} appears twice`);
      parentNames.add(parent.name);
      parents.push(parent);
    });
    const uuids = new Set<string>();
    top.lists.devices.forEach((entry, i) => {
      const read = reader.object(entry, ['devices', i], DEVICE_FIELDS);
      if (!read?.ok) return;
      const d = read.values;
      if (uuids.has(d.uuid!)) reader.report(['devices', i], `device ${d.uuid} appears twice`);
      uuids.add(d.uuid!);
      devices.push(hostDeviceFrom(d));
    });
    top.lists.problems.forEach((entry, i) => {
      const read = reader.object(entry, ['problems', i], PROBLEM_FIELDS);
      if (!read?.ok) return;
      const p = read.values;
      problems.push(p.outsideRoot === null ? { path: p.path!, message: p.message! } : { path: p.path!, message: p.message!, outsideRoot: true });
    });
  }
  if (top === null || reader.findings.length > 0) {
    const tree = new JsonTree(source);
    return { snapshot: null, diagnostics: reader.findings.map((f) => diagnostic('E_SNAPSHOT_INVALID', f.message, file, tree.at(f.path, f.key))) };
  }
  return { snapshot: sortedSnapshot(top.values.name, top.values.generated, parents, devices, problems), diagnostics: [] };
}

function readParent(reader: JsonSnapshotReader, entry: unknown, path: JsonPath): HostParent | null {
  const read = reader.object(entry, path, PARENT_FIELDS, ['types'] as const);
  if (read === null) return null;
  const a = read.values;
  const types: HostType[] = [];
  const ids = new Set<string>();
  read.lists.types.forEach((typeEntry, i) => {
    const typeRead = reader.object(typeEntry, [...path, 'types', i], TYPE_FIELDS);
    if (!typeRead?.ok) return;
    const t = typeRead.values;
    if (ids.has(t.id!)) reader.report([...path, 'types', i], `type ${t.id} appears twice in parent ${a.name}`);
    ids.add(t.id!);
    types.push(hostTypeFrom(t));
  });
  if (!read.ok) return null;
  return { name: a.name!, driver: a.driver, driverVersion: a.driverVersion, vendorId: a.vendorId, deviceId: a.deviceId, types };
}
