/** Adds one aggregated mdev hostdev: the hostdev in <devices>, its entry in the container. */
import type { DomainModel } from '../reading/domain';
import type { MdevModel } from '../reading/names';
import { childElements } from '../xml/reader';
import { fragmentLines } from './fragment';
import { type EntryToWrite, addEntriesEdits } from './metadata';
import { type TextEdit, appendChildren, applyEdits, insertAfter, layoutOf } from './text-edits';

export interface NewDevice extends EntryToWrite {
  model: MdevModel;
}

export function addDevice(domain: DomainModel, device: NewDevice): string {
  const { doc } = domain;
  const layout = layoutOf(doc);
  const hostdev = {
    name: 'hostdev',
    ns: null,
    attributes: [['mode', 'subsystem'], ['type', 'mdev'], ['model', device.model]] as [string, string][],
    children: [{ name: 'source', ns: null, attributes: [], children: [{ name: 'address', ns: null, attributes: [['uuid', device.uuid]] as [string, string][] }] }],
  };
  const edits: TextEdit[] = [];
  const devices = childElements(doc.root, 'devices')[0];
  if (!devices) {
    edits.push(appendChildren(doc, doc.root, fragmentLines([{ name: 'devices', ns: null, attributes: [], children: [hostdev] }], {}, layout), layout));
  } else {
    const lines = fragmentLines([hostdev], {}, layout);
    const lastHostdev = childElements(devices, 'hostdev').pop();
    edits.push(lastHostdev ? insertAfter(doc, lastHostdev, lines, layout) : appendChildren(doc, devices, lines, layout));
  }
  edits.push(...addEntriesEdits(domain, [device], layout));
  return applyEdits(doc.text, edits);
}

/** Index of the next mdev hostdev: the name of a deterministic (v5) UUID. */
export const nextDeviceIndex = (domain: DomainModel) => domain.hostdevs.length;
