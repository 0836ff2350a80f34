/** Inline form -> metadata form (README, Domain XML): what libvirt keeps across define and dumpxml. */
import type { DomainModel } from '../reading/domain';
import { childElements } from '../xml/reader';
import { type EntryToWrite, addEntriesEdits } from './metadata';
import { type TextEdit, applyEdits, layoutOf, removeElement } from './text-edits';

/**
 * The domain text with every inline <aggregation> moved into the container. Needs a model without
 * errors. `moved` counts the entries written into the container; `dropped` the inline copies
 * removed because the container already held the same entry.
 */
export function embed(model: DomainModel): { text: string; moved: number; dropped: number } {
  const { doc } = model;
  const edits: TextEdit[] = [];
  const entries: EntryToWrite[] = [];
  for (const h of model.hostdevs) {
    for (const el of childElements(h.element, 'aggregation')) edits.push(removeElement(doc.text, el));
    if (h.inline && !h.metadata && h.uuid !== null) {
      const { type, instances, parent, method } = h.inline;
      entries.push({ uuid: h.uuid, type, instances, parent, method, source: null });
    }
  }
  if (edits.length === 0) return { text: doc.text, moved: 0, dropped: 0 };
  const removed = edits.length;
  edits.push(...addEntriesEdits(model, entries, layoutOf(doc)));
  return { text: applyEdits(doc.text, edits), moved: entries.length, dropped: removed - entries.length };
}
