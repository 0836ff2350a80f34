/**
 * Snapshot XML -> HostSnapshot. The file comes from another host, and its names become path
 * components and kernel input, so it is read with the safe reader and held to every rule of
 * schemas/host.rng; each break is a located E_SNAPSHOT_INVALID and the snapshot is refused.
 * Pure: a function of the text.
 */
import { type Diagnostic, diagnostic } from '../diagnostics';
import type { Dialect, HostDevice, HostParent, HostProblem, HostType } from '../host-model';
import { MAX_INSTANCES, isSafeSysfsName } from '../names';
import { type XmlDocument, type XmlElement, XMLNS_NS, readXml } from '../xml/reader';
import { HOST_NS, type HostSnapshot } from './model';
import { isDateTime, isLowerUuid, isOneLine, isPciId, parseCount } from './values';

export type SnapshotResult = { snapshot: HostSnapshot; diagnostics: [] } | { snapshot: null; diagnostics: Diagnostic[] };

const DIALECTS: readonly Dialect[] = ['create-option', 'attribute', 'none'];
const byKey = <T>(key: (t: T) => string) => (a: T, b: T) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);

type Rule = { what: string; test: (value: string) => boolean };
const SYSFS_NAME: Rule = { what: 'a sysfs name ([A-Za-z0-9_.:+-], 1..128, not . or ..)', test: isSafeSysfsName };
const LINE: Rule = { what: 'one non-empty line', test: isOneLine };
const TEXT: Rule = { what: 'text', test: () => true };
const PCI_ID: Rule = { what: 'four lower-case hex digits', test: isPciId };
const UUID: Rule = { what: 'a lower-case dashed UUID', test: isLowerUuid };
const DATE_TIME: Rule = { what: 'an xs:dateTime', test: isDateTime };
const COUNT: Rule = { what: 'a decimal 0..4294967295 without sign or leading zero', test: (v) => parseCount(v) !== null };
const POSITIVE: Rule = { what: `a decimal 1..${MAX_INSTANCES} without sign or leading zero`, test: (v) => { const n = parseCount(v); return n !== null && n >= 1 && n <= MAX_INSTANCES; } };
const DIALECT: Rule = { what: 'create-option, attribute or none', test: (v) => (DIALECTS as readonly string[]).includes(v) };

class SnapshotReader {
  readonly diagnostics: Diagnostic[] = [];

  constructor(private readonly doc: XmlDocument) {}

  report(message: string, offset: number): null {
    this.diagnostics.push(diagnostic('E_SNAPSHOT_INVALID', message, this.doc.file, this.doc.lines.at(offset)));
    return null;
  }

  /**
   * The element's attributes by the rules given (name -> [rule, required]); unknown or missing
   * attributes and bad values are reported. Null values stand for absent attributes.
   */
  attributes<K extends string>(el: XmlElement, rules: Record<K, [Rule, boolean]>): Record<K, string | null> | null {
    let ok = true;
    const values = {} as Record<K, string | null>;
    for (const name of Object.keys(rules) as K[]) values[name] = null;
    for (const a of el.attributes) {
      if (a.ns === XMLNS_NS || a.qname === 'xmlns' || a.qname.startsWith('xmlns:')) continue;
      const rule = a.ns === null ? rules[a.local as K] : undefined;
      if (!rule) {
        ok = this.report(`<${el.local}> has no attribute ${a.qname}`, a.offset) ?? false;
        continue;
      }
      if (!rule[0].test(a.value)) {
        ok = this.report(`${el.local} ${a.local}=${JSON.stringify(a.value.slice(0, 80))} is not ${rule[0].what}`, a.offset) ?? false;
        continue;
      }
      values[a.local as K] = a.value;
    }
    for (const [name, [, required]] of Object.entries(rules) as [K, [Rule, boolean]][]) {
      if (required && !el.attributes.some((a) => a.ns === null && a.local === name)) ok = this.report(`<${el.local}> has no ${name} attribute`, el.start) ?? false;
    }
    return ok ? values : null;
  }

  /** Only the named child elements of the host namespace; no character data but white space unless `text`. */
  children(el: XmlElement, allowed: readonly string[], text = false): XmlElement[] {
    if (!text && el.text.trim() !== '') this.report(`<${el.local}> holds text`, el.startTagEnd);
    const kept: XmlElement[] = [];
    for (const child of el.children) {
      if (child.ns === HOST_NS && allowed.includes(child.local)) kept.push(child);
      else this.report(`<${child.qname}> is not allowed in <${el.local}>`, child.start);
    }
    return kept;
  }
}

const count = (value: string | null): number | null => (value === null ? null : parseCount(value));

export function readSnapshot(input: Uint8Array | string, file: string): SnapshotResult {
  const read = readXml(input, file);
  if (!read.ok) return { snapshot: null, diagnostics: read.diagnostics };
  const { doc } = read;
  const reader = new SnapshotReader(doc);
  const root = doc.root;
  if (root.ns !== HOST_NS || root.local !== 'host') {
    reader.report(`the root element is <${root.qname}>${root.ns ? ` in ${root.ns}` : ''}, not <host> in ${HOST_NS}`, root.start);
    return { snapshot: null, diagnostics: reader.diagnostics };
  }
  const top = reader.attributes(root, { name: [LINE, false], generated: [DATE_TIME, false] });
  const parents: HostParent[] = [];
  const devices: HostDevice[] = [];
  const problems: HostProblem[] = [];
  const parentNames = new Set<string>();
  const deviceUuids = new Set<string>();

  for (const el of reader.children(root, ['parent', 'device', 'problem'])) {
    if (el.local === 'parent') {
      const parent = readParent(reader, el);
      if (parent === null) continue;
      if (parentNames.has(parent.name)) reader.report(`parent ${parent.name} appears twice`, el.start);
      parentNames.add(parent.name);
      parents.push(parent);
    } else if (el.local === 'device') {
      const a = reader.attributes(el, { uuid: [UUID, true], parent: [SYSFS_NAME, true], type: [SYSFS_NAME, true], instances: [POSITIVE, true], maxAggregation: [COUNT, false] });
      reader.children(el, []);
      if (a === null) continue;
      if (deviceUuids.has(a.uuid!)) reader.report(`device ${a.uuid} appears twice`, el.start);
      deviceUuids.add(a.uuid!);
      devices.push({ uuid: a.uuid!, parent: a.parent!, type: a.type!, instances: count(a.instances)!, maxAggregation: count(a.maxAggregation) });
    } else {
      const a = reader.attributes(el, { path: [LINE, true] });
      reader.children(el, [], true);
      if (el.children.length === 0 && a !== null) problems.push({ path: a.path!, message: el.text });
    }
  }
  if (top === null || reader.diagnostics.length > 0) return { snapshot: null, diagnostics: reader.diagnostics };
  parents.sort(byKey((p) => p.name));
  devices.sort(byKey((d) => d.uuid));
  return { snapshot: { name: top.name, generated: top.generated, host: { parents, devices, problems } }, diagnostics: [] };
}

function readParent(reader: SnapshotReader, el: XmlElement): HostParent | null {
  const a = reader.attributes(el, { name: [SYSFS_NAME, true], driver: [SYSFS_NAME, false], driverVersion: [LINE, false], vendor: [PCI_ID, false], device: [PCI_ID, false] });
  const types: HostType[] = [];
  const ids = new Set<string>();
  for (const child of reader.children(el, ['type'])) {
    const t = reader.attributes(child, {
      id: [SYSFS_NAME, true],
      name: [LINE, false],
      description: [TEXT, false],
      deviceApi: [SYSFS_NAME, false],
      availableInstances: [COUNT, false],
      dialect: [DIALECT, true],
      maxAggregation: [COUNT, false],
      migrationVersion: [LINE, false],
    });
    reader.children(child, []);
    if (t === null) continue;
    if (ids.has(t.id!)) reader.report(`type ${t.id} appears twice in parent ${a?.name ?? ''}`.trimEnd(), child.start);
    ids.add(t.id!);
    types.push({
      id: t.id!,
      name: t.name,
      description: t.description,
      deviceApi: t.deviceApi,
      availableInstances: count(t.availableInstances),
      dialect: t.dialect as Dialect,
      maxAggregation: count(t.maxAggregation),
      migrationVersion: t.migrationVersion,
    });
  }
  if (a === null) return null;
  types.sort(byKey((t) => t.id));
  return { name: a.name!, driver: a.driver, driverVersion: a.driverVersion, vendorId: a.vendor, deviceId: a.device, types };
}
