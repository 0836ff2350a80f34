/**
 * libvirt node-device XML for an mdev (nodedev.rng, `virsh nodedev-define`). Names follow libvirt:
 * the mdev is `mdev_<uuid>_<parent>` with every character other than a letter or digit turned into
 * `_`; the parent is named as libvirt's udev backend names it: `pci_DDDD_BB_SS_F` for a PCI
 * function, `css_C_S_DDDD` for a channel subsystem device, `ap_matrix` for the vfio-ap matrix.
 * xmlbuilder2 is loaded on first use. Pure.
 */
import type { ExportDevice } from './devices';

const PCI_ADDRESS = /^[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$/;
const CSS_ADDRESS = /^[0-9a-fA-F]\.[0-9a-fA-F]\.[0-9a-fA-F]{4}$/;

const libvirtSafe = (text: string) => text.replace(/[^A-Za-z0-9]/g, '_');

/** The node-device name of an mdev parent, or null when libvirt's name for it cannot be told. */
export function nodedevParentName(parent: string): string | null {
  if (PCI_ADDRESS.test(parent)) return `pci_${libvirtSafe(parent.toLowerCase())}`;
  if (CSS_ADDRESS.test(parent)) return `css_${libvirtSafe(parent.toLowerCase())}`;
  if (parent === 'matrix') return 'ap_matrix';
  return null;
}

export const nodedevName = (device: Pick<ExportDevice, 'uuid' | 'parent'>) => libvirtSafe(`mdev_${device.uuid}_${device.parent}`);

/** One `<device>` document; the parent must have a node-device name (nodedevParentName). */
export function nodedevXml(device: ExportDevice): string {
  const parentName = nodedevParentName(device.parent);
  if (parentName === null) throw new Error(`no node-device name for parent ${device.parent}`);
  const { create } = require('xmlbuilder2') as typeof import('xmlbuilder2');
  const root = create().ele('device');
  root.ele('name').txt(nodedevName(device));
  root.ele('parent').txt(parentName);
  const capability = root.ele('capability').att('type', 'mdev');
  capability.ele('type').att('id', device.type);
  capability.ele('uuid').txt(device.uuid);
  capability.ele('parent_addr').txt(device.parent);
  for (const [name, value] of device.attrs) capability.ele('attr').att('name', name).att('value', value);
  return `${root.end({ headless: true, prettyPrint: true, indent: '  ', newline: '\n', wellFormed: true })}\n`;
}
