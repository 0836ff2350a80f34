/**
 * libvirt's call orders (libvirt-integration.md §4), each call as libvirtd makes it (argv, the
 * domain XML on stdin), against one simulated kernel shared across the calls, in every dialect.
 */
import { readDomain } from '../../src/core/reading/domain';
import { readHost } from '../../src/core/host/read-host';
import type { SimKernelSpec } from '../../src/shell/sim/spec';
import { SimKernel } from '../../src/shell/sim/kernel';
import { MemoryStateStore } from '../../src/shell/state-store';
import { type MdevDevice, libvirtDomain } from '../helpers/domain-builder';
import { type HookHost, hook } from '../helpers/hook';
import { GVT_PARENT, attributeHost, createOptionHost, plainHost, withMigrationVersion } from '../helpers/host-builder';

const U = ['c2177883-f1bb-47f0-914d-32a22e3a8801', 'c2177883-f1bb-47f0-914d-32a22e3a8802'];

const GVT_AGG_VERSION = '8086-591d-i915-GVTg_V5_aggregate-00000001';
const GVT_8_VERSION = '8086-591d-i915-GVTg_V5_8-00000001';
const gvtStamp = (migrationVersion: string) => ({ host: 'hv-a', driver: 'i915', migrationVersion });
const nvidiaStamp = { host: 'hv-b', driver: 'nvidia', driverVersion: '535.104.05' };

/**
 * Per dialect: the host, the guest's devices (stamped by the source host, so the migration check
 * has driver facts: GVT's migration_version, NVIDIA's driver version), the parents they end on when
 * started here, and the parents after an incoming migration whose XML names an absent parent for
 * the first and none for the second (placement: most room, ties by name, each device seeing what
 * the earlier took).
 */
const dialects: [string, () => SimKernelSpec, MdevDevice[], string[], string[]][] = [
  [
    'create-option',
    () => withMigrationVersion(createOptionHost(), 'i915-GVTg_V5_aggregate', GVT_AGG_VERSION),
    [
      { uuid: U[0]!, type: 'i915-GVTg_V5_aggregate', instances: 4, parent: GVT_PARENT, source: gvtStamp(GVT_AGG_VERSION) },
      { uuid: U[1]!, type: 'i915-GVTg_V5_aggregate', instances: 2, source: gvtStamp(GVT_AGG_VERSION) },
    ],
    [GVT_PARENT, GVT_PARENT],
    [GVT_PARENT, GVT_PARENT],
  ],
  [
    'attribute',
    () => withMigrationVersion(attributeHost(), 'i915-GVTg_V5_8', GVT_8_VERSION),
    [
      { uuid: U[0]!, type: 'i915-GVTg_V5_8', instances: 3, parent: GVT_PARENT, source: gvtStamp(GVT_8_VERSION) },
      { uuid: U[1]!, type: 'i915-GVTg_V5_8', instances: 2, source: gvtStamp(GVT_8_VERSION) },
    ],
    [GVT_PARENT, GVT_PARENT],
    [GVT_PARENT, GVT_PARENT],
  ],
  [
    'none',
    plainHost,
    [
      { uuid: U[0]!, type: 'nvidia-256', instances: 1, parent: '0000:41:00.0', source: nvidiaStamp },
      { uuid: U[1]!, type: 'nvidia-256', instances: 1, source: nvidiaStamp },
    ],
    ['0000:41:00.0', '0000:42:00.0'],
    ['0000:42:00.0', '0000:41:00.0'],
  ],
];

/** The host's mdevs as `uuid parent type xN`. */
const devicesOn = (host: HookHost) => readHost(host.sysfs).devices.map((d) => `${d.uuid} ${d.parent} ${d.type} x${d.instances}`);
const expected = (devices: MdevDevice[], parents: string[]) => devices.map((d, i) => `${d.uuid} ${parents[i]} ${d.type} x${d.instances}`);

/** Each call must succeed silently except where libvirt reads stdout. */
async function call(host: HookHost, guest: string, op: string, subop: string, extra: string, xml: string) {
  const r = await hook([guest, op, subop, extra], xml, host);
  expect({ op, code: r.code, stderr: r.stderr }).toEqual({ op, code: 0, stderr: '' });
  return r.stdout;
}

describe.each(dialects)('GIVEN a %s host', (_, spec, devices, parents, migratedParents) => {
  const xml = libvirtDomain('guest', devices);
  const host = (): HookHost => ({ sysfs: SimKernel.build(spec()), store: new MemoryStateStore() });

  test('WHEN libvirt starts the guest (prepare, start, started) and stops it (stopped, release) THEN the devices exist after each start step and none after release', async () => {
    const h = host();
    const before = readHost(h.sysfs);
    for (const [op, subop] of [['prepare', 'begin'], ['start', 'begin'], ['started', 'begin']]) {
      expect(await call(h, 'guest', op!, subop!, '-', xml)).toBe('');
      expect(devicesOn(h)).toEqual(expected(devices, parents));
    }
    expect(await call(h, 'guest', 'stopped', 'end', '-', xml)).toBe('');
    expect(devicesOn(h)).toEqual(expected(devices, parents));
    expect(await call(h, 'guest', 'release', 'end', 'shutdown', xml)).toBe('');
    expect(devicesOn(h)).toEqual([]);
    expect(readHost(h.sysfs)).toEqual(before);
  });

  test('WHEN an incoming migration arrives (migrate, prepare, start) with one parent absent here THEN migrate rewrites the placement, prepare creates the devices there, release removes them', async () => {
    const h = host();
    // The source host's XML: the first device on a parent this host does not have, the second unplaced.
    const incoming = libvirtDomain('guest', [{ ...devices[0]!, parent: '0000:00:1f.7' }, { ...devices[1]!, parent: undefined }]);
    const rewritten = await call(h, 'guest', 'migrate', 'begin', '-', incoming);
    expect(devicesOn(h)).toEqual([]);
    // libvirt replaces the definition with the hook's output when it is not empty.
    const definition = rewritten === '' ? incoming : rewritten;
    expect(readDomain(definition, 'migrated.xml').model!.devices.map((d) => d.parent)).toEqual(migratedParents);

    expect(await call(h, 'guest', 'prepare', 'begin', '-', definition)).toBe('');
    expect(devicesOn(h)).toEqual(expected(devices, migratedParents));
    expect(await call(h, 'guest', 'start', 'begin', '-', definition)).toBe('');
    expect(devicesOn(h)).toEqual(expected(devices, migratedParents));
    expect(await call(h, 'guest', 'release', 'end', '-', definition)).toBe('');
    expect(devicesOn(h)).toEqual([]);
  });

  test('WHEN libvirtd restarts while the guest runs (reconnect) THEN nothing is written and the exit is 0', async () => {
    const h = host();
    await call(h, 'guest', 'prepare', 'begin', '-', xml);
    const writes = (h.sysfs as SimKernel).writes.length;
    expect(await call(h, 'guest', 'reconnect', 'begin', '-', xml)).toBe('');
    expect((h.sysfs as SimKernel).writes.length).toBe(writes);
  });
});
