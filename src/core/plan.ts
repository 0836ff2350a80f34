/**
 * (domain, host) -> plan: the exact sysfs operations that create (or remove) a domain's aggregated
 * mdevs, with every pre-write check as a diagnostic. Pure: nothing here reads or writes a host.
 */
import { type Code, type Diagnostic, type Position, diagnostic } from './diagnostics';
import type { DomainModel, ManagedDevice } from './domain';
import { type Dialect, type HostDevice, type HostModel, type HostParent, type HostType, findDevice, findParent, findType } from './host-model';
import { MDEV_BUS_CLASS, MDEV_DEVICES, deviceAttr, deviceDir, typeAttr, typeDir, typesDir } from './sysfs-paths';

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

/** The dialect a device uses: `method` forces one; `auto` takes what the type announces. */
export function dialectFor(device: Pick<ManagedDevice, 'method'>, type: HostType): Dialect {
  if (device.method === 'create-option') return 'create-option';
  if (device.method === 'attribute') return 'attribute';
  return type.dialect;
}

/** Why `type` on `parent` cannot take `device` (with `room` instances left), or null when it can. */
function refusal(device: ManagedDevice, type: HostType, room: number | null): { code: Code; message: string; attribute: string } | null {
  const n = device.instances;
  if (device.model !== null && type.deviceApi !== null && type.deviceApi !== device.model) {
    return { code: 'E_DEVICE_API_MISMATCH', message: `model ${device.model} does not match the type's device_api ${type.deviceApi}`, attribute: 'type' };
  }
  const dialect = dialectFor(device, type);
  if (n > 1) {
    if (dialect === 'none') {
      return { code: 'E_AGG_UNSUPPORTED', message: `type ${type.id} has no aggregation interface; instances=${n} is refused (only 1 is possible)`, attribute: 'instances' };
    }
    if (dialect === 'create-option' && type.dialect !== 'create-option') {
      return { code: 'E_AGG_UNSUPPORTED', message: `method=create-option but type ${type.id} has no aggregation file`, attribute: 'method' };
    }
    if (dialect === 'create-option' && type.maxAggregation !== null && n > type.maxAggregation) {
      return { code: 'E_AGG_EXCEEDS_MAX', message: `instances=${n} is above the type's aggregation maximum ${type.maxAggregation}`, attribute: 'instances' };
    }
  }
  if (room === null) return { code: 'E_CAPACITY', message: `available_instances of ${type.id} cannot be read`, attribute: 'type' };
  const needed = dialect === 'create-option' ? n : 1;
  if (room < needed) {
    return { code: 'E_CAPACITY', message: `${type.id} has ${Math.max(room, 0)} available instance${room === 1 ? '' : 's'} left, ${needed} needed`, attribute: 'instances' };
  }
  return null;
}

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
    ops.push(expectAtLeast(typeAttr(parent, type.id, 'available_instances'), 1));
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

const capacityKey = (parent: string, type: string) => `${parent}\u0000${type}`;

/**
 * The host problem that hides a fact a device depends on: one at a listing (`exact`) or at or
 * below a directory (`below`). A link out of the root is E_PATH_ESCAPE and wins; anything else
 * unreadable is E_SYSFS_READ. Planning on a guess instead would name the wrong cause (no such
 * type, no capacity) or, for a release, call a device absent that is there.
 */
function hiddenFact(host: HostModel, exact: string[], below: string[]): { code: Code; message: string } | null {
  const hiding = host.problems.filter((p) => exact.includes(p.path) || below.some((dir) => p.path === dir || p.path.startsWith(`${dir}/`)));
  const problem = hiding.find((p) => p.outsideRoot) ?? hiding[0];
  if (!problem) return null;
  return { code: problem.outsideRoot ? 'E_PATH_ESCAPE' : 'E_SYSFS_READ', message: `${problem.path}: ${problem.message}; nothing is written` };
}

/** Problems hiding whether the device exists: the device listing, or the device's own files. */
const hiddenDevice = (host: HostModel, uuid: string) => hiddenFact(host, [MDEV_DEVICES], [deviceDir(uuid)]);

/** Capacity the earlier devices of one domain took on one host, so later ones see what is left. */
export class CapacityLedger {
  private readonly taken = new Map<string, number>();

  roomOf = (parent: string, type: HostType): number | null =>
    type.availableInstances === null ? null : type.availableInstances - (this.taken.get(capacityKey(parent, type.id)) ?? 0);

  take(parent: string, type: HostType, dialect: Dialect, instances: number): void {
    const key = capacityKey(parent, type.id);
    this.taken.set(key, (this.taken.get(key) ?? 0) + (dialect === 'none' ? 1 : instances));
  }
}

export type Placement =
  | { parent: HostParent; type: HostType; dialect: Dialect }
  | { code: Code; message: string; attribute: string };

/**
 * Where a device that does not exist yet goes: its named parent, else placement. Every pre-write
 * check is made against the room `ledger` says is left; on success the ledger takes the capacity.
 */
export function placeDevice(device: ManagedDevice, host: HostModel, ledger: CapacityLedger): Placement {
  let parent: HostParent | undefined;
  let type: HostType | undefined;
  if (device.parent !== null) {
    parent = findParent(host, device.parent);
    const hidden = hiddenFact(host, [MDEV_BUS_CLASS, typesDir(device.parent)], [typeDir(device.parent, device.type)]);
    if (hidden) return { ...hidden, attribute: 'parent' };
    if (!parent) return { code: 'E_PARENT_NOT_FOUND', message: `parent ${device.parent} is not registered with the mdev core on this host`, attribute: 'parent' };
    type = findType(parent, device.type);
    if (!type) return { code: 'E_TYPE_NOT_FOUND', message: `parent ${parent.name} does not offer type ${device.type}`, attribute: 'type' };
    const why = refusal(device, type, ledger.roomOf(parent.name, type));
    if (why) return { ...why, message: `${parent.name}: ${why.message}` };
  } else {
    const placed = place(device, host, ledger.roomOf);
    if ('code' in placed) return { ...placed, attribute: 'type' };
    ({ parent, type } = placed);
  }
  const dialect = dialectFor(device, type);
  ledger.take(parent.name, type, dialect, device.instances);
  return { parent, type, dialect };
}

export function planApply(domain: DomainModel, host: HostModel): Plan {
  const diagnostics: Diagnostic[] = [];
  const devices: DevicePlan[] = [];
  const ledger = new CapacityLedger();

  for (const device of domain.devices) {
    const report = (code: Code, message: string, attribute?: string) =>
      diagnostics.push(diagnostic(code, message, domain.file, pointAt(device, attribute)));

    const hidden = hiddenDevice(host, device.uuid);
    if (hidden) {
      report(hidden.code, hidden.message, 'uuid');
      continue;
    }
    const existing = findDevice(host, device.uuid);
    if (existing) {
      const sameParent = device.parent === null || device.parent === existing.parent;
      if (sameParent && existing.type === device.type && existing.instances === device.instances) {
        devices.push(existingDevicePlan(device, existing, host, 'present', [exists(deviceDir(device.uuid), true)]));
      } else {
        report(
          'E_DEVICE_CONFLICT',
          `mdev ${device.uuid} exists as ${existing.type} x${existing.instances} on ${existing.parent}; ` +
            `the domain asks for ${device.type} x${device.instances}${device.parent ? ` on ${device.parent}` : ''}; nothing is touched`,
          'uuid',
        );
      }
      continue;
    }

    const placed = placeDevice(device, host, ledger);
    if ('code' in placed) {
      report(placed.code, placed.message, placed.attribute);
      continue;
    }
    const { parent, type, dialect } = placed;
    const { ops, rollback } = creationOps(device.uuid, parent.name, type, dialect, device.instances, device.model);
    devices.push({ uuid: device.uuid, parent: parent.name, type: type.id, instances: device.instances, dialect, action: 'create', ops, rollback });
  }
  return { domain: domain.name, kind: 'apply', devices, diagnostics };
}

/**
 * Placement for a device without a parent: among parents offering the type with room, the most
 * available_instances, ties by name (parents are sorted, so the first best wins).
 */
function place(device: ManagedDevice, host: HostModel, roomOf: (parent: string, type: HostType) => number | null) {
  let best: { parent: HostParent; type: HostType; room: number } | null = null;
  let offered = 0;
  let lastRefusal: { code: Code; message: string } | null = null;
  // A parent whose types could not be read might offer the type: said instead of "not found".
  let hidden = hiddenFact(host, [MDEV_BUS_CLASS], []);
  for (const parent of host.parents) {
    hidden ??= hiddenFact(host, [typesDir(parent.name)], []);
    const type = findType(parent, device.type);
    if (!type) continue;
    const hiddenType = hiddenFact(host, [], [typeDir(parent.name, type.id)]);
    if (hiddenType) {
      hidden ??= hiddenType;
      continue;
    }
    offered++;
    const room = roomOf(parent.name, type);
    const why = refusal(device, type, room);
    if (why) {
      lastRefusal = { code: why.code, message: `${parent.name}: ${why.message}` };
      continue;
    }
    if (best === null || room! > best.room) best = { parent, type, room: room! };
  }
  if (best) return best;
  if (hidden) return hidden;
  if (offered === 0) return { code: 'E_TYPE_NOT_FOUND' as Code, message: `no parent on this host offers type ${device.type}` };
  if (offered === 1 && lastRefusal) return lastRefusal;
  return { code: 'E_NO_PLACEMENT' as Code, message: `none of the ${offered} parents offering ${device.type} can take instances=${device.instances}${lastRefusal ? ` (last: ${lastRefusal.message})` : ''}` };
}

/** Release: remove the domain's devices that exist and match; leave everything else. */
export function planRelease(domain: DomainModel, host: HostModel): Plan {
  const diagnostics: Diagnostic[] = [];
  const devices: DevicePlan[] = [];
  for (const device of domain.devices) {
    const hidden = hiddenDevice(host, device.uuid);
    if (hidden) {
      diagnostics.push(diagnostic(hidden.code, hidden.message, domain.file, pointAt(device, 'uuid')));
      continue;
    }
    const existing = findDevice(host, device.uuid);
    if (!existing) {
      devices.push({ uuid: device.uuid, parent: device.parent ?? '', type: device.type, instances: device.instances, dialect: 'none', action: 'absent', ops: [exists(deviceDir(device.uuid), false)], rollback: [] });
      continue;
    }
    const sameParent = device.parent === null || device.parent === existing.parent;
    if (!sameParent || existing.type !== device.type || existing.instances !== device.instances) {
      diagnostics.push(
        diagnostic(
          'E_DEVICE_CONFLICT',
          `mdev ${device.uuid} exists as ${existing.type} x${existing.instances} on ${existing.parent}, not as the domain declares; it is not removed`,
          domain.file,
          pointAt(device, 'uuid'),
        ),
      );
      continue;
    }
    devices.push(existingDevicePlan(device, existing, host, 'remove', removalOps(device.uuid)));
  }
  return { domain: domain.name, kind: 'release', devices, diagnostics };
}

/** The plan entry of a device the host already has as declared. */
function existingDevicePlan(device: ManagedDevice, existing: HostDevice, host: HostModel, action: 'present' | 'remove', ops: PlanOp[]): DevicePlan {
  const parent = findParent(host, existing.parent);
  const type = parent && findType(parent, existing.type);
  const { uuid } = device;
  return { uuid, parent: existing.parent, type: existing.type, instances: existing.instances, dialect: type ? dialectFor(device, type) : 'none', action, ops, rollback: [] };
}

function pointAt(device: ManagedDevice, attribute?: string): Position {
  return (attribute && device.attributeAt[attribute]) || device.at;
}
