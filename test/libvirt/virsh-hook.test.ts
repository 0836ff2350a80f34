/**
 * The hook on the XML libvirt itself produces: a domain in the metadata form goes through virsh's
 * define and dumpxml (libvirt re-indents it, re-quotes the metadata and adds its defaults), and
 * the dump is fed to the hook as libvirtd would. The migrate rewrite must be XML libvirt accepts.
 */
import { readDomain } from '../../src/core/reading/domain';
import { readHost } from '../../src/core/host/read-host';
import { SimKernel } from '../../src/shell/sim/kernel';
import { MemoryStateStore } from '../../src/shell/state-store';
import type { SimKernelSpec } from '../../src/shell/sim/spec';
import { type MdevDevice, libvirtDomain } from '../helpers/domain-builder';
import { hook } from '../helpers/hook';
import { GVT_PARENT, attributeHost, createOptionHost, plainHost, withMigrationVersion } from '../helpers/host-builder';
import { defineAndDump } from '../helpers/virsh';
import { LIBVIRT_SCHEMAS, relaxng } from '../helpers/xmllint';

const U1 = '6e8a1f4c-3c1d-4b8e-9a51-2f0f1c9d0a01';
const U2 = '6e8a1f4c-3c1d-4b8e-9a51-2f0f1c9d0a02';

const GVT_8 = '8086-591d-i915-GVTg_V5_8-00000001';
const GVT_AGG = '8086-591d-i915-GVTg_V5_aggregate-00000001';
const gvt = (migrationVersion: string) => ({ host: 'hv-a', driver: 'i915', migrationVersion });
const nvidia = { host: 'hv-b', driver: 'nvidia', driverVersion: '535.104.05' };

/** Per dialect: the destination host, and the devices with the stamps the source host wrote. */
const cases: [string, () => SimKernelSpec, MdevDevice[]][] = [
  [
    'attribute',
    () => withMigrationVersion(attributeHost(), 'i915-GVTg_V5_8', GVT_8),
    [{ uuid: U1, type: 'i915-GVTg_V5_8', instances: 3, parent: GVT_PARENT, source: gvt(GVT_8) }, { uuid: U2, type: 'i915-GVTg_V5_8', instances: 2, source: gvt(GVT_8) }],
  ],
  [
    'create-option',
    () => withMigrationVersion(createOptionHost(), 'i915-GVTg_V5_aggregate', GVT_AGG),
    [{ uuid: U1, type: 'i915-GVTg_V5_aggregate', instances: 4, parent: GVT_PARENT, source: gvt(GVT_AGG) }, { uuid: U2, type: 'i915-GVTg_V5_aggregate', instances: 2, source: gvt(GVT_AGG) }],
  ],
  ['none', plainHost, [{ uuid: U1, type: 'nvidia-256', instances: 1, parent: '0000:41:00.0', source: nvidia }, { uuid: U2, type: 'nvidia-256', instances: 1, source: nvidia }]],
];

describe.each(cases)('GIVEN a guest for a %s host defined in libvirt (test:///default) and dumped back', (_, spec, devices) => {
  const name = `agg-guest-${_}`;
  const dumped = defineAndDump(libvirtDomain(name, devices), name, '--validate');

  test('WHEN libvirt kept it THEN the dump still carries every aggregation entry', () => {
    const { model, diagnostics } = readDomain(dumped, 'dumpxml');
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const kept = model!.devices.map(({ uuid, type, instances, parent, source }) => ({
      uuid,
      type,
      instances,
      parent: parent ?? undefined,
      source: Object.fromEntries(Object.entries(source!).filter(([, v]) => v !== null)),
    }));
    expect(kept).toEqual(devices);
  });

  test('WHEN libvirtd calls prepare and then release with the dump THEN the devices exist, then none', async () => {
    const host = { sysfs: SimKernel.build(spec()), store: new MemoryStateStore() };
    expect(await hook([name, 'prepare', 'begin', '-'], dumped, host)).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(readHost(host.sysfs).devices.map((d) => `${d.uuid} ${d.type} x${d.instances}`)).toEqual(devices.map((d) => `${d.uuid} ${d.type} x${d.instances}`));
    expect(await hook([name, 'release', 'end', 'shutdown'], dumped, host)).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(readHost(host.sysfs).devices).toEqual([]);
  });

  test('WHEN migrate rewrites the placement THEN the output validates against libvirt\'s domain.rng and libvirt defines it, keeping the parents', async () => {
    const incoming = dumped.replace(`parent="${devices[0]!.parent}"`, 'parent="0000:00:1f.7"');
    expect(incoming).not.toBe(dumped);
    const r = await hook([name, 'migrate', 'begin', '-'], incoming, { sysfs: SimKernel.build(spec()), store: new MemoryStateStore() });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.stdout).not.toBe('');
    const validation = relaxng(`${LIBVIRT_SCHEMAS}/domain.rng`, r.stdout);
    expect(validation).toEqual({ ok: true, output: '- validates\n' });
    const parents = readDomain(r.stdout, 'rewritten').model!.devices.map((d) => d.parent);
    expect(parents.every((p) => p !== null && p !== '0000:00:1f.7')).toBe(true);
    const redefined = defineAndDump(r.stdout, name, '--validate');
    expect(readDomain(redefined, 'redefined').model!.devices.map((d) => d.parent)).toEqual(parents);
  });
});
