/** export --to mdevctl|nodedev: mdevctl's bytes, libvirt's names, and the cases no form can express. */
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli } from '../helpers/cli';
import { type MdevDevice, libvirtDomain } from '../helpers/domain-builder';
import { REPO } from '../helpers/golden';
import { tempDir } from '../helpers/temp-dir';

const A = '8bb2b600-931a-4f7d-962e-7829253ca80d';
const B = '0a2f7094-29a9-48c8-bb01-9d4c04b538ae';
const C = '7c6683ba-5a72-440f-9ada-a69006579227';
const GVT_ATTRIBUTE = join(REPO, 'fixtures/hosts/gvt-attribute');

function domainFile(devices: MdevDevice[]) {
  const dir = tempDir('mdev-agg-export-');
  const file = join(dir, 'guest.xml');
  writeFileSync(file, libvirtDomain('guest', devices));
  return { dir, file };
}

describe('GIVEN a domain whose devices name their parents', () => {
  const devices: MdevDevice[] = [
    { uuid: A, type: 'i915-GVTg_V5_8', instances: 4, parent: '0000:00:02.0', method: 'attribute' },
    { uuid: C, type: 'nvidia-256', instances: 1, parent: '0000:41:00.0' },
    { uuid: B, type: 'i915-GVTg_V5_4', instances: 1, parent: '0000:00:02.0' },
  ];

  test('WHEN exported to mdevctl THEN stdout is list --dumpjson: parents sorted, UUIDs sorted, keys in mdevctl order, the count as an attribute', async () => {
    const { file } = domainFile(devices);
    const r = await cli(['export', file, '--to', 'mdevctl', '--root', '/nonexistent']);
    expect(r).toEqual({
      code: 0,
      stderr: '',
      stdout: `[
  {
    "0000:00:02.0": [
      {
        "${B}": {
          "mdev_type": "i915-GVTg_V5_4",
          "start": "manual",
          "attrs": []
        }
      },
      {
        "${A}": {
          "mdev_type": "i915-GVTg_V5_8",
          "start": "manual",
          "attrs": [
            {
              "mdev/aggregated_instances": "4"
            }
          ]
        }
      }
    ],
    "0000:41:00.0": [
      {
        "${C}": {
          "mdev_type": "nvidia-256",
          "start": "manual",
          "attrs": []
        }
      }
    ]
  }
]
`,
    });
  });

  test('WHEN exported to mdevctl with --out THEN one file per device as mdevctl stores it, without a final newline; again THEN unchanged', async () => {
    const { dir, file } = domainFile(devices);
    const out = join(dir, 'mdevctl.d');
    const r = await cli(['export', file, '--to', 'mdevctl', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').filter(Boolean).sort()).toEqual([`wrote ${out}/0000:00:02.0/${A}`, `wrote ${out}/0000:00:02.0/${B}`, `wrote ${out}/0000:41:00.0/${C}`].sort());
    expect(readFileSync(join(out, '0000:00:02.0', A), 'utf8')).toBe('{\n  "mdev_type": "i915-GVTg_V5_8",\n  "start": "manual",\n  "attrs": [\n    {\n      "mdev/aggregated_instances": "4"\n    }\n  ]\n}');
    expect(readFileSync(join(out, '0000:41:00.0', C), 'utf8')).toBe('{\n  "mdev_type": "nvidia-256",\n  "start": "manual",\n  "attrs": []\n}');
    expect(statSync(join(out, '0000:41:00.0', C)).mode & 0o777).toBe(0o644);
    expect(readdirSync(join(out, '0000:00:02.0'))).toEqual([B, A].sort());
    const again = await cli(['export', file, '--to', 'mdevctl', '--out', out]);
    expect(again.stdout).toMatch(/^unchanged /);
    expect(again.stdout).not.toMatch(/wrote/);
  });

  test('WHEN --out names a file THEN a usage error (exit 2) saying it is not a directory; the file is untouched', async () => {
    const { dir, file } = domainFile(devices);
    const out = join(dir, 'a-file');
    writeFileSync(out, 'kept\n');
    const r = await cli(['export', file, '--to', 'mdevctl', '--out', out]);
    expect([r.code, r.stdout, r.stderr.split('\n')[0]]).toEqual([2, '', `mdev-agg: export: --out ${out} is not a directory`]);
    expect(readFileSync(out, 'utf8')).toBe('kept\n');
  });

  test('WHEN exported to nodedev THEN libvirt node-device XML per device, named as libvirt names them', async () => {
    const { file } = domainFile(devices.slice(0, 2));
    const r = await cli(['export', file, '--to', 'nodedev', '--root', '/nonexistent']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`<device>
  <name>mdev_${A.replace(/-/g, '_')}_0000_00_02_0</name>
  <parent>pci_0000_00_02_0</parent>
  <capability type="mdev">
    <type id="i915-GVTg_V5_8"/>
    <uuid>${A}</uuid>
    <parent_addr>0000:00:02.0</parent_addr>
    <attr name="mdev/aggregated_instances" value="4"/>
  </capability>
</device>
<device>
  <name>mdev_${C.replace(/-/g, '_')}_0000_41_00_0</name>
  <parent>pci_0000_41_00_0</parent>
  <capability type="mdev">
    <type id="nvidia-256"/>
    <uuid>${C}</uuid>
    <parent_addr>0000:41:00.0</parent_addr>
  </capability>
</device>
`);
  });

  test('WHEN exported to nodedev with --out THEN DIR/<name>.xml', async () => {
    const { dir, file } = domainFile(devices.slice(1, 2));
    const r = await cli(['export', file, '--to', 'nodedev', '--out', join(dir, 'nd')]);
    expect(r.code).toBe(0);
    expect(readdirSync(join(dir, 'nd'))).toEqual([`mdev_${C.replace(/-/g, '_')}_0000_41_00_0.xml`]);
  });
});

describe('GIVEN parents libvirt names otherwise', () => {
  test.each([
    ['matrix', 'ap_matrix', 'mdev_UUID_matrix'],
    ['0.0.0072', 'css_0_0_0072', 'mdev_UUID_0_0_0072'],
  ])('WHEN the parent is %s THEN <parent> is %s', async (parent, nodeParent, name) => {
    const { file } = domainFile([{ uuid: C, type: 'vfio_ap-passthrough', instances: 1, parent }]);
    const r = await cli(['export', file, '--to', 'nodedev']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`<parent>${nodeParent}</parent>`);
    expect(r.stdout).toContain(`<name>${name.replace('UUID', C.replace(/-/g, '_'))}</name>`);
  });

  test('WHEN the parent is of a kind whose node-device name cannot be told THEN nodedev refuses (mdevctl still works)', async () => {
    const { file } = domainFile([{ uuid: C, type: 'mbochs-2', instances: 1, parent: 'mbochs' }]);
    const r = await cli(['export', file, '--to', 'nodedev']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error E_EXPORT_UNSUPPORTED: mdev 7c6683ba-.*: libvirt's node-device name for parent mbochs cannot be told/);
    expect((await cli(['export', file, '--to', 'mdevctl'])).code).toBe(0);
  });
});

describe('GIVEN counts the export formats cannot carry', () => {
  test('WHEN method=create-option THEN E_EXPORT_UNSUPPORTED says why, exit 1, nothing on stdout', async () => {
    const { file } = domainFile([{ uuid: A, type: 'i915-GVTg_V5_aggregate', instances: 4, parent: '0000:00:02.0', method: 'create-option' }]);
    for (const to of ['mdevctl', 'nodedev']) {
      const r = await cli(['export', file, '--to', to]);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/error E_EXPORT_UNSUPPORTED: .*create-option generation passes the count in the create string \(<uuid>,aggregate=N\), and mdevctl .*writes only the UUID to create/);
    }
  });

  test('WHEN method=auto and this host has the type in the create-option generation THEN refused too', async () => {
    const { file } = domainFile([{ uuid: A, type: 'i915-GVTg_V5_aggregate', instances: 2, parent: '0000:00:02.0' }]);
    const r = await cli(['export', file, '--to', 'mdevctl', '--root', join(REPO, 'fixtures/hosts/gvt-create-option')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/E_EXPORT_UNSUPPORTED: mdev 8bb2b600-.*: i915-GVTg_V5_aggregate on 0000:00:02\.0: the create-option generation/);
  });

  test('WHEN method=auto and this host has the type in the attribute generation THEN exported with the attribute', async () => {
    const { file } = domainFile([{ uuid: A, type: 'i915-GVTg_V5_8', instances: 2, parent: '0000:00:02.0' }]);
    const r = await cli(['export', file, '--to', 'mdevctl', '--root', GVT_ATTRIBUTE]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('"mdev/aggregated_instances": "2"');
  });

  test('WHEN method=auto and this host does not offer the type THEN the dialect cannot be told: refused with the way out', async () => {
    const { dir, file } = domainFile([{ uuid: A, type: 'i915-GVTg_V5_8', instances: 2, parent: '0000:00:02.0' }]);
    mkdirSync(join(dir, 'sys')); // a host with sysfs and no mdev parent
    const r = await cli(['export', file, '--to', 'mdevctl', '--root', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/E_EXPORT_UNSUPPORTED: .*cannot tell how i915-GVTg_V5_8 on 0000:00:02\.0 aggregates .*set method='attribute'/);
  });

  test('WHEN the type has no aggregation at all THEN E_AGG_UNSUPPORTED', async () => {
    const { file } = domainFile([{ uuid: A, type: 'i915-GVTg_V5_4', instances: 2, parent: '0000:00:02.0' }]);
    const r = await cli(['export', file, '--to', 'mdevctl', '--root', GVT_ATTRIBUTE]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/E_AGG_UNSUPPORTED/);
  });
});

describe('GIVEN a device without a parent', () => {
  test('WHEN exported THEN the parent is where placement on this host puts it', async () => {
    const { file } = domainFile([{ uuid: A, type: 'nvidia-256', instances: 1 }]);
    const r = await cli(['export', file, '--to', 'mdevctl', '--root', join(REPO, 'fixtures/hosts/nvidia')]);
    expect(r.code).toBe(0);
    const dump = JSON.parse(r.stdout);
    expect(Object.keys(dump[0])).toHaveLength(1);
    expect(dump[0][Object.keys(dump[0])[0]!][0][A].mdev_type).toBe('nvidia-256');
  });

  test('WHEN no parent on this host can take it THEN the placement error, exit 1', async () => {
    const { file } = domainFile([{ uuid: A, type: 'nvidia-256', instances: 1 }]);
    const r = await cli(['export', file, '--to', 'mdevctl', '--root', GVT_ATTRIBUTE]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/E_TYPE_NOT_FOUND: no parent on this host offers type nvidia-256/);
  });
});

describe('the command line of export', () => {
  test('WHEN --to is missing or unknown THEN usage error', async () => {
    const { file } = domainFile([]);
    expect((await cli(['export', file])).code).toBe(2);
    expect((await cli(['export', file])).stderr).toMatch(/--to mdevctl or --to nodedev is required/);
    const unknown = await cli(['export', file, '--to', 'json']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^mdev-agg: export: --to "json" is not a format: mdevctl or nodedev$/m);
  });

  test('WHEN the domain has no aggregated mdevs THEN mdevctl prints [] as mdevctl does', async () => {
    const { file } = domainFile([]);
    expect(await cli(['export', file, '--to', 'mdevctl'])).toEqual({ code: 0, stdout: '[]\n', stderr: '' });
  });
});
