/** Edits that add aggregation entries to a domain's metadata container, creating it if needed. */
import { AGGREGATION_NS, type AggregationRequest, type DomainModel, type SourceStamp } from '../reading/domain';
import { childElements } from '../xml/reader';
import { type FragmentElement, type Layout, fragmentLines } from './fragment';
import { type TextEdit, appendChildren, insertAfter } from './text-edits';

export interface EntryToWrite extends AggregationRequest {
  uuid: string;
}

const DEFAULT_PREFIX = 'agg';
/** libvirt writes these before <metadata>; the container goes after the last one present. */
const BEFORE_METADATA = ['name', 'uuid', 'genid', 'title', 'description'];

function deviceElement(entry: EntryToWrite, prefix: string | null): FragmentElement {
  const q = (local: string) => (prefix ? `${prefix}:${local}` : local);
  const attributes: [string, string][] = [
    ['uuid', entry.uuid],
    ['type', entry.type],
    ['instances', String(entry.instances)],
  ];
  if (entry.parent !== null) attributes.push(['parent', entry.parent]);
  if (entry.method !== 'auto') attributes.push(['method', entry.method]);
  const element: FragmentElement = { name: q('device'), ns: AGGREGATION_NS, attributes };
  if (entry.source) element.children = [sourceElement(entry.source, prefix)];
  return element;
}

/** `<agg:source>` with the stamp's known facts; an unknown fact is left out. */
export function sourceElement(source: SourceStamp, prefix: string | null): FragmentElement {
  const attributes: [string, string][] = [];
  for (const key of ['host', 'driver', 'driverVersion', 'migrationVersion'] as const) {
    const value = source[key];
    if (value !== null) attributes.push([key, value]);
  }
  return { name: prefix ? `${prefix}:source` : 'source', ns: AGGREGATION_NS, attributes };
}

export const prefixOf = (qname: string) => (qname.includes(':') ? qname.slice(0, qname.indexOf(':')) : null);

export function addEntriesEdits(model: DomainModel, entries: EntryToWrite[], layout: Layout): TextEdit[] {
  if (entries.length === 0) return [];
  const { doc } = model;
  if (model.container) {
    const prefix = prefixOf(model.container.qname);
    const lines = fragmentLines(entries.map((e) => deviceElement(e, prefix)), { [prefix ?? '']: AGGREGATION_NS }, layout);
    return [appendChildren(doc, model.container, lines, layout)];
  }
  const container: FragmentElement = {
    name: `${DEFAULT_PREFIX}:aggregation`,
    ns: AGGREGATION_NS,
    attributes: [],
    children: entries.map((e) => deviceElement(e, DEFAULT_PREFIX)),
  };
  const metadata = childElements(doc.root, 'metadata')[0];
  if (metadata) return [appendChildren(doc, metadata, fragmentLines([container], {}, layout), layout)];
  const lines = fragmentLines([{ name: 'metadata', ns: null, attributes: [], children: [container] }], {}, layout);
  const anchor = doc.root.children.filter((c) => c.ns === null && BEFORE_METADATA.includes(c.local)).pop();
  return [anchor ? insertAfter(doc, anchor, lines, layout) : appendChildren(doc, doc.root, lines, layout)];
}
