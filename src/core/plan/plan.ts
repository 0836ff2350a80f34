/**
 * (domain, host) -> plan: the exact sysfs operations that create (or remove) a domain's aggregated
 * mdevs, with every pre-write check as a diagnostic. Pure: nothing here reads or writes a host.
 */
import { type Code, type Diagnostic, type Position, diagnostic } from '../text/diagnostics';
import type { DomainModel, ManagedDevice } from '../reading/domain';
import { type Dialect, type HostModel, type HostType, type PlacedDevice, findDevice } from '../host/host-model';
import { existsAsDeclared, hiddenDevice, placeDomain, presentAs } from './placement';
import { deviceAttr, deviceDir, typeAttr } from '../host/host-layout';

/**
 * What a step is for: `check` before anything is written, `create` the write that makes the
 * device (from then on it is the run's to undo), `set-count` the write of its instances, `verify`
 * that the kernel did what was written, `remove` the write that removes the device.
 */
export type OpRole = 'check' | 'create' | 'set-count' | 'verify' | 'remove';

/**
 * One step. `expect` reads a file and compares (`eq`: the trimmed text equals `value`; `ge`: the
 * number is at least `value`); `exists` checks that a path exists (`value` true) or not (false).
 * `failure` is the code a failed check gives (a refused write is E_SYSFS_WRITE, or E_DEVICE_BUSY
 * for a remove the kernel answers EBUSY).
 */
export type PlanOp = { role: OpRole; failure: Code } & (
  | { op: 'write'; path: string; data: string }
  | { op: 'expect'; path: string; value: string; compare: 'eq' | 'ge' }
  | { op: 'exists'; path: string; value: boolean }
);

export interface DevicePlan extends PlacedDevice {
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

const write = (role: 'create' | 'set-count' | 'remove', path: string, data: string): PlanOp => ({ op: 'write', path, data, role, failure: 'E_SYSFS_WRITE' });
const expectEq = (role: OpRole, path: string, value: string | number): PlanOp => ({ op: 'expect', path, value: String(value), compare: 'eq', role, failure: 'E_VERIFY_FAILED' });
const expectAtLeast = (role: OpRole, path: string, value: number, failure: Code = 'E_VERIFY_FAILED'): PlanOp => ({ op: 'expect', path, value: String(value), compare: 'ge', role, failure });
const exists = (role: OpRole, path: string, value: boolean): PlanOp => ({ op: 'exists', path, value, role, failure: 'E_VERIFY_FAILED' });

/** The operations that create one device in its dialect, and the rollback that removes it. */
function creationOps(uuid: string, parent: string, type: HostType, dialect: Dialect, instances: number, model: string | null) {
  const dev = deviceDir(uuid);
  const ops: PlanOp[] = [];
  const capacity = expectAtLeast('check', typeAttr(parent, type.id, 'available_instances'), instances, 'E_CAPACITY');
  if (model !== null) ops.push(expectEq('check', typeAttr(parent, type.id, 'device_api'), model));
  ops.push(exists('check', dev, false));
  if (dialect === 'create-option' && instances > 1) {
    ops.push(expectAtLeast('check', typeAttr(parent, type.id, 'aggregation'), instances));
    ops.push(capacity);
    ops.push(write('create', typeAttr(parent, type.id, 'create'), `${uuid},aggregate=${instances}`));
    ops.push(exists('verify', dev, true));
    ops.push(expectEq('verify', deviceAttr(uuid, 'aggregated_instances'), instances));
  } else {
    // N <= available_instances before the create, in the attribute generation too (see placement.ts).
    ops.push(capacity);
    ops.push(write('create', typeAttr(parent, type.id, 'create'), uuid));
    ops.push(exists('verify', dev, true));
    if (dialect === 'attribute' && instances > 1) {
      ops.push(expectAtLeast('check', deviceAttr(uuid, 'mdev/max_aggregation'), instances));
      ops.push(write('set-count', deviceAttr(uuid, 'mdev/aggregated_instances'), String(instances)));
      ops.push(expectEq('verify', deviceAttr(uuid, 'mdev/aggregated_instances'), instances));
    }
  }
  return { ops, rollback: removalOps(uuid) };
}

export const removalOps = (uuid: string): PlanOp[] => [write('remove', deviceAttr(uuid, 'remove'), '1'), exists('verify', deviceDir(uuid), false)];

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
      devices.push({ uuid, parent: existing.parent, type: existing.type, instances: existing.instances, dialect, action: 'present', ops: [exists('check', deviceDir(uuid), true)], rollback: [] });
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
      devices.push({ uuid, parent: device.parent ?? '', type: device.type, instances: device.instances, dialect: 'none', action: 'absent', ops: [exists('check', deviceDir(uuid), false)], rollback: [] });
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
