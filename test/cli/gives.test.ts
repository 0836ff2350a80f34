/** `types` and `plan` say what N instances give, from the host's type descriptions. */
import { readHost } from '../../src/core/host/read-host';
import { aggregateResources, readTypeResources } from '../../src/core/host/type-resources';
import { RealSysfs } from '../../src/shell/real-sysfs';
import { cli, json } from '../helpers/cli';
import { REPO } from '../helpers/golden';

const hostRoot = (name: string) => `${REPO}/fixtures/hosts/${name}`;

test('types: each GVT-g type with one instance, and the largest aggregate a new device could have now', async () => {
  const r = await cli(['types', '--root', hostRoot('gvt-create-option')]);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain(
    '  i915-GVTg_V5_aggregate         10 available  vfio-pci  create-option, max 10\n' +
      '      one instance: low_gm_size 32MB, high_gm_size 192MB, fence 2, weight 16, resolution 1024x768\n' +
      '      largest now, x10: low_gm_size 320MB, high_gm_size 1920MB, fence 20, weight 16, resolution 1024x768\n',
  );
  // a type that cannot aggregate has no "largest" line
  expect(r.stdout).toContain('  i915-GVTg_V5_8                  5 available  vfio-pci  create-option, max 1\n      one instance: low_gm_size 64MB, high_gm_size 384MB, fence 4, weight 2, resolution 1024x768\n  i915-GVTg_V5_aggregate');
});

test('types: a description in another format is shown as it is, unparsed', async () => {
  const r = await cli(['types', '--root', hostRoot('sample')]);
  expect(r.stdout).toContain('  mbochs-medium                  15 available  vfio-pci  no aggregation  (mbochs-medium)\n      description: virtual display, 16 MB video memory (not a format mdev-agg reads)\n');
});

test('types --json: every type with a description carries what one instance and the largest aggregate give', async () => {
  for (const name of ['gvt-create-option', 'gvt-attribute', 'example-gvt', 'sample', 'nvidia', 'vfio-ap']) {
    const host = readHost(new RealSysfs(hostRoot(name)));
    const out = json(await cli(['types', '--root', hostRoot(name), '--json']));
    host.parents.forEach((p, i) =>
      p.types.forEach((t, j) => {
        const gives = out.parents[i].types[j].gives;
        const read = readTypeResources(t.description);
        if (read === null) return expect(gives).toBeNull();
        if (read.format === 'unknown') return expect(gives).toMatchObject({ format: 'unknown', description: read.description });
        expect(gives.total).toEqual(read.perInstance);
        if (gives.largest) expect(gives.largest.total).toEqual(aggregateResources(read.perInstance, gives.largest.instances));
      }),
    );
  }
});

test('plan: each device with what its count gives; --json the same numbers', async () => {
  const args = ['plan', 'fixtures/domains/example-gvt.xml', '--root', hostRoot('example-gvt')];
  const text = (await cli(args)).stdout;
  const gives = text.split('\n').filter((l) => l.startsWith('    gives: '));
  expect(gives).toEqual(Array(3).fill('    gives: low_gm_size 128MB, high_gm_size 768MB, fence 8, weight 2, resolution 1024x768 (x2 of low_gm_size 64MB, high_gm_size 384MB, fence 4, weight 2, resolution 1024x768)'));
  const plan = json(await cli([...args, '--json']));
  for (const d of plan.devices) expect(d.gives).toEqual({ format: 'gvt-g', instances: 2, perInstance: { lowGmSizeMB: 64, highGmSizeMB: 384, fence: 4, weight: 2, resolution: '1024x768' }, total: { lowGmSizeMB: 128, highGmSizeMB: 768, fence: 8, weight: 2, resolution: '1024x768' } });
});
