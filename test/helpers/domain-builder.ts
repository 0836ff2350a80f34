/**
 * Domain XML with aggregated mdev hostdevs, in the two forms the README documents: the inline
 * `<aggregation>` element (authoring) and the `<agg:aggregation>` metadata container (deployed).
 * Tests whose input is an ordinary domain build it here; hand-written XML is for tests whose
 * exact bytes are the point (hostile or malformed input, positions, byte-preserving edits).
 */
import { type DomainModel, readDomain } from '../../src/core/reading/domain';

export interface MdevDevice {
  uuid: string;
  type: string;
  instances: number;
  parent?: string;
  method?: string;
  /** The hostdev's model; vfio-pci when not given. */
  model?: string;
  /** The `<agg:source>` stamp the source host wrote (metadata form only). */
  source?: { host?: string; driver?: string; driverVersion?: string; migrationVersion?: string };
}

/** Where the aggregation entries stand: inside each hostdev, or in the domain's metadata. */
export type EntryForm = 'inline' | 'metadata';

export const AGG_NAMESPACE = 'urn:mdev-agg:aggregation:1';

const attributes = (values: Record<string, string | number | undefined>, quote: string) =>
  Object.entries(values)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}=${quote}${v}${quote}`)
    .join('');

const entryAttributes = (d: MdevDevice, quote = "'") => attributes({ type: d.type, instances: d.instances, parent: d.parent, method: d.method }, quote);

/** One mdev hostdev on one line; with `form` inline it carries its `<aggregation>` entry. */
export function hostdevXml(d: MdevDevice, form: EntryForm = 'inline'): string {
  const entry = form === 'inline' ? `<aggregation${entryAttributes(d)}/>` : '';
  return `<hostdev mode='subsystem' type='mdev' model='${d.model ?? 'vfio-pci'}'><source><address uuid='${d.uuid}'/></source>${entry}</hostdev>`;
}

/** The metadata container holding the devices' entries (and their stamps), on one line. */
export function metadataXml(devices: MdevDevice[]): string {
  const entries = devices.map((d) => {
    const stamp = d.source ? `<agg:source${attributes(d.source, "'")}/>` : '';
    return `<agg:device uuid='${d.uuid}'${entryAttributes(d)}${stamp ? `>${stamp}</agg:device>` : '/>'}`;
  });
  return `<metadata><agg:aggregation xmlns:agg='${AGG_NAMESPACE}'>${entries.join('')}</agg:aggregation></metadata>`;
}

export interface DomainOptions {
  /** The guest's `<name>`; `g` when not given. */
  name?: string;
  form?: EntryForm;
  /** Raw XML after the devices' hostdevs inside `<devices>`. */
  extraDevices?: string;
}

/** A compact domain (one line) with the devices in `form`. */
export function domainXml(devices: MdevDevice[], { name = 'g', form = 'inline', extraDevices = '' }: DomainOptions = {}): string {
  const metadata = form === 'metadata' && devices.length ? metadataXml(devices) : '';
  return `<domain type='kvm'><name>${name}</name>${metadata}<devices>${devices.map((d) => hostdevXml(d, form)).join('')}${extraDevices}</devices></domain>\n`;
}

/** The model of `domainXml(devices, options)`; a builder input that draws any diagnostic is a broken test. */
export function domainModel(devices: MdevDevice[], options: DomainOptions = {}): DomainModel {
  const { model, diagnostics } = readDomain(domainXml(devices, options), `${options.name ?? 'g'}.xml`);
  if (!model || diagnostics.length) throw new Error(`the built domain does not read cleanly: ${JSON.stringify(diagnostics)}`);
  return model;
}

function stampOf(device: MdevDevice): string {
  const values = attributes(device.source ?? {}, '"');
  return device.source ? `>\n        <agg:source${values}/>\n      </agg:device>` : '/>';
}

/** A domain in the metadata form, laid out as libvirt's dumpxml writes it. */
export function libvirtDomain(name: string, devices: MdevDevice[]): string {
  const entries = devices.map((d) => `      <agg:device uuid="${d.uuid}"${entryAttributes(d, '"')}${stampOf(d)}\n`);
  const hostdevs = devices.map(
    (d, i) =>
      `    <hostdev mode='subsystem' type='mdev' managed='no' model='${d.model ?? 'vfio-pci'}'>\n` +
      `      <source>\n        <address uuid='${d.uuid}'/>\n      </source>\n` +
      `      <address type='pci' domain='0x0000' bus='0x0${i + 5}' slot='0x00' function='0x0'/>\n    </hostdev>\n`,
  );
  return (
    `<domain type='kvm'>\n  <name>${name}</name>\n  <uuid>3d6ef8fc-cf65-4cb6-9e58-7a9b60285396</uuid>\n` +
    (devices.length ? `  <metadata>\n    <agg:aggregation xmlns:agg="${AGG_NAMESPACE}">\n${entries.join('')}    </agg:aggregation>\n  </metadata>\n` : '') +
    `  <memory unit='KiB'>1048576</memory>\n  <vcpu placement='static'>1</vcpu>\n` +
    `  <os>\n    <type arch='x86_64' machine='pc-q35-7.2'>hvm</type>\n  </os>\n` +
    `  <devices>\n    <emulator>/usr/bin/qemu-system-x86_64</emulator>\n${hostdevs.join('')}  </devices>\n</domain>\n`
  );
}
