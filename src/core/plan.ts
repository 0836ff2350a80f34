/**
 * (domain, host) -> plan: the exact sysfs operations that create (or remove) a domain's aggregated
 * mdevs, with every pre-write check as a diagnostic. Pure: nothing here reads or writes a host.
 */
import { type Diagnostic, type Position, diagnostic } from './diagnostics';
import type { DomainModel, ManagedDevice } from './domain';
import { type Dialect, type HostModel, type HostType, findDevice } from './host-model';
import { existsAsDeclared, hiddenDevice, placeDomain, presentAs } from './placement';
import { deviceAttr, deviceDir, typeAttr } from './host-layout';

/**
 * One step. `expect` reads a file and compares (`eq`: the trimmed text equals `value`; `ge`: the
 * number is at least `value`); `exists` checks that a path exists (`value` true) or not (false).
 */
export type PlanOp =
  | { op: 'write'; path: string; data: string }
  | { op: 'expect'; path: string; value: string; compare: 'eq' | 'ge' }
  | { op: 'exists'; path: string; value: boolean };

export interface DevicePlan {
  uuid: string;
  parent: string;
  type: string;
  instances: number;
  dialect: Dialect;
  /** create: make it; present: it exists as asked (nothing to do); remove: release it. */
  action: 'create' | 'present' | 'remove' | 'absent';
  ops: PlanOp[];
  /** What undoes `ops` once the device exists, in order. */
  rollback: PlanOp[];
}

export interface Plan {
  domain: string | null;
  kind: 'apply' | 'release';
  devices: DevicePlan[];
  diagnostics: Diagnostic[];
}

const write = (path: string, data: string): PlanOp => ({ op: 'write', path, data });
const expectEq = (path: string, value: string | number): PlanOp => ({ op: 'expect', path, value: String(value), compare: 'eq' });
const expectAtLeast = (path: string, value: number): PlanOp => ({ op: 'expect', path, value: String(value), compare: 'ge' });
const exists = (path: string, value: boolean): PlanOp => ({ op: 'exists', path, value });

/** The operations that create one device in its dialect, and the rollback that removes it. */
export function creationOps(uuid: string, parent: string, type: HostType, dialect: Dialect, instances: number, model: string | null) {
  const dev = deviceDir(uuid);
  const ops: PlanOp[] = [];
  if (model !== null) ops.push(expectEq(typeAttr(parent, type.id, 'device_api'), model));
  ops.push(exists(dev, false));
  if (dialect === 'create-option' && instances > 1) {
    ops.push(expectAtLeast(typeAttr(parent, type.id, 'aggregation'), instances));
    ops.push(expectAtLeast(typeAttr(parent, type.id, 'available_instances'), instances));
    ops.push(write(typeAttr(parent, type.id, 'create'), `${uuid},aggregate=${instances}`));
    ops.push(exists(dev, true));
    ops.push(expectEq(deviceAttr(uuid, 'aggregated_instances'), instances));
  } else {
    // N <= available_instances before the create, in the attribute generation too (see placement.ts).
    ops.push(expectAtLeast(typeAttr(parent, type.id, 'available_instances'), instances));
    ops.push(write(typeAttr(parent, type.id, 'create'), uuid));
    ops.push(exists(dev, true));
    if (dialect === 'attribute' && instances > 1) {
      ops.push(expectAtLeast(deviceAttr(uuid, 'mdev/max_aggregation'), instances));
      ops.push(write(deviceAttr(uuid, 'mdev/aggregated_instances'), String(instances)));
      ops.push(expectEq(deviceAttr(uuid, 'mdev/aggregated_instances'), instances));
    }
  }
  return { ops, rollback: removalOps(uuid) };
}

export const removalOps = (uuid: string): PlanOp[] => [write(deviceAttr(uuid, 'remove'), '1'), exists(deviceDir(uuid), false)];

export function planApply(domain: DomainModel, host: HostModel): Plan {
  const diagnostics: Diagnostic[] = [];
  const devices: DevicePlan[] = [];
  placeDomain(domain.devices, host, 'strict').forEach((decision, i) => {
    const device = domain.devices[i]!;
    const { uuid, instances } = device;
    if (decision.kind === 'refused') {
      diagnostics.push(diagnostic(decision.code, decision.message, domain.file, pointAt(device, decision.attribute)));
    } else if (decision.kind === 'present') {
      const { existing, dialect } = decision;
      devices.push({ uuid, parent: existing.parent, type: existing.type, instances: existing.instances, dialect, action: 'present', ops: [exists(deviceDir(uuid), true)], rollback: [] });
    } else {
      const { parent, type, dialect } = decision;
      const { ops, rollback } = creationOps(uuid, parent.name, type, dialect, instances, device.model);
      devices.push({ uuid, parent: parent.name, type: type.id, instances, dialect, action: 'create', ops, rollback });
    }
  });
  return { domain: domain.name, kind: 'apply', devices, diagnostics };
}

/** Release: remove the domain's devices that exist as declared; leave everything else. */
export function planRelease(domain: DomainModel, host: HostModel): Plan {
  const diagnostics: Diagnostic[] = [];
  const devices: DevicePlan[] = [];
  for (const device of domain.devices) {
    const { uuid } = device;
    const hidden = hiddenDevice(host, uuid);
    if (hidden) {
      diagnostics.push(diagnostic(hidden.code, hidden.message, domain.file, pointAt(device, 'uuid')));
      continue;
    }
    const existing = findDevice(host, uuid);
    if (!existing) {
      devices.push({ uuid, parent: device.parent ?? '', type: device.type, instances: device.instances, dialect: 'none', action: 'absent', ops: [exists(deviceDir(uuid), false)], rollback: [] });
    } else if (!existsAsDeclared(device, existing)) {
      const message = `mdev ${uuid} exists as ${existing.type} x${existing.instances} on ${existing.parent}, not as the domain declares; it is not removed`;
      diagnostics.push(diagnostic('E_DEVICE_CONFLICT', message, domain.file, pointAt(device, 'uuid')));
    } else {
      const { dialect } = presentAs(device, existing, host);
      devices.push({ uuid, parent: existing.parent, type: existing.type, instances: existing.instances, dialect, action: 'remove', ops: removalOps(uuid), rollback: [] });
    }
  }
  return { domain: domain.name, kind: 'release', devices, diagnostics };
}

function pointAt(device: ManagedDevice, attribute?: string): Position {
  return (attribute && device.attributeAt[attribute]) || device.at;
}
