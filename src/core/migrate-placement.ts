/**
 * Where an incoming domain's devices go on this host, and which aggregation entries the migrate
 * hook rewrites. Placement "differs" from the XML in two cases only:
 * - the entry names no parent: the parent chosen here is written, so that prepare creates the
 *   device where this check found room, and release finds it;
 * - the entry names a parent this host does not have: the device is placed afresh among the parents
 *   offering its type with room for its count (an equivalent parent), and that parent is written.
 * A named parent that exists here is kept, even when it is full: the check then fails rather than
 * moving the device behind the user's back. Pure.
 */
import type { DomainModel } from './domain';
import { type HostModel, findParent } from './host-model';
import { type Plan, planApply } from './plan';

export interface ParentChange {
  uuid: string;
  /** The parent the XML names; null when it names none. */
  from: string | null;
  to: string;
}

export function placeIncoming(domain: DomainModel, host: HostModel): { plan: Plan; changes: ParentChange[] } {
  const absent = new Set(domain.devices.filter((d) => d.parent !== null && !findParent(host, d.parent)).map((d) => d.uuid));
  const unpinned: DomainModel = { ...domain, devices: domain.devices.map((d) => (absent.has(d.uuid) ? { ...d, parent: null } : d)) };
  const plan = planApply(unpinned, host);
  const changes: ParentChange[] = [];
  for (const device of domain.devices) {
    const planned = plan.devices.find((p) => p.uuid === device.uuid);
    if (planned && planned.parent !== device.parent) changes.push({ uuid: device.uuid, from: device.parent, to: planned.parent });
  }
  return { plan, changes };
}
