/**
 * Writes `<agg:source>` stamps into the metadata entries: an existing source element is replaced
 * where it stands, otherwise one is added as the entry's last child. Needs every stamped device in
 * the metadata form (embed first). Everything outside the edited elements stays byte-identical.
 */
import { AGGREGATION_NS, type DomainModel, type SourceStamp } from '../reading/domain';
import { childElements } from '../xml/reader';
import { fragmentLines } from './fragment';
import { prefixOf, sourceElement } from './metadata';
import { type TextEdit, appendChildren, applyEdits, indentationOf, layoutOf, removeElement } from './text-edits';

export function stamp(model: DomainModel, stamps: ReadonlyMap<string, SourceStamp>): string {
  const { doc } = model;
  const layout = layoutOf(doc);
  const edits: TextEdit[] = [];
  for (const hostdev of model.hostdevs) {
    const facts = hostdev.uuid === null ? undefined : stamps.get(hostdev.uuid);
    if (facts === undefined) continue;
    const entry = hostdev.metadata?.element;
    if (!entry) throw new Error(`mdev ${hostdev.uuid} has no metadata entry to stamp; embed it first`);
    const prefix = prefixOf(entry.qname);
    const lines = fragmentLines([sourceElement(facts, prefix)], { [prefix ?? '']: AGGREGATION_NS }, layout);
    const [current, ...stale] = childElements(entry, 'source', AGGREGATION_NS);
    if (current) {
      edits.push({ start: current.start, end: current.end, text: lines.join(layout.newline + indentationOf(doc.text, current)) });
      // The reader keeps the first source element only; later ones would be stale facts.
      for (const extra of stale) edits.push(removeElement(doc.text, extra));
    } else {
      edits.push(appendChildren(doc, entry, lines, layout));
    }
  }
  return applyEdits(doc.text, edits);
}
