/**
 * Snapshot XML (or its JSON form, read-json.ts) -> HostSnapshot. The file comes from another host, and its names become path
 * components and kernel input, so it is read with the safe reader and held to every rule of
 * schemas/host.rng; each break is a located E_SNAPSHOT_INVALID and the snapshot is refused.
 * Pure: a function of the text.
 */
import { type Diagnostic, diagnostic, quoted } from '../text/diagnostics';
import type { HostDevice, HostParent, HostProblem, HostType } from '../host/host-model';
import { MAX_JSON_BYTES } from '../text/json-text';
import { type XmlDocument, type XmlElement, XMLNS_NS, readXml } from '../xml/reader';
import { invalidUtf8Offset } from '../xml/strict-checks';
import { readSnapshotJson } from './read-json';
import { HOST_NS, type HostSnapshot, sortedSnapshot } from './model';
import { DEVICE_FIELDS, type Field, HOST_FIELDS, PROBLEM_PATH, TYPE_FIELDS, hostDeviceFrom, hostTypeFrom, parentFields } from './values';

export type SnapshotResult = { snapshot: HostSnapshot; diagnostics: [] } | { snapshot: null; diagnostics: Diagnostic[] };


class SnapshotReader {
  readonly diagnostics: Diagnostic[] = [];

  constructor(private readonly doc: XmlDocument) {}

  report(message: string, offset: number): null {
    this.diagnostics.push(diagnostic('E_SNAPSHOT_INVALID', message, this.doc.file, this.doc.lines.at(offset)));
    return null;
  }

  /**
   * The element's attributes by the fields given; unknown or missing attributes and bad values are
   * reported. Null values stand for absent attributes.
   */
  attributes<K extends string>(el: XmlElement, fields: Record<K, Field>): Record<K, string | null> | null {
    let ok = true;
    const values = {} as Record<K, string | null>;
    for (const name of Object.keys(fields) as K[]) values[name] = null;
    for (const a of el.attributes) {
      if (a.ns === XMLNS_NS || a.qname === 'xmlns' || a.qname.startsWith('xmlns:')) continue;
      const field = a.ns === null && Object.hasOwn(fields, a.local) ? fields[a.local as K] : undefined;
      if (!field) {
        ok = this.report(`<${el.local}> has no attribute ${a.qname}`, a.offset) ?? false;
        continue;
      }
      if (!field.rule.test(a.value)) {
        ok = this.report(`${el.local} ${a.local}=${quoted(a.value)} is not ${field.rule.what}`, a.offset) ?? false;
        continue;
      }
      values[a.local as K] = a.value;
    }
    for (const [name, { required }] of Object.entries(fields) as [K, Field][]) {
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

/** `{` or `[` first, after a byte-order mark (decoded or as UTF-8 bytes) and JSON's white space. */
function startsAsJson(input: Uint8Array | string): boolean {
  const at = (i: number) => (typeof input === 'string' ? input.charCodeAt(i) : input[i]);
  let i = at(0) === 0xfeff ? 1 : at(0) === 0xef && at(1) === 0xbb && at(2) === 0xbf ? 3 : 0;
  while (at(i) === 0x20 || at(i) === 0x09 || at(i) === 0x0a || at(i) === 0x0d) i++;
  return at(i) === 0x7b || at(i) === 0x5b;
}

/**
 * The JSON form, held to strict UTF-8 and to twice the XML form's size limit: `snapshot --json`
 * is indented and names every field, about 1.6 times the XML of the same host.
 */
export const MAX_JSON_SNAPSHOT_BYTES = MAX_JSON_BYTES;

function readJson(input: Uint8Array | string, file: string): SnapshotResult {
  const fail = (message: string): SnapshotResult => ({ snapshot: null, diagnostics: [diagnostic('E_SNAPSHOT_INVALID', message, file, { line: 1, column: 1 })] });
  const size = typeof input === 'string' ? Buffer.byteLength(input) : input.length;
  if (size > MAX_JSON_SNAPSHOT_BYTES) return fail(`input is larger than ${MAX_JSON_SNAPSHOT_BYTES} bytes`);
  let text: string;
  if (typeof input === 'string') text = input;
  else {
    const bad = invalidUtf8Offset(input);
    if (bad >= 0) return fail(`byte 0x${input[bad].toString(16)} at offset ${bad} is not valid UTF-8`);
    text = Buffer.from(input).toString('utf8');
  }
  return readSnapshotJson(text, file);
}

/** Either form of a snapshot: JSON when its first character (after a BOM and white space) is `{` or `[`. */
export function readSnapshot(input: Uint8Array | string, file: string): SnapshotResult {
  if (startsAsJson(input)) return readJson(input, file);
  const read = readXml(input, file);
  if (!read.ok) return { snapshot: null, diagnostics: read.diagnostics };
  const { doc } = read;
  const reader = new SnapshotReader(doc);
  const root = doc.root;
  if (root.ns !== HOST_NS || root.local !== 'host') {
    reader.report(`the root element is <${root.qname}>${root.ns ? ` in ${root.ns}` : ''}, not <host> in ${HOST_NS}`, root.start);
    return { snapshot: null, diagnostics: reader.diagnostics };
  }
  const top = reader.attributes(root, HOST_FIELDS);
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
      const a = reader.attributes(el, DEVICE_FIELDS);
      reader.children(el, []);
      if (a === null) continue;
      if (deviceUuids.has(a.uuid!)) reader.report(`device ${a.uuid} appears twice`, el.start);
      deviceUuids.add(a.uuid!);
      devices.push(hostDeviceFrom(a));
    } else {
      const a = reader.attributes(el, { path: PROBLEM_PATH });
      reader.children(el, [], true);
      if (el.children.length === 0 && a !== null) problems.push({ path: a.path!, message: el.text });
    }
  }
  if (top === null || reader.diagnostics.length > 0) return { snapshot: null, diagnostics: reader.diagnostics };
  return { snapshot: sortedSnapshot(top.name, top.generated, parents, devices, problems), diagnostics: [] };
}

const XML_PARENT_FIELDS = parentFields('vendor', 'device');

function readParent(reader: SnapshotReader, el: XmlElement): HostParent | null {
  const a = reader.attributes(el, XML_PARENT_FIELDS);
  const types: HostType[] = [];
  const ids = new Set<string>();
  for (const child of reader.children(el, ['type'])) {
    const t = reader.attributes(child, TYPE_FIELDS);
    reader.children(child, []);
    if (t === null) continue;
    if (ids.has(t.id!)) reader.report(`type ${t.id} appears twice in parent ${a?.name ?? ''}`.trimEnd(), child.start);
    ids.add(t.id!);
    types.push(hostTypeFrom(t));
  }
  if (a === null) return null;
  return { name: a.name!, driver: a.driver, driverVersion: a.driverVersion, vendorId: a.vendor, deviceId: a.device, types };
}
