import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { modelSummary, readDomain } from '../../src/core/reading/domain';
import { cli } from '../helpers/cli';
import { REPO, expectGolden } from '../helpers/golden';
import { LIBVIRT_SCHEMAS, relaxng } from '../helpers/xmllint';

const DIR = 'fixtures/domains';
const INLINE = ['both-forms-agree.xml', 'default-namespace.xml', 'example-gvt.xml', 'gvt-inline.xml', 'nvidia-vgpu-no-parent.xml', 'several-devices.xml', 'uuid-forms.xml', 'vfio-ap.xml'];
const read = (file: string) => readFileSync(join(REPO, DIR, file), 'utf8');

describe('embed: inline form -> metadata form', () => {
  test.each(INLINE)('%s', async (file) => {
    const input = read(file);
    const r = await cli(['embed', `${DIR}/${file}`]);
    expect(r.code).toBe(0);
    expectGolden(`test/golden/embed/${file}`, r.stdout);

    // THEN no inline element is left and the model reads back the same
    const before = readDomain(input, file);
    const after = readDomain(r.stdout, file);
    expect(after.model!.hostdevs.every((h) => h.inline === null)).toBe(true);
    expect(modelSummary(after.model!)).toEqual(modelSummary(before.model!));

    // THEN every line of the input outside the moved elements is still there, in order
    const kept = input.split('\n').filter((l) => !/<aggregation\s/.test(l));
    const output = r.stdout.split('\n');
    let at = 0;
    for (const line of kept) {
      at = output.indexOf(line, at);
      expect(at).toBeGreaterThanOrEqual(0);
      at++;
    }

    // THEN libvirt's own schema accepts the result (the inline element is gone)
    const check = relaxng(`${LIBVIRT_SCHEMAS}/domain.rng`, r.stdout);
    expect(check.output.trim()).toBe('- validates');
    expect(check.ok).toBe(true);
  });

  test('a domain without inline entries is printed unchanged', async () => {
    const r = await cli(['embed', `${DIR}/gvt-metadata.xml`]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(read('gvt-metadata.xml'));
  });

  test('an invalid domain is refused with its diagnostics, nothing on stdout', async () => {
    const r = await cli(['embed', `${DIR}/conflict-type-error.xml`]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('E_AGG_CONFLICT');
  });
});

describe('add: a new aggregated mdev hostdev', () => {
  const args = ['add', `${DIR}/gvt-metadata.xml`, '--type', 'i915-GVTg_V5_8', '--instances', '2', '--parent', '0000:00:02.0', '--deterministic'];

  test('--deterministic gives the same UUID on every run, and the result validates', async () => {
    const first = await cli(args);
    const second = await cli(args);
    expect(first.code).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    expectGolden('test/golden/add/gvt-metadata-deterministic.xml', first.stdout);
    const model = readDomain(first.stdout, 'out.xml').model!;
    const added = model.devices[model.devices.length - 1];
    expect(added).toMatchObject({ type: 'i915-GVTg_V5_8', instances: 2, parent: '0000:00:02.0', model: 'vfio-pci' });
    expect(relaxng(`${LIBVIRT_SCHEMAS}/domain.rng`, first.stdout).ok).toBe(true);
    expect(relaxng('schemas/domain-aggregation.rng', first.stdout).ok).toBe(true);
  });

  test('into a domain with no metadata yet, the container is created', async () => {
    const r = await cli(['add', `${DIR}/no-mdev.xml`, '--type', 'nvidia-256', '--instances', '1', '--uuid', 'C2177883F1BB47F0914D32A22E3A8804']);
    expect(r.code).toBe(0);
    const model = readDomain(r.stdout, 'out.xml').model!;
    expect(model.devices.map((d) => d.uuid)).toEqual(['c2177883-f1bb-47f0-914d-32a22e3a8804']);
    expect(relaxng(`${LIBVIRT_SCHEMAS}/domain.rng`, r.stdout).ok).toBe(true);
  });

  test.each([
    [['--type', '../../etc', '--instances', '1'], 'E_AGG_TYPE_INVALID'],
    [['--type', 't', '--instances', '04'], 'E_AGG_INSTANCES_INVALID'],
    [['--type', 't', '--instances', '1', '--parent', 'a/b'], 'E_AGG_PARENT_INVALID'],
    [['--type', 't', '--instances', '1', '--uuid', 'x'], 'E_UUID_INVALID'],
    [['--type', 't', '--instances', '1', '--uuid', '53764d0e-85a0-42b4-af5c-2046b460b1dc', '--deterministic'], 'exclude'],
    [['--instances', '1'], '--type is required'],
  ])('bad arguments %j are a usage error naming %s', async (extra, words) => {
    const r = await cli(['add', `${DIR}/gvt-metadata.xml`, ...extra]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(words);
    expect(r.stdout).toBe('');
  });
});
