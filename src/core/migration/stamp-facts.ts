/**
 * (domain, this host) -> the `<agg:source>` stamp of each managed device: the host's name, the
 * device's parent's driver and version, and its type's migration_version. The parent is the one
 * the device runs on, else the one the domain names, else the only one offering the type (or any,
 * when all of them carry the same facts). Pure.
 */
import { type Diagnostic, diagnostic } from '../diagnostics';
import type { DomainModel, ManagedDevice, SourceStamp } from '../domain';
import { type HostModel, type HostParent, findDevice, findParent, findType } from '../host-model';

export interface StampResult {
  /** By device UUID, for every managed device when there are no diagnostics. */
  stamps: Map<string, SourceStamp>;
  diagnostics: Diagnostic[];
}

const stampOf = (hostName: string | null, parent: HostParent, typeId: string): SourceStamp => ({
  host: hostName,
  driver: parent.driver,
  driverVersion: parent.driverVersion,
  migrationVersion: findType(parent, typeId)?.migrationVersion ?? null,
});

export function stampsFor(domain: DomainModel, host: HostModel, hostName: string | null): StampResult {
  const stamps = new Map<string, SourceStamp>();
  const diagnostics: Diagnostic[] = [];
  for (const device of domain.devices) {
    const found = stampFor(device, host, hostName);
    if ('stamp' in found) stamps.set(device.uuid, found.stamp);
    else diagnostics.push(diagnostic(found.code, found.message, domain.file, (found.attribute && device.attributeAt[found.attribute]) || device.at));
  }
  return { stamps, diagnostics };
}

type Found = { stamp: SourceStamp } | { code: 'E_DEVICE_CONFLICT' | 'E_PARENT_NOT_FOUND' | 'E_TYPE_NOT_FOUND' | 'E_STAMP_AMBIGUOUS'; message: string; attribute: string | null };

function stampFor(device: ManagedDevice, host: HostModel, hostName: string | null): Found {
  const running = findDevice(host, device.uuid);
  if (running) {
    // A stamp vouches for the device as declared; one running otherwise would make it lie.
    if (running.type !== device.type || running.instances !== device.instances || (device.parent !== null && device.parent !== running.parent)) {
      return {
        code: 'E_DEVICE_CONFLICT',
        message: `mdev ${device.uuid} runs here as ${running.type} x${running.instances} on ${running.parent}, not as declared; it is not stamped`,
        attribute: 'uuid',
      };
    }
    const parent = findParent(host, running.parent);
    if (parent) return { stamp: stampOf(hostName, parent, running.type) };
  }
  if (device.parent !== null) {
    const parent = findParent(host, device.parent);
    if (!parent) return { code: 'E_PARENT_NOT_FOUND', message: `parent ${device.parent} is not registered with the mdev core on this host`, attribute: 'parent' };
    if (!findType(parent, device.type)) return { code: 'E_TYPE_NOT_FOUND', message: `parent ${parent.name} does not offer type ${device.type}`, attribute: 'type' };
    return { stamp: stampOf(hostName, parent, device.type) };
  }
  const offering = host.parents.filter((p) => findType(p, device.type));
  if (offering.length === 0) return { code: 'E_TYPE_NOT_FOUND', message: `no parent on this host offers type ${device.type}`, attribute: 'type' };
  const candidates = offering.map((p) => stampOf(hostName, p, device.type));
  const first = JSON.stringify(candidates[0]);
  if (candidates.some((c) => JSON.stringify(c) !== first)) {
    return {
      code: 'E_STAMP_AMBIGUOUS',
      message: `mdev ${device.uuid} does not exist here and names no parent, and the parents offering ${device.type} (${offering.map((p) => p.name).join(', ')}) carry different driver facts; stamp where it runs or name its parent`,
      attribute: 'type',
    };
  }
  return { stamp: candidates[0]! };
}
