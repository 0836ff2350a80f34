/**
 * export --to mdevctl against the real mdevctl: what mdevctl reads from the exported files is what
 * export printed, and the files are byte-identical to the ones mdevctl writes for the same devices.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli } from '../helpers/cli';
import { REPO } from '../helpers/golden';
import { type MdevDevice, libvirtDomain } from '../helpers/domain-builder';
import { mdevctl, mdevctlConfigDir } from '../helpers/mdevctl';
import { tempDir } from '../helpers/temp-dir';

const DEVICES: MdevDevice[] = [
  // 3 of V5_8's 7, 1 of V5_4's 5, then 2 more of V5_8: within one shared pool (5/7 + 1/5 <= 1).
  { uuid: 'af9a6187-ccd1-4acb-bf4f-89aeee5cb0cf', type: 'i915-GVTg_V5_8', instances: 3, parent: '0000:00:02.0' },
  { uuid: '0b21c0e4-3e0c-4a8e-9d38-07c8d2c3b0a1', type: 'i915-GVTg_V5_4', instances: 1, parent: '0000:00:02.0' },
  { uuid: '9c7e03b2-5d1b-4f57-8f7c-1c0f4c2d8e11', type: 'i915-GVTg_V5_8', instances: 2 },
];
const SYS = join(REPO, 'fixtures/hosts/example-gvt/sys');

function exported() {
  const dir = tempDir('mdev-agg-mdevctl-');
  const file = join(dir, 'guest.xml');
  writeFileSync(file, libvirtDomain('guest', DEVICES));
  return { dir, file };
}

test('mdevctl is installed (scripts/setup-test-tools.sh) and is the version these tests were written against', () => {
  const r = spawnSync('mdevctl', ['--version'], { encoding: 'utf8' });
  expect(r.error).toBeUndefined();
  expect(r.stdout.trim()).toMatch(/^mdevctl 1\.\d+\.\d+$/);
});

describe('GIVEN a domain exported with --to mdevctl --out DIR on the example-gvt tree', () => {
  test('WHEN the real mdevctl lists DIR as its /etc/mdevctl.d THEN list --defined --dumpjson is exactly what export printed', async () => {
    const { dir, file } = exported();
    const etc = mdevctlConfigDir(join(dir, 'etc'));
    const printed = await cli(['export', file, '--to', 'mdevctl', '--root', join(REPO, 'fixtures/hosts/example-gvt')]);
    expect(printed.code).toBe(0);
    const written = await cli(['export', file, '--to', 'mdevctl', '--out', etc, '--root', join(REPO, 'fixtures/hosts/example-gvt')]);
    expect(written.code).toBe(0);

    const listed = mdevctl(SYS, etc, ['list', '--defined', '--dumpjson']);
    expect({ status: listed.status, stderr: listed.stderr }).toEqual({ status: 0, stderr: '' });
    expect(listed.stdout).toBe(printed.stdout);
    // The device without a parent went where placement puts it on this tree.
    expect(JSON.parse(listed.stdout)[0]['0000:00:02.0'].map((e: object) => Object.keys(e)[0])).toEqual(DEVICES.map((d) => d.uuid).sort());
  });

  test('WHEN mdevctl itself defines the same devices THEN its files and the exported ones are byte-identical', async () => {
    const { dir, file } = exported();
    const ours = join(dir, 'ours');
    await cli(['export', file, '--to', 'mdevctl', '--out', ours, '--root', join(REPO, 'fixtures/hosts/example-gvt')]);
    const theirs = mdevctlConfigDir(join(dir, 'theirs'));
    for (const d of DEVICES) {
      const define = mdevctl(SYS, theirs, ['define', '--uuid', d.uuid, '--parent', '0000:00:02.0', '--type', d.type]);
      expect({ define: d.uuid, status: define.status, stderr: define.stderr }).toEqual({ define: d.uuid, status: 0, stderr: '' });
      if (d.instances > 1) {
        const modify = mdevctl(SYS, theirs, ['modify', '--uuid', d.uuid, '--addattr', 'mdev/aggregated_instances', '--value', String(d.instances)]);
        expect({ modify: d.uuid, status: modify.status, stderr: modify.stderr }).toEqual({ modify: d.uuid, status: 0, stderr: '' });
      }
    }
    const files = readdirSync(join(ours, '0000:00:02.0')).sort();
    expect(files).toEqual(readdirSync(join(theirs, '0000:00:02.0')).sort());
    for (const name of files) {
      expect({ name, content: readFileSync(join(ours, '0000:00:02.0', name), 'utf8') }).toEqual({ name, content: readFileSync(join(theirs, '0000:00:02.0', name), 'utf8') });
    }
  });

  test('WHEN mdevctl reads one exported config with list -d -u THEN it shows the count attribute in place', async () => {
    const { dir, file } = exported();
    const etc = mdevctlConfigDir(join(dir, 'etc'));
    await cli(['export', file, '--to', 'mdevctl', '--out', etc, '--root', join(REPO, 'fixtures/hosts/example-gvt')]);
    const one = mdevctl(SYS, etc, ['list', '--defined', '--verbose', '--uuid', DEVICES[0]!.uuid]);
    expect(one.status).toBe(0);
    expect(one.stdout).toContain(`${DEVICES[0]!.uuid} 0000:00:02.0 i915-GVTg_V5_8 manual`);
    expect(one.stdout).toContain('@{0}: {"mdev/aggregated_instances":"3"}');
  });
});
