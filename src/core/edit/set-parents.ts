/** Writes placement results into a domain's aggregation entries (inline and metadata alike). */
import type { DomainModel } from '../domain';
import type { ParentChange } from '../migrate-placement';
import { setAttribute } from './set-attribute';
import { type TextEdit, applyEdits } from './text-edits';

export function setParents(domain: DomainModel, changes: readonly ParentChange[]): string {
  const edits: TextEdit[] = [];
  for (const change of changes) {
    const hostdev = domain.hostdevs.find((h) => h.uuid === change.uuid);
    for (const entry of [hostdev?.inline, hostdev?.metadata]) {
      if (entry) edits.push(setAttribute(domain.doc.text, entry.element, 'parent', change.to));
    }
  }
  return applyEdits(domain.doc.text, edits);
}
