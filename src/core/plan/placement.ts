/**
 * The one placement and capacity model: whether a device exists as declared, what a parent's type
 * can take for a (type, count, dialect), and which parent a device that does not exist yet goes to.
 * plan, apply, the migration check (single, live, fleet), the migrate hook, stamp, status and export
 * all decide through `placeDomain`; none of them repeats these rules. Pure.
 *
 * Capacity (README, "Kernel dialects"): a device of N instances needs N <= available_instances
 * before any write, in both aggregation generations. The attribute generation's
 * `mdev/max_aggregation` reads the type's available count plus the device's own, so a fresh device
 * reaches N only when N were available before its create.
 *
 * Types of one parent may draw on one pool (GVT-g's types share the GPU's graphics memory), and
 * sysfs does not say how much a device of one type takes from another. Devices of several types on
 * one parent are placed only where they would fit even one shared pool (`fitsOnePool`): then the
 * kernel takes them whatever its pools are, and a verdict equals the kernel's outcome.
 */
import type { MigrationParent } from '../reading/config';
import type { Code } from '../text/diagnostics';
import type { ManagedDevice } from '../reading/domain';
import { type Dialect, type HostDevice, type HostModel, type HostParent, type HostType, findDevice, findParent, findType } from '../host/host-model';
import { MDEV_BUS_CLASS, MDEV_DEVICES, deviceDir, typeDir, typesDir } from '../host/host-layout';

/**
 * How a named parent is treated. `strict`: the device goes there or is refused (apply, prepare).
 * `prefer`: the parent names a card of the source host; on a migration target it is kept when it
 * can take the device, otherwise the device is placed as an unpinned one.
 */
export type ParentRule = 'strict' | 'prefer';

/** The configuration's `migrationParent` as the rule a migration check places with. */
export const parentRuleOf = (migrationParent: MigrationParent): ParentRule => (migrationParent === 'require' ? 'strict' : 'prefer');

export interface Refusal {
  code: Code;
  message: string;
  /** The declaration attribute the refusal points at. */
  attribute: string;
}

/** What happens to one declared device on one host. */
export type Decision =
  /** The host has the device as declared: nothing to do. */
  | { kind: 'present'; existing: HostDevice; parent: string; type: HostType | null; dialect: Dialect }
  /** It can be created on `parent`; `moved` says why a named parent was not kept. */
  | { kind: 'create'; parent: HostParent; type: HostType; dialect: Dialect; moved: { from: string; why: string } | null }
  | ({ kind: 'refused' } & Refusal);

/** The dialect a device uses: `method` forces one; `auto` takes what the type announces. */
function dialectFor(device: Pick<ManagedDevice, 'method'>, type: HostType): Dialect {
  if (device.method === 'create-option') return 'create-option';
  if (device.method === 'attribute') return 'attribute';
  return type.dialect;
}

/** Same UUID, type and count, and the named parent (when `strict`, or any parent under `prefer`). */
export function existsAsDeclared(device: ManagedDevice, existing: HostDevice, rule: ParentRule = 'strict'): boolean {
  const parentOk = device.parent === null || rule === 'prefer' || device.parent === existing.parent;
  return parentOk && existing.type === device.type && existing.instances === device.instances;
}

/** Why `type` cannot take `device` with `room` instances left, or null when it can. */
function typeRefusal(device: ManagedDevice, type: HostType, room: number | null): Refusal | null {
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
  if (room < n) {
    return { code: 'E_CAPACITY', message: `${type.id} has ${Math.max(room, 0)} available instance${room === 1 ? '' : 's'} left, ${n} needed`, attribute: 'instances' };
  }
  return null;
}

/**
 * The host problems that can hide a fact placement reads: the parent listing, a parent's type
 * listing, anything at or below a type's directory, the device listing, anything at or below a
 * device's directory. Fleet projections keep exactly these (`isPlacementProblem`).
 */
const HIDING = {
  parents: () => [MDEV_BUS_CLASS],
  types: (parent: string) => [typesDir(parent)],
  type: (parent: string, type: string) => typeDir(parent, type),
  devices: () => [MDEV_DEVICES],
  device: (uuid: string) => deviceDir(uuid),
};

/** True when a host problem at `path` can hide a fact placement reads for devices of `typeIds` with `uuids`. */
export function isPlacementProblem(path: string, typeIds: ReadonlySet<string>, uuids: ReadonlySet<string>): boolean {
  if (path === MDEV_BUS_CLASS || path === MDEV_DEVICES) return true;
  if (path.startsWith(`${MDEV_DEVICES}/`)) return uuids.has(path.slice(MDEV_DEVICES.length + 1).split('/', 1)[0]!);
  if (!path.startsWith(`${MDEV_BUS_CLASS}/`)) return false;
  // <parent>/mdev_supported_types[/<type>[/...]]
  const [, listing, type] = path.slice(MDEV_BUS_CLASS.length + 1).split('/', 3);
  return listing === 'mdev_supported_types' && (type === undefined || typeIds.has(type));
}

/**
 * The host problem that hides a fact a decision depends on: one at a listing (`exact`) or at or
 * below a directory (`below`). A link out of the root is E_PATH_ESCAPE and wins; anything else
 * unreadable is E_SYSFS_READ. Deciding on a guess instead would name the wrong cause (no such
 * type, no capacity) or, for a release, call a device absent that is there.
 */
function hiddenFact(host: HostModel, paths: () => { exact: string[]; below: string[] }): { code: Code; message: string } | null {
  // The paths are built only for a host with problems: most have none, and placement asks often.
  if (host.problems.length === 0) return null;
  const { exact, below } = paths();
  const hiding = host.problems.filter((p) => exact.includes(p.path) || below.some((dir) => p.path === dir || p.path.startsWith(`${dir}/`)));
  const problem = hiding.find((p) => p.outsideRoot) ?? hiding[0];
  if (!problem) return null;
  return { code: problem.outsideRoot ? 'E_PATH_ESCAPE' : 'E_SYSFS_READ', message: `${problem.path}: ${problem.message}; nothing is written` };
}

/** Problems hiding whether the device exists: the device listing, or the device's own files. */
export const hiddenDevice = (host: HostModel, uuid: string) => hiddenFact(host, () => ({ exact: HIDING.devices(), below: [HIDING.device(uuid)] }));

/** What the devices of one domain created so far took, so later ones see what is left. */
class CapacityLedger {
  /** Per parent, per type: the type as read and the instances this domain creates of it there. */
  private readonly taken = new Map<string, Map<string, { type: HostType; instances: number }>>();

  roomOf(parent: string, type: HostType): number | null {
    return type.availableInstances === null ? null : type.availableInstances - (this.taken.get(parent)?.get(type.id)?.instances ?? 0);
  }

  /**
   * The share of one parent's pool this domain would take with `instances` more of `type`, when it
   * creates devices of more than one type there: per type, instances over available_instances as
   * read, summed. Null when the domain creates one type there (its room alone decides).
   */
  sharesWith(parent: string, type: HostType, instances: number): { type: HostType; instances: number }[] | null {
    const onParent = this.taken.get(parent);
    if (!onParent || (onParent.size === 1 && onParent.has(type.id))) return null;
    const shares = [...onParent.values()].filter((s) => s.type.id !== type.id);
    return [...shares, { type, instances: instances + (onParent.get(type.id)?.instances ?? 0) }];
  }

  take(parent: string, type: HostType, instances: number): void {
    let onParent = this.taken.get(parent);
    if (!onParent) this.taken.set(parent, (onParent = new Map()));
    const seen = onParent.get(type.id);
    onParent.set(type.id, { type, instances: (seen?.instances ?? 0) + instances });
  }
}

/**
 * True when the shares fit one pool whatever it is: types of a parent may draw on one pool of
 * several resources (GVT-g's graphics memory and fences), and sysfs does not say. A type with A
 * available needs at most 1/A of each resource per instance, so instances n_t of types t fit when
 * the sum of n_t / A_t is at most 1; kept to that, no create of the domain can find the pool short.
 * Exact: integers, no rounding.
 */
export function fitsOnePool(shares: { type: HostType; instances: number }[]): boolean {
  let numerator = 0n;
  let denominator = 1n;
  for (const { type, instances } of shares) {
    const available = BigInt(type.availableInstances ?? 0);
    if (available === 0n) return false;
    numerator = numerator * available + BigInt(instances) * denominator;
    denominator *= available;
  }
  return numerator <= denominator;
}

/** Why `parent` cannot take `device` now, or null when it can. */
function parentRefusal(device: ManagedDevice, parent: HostParent, type: HostType, ledger: CapacityLedger): Refusal | null {
  const why = typeRefusal(device, type, ledger.roomOf(parent.name, type));
  if (why) return why;
  const shares = ledger.sharesWith(parent.name, type, device.instances);
  if (shares && !fitsOnePool(shares)) {
    const parts = shares.map((s) => `${s.instances} of ${s.type.id}'s ${s.type.availableInstances}`).join(' and ');
    return {
      code: 'E_CAPACITY',
      message: `this domain would create ${parts} available instances on ${parent.name}; its types may share one pool (sysfs does not say), which that would overdraw`,
      attribute: 'instances',
    };
  }
  return null;
}

/** A named parent as it stands: it takes the device, or the refusal says why not. */
function atNamedParent(device: ManagedDevice, name: string, host: HostModel, ledger: CapacityLedger): { parent: HostParent; type: HostType } | Refusal {
  const hidden = hiddenFact(host, () => ({ exact: [...HIDING.parents(), ...HIDING.types(name)], below: [HIDING.type(name, device.type)] }));
  if (hidden) return { ...hidden, attribute: 'parent' };
  const parent = findParent(host, name);
  if (!parent) return { code: 'E_PARENT_NOT_FOUND', message: `parent ${name} is not registered with the mdev core on this host`, attribute: 'parent' };
  const type = findType(parent, device.type);
  if (!type) return { code: 'E_TYPE_NOT_FOUND', message: `parent ${parent.name} does not offer type ${device.type}`, attribute: 'type' };
  const why = parentRefusal(device, parent, type, ledger);
  return why ? { ...why, message: `${parent.name}: ${why.message}` } : { parent, type };
}

/**
 * A device without a parent: among the parents offering the type that can take it, the most room
 * left, ties by name (parents are sorted, so the first best wins).
 */
function unpinned(device: ManagedDevice, host: HostModel, ledger: CapacityLedger, except: string | null = null): { parent: HostParent; type: HostType } | Refusal {
  let best: { parent: HostParent; type: HostType; room: number } | null = null;
  let offered = 0;
  let lastRefusal: Refusal | null = null;
  // A parent whose types could not be read might offer the type: said instead of "not found".
  let hidden = hiddenFact(host, () => ({ exact: HIDING.parents(), below: [] }));
  for (const parent of host.parents) {
    if (parent.name === except) continue;
    hidden ??= hiddenFact(host, () => ({ exact: HIDING.types(parent.name), below: [] }));
    const type = findType(parent, device.type);
    if (!type) continue;
    const hiddenType = hiddenFact(host, () => ({ exact: [], below: [HIDING.type(parent.name, type.id)] }));
    if (hiddenType) {
      hidden ??= hiddenType;
      continue;
    }
    offered++;
    const why = parentRefusal(device, parent, type, ledger);
    if (why) {
      lastRefusal = { ...why, message: `${parent.name}: ${why.message}` };
      continue;
    }
    const room = ledger.roomOf(parent.name, type)!;
    if (best === null || room > best.room) best = { parent, type, room };
  }
  if (best) return best;
  if (hidden) return { ...hidden, attribute: 'type' };
  if (offered === 0) return { code: 'E_TYPE_NOT_FOUND', message: `no parent on this host offers type ${device.type}`, attribute: 'type' };
  if (offered === 1 && lastRefusal) return { ...lastRefusal, attribute: 'type' };
  return {
    code: 'E_NO_PLACEMENT',
    message: `none of the ${offered} parents offering ${device.type} can take instances=${device.instances}${lastRefusal ? ` (last: ${lastRefusal.message})` : ''}`,
    attribute: 'type',
  };
}

/** The decision for a device the host has as declared. */
export function presentAs(device: ManagedDevice, existing: HostDevice, host: HostModel): Decision & { kind: 'present' } {
  const parent = findParent(host, existing.parent);
  const type = (parent && findType(parent, existing.type)) ?? null;
  return { kind: 'present', existing, parent: existing.parent, type, dialect: type ? dialectFor(device, type) : 'none' };
}

function decide(device: ManagedDevice, host: HostModel, ledger: CapacityLedger, rule: ParentRule): Decision {
  const hidden = hiddenDevice(host, device.uuid);
  if (hidden) return { kind: 'refused', ...hidden, attribute: 'uuid' };
  const existing = findDevice(host, device.uuid);
  if (existing) {
    if (!existsAsDeclared(device, existing, rule)) {
      return {
        kind: 'refused',
        code: 'E_DEVICE_CONFLICT',
        message:
          `mdev ${device.uuid} exists as ${existing.type} x${existing.instances} on ${existing.parent}; ` +
          `the domain asks for ${device.type} x${device.instances}${device.parent ? ` on ${device.parent}` : ''}; nothing is touched`,
        attribute: 'uuid',
      };
    }
    return presentAs(device, existing, host);
  }

  let placed: { parent: HostParent; type: HostType } | Refusal;
  let moved: { from: string; why: string } | null = null;
  if (device.parent === null) {
    placed = unpinned(device, host, ledger);
  } else {
    placed = atNamedParent(device, device.parent, host, ledger);
    if ('code' in placed && rule === 'prefer' && placed.code !== 'E_PATH_ESCAPE' && placed.code !== 'E_SYSFS_READ') {
      const elsewhere = unpinned(device, host, ledger, device.parent);
      if ('code' in elsewhere) {
        if (elsewhere.code !== 'E_TYPE_NOT_FOUND') placed = { ...placed, message: `${placed.message}; no other parent can take it either: ${elsewhere.message}` };
      } else {
        moved = { from: device.parent, why: placed.message };
        placed = elsewhere;
      }
    }
  }
  if ('code' in placed) return { kind: 'refused', ...placed };
  const dialect = dialectFor(device, placed.type);
  ledger.take(placed.parent.name, placed.type, device.instances);
  return { kind: 'create', parent: placed.parent, type: placed.type, dialect, moved };
}

/** Every device of one domain on one host, in order: earlier devices take capacity first. */
export function placeDomain(devices: readonly ManagedDevice[], host: HostModel, rule: ParentRule): Decision[] {
  const ledger = new CapacityLedger();
  return devices.map((device) => decide(device, host, ledger, rule));
}

/** The parent a decision puts the device on; null when refused. */
export const decidedParent = (decision: Decision): string | null =>
  decision.kind === 'refused' ? null : decision.kind === 'present' ? decision.parent : decision.parent.name;
