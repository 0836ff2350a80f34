/** Simulated hosts for in-process tests, one per kernel dialect, built from the reference's values. */
import type { SimKernelSpec, SimParentSpec, SimTypeSpec } from '../../src/shell/sim/spec';

export const GVT_PARENT = '0000:00:02.0';

/** The gen9 GVT-g parent, its types sharing one pool of `units`. */
const gvtParent = (units: number, types: SimTypeSpec[]): SimParentSpec => ({
  name: GVT_PARENT,
  deviceDir: '/sys/devices/pci0000:00/0000:00:02.0',
  driver: { name: 'i915', dir: '/sys/bus/pci/drivers/i915' },
  vendorId: '8086',
  deviceId: '591d',
  pools: [{ id: 'gm', capacity: { units } }],
  types,
});

/** Generation A: `aggregation` on the aggregate type, `<uuid>,aggregate=N` to create. */
export const createOptionHost = (): SimKernelSpec => ({
  parents: [
    gvtParent(8, [
      { id: 'i915-GVTg_V5_aggregate', deviceApi: 'vfio-pci', pool: 'gm', cost: { units: 1 }, aggregation: { kind: 'create-option', max: 'available' }, description: 'aggregation: gm' },
      { id: 'i915-GVTg_V5_4', deviceApi: 'vfio-pci', pool: 'gm', cost: { units: 2 }, aggregation: { kind: 'create-option', max: 1 }, description: 'aggregation: none' },
    ]),
  ],
});

/** Generation B: plain create, then `mdev/aggregated_instances`. */
export const attributeHost = (): SimKernelSpec => ({
  parents: [
    gvtParent(7, [
      { id: 'i915-GVTg_V5_8', deviceApi: 'vfio-pci', pool: 'gm', cost: { units: 1 }, aggregation: { kind: 'attribute' }, description: 'low_gm_size: 64MB, high_gm_size: 384MB, fence: 4, resolution: 1024x768, weight: 2, aggregation: yes' },
      { id: 'i915-GVTg_V5_4', deviceApi: 'vfio-pci', pool: 'gm', cost: { units: 2 }, aggregation: { kind: 'none' }, attributeGroup: true, description: 'aggregation: no' },
    ]),
  ],
});

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
