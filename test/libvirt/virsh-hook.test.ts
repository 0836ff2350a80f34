/**
 * The hook on the XML libvirt itself produces: a domain in the metadata form goes through virsh's
 * define and dumpxml (libvirt re-indents it, re-quotes the metadata and adds its defaults), and
 * the dump is fed to the hook as libvirtd would. The migrate rewrite must be XML libvirt accepts.
 */
import { readDomain } from '../../src/core/domain';
import { readHost } from '../../src/core/host';
import { SimKernel } from '../../src/shell/sim-kernel';
import { MemoryStateStore } from '../../src/shell/state-store';
import { type HookDevice, hook, libvirtDomain } from '../helpers/hook';
import { GVT_PARENT, attributeHost, createOptionHost, plainHost } from '../helpers/sim-hosts';
import { defineAndDump } from '../helpers/virsh';
import { LIBVIRT_SCHEMAS, relaxng } from '../helpers/xmllint';

const U1 = '6e8a1f4c-3c1d-4b8e-9a51-2f0f1c9d0a01';
const U2 = '6e8a1f4c-3c1d-4b8e-9a51-2f0f1c9d0a02';

const cases: [string, () => ReturnType<typeof attributeHost>, HookDevice[]][] = [
  ['attribute', attributeHost, [{ uuid: U1, type: 'i915-GVTg_V5_8', instances: 3, parent: GVT_PARENT }, { uuid: U2, type: 'i915-GVTg_V5_8', instances: 2 }]],
  ['create-option', createOptionHost, [{ uuid: U1, type: 'i915-GVTg_V5_aggregate', instances: 4, parent: GVT_PARENT }, { uuid: U2, type: 'i915-GVTg_V5_aggregate', instances: 2 }]],
  ['none', plainHost, [{ uuid: U1, type: 'nvidia-256', instances: 1, parent: '0000:41:00.0' }, { uuid: U2, type: 'nvidia-256', instances: 1 }]],
];

describe.each(cases)('GIVEN a guest for a %s host defined in libvirt (test:///default) and dumped back', (_, spec, devices) => {
  const name = `agg-guest-${_}`;
  const dumped = defineAndDump(libvirtDomain(name, devices), name, '--validate');

  test('WHEN libvirt kept it THEN the dump still carries every aggregation entry', () => {
    const { model, diagnostics } = readDomain(dumped, 'dumpxml');
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(model!.devices.map(({ uuid, type, instances, parent }) => ({ uuid, type, instances, parent: parent ?? undefined }))).toEqual(devices);
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
