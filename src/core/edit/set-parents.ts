/** Writes placement results into a domain's aggregation entries (inline and metadata alike). */
import type { DomainModel } from '../reading/domain';
import { setAttribute } from './set-attribute';
import { type TextEdit, applyEdits } from './text-edits';

/** A device's parent as the domain names it (null: none) and as placement on a host chose it. */
export interface ParentChange {
  uuid: string;
  from: string | null;
  to: string;
}

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
