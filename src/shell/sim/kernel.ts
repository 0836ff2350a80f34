/**
 * A simulated kernel: the mdev core and both aggregation generations, in memory, behind the same
 * `Sysfs` interface as a real tree. Writing to `create` makes the device directory and its links
 * appear and moves `available_instances`; `remove` undoes it; each refusal is the errno the kernel
 * (or the vendor driver the README's Kernel dialects section names) would give. Tests and `--simulate` run on it.
 */
import { Sysfs, SysfsError, SysfsView } from '../../core/host/sysfs';
import { MDEV_BUS_CLASS, MDEV_DEVICES, moduleVersion } from '../../core/host/host-layout';
import { CreateParser, kstrtoul, migrationVersionStore, parseCreate } from './kernel-parse';
import { simSpecFromView, SimSeedOptions } from './seed';
import type {
  Resources,
  SimAggregation,
  SimDeviceSpec,
  SimKernelSpec,
  SimMigration,
  SimParentSpec,
  SimTypeSpec,
} from './spec';
import { Errno, SimTree } from './tree';
import { byCodeUnits } from '../../core/text/order';

/** One write as the simulated kernel saw it; `errno` null when it succeeded. */
export interface SimWrite {
  path: string;
  data: string;
  errno: string | null;
}

interface Pool {
  id: string;
  capacity: Resources;
}

interface TypeState {
  id: string;
  parent: ParentState;
  /** Real host path of the type directory. */
  dir: string;
  pool: Pool;
  cost: Resources;
  parser: CreateParser;
  aggregation: SimAggregation;
  attributeGroup: boolean;
  migration: SimMigration;
}

interface ParentState {
  name: string;
  deviceDir: string;
  types: Map<string, TypeState>;
}

interface DeviceState {
  uuid: string;
  type: TypeState;
  instances: number;
  open: boolean;
  /** Real host path of the device directory. */
  dir: string;
}

type Injection =
  | { kind: 'nth'; remaining: number; errno: string }
  | { kind: 'match'; match: (path: string, data: string) => boolean; errno: string };

const ERRNO_NAME = /^E[A-Z0-9]+$/;
const line = (value: string | number): string => `${value}\n`;

/**
 * A real kernel accepts `remove` of an open device and blocks the writer until the holder
 * closes. A simulation cannot block, so it raises this: the caller wrote without asking
 * `deviceInUse` first, which on a real host hangs the hook.
 */
export class RemoveWouldBlock extends Error {
  constructor(readonly uuid: string) {
    super(`remove of ${uuid} while it is open blocks on a real kernel until the holder closes`);
    this.name = 'RemoveWouldBlock';
  }
}

export class SimKernel implements Sysfs {
  /** Every write in order, failed ones included. */
  readonly writes: SimWrite[] = [];
  private readonly tree = new SimTree();
  private readonly parents = new Map<string, ParentState>();
  private readonly devices = new Map<string, DeviceState>();
  private injections: Injection[] = [];

  /** A kernel from a written description (tests). Throws on an inconsistent description. */
  static build(spec: SimKernelSpec): SimKernel {
    return new SimKernel(spec);
  }

  /**
   * A kernel that looks like the tree behind `view` (a fixture or the live host): its parents,
   * types, attributes and devices. Pools come from `options` (a host's `sim.json`), otherwise each
   * type counts its own instances from its `available_instances`.
   */
  static seed(view: SysfsView, options?: SimSeedOptions): SimKernel {
    return new SimKernel(simSpecFromView(view, options));
  }

  private constructor(spec: SimKernelSpec) {
    this.tree.mkdirs(MDEV_BUS_CLASS);
    this.tree.mkdirs(MDEV_DEVICES);
    for (const parent of spec.parents) this.addParent(parent);
    for (const device of spec.devices ?? []) this.addExistingDevice(device);
    for (const parent of this.parents.values()) {
      for (const type of parent.types.values()) {
        for (const [resource, free] of Object.entries(this.free(type.pool))) {
          if (free < 0) throw new Error(`devices take more ${resource} than pool ${type.pool.id} of ${parent.name} holds`);
        }
      }
    }
  }

  // ---- Sysfs ----

  list(path: string): string[] | null {
    const found = this.resolve(path, 'list');
    if (found === null || found.node.kind !== 'dir') return null;
    return [...found.node.children.keys()].sort(byCodeUnits);
  }

  read(path: string): string | null {
    const found = this.resolve(path, 'read');
    if (found === null) return null;
    if (found.node.kind === 'dir') throw new SysfsError('EISDIR', path, 'read');
    if (found.node.kind !== 'file' || found.node.read === undefined) throw new SysfsError('EACCES', path, 'read');
    try {
      return found.node.read();
    } catch (err) {
      if (err instanceof Errno) throw new SysfsError(err.errno, path, 'read');
      throw err;
    }
  }

  exists(path: string): boolean {
    return this.resolve(path, 'resolve') !== null;
  }

  realpath(path: string): string | null {
    return this.resolve(path, 'resolve')?.real ?? null;
  }

  write(path: string, data: string): void {
    const injected = this.takeInjection(path, data);
    const errno = injected ?? this.apply(path, data);
    this.writes.push({ path, data, errno });
    if (errno !== null) throw new SysfsError(errno, path, 'write', injected !== null ? 'injected' : undefined);
  }

  // ---- test controls ----

  /** The `nth` write from now (1 = the next one) fails with `errno` and has no effect. */
  failWrite(nth: number, errno: string): void {
    if (!Number.isInteger(nth) || nth < 1) throw new Error(`failWrite: nth must be a positive integer, not ${nth}`);
    if (!ERRNO_NAME.test(errno)) throw new Error(`failWrite: not an errno name: ${errno}`);
    this.injections.push({ kind: 'nth', remaining: nth, errno });
  }

  /** The first write from now for which `match` holds fails with `errno` and has no effect. */
  failWriteWhere(match: (path: string, data: string) => boolean, errno: string): void {
    if (!ERRNO_NAME.test(errno)) throw new Error(`failWriteWhere: not an errno name: ${errno}`);
    this.injections.push({ kind: 'match', match, errno });
  }

  /**
   * Marks a device in use (a VM holds it): generation B writes answer EINVAL, and a `remove`
   * write would block until the holder closes, as on a real kernel (see `RemoveWouldBlock`).
   */
  open(uuid: string): void {
    this.device(uuid).open = true;
  }

  close(uuid: string): void {
    this.device(uuid).open = false;
  }

  deviceInUse(uuid: string): boolean {
    return this.devices.get(uuid)?.open === true;
  }

  /** Every attribute here is served by the simulated driver, as a kernel's sysfs would. */
  onKernelSysfs(path: string): boolean {
    return this.exists(path);
  }

  // ---- internals ----

  private resolve(path: string, op: SysfsError['op']) {
    if (!path.startsWith('/')) throw new SysfsError('EINVAL', path, op, 'not an absolute host path');
    try {
      return this.tree.resolve(path);
    } catch (err) {
      if (err instanceof Errno) throw new SysfsError(err.errno, path, op);
      throw err;
    }
  }

  private takeInjection(path: string, data: string): string | null {
    let fired: string | null = null;
    const kept: Injection[] = [];
    for (const injection of this.injections) {
      if (injection.kind === 'nth') {
        injection.remaining -= 1;
        if (injection.remaining === 0) {
          fired ??= injection.errno;
          continue;
        }
      } else if (fired === null && injection.match(path, data)) {
        fired = injection.errno;
        continue;
      }
      kept.push(injection);
    }
    this.injections = kept;
    return fired;
  }

  /** Performs a write; returns the errno it fails with, or null. */
  private apply(path: string, data: string): string | null {
    try {
      const found = this.tree.resolve(path);
      if (found === null) return 'ENOENT';
      if (found.node.kind === 'dir') return 'EISDIR';
      if (found.node.kind !== 'file' || found.node.write === undefined) return 'EACCES';
      found.node.write(data);
      return null;
    } catch (err) {
      if (err instanceof Errno) return err.errno;
      throw err;
    }
  }

  private device(uuid: string): DeviceState {
    const device = this.devices.get(uuid.toLowerCase());
    if (device === undefined) throw new Error(`no simulated device ${uuid}`);
    return device;
  }

  private addParent(spec: SimParentSpec): void {
    if (this.parents.has(spec.name)) throw new Error(`parent ${spec.name} given twice`);
    const parent: ParentState = { name: spec.name, deviceDir: spec.deviceDir, types: new Map() };
    this.parents.set(spec.name, parent);
    this.tree.mkdirs(spec.deviceDir);
    this.tree.put(`${MDEV_BUS_CLASS}/${spec.name}`, { kind: 'link', target: spec.deviceDir });
    if (spec.driver) {
      this.tree.mkdirs(spec.driver.dir);
      this.tree.put(`${spec.deviceDir}/driver`, { kind: 'link', target: spec.driver.dir });
      const version = spec.driver.version;
      if (version !== undefined && version !== null) this.constantFile(moduleVersion(spec.driver.name), version);
    }
    if (spec.vendorId) this.constantFile(`${spec.deviceDir}/vendor`, `0x${spec.vendorId}`);
    if (spec.deviceId) this.constantFile(`${spec.deviceDir}/device`, `0x${spec.deviceId}`);
    const pools = new Map<string, Pool>();
    for (const pool of spec.pools ?? []) {
      if (pools.has(pool.id)) throw new Error(`pool ${pool.id} of ${spec.name} given twice`);
      pools.set(pool.id, { id: pool.id, capacity: { ...pool.capacity } });
    }
    this.tree.mkdirs(`${spec.deviceDir}/mdev_supported_types`);
    for (const type of spec.types) this.addType(parent, type, pools);
  }

  private addType(parent: ParentState, spec: SimTypeSpec, pools: Map<string, Pool>): void {
    if (parent.types.has(spec.id)) throw new Error(`type ${spec.id} of ${parent.name} given twice`);
    const aggregation = spec.aggregation ?? { kind: 'none' };
    const parser = spec.createParser ?? (aggregation.kind === 'create-option' ? 'refresh' : 'mainline');
    if (aggregation.kind === 'create-option' && parser === 'mainline') {
      throw new Error(`type ${spec.id}: a create-option type needs the v3 or refresh parser`);
    }
    let pool: Pool;
    if (spec.pool !== undefined) {
      const shared = pools.get(spec.pool);
      if (shared === undefined) throw new Error(`type ${spec.id} names unknown pool ${spec.pool}`);
      pool = shared;
    } else {
      pool = { id: spec.id, capacity: { instances: spec.available ?? 0 } };
    }
    const cost = spec.cost ?? { instances: 1 };
    if (!Object.values(cost).some((c) => c > 0)) throw new Error(`type ${spec.id} costs nothing`);
    for (const resource of Object.keys(cost)) {
      if (!(resource in pool.capacity)) throw new Error(`type ${spec.id} costs ${resource}, which pool ${pool.id} lacks`);
    }
    const type: TypeState = {
      id: spec.id,
      parent,
      dir: `${parent.deviceDir}/mdev_supported_types/${spec.id}`,
      pool,
      cost,
      parser,
      aggregation,
      attributeGroup: spec.attributeGroup ?? aggregation.kind === 'attribute',
      migration: spec.migration ?? null,
    };
    parent.types.set(spec.id, type);

    const dir = type.dir;
    this.tree.mkdirs(`${dir}/devices`);
    this.tree.put(`${dir}/create`, { kind: 'file', write: (data) => this.create(type, data) });
    this.tree.put(`${dir}/available_instances`, { kind: 'file', read: () => line(this.available(type)) });
    if (spec.deviceApi !== null) this.constantFile(`${dir}/device_api`, spec.deviceApi);
    if (spec.name !== undefined && spec.name !== null) this.constantFile(`${dir}/name`, spec.name);
    if (spec.description !== undefined && spec.description !== null) this.constantFile(`${dir}/description`, spec.description);
    if (aggregation.kind === 'create-option') {
      this.tree.put(`${dir}/aggregation`, { kind: 'file', read: () => line(this.aggregationMax(type)) });
    }
    const migration = type.migration;
    if (migration !== null) {
      this.tree.put(`${dir}/migration_version`, {
        kind: 'file',
        read: () => {
          if (migration === 'unsupported') throw new Errno('ENODEV');
          return line(migration.version);
        },
        write: (data) => {
          if (migration === 'unsupported') throw new Errno('ENODEV');
          const stored = migrationVersionStore(data, migration.version);
          if (!stored.ok) throw new Errno(stored.errno);
        },
      });
    }
  }

  private constantFile(path: string, text: string): void {
    this.tree.put(path, { kind: 'file', read: () => line(text) });
  }

  private addExistingDevice(spec: SimDeviceSpec): void {
    const type = this.parents.get(spec.parent)?.types.get(spec.type);
    if (type === undefined) throw new Error(`device ${spec.uuid}: no type ${spec.type} on parent ${spec.parent}`);
    const uuid = spec.uuid.toLowerCase();
    if (this.devices.has(uuid)) throw new Error(`device ${uuid} given twice`);
    const instances = spec.instances ?? 1;
    if (!Number.isInteger(instances) || instances < 1) throw new Error(`device ${uuid}: bad instance count ${instances}`);
    this.addDevice(type, uuid, instances).open = spec.open ?? false;
  }

  /**
   * What each pool has left: its capacity minus every device drawing on it, kept up to date as
   * devices appear, go and change their count (summing the devices on every read made a run of
   * many devices quadratic).
   */
  private readonly freeByPool = new Map<Pool, Resources>();

  /** A device drawing `instances` more (or fewer, when negative) of its type's cost from its pool. */
  private draw(type: TypeState, instances: number): void {
    const left = this.free(type.pool);
    for (const [resource, cost] of Object.entries(type.cost)) left[resource]! -= cost * instances;
  }

  /** What a pool has left. */
  private free(pool: Pool): Resources {
    let left = this.freeByPool.get(pool);
    if (!left) this.freeByPool.set(pool, (left = { ...pool.capacity }));
    return left;
  }

  /** How many more instances of a type fit now: the scarcest resource decides. */
  private available(type: TypeState): number {
    const free = this.free(type.pool);
    let count = Infinity;
    for (const [resource, cost] of Object.entries(type.cost)) {
      if (cost > 0) count = Math.min(count, Math.floor(Math.max(0, free[resource]!) / cost));
    }
    return count;
  }

  private aggregationMax(type: TypeState): number {
    if (type.aggregation.kind !== 'create-option') return 1;
    const max = type.aggregation.max ?? 'available';
    return max === 'available' ? this.available(type) : max;
  }

  /** `create_store` and the vendor's create, per each generation's patches (README, Kernel dialects). */
  private create(type: TypeState, data: string): void {
    const parsed = parseCreate(data, type.parser);
    if (!parsed.ok) throw new Errno(parsed.errno);
    const { uuid, instances } = parsed.value;
    if (this.devices.has(uuid)) throw new Errno('EEXIST');
    const hasHook = type.aggregation.kind === 'create-option';
    if (instances > 1 && !hasHook) throw new Errno('EINVAL');
    // aggregate=0's meaning is not stated by the aggregation patches; refusing it keeps anything from relying on it.
    if (instances === 0) throw new Errno('EINVAL');
    const available = this.available(type);
    // v3/v4 call the hook for N > 1 only; the refresh calls it whenever it exists.
    if (hasHook && (instances > 1 || type.parser === 'refresh')) {
      if (instances > this.aggregationMax(type)) throw new Errno('EINVAL');
      if (instances > available) throw new Errno('EINVAL');
    } else if (available < 1) {
      throw new Errno('ENOSPC');
    }
    this.addDevice(type, uuid, instances);
  }

  private addDevice(type: TypeState, uuid: string, instances: number): DeviceState {
    const device: DeviceState = { uuid, type, instances, open: false, dir: `${type.parent.deviceDir}/${uuid}` };
    this.devices.set(uuid, device);
    this.draw(type, instances);
    const dir = device.dir;
    this.tree.mkdirs(dir);
    this.tree.put(`${dir}/remove`, { kind: 'file', write: (data) => this.remove(device, data) });
    this.tree.put(`${dir}/mdev_type`, { kind: 'link', target: type.dir });
    if (type.aggregation.kind === 'create-option' && instances > 1) {
      this.tree.put(`${dir}/aggregated_instances`, { kind: 'file', read: () => line(device.instances) });
    }
    if (type.attributeGroup) {
      const aggregatable = type.aggregation.kind === 'attribute';
      this.tree.put(`${dir}/mdev/aggregated_instances`, {
        kind: 'file',
        read: () => line(aggregatable ? device.instances : 0),
        write: (text) => this.setAggregatedInstances(device, text),
      });
      this.tree.put(`${dir}/mdev/max_aggregation`, {
        kind: 'file',
        read: () => line(aggregatable ? this.available(type) + device.instances : 0),
      });
    }
    this.tree.put(`${MDEV_DEVICES}/${uuid}`, { kind: 'link', target: dir });
    this.tree.put(`${type.dir}/devices/${uuid}`, { kind: 'link', target: dir });
    return device;
  }

  /** Generation B `mdev/aggregated_instances` store. */
  private setAggregatedInstances(device: DeviceState, text: string): void {
    const parsed = kstrtoul(text, 0);
    if (!parsed.ok || parsed.value === 0n) throw new Errno('EINVAL');
    if (device.type.aggregation.kind !== 'attribute') throw new Errno('EINVAL');
    if (device.open) throw new Errno('EINVAL');
    if (parsed.value === BigInt(device.instances)) return;
    if (parsed.value > BigInt(this.available(device.type) + device.instances)) throw new Errno('EINVAL');
    this.draw(device.type, Number(parsed.value) - device.instances);
    device.instances = Number(parsed.value);
  }

  /** `remove_store`: kstrtoul base 0; 0 does nothing; a device in use makes the writer wait. */
  private remove(device: DeviceState, text: string): void {
    const parsed = kstrtoul(text, 0);
    if (!parsed.ok) throw new Errno('EINVAL');
    if (parsed.value === 0n) return;
    if (device.open) throw new RemoveWouldBlock(device.uuid);
    this.devices.delete(device.uuid);
    this.draw(device.type, -device.instances);
    this.tree.remove(`${MDEV_DEVICES}/${device.uuid}`);
    this.tree.remove(`${device.type.dir}/devices/${device.uuid}`);
    this.tree.remove(device.dir);
  }
}
