/**
 * The devices of a domain as an export needs them: parent (the XML's, else placement on this
 * host) and the attributes that carry the count. mdevctl (and libvirt, which creates mdevs through
 * it) writes the bare UUID to `create` and then attributes in order, so only the attribute
 * generation can be expressed: `mdev/aggregated_instances` = N. Pure.
 */
import { type Code, type Diagnostic, diagnostic } from '../text/diagnostics';
import type { DomainModel, ManagedDevice } from '../reading/domain';
import { type HostModel, findParent, findType } from '../host/host-model';
import { decidedParent, placeDomain } from '../plan/placement';

const COUNT_ATTRIBUTE = 'mdev/aggregated_instances';

export interface ExportDevice {
  uuid: string;
  parent: string;
  type: string;
  /** Name and value, in the order they are written to the device. */
  attrs: [name: string, value: string][];
}

/** The host is needed to place a device without parent, or to tell an `auto` device's dialect. */
export function exportNeedsHost(domain: DomainModel): boolean {
  return domain.devices.some((d) => d.parent === null || (d.instances > 1 && d.method === 'auto'));
}

export function exportDevices(domain: DomainModel, host: HostModel | null): { devices: ExportDevice[]; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const report = (device: ManagedDevice, code: Code, message: string, attribute?: string) =>
    diagnostics.push(diagnostic(code, message, domain.file, (attribute && device.attributeAt[attribute]) || device.at));

  // A device without a parent goes where prepare would create it: the whole domain is placed in
  // order, so the devices before it take their room first. A named parent is exported as named.
  const placed = new Map<string, string>();
  if (host && domain.devices.some((d) => d.parent === null)) {
    placeDomain(domain.devices, host, 'strict').forEach((decision, i) => {
      const device = domain.devices[i]!;
      if (device.parent !== null) return;
      const parent = decidedParent(decision);
      if (parent !== null) placed.set(device.uuid, parent);
      else if (decision.kind === 'refused') report(device, decision.code, decision.message, decision.attribute);
    });
  }

  const devices: ExportDevice[] = [];
  for (const device of domain.devices) {
    const parent = device.parent ?? placed.get(device.uuid);
    if (parent === undefined) {
      if (!host) report(device, 'E_NO_PLACEMENT', `mdev ${device.uuid} names no parent and no host was read to place it`, 'type');
      continue;
    }
    const attrs: ExportDevice['attrs'] = [];
    if (device.instances > 1) {
      const refusal = countRefusal(device, parent, host);
      if (refusal) {
        report(device, refusal.code, refusal.message, refusal.code === 'E_EXPORT_UNSUPPORTED' ? 'method' : 'instances');
        continue;
      }
      attrs.push([COUNT_ATTRIBUTE, String(device.instances)]);
    }
    devices.push({ uuid: device.uuid, parent, type: device.type, attrs });
  }
  return { devices, diagnostics };
}

const CREATE_OPTION_WHY =
  'the create-option generation passes the count in the create string (<uuid>,aggregate=N), and mdevctl ' +
  '(which libvirt creates mdevs through) writes only the UUID to create; there is no form for this device';

/** Why the count of `device` on `parent` cannot be exported as the attribute, or null when it can. */
function countRefusal(device: ManagedDevice, parent: string, host: HostModel | null): { code: Code; message: string } | null {
  if (device.method === 'attribute') return null;
  if (device.method === 'create-option') return { code: 'E_EXPORT_UNSUPPORTED', message: `mdev ${device.uuid}: method=create-option: ${CREATE_OPTION_WHY}` };
  const hostParent = host && findParent(host, parent);
  const type = hostParent && findType(hostParent, device.type);
  if (!type) {
    return {
      code: 'E_EXPORT_UNSUPPORTED',
      message:
        `mdev ${device.uuid}: cannot tell how ${device.type} on ${parent} aggregates (this host does not offer it); ` +
        `set method='attribute' on the entry when the target host has the attribute generation`,
    };
  }
  if (type.dialect === 'create-option') return { code: 'E_EXPORT_UNSUPPORTED', message: `mdev ${device.uuid}: ${device.type} on ${parent}: ${CREATE_OPTION_WHY}` };
  if (type.dialect === 'none') return { code: 'E_AGG_UNSUPPORTED', message: `mdev ${device.uuid}: ${device.type} on ${parent} has no aggregation interface; instances=${device.instances} cannot be created` };
  return null;
}
