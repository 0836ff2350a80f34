/**
 * libvirt domain XML -> the aggregated mdev model, with every rule of the README's Domain XML section as a located
 * diagnostic. Pure: a function of the text.
 */
import { AGGREGATION_NS } from './aggregation-ns';
import { type Code, type Diagnostic, type Position, diagnostic, limitFileDiagnostics, quoted } from '../text/diagnostics';
import {
  type Method,
  type MdevModel,
  isMdevModel,
  isMethod,
  isSafeSysfsName,
  normaliseUuid,
  parseInstances,
} from './names';
import { type XmlDocument, type XmlElement, attribute, childElements, confirmElements, readXml } from '../xml/reader';

export { AGGREGATION_NS };

/** Facts about the source host, written by `stamp` (`<agg:source>`). */
export interface SourceStamp {
  host: string | null;
  driver: string | null;
  driverVersion: string | null;
  migrationVersion: string | null;
}

/** What an aggregation entry asks for: a type, a count, where, how, and the source host's facts. */
export interface AggregationRequest {
  type: string;
  instances: number;
  parent: string | null;
  method: Method;
  source: SourceStamp | null;
}

/** One aggregation entry as written, inline or in the metadata container. */
export interface AggregationEntry extends AggregationRequest {
  origin: 'inline' | 'metadata';
  element: XmlElement;
}

export interface MdevHostdev {
  /** Normalised (lower-case, dashed); null when missing or invalid (a diagnostic says which). */
  uuid: string | null;
  model: MdevModel | null;
  display: string | null;
  ramfb: string | null;
  element: XmlElement;
  inline: AggregationEntry | null;
  metadata: AggregationEntry | null;
}

/** A device mdev-agg manages: an mdev hostdev with one consistent aggregation entry. */
export interface ManagedDevice extends AggregationRequest {
  uuid: string;
  model: MdevModel | null;
  /** Where the entry was written (metadata preferred): planning diagnostics point here. */
  at: Position;
  /** Positions of the entry's attributes, by name. */
  attributeAt: Readonly<Record<string, Position>>;
}

export interface DomainModel {
  file: string;
  name: string | null;
  uuid: string | null;
  hostdevs: MdevHostdev[];
  /** In hostdev order. */
  devices: ManagedDevice[];
  /** The first metadata container (the one libvirt keeps), if any. */
  container: XmlElement | null;
  doc: XmlDocument;
}

export type DomainResult = { model: DomainModel | null; diagnostics: Diagnostic[] };

const ENTRY_ATTRIBUTES = new Set(['uuid', 'type', 'instances', 'parent', 'method']);
const SOURCE_ATTRIBUTES = ['host', 'driver', 'driverVersion', 'migrationVersion'] as const;

export function readDomain(input: Uint8Array | string, file: string): DomainResult {
  const read = readXml(input, file);
  if (!read.ok) return { model: null, diagnostics: read.diagnostics };
  return domainFromDocument(read.doc);
}

/**
 * The elements whose content becomes root-run writes: the mdev hostdevs, and the aggregation
 * containers of the first <metadata> (libvirt keeps only that one). Each is read twice, by two
 * independent parsers that must agree, in this order: hostdevs, then containers.
 */
export function consumedElements(root: XmlElement): { hostdevs: XmlElement[]; containers: XmlElement[] } {
  return {
    hostdevs: childElements(root, 'devices').flatMap((d) => childElements(d, 'hostdev')).filter((h) => attribute(h, 'type')?.value === 'mdev'),
    containers: childElements(root, 'metadata').slice(0, 1).flatMap((m) => childElements(m, 'aggregation', AGGREGATION_NS)),
  };
}

function domainFromDocument(doc: XmlDocument): DomainResult {
  const diagnostics: Diagnostic[] = [];
  const at = (offset: number) => doc.lines.at(offset);
  const report = (code: Code, message: string, offset: number) => diagnostics.push(diagnostic(code, message, doc.file, at(offset)));

  const root = doc.root;
  if (root.local !== 'domain' || root.ns !== null) {
    report('E_NOT_DOMAIN', `the root element is <${root.qname}>, not a libvirt <domain>`, root.start);
    return { model: null, diagnostics };
  }
  const consumed = consumedElements(root);
  const refused = confirmElements(doc, [...consumed.hostdevs, ...consumed.containers]);
  if (refused) {
    report('E_XML_MALFORMED', `ambiguous markup: ${refused.disagreement}`, refused.element.start);
    return { model: null, diagnostics };
  }

  const readEntry = (el: XmlElement, origin: AggregationEntry['origin']): AggregationEntry | null => {
    const value = (name: string) => attribute(el, name)?.value;
    const offsetOf = (name: string) => attribute(el, name)!.offset;
    let ok = true;
    const required = (name: string) => {
      if (value(name) !== undefined) return true;
      report('E_AGG_MISSING_ATTR', `<${el.qname}> has no ${name} attribute`, el.start);
      return (ok = false);
    };
    for (const a of el.attributes) {
      // Only unprefixed attributes carry the entry; `agg:instances` would otherwise be silently ignored.
      if ((a.ns === null && !ENTRY_ATTRIBUTES.has(a.local)) || a.ns === AGGREGATION_NS) report('W_AGG_UNKNOWN_ATTR', `unknown attribute ${a.qname} on <${el.qname}> is ignored`, a.offset);
      if (origin === 'inline' && a.local === 'uuid' && a.ns === null) report('W_AGG_UNKNOWN_ATTR', 'the inline form takes its UUID from the hostdev source; uuid is ignored', a.offset);
    }
    let type = '';
    if (required('type')) {
      type = value('type')!;
      if (!isSafeSysfsName(type)) {
        report('E_AGG_TYPE_INVALID', `type ${quoted(type)} is not a safe sysfs name ([A-Za-z0-9_.:+-], 1..128, not . or ..)`, offsetOf('type'));
        ok = false;
      }
    }
    let instances = 0;
    if (required('instances')) {
      const n = parseInstances(value('instances')!);
      if (n === null) {
        report('E_AGG_INSTANCES_INVALID', `instances ${quoted(value('instances')!)} is not a decimal 1..2147483647 (ASCII digits, no sign, no leading zero)`, offsetOf('instances'));
        ok = false;
      } else instances = n;
    }
    const parent = value('parent') ?? null;
    if (parent !== null && !isSafeSysfsName(parent)) {
      report('E_AGG_PARENT_INVALID', `parent ${quoted(parent)} is not a safe sysfs name ([A-Za-z0-9_.:+-], 1..128, not . or ..)`, offsetOf('parent'));
      ok = false;
    }
    const method = value('method') ?? 'auto';
    if (!isMethod(method)) {
      report('E_AGG_METHOD_INVALID', `method ${quoted(method)} is not auto, create-option or attribute`, offsetOf('method'));
      ok = false;
    }
    const sourceElement = origin === 'metadata' ? childElements(el, 'source', AGGREGATION_NS)[0] : undefined;
    const source = sourceElement ? readSource(sourceElement, report) : null;
    if (source === undefined) ok = false;
    return ok ? { origin, type, instances, parent, method: method as Method, source: source ?? null, element: el } : null;
  };

  // Hostdevs of type mdev, with their inline entries.
  const hostdevs: MdevHostdev[] = [];
  const byUuid = new Map<string, MdevHostdev>();
  for (const el of consumed.hostdevs) {
    const hostdev: MdevHostdev = { uuid: null, model: null, display: null, ramfb: null, element: el, inline: null, metadata: null };
    // libvirt takes an mdev only as a subsystem hostdev (its default mode) and refuses the domain otherwise.
    const mode = attribute(el, 'mode');
    if (mode && mode.value !== 'subsystem') report('E_HOSTDEV_MODE_INVALID', `mode ${quoted(mode.value)}: libvirt accepts an mdev hostdev only with mode='subsystem'`, mode.offset);
    const address = childElements(el, 'source').flatMap((s) => childElements(s, 'address'))[0];
    const uuidAttribute = address && attribute(address, 'uuid');
    if (!uuidAttribute) report('E_AGG_MISSING_ATTR', 'mdev hostdev has no <source><address uuid=…/></source>', (address ?? el).start);
    else {
      hostdev.uuid = normaliseUuid(uuidAttribute.value);
      if (hostdev.uuid === null) report('E_UUID_INVALID', `uuid ${quoted(uuidAttribute.value)} is not 32 hex digits (dashed 8-4-4-4-12 or plain)`, uuidAttribute.offset);
      else if (byUuid.has(hostdev.uuid)) {
        report('E_UUID_DUPLICATE', `mdev UUID ${hostdev.uuid} is used by an earlier hostdev`, uuidAttribute.offset);
        hostdev.uuid = null;
      } else byUuid.set(hostdev.uuid, hostdev);
    }
    const model = attribute(el, 'model');
    if (!model) report('E_HOSTDEV_MODEL_INVALID', 'mdev hostdev has no model (vfio-pci, vfio-ccw or vfio-ap)', el.start);
    else if (!isMdevModel(model.value)) report('E_HOSTDEV_MODEL_INVALID', `model ${quoted(model.value)} is not vfio-pci, vfio-ccw or vfio-ap`, model.offset);
    else hostdev.model = model.value;
    hostdev.display = attribute(el, 'display')?.value ?? null;
    hostdev.ramfb = attribute(el, 'ramfb')?.value ?? null;
    const inline = childElements(el, 'aggregation');
    for (const extra of inline.slice(1)) report('E_AGG_CONFLICT', 'a hostdev holds more than one <aggregation>', extra.start);
    if (inline[0]) hostdev.inline = readEntry(inline[0], 'inline');
    hostdevs.push(hostdev);
  }

  // The metadata container: libvirt keeps the first element per namespace and drops the rest.
  const { containers } = consumed;
  for (const extra of containers.slice(1)) {
    report('W_AGG_NAMESPACE_DUPLICATE', `a second <${extra.qname}> in <metadata> is ignored (libvirt keeps only the first per namespace)`, extra.start);
  }
  const container = containers[0] ?? null;
  const seenInMetadata = new Set<string>();
  const brokenMetadata = new Set<string>();
  for (const el of container?.children ?? []) {
    if (el.ns !== AGGREGATION_NS || el.local !== 'device') {
      report('W_AGG_UNKNOWN_ATTR', `unknown element <${el.qname}> in the aggregation container is ignored`, el.start);
      continue;
    }
    const uuidAttribute = attribute(el, 'uuid');
    const entry = readEntry(el, 'metadata');
    if (!uuidAttribute) {
      report('E_AGG_MISSING_ATTR', `<${el.qname}> has no uuid attribute`, el.start);
      continue;
    }
    const uuid = normaliseUuid(uuidAttribute.value);
    if (uuid === null) {
      report('E_UUID_INVALID', `uuid ${quoted(uuidAttribute.value)} is not 32 hex digits (dashed 8-4-4-4-12 or plain)`, uuidAttribute.offset);
      continue;
    }
    if (seenInMetadata.has(uuid)) {
      report('E_UUID_DUPLICATE', `UUID ${uuid} has an earlier aggregation entry`, uuidAttribute.offset);
      continue;
    }
    seenInMetadata.add(uuid);
    const hostdev = byUuid.get(uuid);
    if (!hostdev) {
      report('E_AGG_ORPHAN', `no mdev hostdev of this domain has UUID ${uuid}`, uuidAttribute.offset);
      continue;
    }
    if (entry) hostdev.metadata = entry;
    else brokenMetadata.add(uuid);
  }

  const devices: ManagedDevice[] = [];
  for (const h of hostdevs) {
    const hasEntryElement = childElements(h.element, 'aggregation').length > 0 || (h.uuid !== null && seenInMetadata.has(h.uuid));
    if (!hasEntryElement) {
      if (h.uuid !== null) report('I_UNMANAGED_HOSTDEV', `mdev ${h.uuid} has no aggregation entry; mdev-agg leaves it alone`, h.element.start);
      continue;
    }
    const brokenInline = h.inline === null && childElements(h.element, 'aggregation').length > 0;
    if (h.uuid === null || brokenInline || brokenMetadata.has(h.uuid)) continue;
    if (h.inline && h.metadata && !agree(h.inline, h.metadata, report)) continue;
    const entry = (h.metadata ?? h.inline)!;
    const attributeAt: Record<string, Position> = {};
    // Only the entry's own attributes: a name from the file (`f:__proto__`) must not become a key.
    for (const a of entry.element.attributes) if (a.ns === null && ENTRY_ATTRIBUTES.has(a.local)) attributeAt[a.local] = at(a.offset);
    devices.push({
      uuid: h.uuid,
      model: h.model,
      type: entry.type,
      instances: entry.instances,
      parent: entry.parent,
      method: entry.method,
      source: entry.source,
      at: at(entry.element.start),
      attributeAt,
    });
  }

  const name = childElements(root, 'name')[0]?.text.trim() ?? null;
  const uuidText = childElements(root, 'uuid')[0]?.text.trim();
  const model: DomainModel = {
    file: doc.file,
    name,
    uuid: uuidText === undefined ? null : normaliseUuid(uuidText),
    hostdevs,
    devices,
    container,
    doc,
  };
  // By position in the file (a number order, not the order of names).
  return { model, diagnostics: limitFileDiagnostics(diagnostics.sort((a, b) => a.line - b.line || a.column - b.column)) };
}

// Stamp values are facts another host printed, compared here and written back to sysfs
// (migration_version): they obey what readHost accepts from a host, one line of printable ASCII.
const STAMP_VALUE = /^[\x20-\x7e]{1,4096}$/;

/** Whether a stamp field may hold this value: what the reader accepts is what `stamp` may write. */
export const isStampValue = (field: keyof SourceStamp, value: string): boolean => STAMP_VALUE.test(value) && (field !== 'driver' || isSafeSysfsName(value));
export const STAMP_RULE = (field: keyof SourceStamp) => (field === 'driver' ? 'a safe sysfs name' : 'one line of printable ASCII, 1..4096 bytes');

/** The stamp, or undefined when a value breaks the rule (each one reported). */
function readSource(el: XmlElement, report: (code: Code, message: string, offset: number) => void): SourceStamp | undefined {
  let ok = true;
  for (const a of el.attributes) {
    const known = a.ns === null && (SOURCE_ATTRIBUTES as readonly string[]).includes(a.local);
    if (!known) {
      if (a.ns === null || a.ns === AGGREGATION_NS) report('W_AGG_UNKNOWN_ATTR', `unknown attribute ${a.qname} on <${el.qname}> is ignored`, a.offset);
      continue;
    }
    const field = a.local as keyof SourceStamp;
    if (!isStampValue(field, a.value)) {
      report('E_AGG_SOURCE_INVALID', `${a.local} ${quoted(a.value)} is not ${STAMP_RULE(field)}`, a.offset);
      ok = false;
    }
  }
  if (!ok) return undefined;
  const get = (name: (typeof SOURCE_ATTRIBUTES)[number]) => attribute(el, name)?.value ?? null;
  return { host: get('host'), driver: get('driver'), driverVersion: get('driverVersion'), migrationVersion: get('migrationVersion') };
}

/** An attribute as a conflict message shows it: an absent optional one is said to be absent, not `null`. */
const stated = (key: string, value: string | number | null) => (value === null ? `(no ${key})` : `${key}=${JSON.stringify(value)}`);

/** Inline and metadata entries for one UUID must agree exactly; reports each difference. */
function agree(inline: AggregationEntry, metadata: AggregationEntry, report: (code: Code, message: string, offset: number) => void): boolean {
  let same = true;
  for (const key of ['type', 'instances', 'parent', 'method'] as const) {
    if (inline[key] === metadata[key]) continue;
    same = false;
    const attr = attribute(metadata.element, key);
    report('E_AGG_CONFLICT', `inline ${stated(key, inline[key])} disagrees with metadata ${stated(key, metadata[key])}`, attr ? attr.offset : metadata.element.start);
  }
  return same;
}

/** The model without positions or XML nodes: what two readings of one domain must share. */
export function modelSummary(model: DomainModel) {
  return {
    name: model.name,
    uuid: model.uuid,
    devices: model.devices.map(({ uuid, model: m, type, instances, parent, method, source }) => ({ uuid, model: m, type, instances, parent, method, source })),
    hostdevs: model.hostdevs.map((h) => ({ uuid: h.uuid, model: h.model, display: h.display, ramfb: h.ramfb })),
  };
}
