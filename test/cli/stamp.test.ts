import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readDomain } from '../../src/core/reading/domain';
import type { HostModel } from '../../src/core/host/host-model';
import { stampsFor } from '../../src/core/migration/stamp-facts';
import { cli } from '../helpers/cli';
import { REPO, expectGolden } from '../helpers/golden';
import { LIBVIRT_SCHEMAS, relaxng } from '../helpers/xmllint';

const DIR = 'fixtures/domains';
const read = (file: string) => readFileSync(join(REPO, DIR, file), 'utf8');
const GVT_VERSION = '8086-591d-i915-GVTg_V5_8-00000001';

// Hand-written: stamp edits bytes in place, and the test compares the file's bytes around the edit.
const domainWith = (uuid: string, entry: string) => `<domain type='kvm'>
  <name>t</name>
  <metadata>
    <agg:aggregation xmlns:agg='urn:mdev-agg:aggregation:1'>
      ${entry}
    </agg:aggregation>
  </metadata>
  <devices>
    <hostdev mode='subsystem' type='mdev' model='vfio-pci'>
      <source><address uuid='${uuid}'/></source>
    </hostdev>
  </devices>
</domain>
`;

describe('mdev-agg stamp', () => {
  test('GIVEN a metadata entry without a stamp WHEN stamped THEN one <agg:source> line is added and nothing else changes', async () => {
    // example-gvt has room for the device (gvt-attribute has 1 instance left: E_CAPACITY, below).
    const r = await cli(['stamp', `${DIR}/gvt-metadata.xml`, '--root', 'fixtures/hosts/example-gvt', '--name', 'hv-a']);
    expect(r.code).toBe(0);
    const added = `        <agg:source host="hv-a" driver="i915" migrationVersion="${GVT_VERSION}"/>`;
    const lines = r.stdout.split('\n');
    expect(lines.filter((l) => l === added)).toHaveLength(1);
    // THEN the output without the added line and with the entry's self-closing tag opened is the input
    const restored = r.stdout.replace(`${added}\n`, '').replace(`parent='0000:00:02.0'>\n      </agg:device>`, `parent='0000:00:02.0'/>`);
    expect(restored).toBe(read('gvt-metadata.xml'));
    const model = readDomain(r.stdout, 'out.xml').model!;
    expect(model.devices[0]!.source).toEqual({ host: 'hv-a', driver: 'i915', driverVersion: null, migrationVersion: GVT_VERSION });
    expect(relaxng(`${LIBVIRT_SCHEMAS}/domain.rng`, r.stdout).ok).toBe(true);
  });

  test('GIVEN inline-only entries WHEN stamped THEN they are embedded first, stamped, and the result validates', async () => {
    const r = await cli(['stamp', `${DIR}/example-gvt.xml`, '--root', 'fixtures/hosts/example-gvt', '--name', 'hv-a']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('inline entries moved into <metadata> first');
    expectGolden('test/golden/stamp/example-gvt.xml', r.stdout);
    const model = readDomain(r.stdout, 'out.xml').model!;
    expect(model.hostdevs.every((h) => h.inline === null && h.metadata !== null)).toBe(true);
    expect(model.devices.map((d) => d.source?.migrationVersion)).toEqual([GVT_VERSION, GVT_VERSION, GVT_VERSION]);
    expect(relaxng('schemas/domain-aggregation.rng', r.stdout).ok).toBe(true);
  });

  test('GIVEN an existing stamp WHEN stamped on another host THEN it is replaced where it stands', async () => {
    const r = await cli(['stamp', `${DIR}/gvt-metadata-stamped.xml`, '--root', 'fixtures/hosts/gvt-create-option', '--name', 'hv-c']);
    expect(r.code).toBe(0);
    const before = read('gvt-metadata-stamped.xml').split('\n');
    const after = r.stdout.split('\n');
    expect(after).toHaveLength(before.length);
    const changed = after.filter((line, i) => line !== before[i]);
    expect(changed).toEqual([`        <agg:source host="hv-c" driver="i915" migrationVersion="${GVT_VERSION}"/>`]);
  });

  test('GIVEN a device running here with another count WHEN stamped THEN E_DEVICE_CONFLICT and no output', async () => {
    const uuid = '53764d0e-85a0-42b4-af5c-2046b460b1dc';
    const r = await cli(['stamp', '-', '--root', 'fixtures/hosts/gvt-attribute'], domainWith(uuid, `<agg:device uuid='${uuid}' type='i915-GVTg_V5_8' instances='2'/>`));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/E_DEVICE_CONFLICT: mdev 53764d0e-85a0-42b4-af5c-2046b460b1dc exists as i915-GVTg_V5_8 x4 on 0000:00:02\.0; the domain asks for i915-GVTg_V5_8 x2; nothing is touched; the device is not stamped/);
  });

  test.each([['a non-ASCII letter', 'h\u00e9st'], ['a tab', 'a\tb'], ['4,097 characters', 'a'.repeat(4097)]])(
    'GIVEN a host name with %s WHEN stamped THEN E_AGG_SOURCE_INVALID, exit 1, no output (the reader would refuse the stamp)',
    async (_what, name) => {
      const uuid = '53764d0e-85a0-42b4-af5c-2046b460b1dc';
      const r = await cli(['stamp', '-', '--root', 'fixtures/hosts/gvt-attribute', '--name', name], domainWith(uuid, `<agg:device uuid='${uuid}' type='i915-GVTg_V5_8' instances='4'/>`));
      expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 1, stdout: '' });
      expect(r.stderr).toMatch(/^[^\n]*error E_AGG_SOURCE_INVALID: this host's host "[^\n]*"…? is not one line of printable ASCII, 1\.\.4096 bytes; the device is not stamped\n$/);
    },
  );

  test('GIVEN a device running here as declared and no parent in the entry WHEN stamped THEN its parent\'s facts are used', async () => {
    const uuid = '53764d0e-85a0-42b4-af5c-2046b460b1dc';
    const r = await cli(['stamp', '-', '--root', 'fixtures/hosts/gvt-attribute', '--name', 'hv-a'], domainWith(uuid, `<agg:device uuid='${uuid}' type='i915-GVTg_V5_8' instances='4'/>`));
    expect(r.code).toBe(0);
    expect(readDomain(r.stdout, 'x.xml').model!.devices[0]!.source).toEqual({ host: 'hv-a', driver: 'i915', driverVersion: null, migrationVersion: GVT_VERSION });
  });

  test.each([
    ['a parent this host lacks', `type='i915-GVTg_V5_8' instances='1' parent='0000:00:03.0'`, 'E_PARENT_NOT_FOUND'],
    ['a type the parent lacks', `type='i915-GVTg_V5_9' instances='1' parent='0000:00:02.0'`, 'E_TYPE_NOT_FOUND'],
    ['a type no parent offers', `type='nvidia-256' instances='1'`, 'E_TYPE_NOT_FOUND'],
    ['a count the type has no room for (1 instance left)', `type='i915-GVTg_V5_8' instances='2' parent='0000:00:02.0'`, 'E_CAPACITY'],
  ])('GIVEN %s WHEN stamped (entry: %s) THEN %s and exit 1', async (_what, attributes, code) => {
    const uuid = 'c2177883-f1bb-47f0-914d-32a22e3a8804';
    const r = await cli(['stamp', '-', '--root', 'fixtures/hosts/gvt-attribute'], domainWith(uuid, `<agg:device uuid='${uuid}' ${attributes}/>`));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(code);
  });

  test('GIVEN two parents offering the type with different driver facts and a device naming none WHEN stamped THEN the facts of the parent prepare would create it on', () => {
    const uuid = 'c2177883-f1bb-47f0-914d-32a22e3a8804';
    const parent = (name: string, driverVersion: string) => ({
      name,
      driver: 'nvidia',
      driverVersion,
      vendorId: '10de',
      deviceId: '1e30',
      types: [{ id: 'nvidia-256', name: null, description: null, deviceApi: 'vfio-pci', availableInstances: 4, dialect: 'none' as const, maxAggregation: 1, migrationVersion: null }],
    });
    const host: HostModel = { parents: [parent('0000:41:00.0', '535.104.05'), parent('0000:42:00.0', '535.161.05')], devices: [], problems: [] };
    const domain = readDomain(domainWith(uuid, `<agg:device uuid='${uuid}' type='nvidia-256' instances='1'/>`), 'd.xml').model!;
    // Equal room: the first by name, as placement ties.
    expect(stampsFor(domain, host, 'hv')).toEqual({ stamps: new Map([[uuid, { host: 'hv', driver: 'nvidia', driverVersion: '535.104.05', migrationVersion: null }]]), diagnostics: [] });
    host.parents[1]!.types[0]!.availableInstances = 5;
    expect(stampsFor(domain, host, 'hv').stamps.get(uuid)).toEqual({ host: 'hv', driver: 'nvidia', driverVersion: '535.161.05', migrationVersion: null });
    host.parents.forEach((p) => (p.types[0]!.availableInstances = 0));
    expect(stampsFor(domain, host, 'hv').diagnostics.map((d) => d.code)).toEqual(['E_NO_PLACEMENT']);
  });
});
