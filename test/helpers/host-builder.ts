/**
 * Simulated hosts for in-process tests (seeds of the simulated kernel): a GVT-g parent with the
 * types a test needs in either aggregation generation, and ready hosts, one per kernel dialect.
 */
import type { Resources, SimKernelSpec, SimTypeSpec } from '../../src/shell/sim/spec';

export const GVT_PARENT = '0000:00:02.0';
/** The one pool of the GVT-g parent; a type given to `gvtHost` names it as its `pool`. */
export const GVT_POOL = 'gm';

/** A host with the gen9 GVT-g parent, its `types` sharing one pool of `capacity`. */
export const gvtHost = (capacity: Resources, types: SimTypeSpec[]): SimKernelSpec => ({
  parents: [
    {
      name: GVT_PARENT,
      deviceDir: '/sys/devices/pci0000:00/0000:00:02.0',
      driver: { name: 'i915', dir: '/sys/bus/pci/drivers/i915' },
      vendorId: '8086',
      deviceId: '591d',
      pools: [{ id: GVT_POOL, capacity }],
      types,
    },
  ],
});

/** Generation A's aggregate type: one unit of the pool per instance, `<uuid>,aggregate=N` up to what is available. */
export const aggregateType = (id: string): SimTypeSpec => ({
  id,
  deviceApi: 'vfio-pci',
  pool: GVT_POOL,
  cost: { units: 1 },
  aggregation: { kind: 'create-option', max: 'available' },
  description: 'aggregation: gm',
});

/** Generation A: `aggregation` on the aggregate type, `<uuid>,aggregate=N` to create. */
export const createOptionHost = (): SimKernelSpec =>
  gvtHost({ units: 8 }, [
    aggregateType('i915-GVTg_V5_aggregate'),
    { id: 'i915-GVTg_V5_4', deviceApi: 'vfio-pci', pool: GVT_POOL, cost: { units: 2 }, aggregation: { kind: 'create-option', max: 1 }, description: 'aggregation: none' },
  ]);

/** Generation B: plain create, then `mdev/aggregated_instances`. */
export const attributeHost = (): SimKernelSpec =>
  gvtHost({ units: 7 }, [
    { id: 'i915-GVTg_V5_8', deviceApi: 'vfio-pci', pool: GVT_POOL, cost: { units: 1 }, aggregation: { kind: 'attribute' }, description: 'low_gm_size: 64MB, high_gm_size: 384MB, fence: 4, resolution: 1024x768, weight: 2, aggregation: yes' },
    { id: 'i915-GVTg_V5_4', deviceApi: 'vfio-pci', pool: GVT_POOL, cost: { units: 2 }, aggregation: { kind: 'none' }, attributeGroup: true, description: 'aggregation: no' },
  ]);

/** No aggregation at all, two parents (placement). */
export const plainHost = (): SimKernelSpec => ({
  parents: ['0000:41:00.0', '0000:42:00.0'].map((name, i) => ({
    name,
    deviceDir: `/sys/devices/pci0000:40/${name}`,
    driver: { name: 'nvidia', dir: '/sys/bus/pci/drivers/nvidia', version: '535.104.05' },
    vendorId: '10de',
    deviceId: '1e30',
    types: [
      { id: 'nvidia-256', deviceApi: 'vfio-pci', available: 4 + i, name: 'GRID RTX6000-1Q' },
      { id: 'nvidia-259', deviceApi: 'vfio-pci', available: 1, name: 'GRID RTX6000-4Q' },
    ],
  })),
});

/** The spec with `version` as the type's migration_version on every parent offering it (GVT's protocol). */
export function withMigrationVersion(spec: SimKernelSpec, type: string, version: string): SimKernelSpec {
  for (const parent of spec.parents) for (const t of parent.types) if (t.id === type) t.migration = { version };
  return spec;
}
