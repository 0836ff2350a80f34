/**
 * Generated hosts and domains for the verdict properties: simulated kernels of every dialect, with
 * pools shared between a parent's types, devices that already exist (some with the domain's
 * UUIDs), migration_version strings of GVT's form and of others; domains of 1-4 devices, pinned
 * (to parents that exist or not) and unpinned, counts 1..max+2, stamps with driver facts drawn
 * from the host's and from others.
 */
import fc from 'fast-check';
import type { SimAggregation, SimKernelSpec, SimMigration, SimTypeSpec } from '../../src/shell/sim/spec';
import { type MdevDevice, libvirtDomain } from '../helpers/domain-builder';

export const PARENTS = ['0000:00:02.0', '0000:41:00.0', '0000:42:00.0'];
/** A parent no generated host has: a card of the source host. */
export const ABSENT_PARENT = '0000:81:00.0';
export const TYPES = ['vgpu-a', 'vgpu-b', 'vgpu-c'];
export const UUIDS = [
  '53764d0e-85a0-42b4-af5c-2046b460b1d0',
  '53764d0e-85a0-42b4-af5c-2046b460b1d1',
  '53764d0e-85a0-42b4-af5c-2046b460b1d2',
  '53764d0e-85a0-42b4-af5c-2046b460b1d3',
  '53764d0e-85a0-42b4-af5c-2046b460b1d4',
  '53764d0e-85a0-42b4-af5c-2046b460b1d5',
];
const MAX = 8;
export const DRIVERS = ['i915', 'nvidia'];
export const DRIVER_VERSIONS = ['1.0', '2.0'];

/** GVT's form for a type, in software version `v`; `upper` prints the hex fields in capitals. */
const gvtVersion = (type: string, v: number, upper = false) => {
  const text = `8086-591d-${type}-${String(v).padStart(8, '0')}`;
  return upper ? text.replace('591d', '591D') : text;
};
type Dialect = 'none' | 'create-option' | 'attribute';

interface TypeDraw {
  present: boolean;
  announced: boolean;
  max: number | 'available';
  shared: boolean;
  cost: number;
  available: number;
  deviceApi: string;
  migration: 'none' | 'unsupported' | 'gvt-1' | 'gvt-2' | 'acme-r1';
}

/** Mostly true: hosts and types that exist, so that both answers are reached. */
const likely = fc.constantFrom(true, true, true, false);

const typeDraw: fc.Arbitrary<TypeDraw> = fc.record({
  present: likely,
  announced: fc.boolean(),
  max: fc.oneof(fc.constant('available' as const), fc.integer({ min: 1, max: MAX })),
  shared: fc.boolean(),
  cost: fc.integer({ min: 1, max: 2 }),
  available: fc.oneof(fc.integer({ min: 0, max: MAX }), fc.integer({ min: 3, max: MAX })),
  deviceApi: fc.constantFrom('vfio-pci', 'vfio-pci', 'vfio-pci', 'vfio-pci', 'vfio-pci', 'vfio-ap'),
  migration: fc.constantFrom('none' as const, 'unsupported' as const, 'gvt-1' as const, 'gvt-2' as const, 'acme-r1' as const),
});

interface ParentDraw {
  present: boolean;
  driver: number | null;
  version: number | null;
  pool: number;
  types: TypeDraw[];
}

const parentDraw: fc.Arbitrary<ParentDraw> = fc.record({
  present: likely,
  driver: fc.option(fc.integer({ min: 0, max: DRIVERS.length - 1 }), { freq: 5 }),
  version: fc.option(fc.integer({ min: 0, max: DRIVER_VERSIONS.length - 1 }), { freq: 5 }),
  pool: fc.integer({ min: 0, max: 2 * MAX }),
  types: fc.array(typeDraw, { minLength: TYPES.length, maxLength: TYPES.length }),
});

interface ExistingDraw {
  uuid: number;
  parent: number;
  type: number;
  instances: number;
}

export interface HostDraw {
  /** Per type: the aggregation generation its driver implements, on every parent offering it. */
  dialects: Dialect[];
  parents: ParentDraw[];
  existing: ExistingDraw[];
}

export const hostDraw: fc.Arbitrary<HostDraw> = fc.record({
  dialects: fc.array(fc.constantFrom('none' as const, 'create-option' as const, 'attribute' as const), { minLength: TYPES.length, maxLength: TYPES.length }),
  parents: fc.array(parentDraw, { minLength: PARENTS.length, maxLength: PARENTS.length }),
  existing: fc.array(
    fc.record({
      uuid: fc.integer({ min: 0, max: UUIDS.length - 1 }),
      parent: fc.integer({ min: 0, max: PARENTS.length - 1 }),
      type: fc.integer({ min: 0, max: TYPES.length - 1 }),
      instances: fc.integer({ min: 1, max: 3 }),
    }),
    { maxLength: 3 },
  ),
});

function aggregationOf(dialect: Dialect, t: TypeDraw): SimAggregation {
  return dialect === 'create-option' ? { kind: 'create-option', max: t.max } : { kind: dialect };
}

function migrationOf(t: TypeDraw, type: string): SimMigration {
  if (t.migration === 'none') return null;
  if (t.migration === 'unsupported') return 'unsupported';
  if (t.migration === 'acme-r1') return { version: 'acme-r1' };
  return { version: gvtVersion(type, t.migration === 'gvt-1' ? 1 : 2) };
}

/**
 * The kernel a draw describes. Existing devices are placed while the pools hold them (a draw that
 * overfills one drops the device), so every generated host is one a kernel could be in.
 */
export function hostSpec(draw: HostDraw): SimKernelSpec {
  const spec: SimKernelSpec = { parents: [], devices: [] };
  const left = new Map<string, number>();
  draw.parents.forEach((p, pi) => {
    if (!p.present && pi > 0) return;
    const name = PARENTS[pi]!;
    const types: SimTypeSpec[] = [];
    p.types.forEach((t, ti) => {
      if (!t.present) return;
      const id = TYPES[ti]!;
      const dialect = draw.dialects[ti]!;
      const description = dialect === 'attribute' && t.announced ? 'low_gm_size: 64MB, aggregation: yes' : t.announced ? 'aggregation: no' : null;
      const type: SimTypeSpec = {
        id,
        deviceApi: t.deviceApi,
        description,
        aggregation: aggregationOf(dialect, t),
        migration: migrationOf(t, id),
        ...(t.shared ? { pool: 'shared', cost: { units: t.cost } } : { available: t.available }),
      };
      types.push(type);
    });
    spec.parents.push({
      name,
      deviceDir: `/sys/devices/pci0000:00/${name}`,
      driver: p.driver === null ? null : { name: DRIVERS[p.driver]!, dir: `/sys/bus/pci/drivers/${DRIVERS[p.driver]}`, version: p.version === null ? null : DRIVER_VERSIONS[p.version]! },
      pools: [{ id: 'shared', capacity: { units: p.pool } }],
      types,
    });
  });
  const used = new Set<string>();
  for (const d of draw.existing) {
    const parent = spec.parents.find((p) => p.name === PARENTS[d.parent]);
    const type = parent?.types.find((t) => t.id === TYPES[d.type]);
    const uuid = UUIDS[d.uuid]!;
    if (!parent || !type || used.has(uuid)) continue;
    const instances = type.aggregation?.kind === 'none' ? 1 : d.instances;
    const poolKey = type.pool === undefined ? `${parent.name}/${type.id}` : `${parent.name}/pool`;
    const cost = type.pool === undefined ? instances : instances * (type.cost?.units ?? 1);
    const room = left.get(poolKey) ?? (type.pool === undefined ? type.available ?? 0 : parent.pools![0]!.capacity.units!);
    if (cost > room) continue;
    left.set(poolKey, room - cost);
    used.add(uuid);
    spec.devices!.push({ uuid, parent: parent.name, type: type.id, instances });
  }
  return spec;
}
export interface DeviceDraw {
  uuid: number;
  type: number;
  instances: number;
  parent: 'none' | 'absent' | number;
  honestMethod: boolean;
  model: string;
  stamp: { driver: number | null; version: number | null; migrationVersion: number | null } | null;
}

const deviceDraw: fc.Arbitrary<DeviceDraw> = fc.record({
  uuid: fc.integer({ min: 0, max: UUIDS.length - 1 }),
  type: fc.integer({ min: 0, max: TYPES.length - 1 }),
  instances: fc.oneof(
    { arbitrary: fc.constant(1), weight: 4 },
    { arbitrary: fc.integer({ min: 1, max: 3 }), weight: 6 },
    { arbitrary: fc.integer({ min: 1, max: MAX + 2 }), weight: 3 },
    { arbitrary: fc.constant(2147483647), weight: 1 },
  ),
  parent: fc.oneof(
    { arbitrary: fc.constant('none' as const), weight: 3 },
    { arbitrary: fc.constant('absent' as const), weight: 1 },
    { arbitrary: fc.integer({ min: 0, max: PARENTS.length - 1 }), weight: 3 },
  ),
  honestMethod: fc.boolean(),
  model: fc.constantFrom('vfio-pci', 'vfio-pci', 'vfio-pci', 'vfio-pci', 'vfio-pci', 'vfio-ap'),
  stamp: fc.option(
    fc.record({
      driver: fc.option(fc.integer({ min: 0, max: DRIVERS.length - 1 }), { freq: 4 }),
      version: fc.option(fc.integer({ min: 0, max: DRIVER_VERSIONS.length - 1 }), { freq: 4 }),
      migrationVersion: fc.option(fc.integer({ min: 0, max: 6 }), { freq: 3 }),
    }),
    { freq: 4 },
  ),
});

/** 1-4 devices with distinct UUIDs. */
export const domainDraw: fc.Arbitrary<DeviceDraw[]> = fc.oneof(
  { arbitrary: fc.uniqueArray(deviceDraw, { minLength: 1, maxLength: 2, selector: (d) => d.uuid }), weight: 3 },
  { arbitrary: fc.uniqueArray(deviceDraw, { minLength: 1, maxLength: 4, selector: (d) => d.uuid }), weight: 1 },
);

const MIGRATION_VERSIONS = (type: string) => [gvtVersion(type, 1), gvtVersion(type, 1, true), gvtVersion(type, 2), gvtVersion('vgpu-z', 1), 'acme-r1', 'acme-r2', `8086-3e92-${type}-00000001`];

/**
 * The domain XML of a draw. A `method` is only ever the truth about the host (the dialect the
 * kernel has): the attribute forced where the type does not announce it, never a wrong one.
 */
export function domainXml(devices: DeviceDraw[], spec: SimKernelSpec, name = 'guest'): string {
  const hookDevices: MdevDevice[] = devices.map((d) => {
    const type = TYPES[d.type]!;
    const kernelType = spec.parents.flatMap((p) => p.types).find((t) => t.id === type);
    // Every parent offering the type has the same generation (see HostDraw.dialects).
    const kind = kernelType?.aggregation?.kind ?? 'none';
    const method = d.honestMethod && kind !== 'none' ? kind : undefined;
    const stamp = d.stamp && {
      host: 'source',
      ...(d.stamp.driver !== null ? { driver: DRIVERS[d.stamp.driver]! } : {}),
      ...(d.stamp.version !== null ? { driverVersion: DRIVER_VERSIONS[d.stamp.version]! } : {}),
      ...(d.stamp.migrationVersion !== null ? { migrationVersion: MIGRATION_VERSIONS(type)[d.stamp.migrationVersion]! } : {}),
    };
    return {
      uuid: UUIDS[d.uuid]!,
      type,
      instances: d.instances,
      ...(d.parent === 'none' ? {} : { parent: d.parent === 'absent' ? ABSENT_PARENT : PARENTS[d.parent]! }),
      ...(method ? { method } : {}),
      model: d.model,
      ...(stamp ? { source: stamp } : {}),
    };
  });
  return libvirtDomain(name, hookDevices);
}
