/** export --to nodedev against libvirt's own nodedev.rng, for every parent kind libvirt names. */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli } from '../helpers/cli';
import { type MdevDevice, libvirtDomain } from '../helpers/domain-builder';
import { LIBVIRT_SCHEMAS, relaxng } from '../helpers/xmllint';
import { tempDir } from '../helpers/temp-dir';

const devices: MdevDevice[] = [
  { uuid: '6e8a1f4c-3c1d-4b8e-9a51-2f0f1c9d0b01', type: 'i915-GVTg_V5_8', instances: 4, parent: '0000:00:02.0', method: 'attribute' },
  { uuid: '6e8a1f4c-3c1d-4b8e-9a51-2f0f1c9d0b02', type: 'nvidia-256', instances: 1, parent: '0000:41:00.0' },
  { uuid: '6e8a1f4c-3c1d-4b8e-9a51-2f0f1c9d0b03', type: 'vfio_ap-passthrough', instances: 1, parent: 'matrix' },
  { uuid: '6e8a1f4c-3c1d-4b8e-9a51-2f0f1c9d0b04', type: 'vfio_ccw-io', instances: 1, parent: '0.0.0072' },
];

test('GIVEN devices on PCI, AP matrix and CSS parents WHEN exported to nodedev THEN every file validates against nodedev.rng', async () => {
  const dir = tempDir('mdev-agg-nodedev-');
  const file = join(dir, 'guest.xml');
  writeFileSync(file, libvirtDomain('guest', devices));
  const r = await cli(['export', file, '--to', 'nodedev', '--out', join(dir, 'out')]);
  expect(r.code).toBe(0);
  const files = readdirSync(join(dir, 'out')).sort();
  expect(files).toHaveLength(devices.length);
  for (const name of files) {
    expect({ name, ...relaxng(`${LIBVIRT_SCHEMAS}/nodedev.rng`, readFileSync(join(dir, 'out', name), 'utf8')) }).toEqual({ name, ok: true, output: '- validates\n' });
  }
});

test('GIVEN a node-device XML missing what the schema requires THEN xmllint with nodedev.rng refuses it (the check can fail)', () => {
  expect(relaxng(`${LIBVIRT_SCHEMAS}/nodedev.rng`, "<device><name>x</name><capability type='mdev'><uuid>not-a-uuid</uuid></capability></device>").ok).toBe(false);
});
