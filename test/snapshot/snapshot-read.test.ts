import { readSnapshot } from '../../src/core/snapshot/read';

const doc = (body: string, root = '<host xmlns="urn:mdev-agg:host:1">') => `<?xml version="1.0" encoding="UTF-8"?>\n${root}\n${body}\n</host>\n`;
const parent = (types = '') => `  <parent name="0000:41:00.0" driver="nvidia">${types}</parent>`;

describe('snapshot reading: untrusted files are refused with located diagnostics', () => {
  test.each([
    ['a type id with a path', parent('<type id="../../etc" dialect="none"/>'), 3, /type id="\.\.\/\.\.\/etc" is not a sysfs name/],
    ['a parent named ..', '  <parent name=".."/>', 3, /parent name="\.\." is not a sysfs name/],
    ['a driver with a slash', '  <parent name="p" driver="a/b"/>', 3, /driver="a\/b"/],
    ['an unknown dialect', parent('<type id="t" dialect="aggregate"/>'), 3, /dialect="aggregate" is not create-option, attribute or none/],
    ['a type without dialect', parent('<type id="t"/>'), 3, /<type> has no dialect attribute/],
    ['a negative count', parent('<type id="t" dialect="none" availableInstances="-1"/>'), 3, /availableInstances="-1"/],
    ['a hex count', parent('<type id="t" dialect="none" maxAggregation="0x10"/>'), 3, /maxAggregation="0x10"/],
    ['instances 0', '  <device uuid="0b5a8b1e-7c55-4d0c-9a3e-51f0c1a6d2f4" parent="p" type="t" instances="0"/>', 3, /instances="0"/],
    ['instances above 2147483647', '  <device uuid="0b5a8b1e-7c55-4d0c-9a3e-51f0c1a6d2f4" parent="p" type="t" instances="2147483648"/>', 3, /instances="2147483648"/],
    ['an upper-case UUID', '  <device uuid="0B5A8B1E-7C55-4D0C-9A3E-51F0C1A6D2F4" parent="p" type="t" instances="1"/>', 3, /lower-case dashed UUID/],
    ['an unknown attribute', '  <parent name="p" colour="red"/>', 3, /<parent> has no attribute colour/],
    ['an unknown element', '  <gpu name="p"/>', 3, /<gpu> is not allowed in <host>/],
    ['a device inside its parent', parent('<device uuid="0b5a8b1e-7c55-4d0c-9a3e-51f0c1a6d2f4" parent="p" type="t" instances="1"/>'), 3, /<device> is not allowed in <parent>/],
    ['a PCI id with 0x', '  <parent name="p" vendor="0x10de"/>', 3, /vendor="0x10de" is not four lower-case hex digits/],
    ['a parent twice', '  <parent name="p"/>\n  <parent name="p"/>', 4, /parent p appears twice/],
    ['a type twice', parent('<type id="t" dialect="none"/><type id="t" dialect="none"/>'), 3, /type t appears twice/],
    ['a device twice', '  <device uuid="0b5a8b1e-7c55-4d0c-9a3e-51f0c1a6d2f4" parent="p" type="t" instances="1"/>\n  <device uuid="0b5a8b1e-7c55-4d0c-9a3e-51f0c1a6d2f4" parent="p" type="t" instances="1"/>', 4, /appears twice/],
    ['text in a type', parent('<type id="t" dialect="none">x</type>'), 3, /<type> holds text/],
  ])('GIVEN %s WHEN read THEN E_SNAPSHOT_INVALID where it is', (_what, body, line, message) => {
    const r = readSnapshot(doc(body), 'hostile.xml');
    expect(r.snapshot).toBeNull();
    expect(r.diagnostics[0]).toMatchObject({ code: 'E_SNAPSHOT_INVALID', file: 'hostile.xml', line });
    expect(r.diagnostics[0]!.message).toMatch(message);
  });

  test('GIVEN another root or namespace WHEN read THEN it is refused at the root', () => {
    for (const root of ['<host>', '<host xmlns="urn:mdev-agg:aggregation:1">', '<domain xmlns="urn:mdev-agg:host:1">']) {
      const text = doc('', root).replace('</host>', root.startsWith('<domain') ? '</domain>' : '</host>');
      const r = readSnapshot(text, 'x.xml');
      expect(r.diagnostics).toEqual([expect.objectContaining({ code: 'E_SNAPSHOT_INVALID', line: 2, column: 1 })]);
    }
  });

  test('GIVEN a DOCTYPE or bad XML WHEN read THEN the safe reader refuses it before parsing', () => {
    const entity = '<?xml version="1.0"?>\n<!DOCTYPE host [<!ENTITY x "y">]>\n<host xmlns="urn:mdev-agg:host:1" name="&x;"/>';
    expect(readSnapshot(entity, 'x.xml').diagnostics[0]!.code).toBe('E_XML_DOCTYPE');
    expect(readSnapshot('<host xmlns="urn:mdev-agg:host:1">', 'x.xml').diagnostics[0]!.code).toBe('E_XML_MALFORMED');
  });

  test('GIVEN children out of order and a prefixed namespace WHEN read THEN the model is sorted as readHost sorts it', () => {
    const text = `<h:host xmlns:h="urn:mdev-agg:host:1">
  <h:device uuid="ffffffff-7c55-4d0c-9a3e-51f0c1a6d2f4" parent="b" type="t" instances="2"/>
  <h:parent name="b"><h:type id="z" dialect="none"/><h:type id="a" dialect="attribute"/></h:parent>
  <h:device uuid="0b5a8b1e-7c55-4d0c-9a3e-51f0c1a6d2f4" parent="a" type="t" instances="1"/>
  <h:parent name="a"/>
  <h:problem path="/sys/x">line one
line two</h:problem>
</h:host>`;
    const { snapshot } = readSnapshot(text, 'x.xml');
    expect(snapshot!.host.parents.map((p) => p.name)).toEqual(['a', 'b']);
    expect(snapshot!.host.parents[1]!.types.map((t) => t.id)).toEqual(['a', 'z']);
    expect(snapshot!.host.devices.map((d) => d.uuid[0])).toEqual(['0', 'f']);
    expect(snapshot!.host.problems).toEqual([{ path: '/sys/x', message: 'line one\nline two' }]);
  });

  // Names that every object inherits must not be taken for attributes the reader knows.
  const INHERITED = Object.getOwnPropertyNames(Object.prototype);
  test.each(INHERITED)('GIVEN an attribute named %s on each element WHEN read THEN a diagnostic, never a throw', (name) => {
    const bodies = [
      `  <parent name="p" ${name}="1"/>`,
      parent(`<type id="t" dialect="none" ${name}="1"/>`),
      `  <device uuid="0b5a8b1e-7c55-4d0c-9a3e-51f0c1a6d2f4" parent="p" type="t" instances="1" ${name}="1"/>`,
      `  <problem path="/sys/x" ${name}="1">m</problem>`,
    ];
    for (const body of [...bodies, '']) {
      const root = body ? undefined : `<host xmlns="urn:mdev-agg:host:1" ${name}="1">`;
      const r = readSnapshot(doc(body, root), 'hostile.xml');
      expect(r.snapshot).toBeNull();
      expect(r.diagnostics.map((d) => d.code)).toEqual([expect.stringMatching(/^E_(SNAPSHOT_INVALID|XML_MALFORMED)$/)]);
    }
  });

  test.each(INHERITED)('GIVEN a JSON member named %s in each object WHEN read THEN a diagnostic, never a throw', (name) => {
    const device = { uuid: '0b5a8b1e-7c55-4d0c-9a3e-51f0c1a6d2f4', parent: 'p', type: 't', instances: 1, maxAggregation: null };
    const type = { id: 't', name: null, description: null, deviceApi: null, availableInstances: null, dialect: 'none', maxAggregation: null, migrationVersion: null };
    const withMember = (o: object) => `{${JSON.stringify(o).slice(1, -1)}, ${JSON.stringify(name)}: 1}`;
    const texts = [
      withMember({ name: null, generated: null, parents: [], devices: [], problems: [] }),
      `{"parents": [${withMember({ name: 'p', driver: null, driverVersion: null, vendorId: null, deviceId: null, types: [] })}], "devices": [], "problems": []}`,
      `{"parents": [{"name": "p", "types": [${withMember(type)}]}], "devices": [], "problems": []}`,
      `{"parents": [], "devices": [${withMember(device)}], "problems": []}`,
      `{"parents": [], "devices": [], "problems": [${withMember({ path: '/sys/x', message: 'm' })}]}`,
    ];
    for (const text of texts) {
      const r = readSnapshot(text, 'hostile.json');
      expect(r.snapshot).toBeNull();
      expect(r.diagnostics).toContainEqual(expect.objectContaining({ code: 'E_SNAPSHOT_INVALID', message: expect.stringContaining(`${name}: is not a member`) }));
    }
  });
});
