import { readSnapshot } from '../../src/core/snapshot/read';

const UUID = '0b5a8b1e-7c55-4d0c-9a3e-51f0c1a6d2f4';
const TYPE = { id: 't', name: null, description: null, deviceApi: 'vfio-pci', availableInstances: 4, dialect: 'attribute', maxAggregation: null, migrationVersion: null };
const PARENT = { name: '0000:00:02.0', driver: 'i915', driverVersion: null, vendorId: '8086', deviceId: '591d', types: [TYPE] };
const DEVICE = { uuid: UUID, parent: '0000:00:02.0', type: 't', instances: 2, maxAggregation: 4 };
const SNAPSHOT = { name: 'hv1', generated: '2026-11-20T09:14:03Z', parents: [PARENT], devices: [DEVICE], problems: [] };
/** The snapshot as `snapshot --json` prints it, with one change at `edit`. */
const edited = (edit: (s: any) => void): string => {
  const copy = structuredClone(SNAPSHOT) as any;
  edit(copy);
  return JSON.stringify(copy, null, 2);
};
/** The 1-based line of the first occurrence of `needle` in `text`. */
const lineOf = (text: string, needle: string) => text.slice(0, text.indexOf(needle)).split('\n').length;

describe('snapshot reading, JSON form: the rules of the XML form, located', () => {
  test('GIVEN the JSON form WHEN read THEN the model is the one its XML form gives', () => {
    const read = readSnapshot(JSON.stringify(SNAPSHOT), 'h.json');
    expect(read.diagnostics).toEqual([]);
    expect(read.snapshot).toEqual({ name: 'hv1', generated: '2026-11-20T09:14:03Z', host: { parents: [PARENT], devices: [DEVICE], problems: [] } });
  });

  test.each([
    ['a type id with a path', (s: any) => (s.parents[0].types[0].id = '../../etc'), '"../../etc"', /parents\[0\]\.types\[0\]\.id: "\.\.\/\.\.\/etc" is not a sysfs name/],
    ['an unknown dialect', (s: any) => (s.parents[0].types[0].dialect = 'aggregate'), '"aggregate"', /dialect: "aggregate" is not create-option, attribute or none$/],
    ['a count written as text', (s: any) => (s.parents[0].types[0].availableInstances = '4'), '"availableInstances"', /availableInstances: "4" is not an integer 0\.\.4294967295 or null/],
    ['a negative count', (s: any) => (s.parents[0].types[0].availableInstances = -1), '"availableInstances"', /-1 is not an integer/],
    ['a fractional count', (s: any) => (s.devices[0].maxAggregation = 1.5), '1.5', /devices\[0\]\.maxAggregation: 1\.5 is not an integer/],
    ['instances 0', (s: any) => (s.devices[0].instances = 0), '"instances"', /devices\[0\]\.instances: 0 is not an integer 1\.\.2147483647$/],
    ['instances null', (s: any) => (s.devices[0].instances = null), '"instances"', /instances: null is not an integer 1\.\.2147483647$/],
    ['an upper-case UUID', (s: any) => (s.devices[0].uuid = UUID.toUpperCase()), UUID.toUpperCase(), /lower-case dashed UUID/],
    ['a PCI id with 0x', (s: any) => (s.parents[0].vendorId = '0x8086'), '"0x8086"', /vendorId: "0x8086" is not four lower-case hex digits/],
    ['an unknown member', (s: any) => (s.parents[0].colour = 'red'), '"colour"', /parents\[0\]\.colour: is not a member of this object/],
    ['__proto__ as a member', (s: any) => Object.defineProperty(s, '__proto__', { value: { polluted: 1 }, enumerable: true }), '"__proto__"', /^__proto__: is not a member of a snapshot/],
    ['a device without type', (s: any) => delete s.devices[0].type, null, /devices\[0\]: has no type$/],
    ['types that are not a list', (s: any) => (s.parents[0].types = {}), '"types"', /types: must be a list, not an object/],
    ['a parent that is a string', (s: any) => (s.parents[0] = 'gpu'), '"gpu"', /parents\[0\]: must be an object, not "gpu"/],
    ['a parent twice', (s: any) => s.parents.push(structuredClone(PARENT)), null, /parents\[1\]: parent 0000:00:02\.0 appears twice/],
    ['a device twice', (s: any) => s.devices.push(structuredClone(DEVICE)), null, /devices\[1\]: device .* appears twice/],
    ['a problem marked as outside the root by a string', (s: any) => s.problems.push({ path: '/sys/x', message: 'm', outsideRoot: 'yes' }), '"yes"', /outsideRoot: "yes" is not true or null/],
    ['a control character in a description', (s: any) => (s.parents[0].types[0].description = 'a\u0001b'), '"a\\u0001b"', /description: "a\\u0001b" is not text XML can carry/],
    ['a generated time that is not xs:dateTime', (s: any) => (s.generated = 'yesterday'), '"yesterday"', /^generated: "yesterday" is not an xs:dateTime/],
  ])('GIVEN %s WHEN read THEN E_SNAPSHOT_INVALID on its line, named by its path', (_what, edit, needle, message) => {
    const text = edited(edit);
    const r = readSnapshot(text, 'hostile.json');
    expect(r.snapshot).toBeNull();
    expect(r.diagnostics.length).toBeGreaterThan(0);
    const found = r.diagnostics.find((d) => message.test(d.message));
    expect(found).toMatchObject({ code: 'E_SNAPSHOT_INVALID', file: 'hostile.json', severity: 'error' });
    if (needle !== null) expect(found!.line).toBe(lineOf(text, needle));
  });

  test('GIVEN several breaks in several places WHEN read THEN each is reported, not only the first', () => {
    const text = edited((s) => {
      s.extra = 1;
      s.parents[0].types[0].dialect = 'x';
      s.devices[0].uuid = 'x';
    });
    const messages = readSnapshot(text, 'h.json').diagnostics.map((d) => d.message);
    expect(messages).toEqual(expect.arrayContaining([expect.stringMatching(/^extra:/), expect.stringMatching(/dialect:/), expect.stringMatching(/devices\[0\]\.uuid:/)]));
  });

  test('GIVEN a key written twice WHEN read THEN refused at the second, since readers disagree on which one counts', () => {
    const text = '{"name": "hv1",\n "parents": [], "devices": [], "problems": [],\n "name": "hv2"}';
    const r = readSnapshot(text, 'h.json');
    expect(r.diagnostics).toEqual([expect.objectContaining({ code: 'E_SNAPSHOT_INVALID', line: 3, column: 2, message: 'name: this key is written twice in its object' })]);
  });

  test.each([
    ['truncated', '{"parents": [', /^not valid JSON: /, 1, 14],
    ['a trailing comma', '{"parents": [], "devices": [], "problems": [],}', /^not valid JSON: /, 1, 47],
    ['a list at the top', '[1, 2]', /^\(the document\): must be an object, not a list$/, 1, 1],
    ['a missing list', '{"parents": [], "devices": []}', /^\(the document\): has no problems list$/, 1, 1],
  ])('GIVEN %s WHEN read THEN E_SNAPSHOT_INVALID', (_what, text, message, line, column) => {
    const r = readSnapshot(text, 'h.json');
    expect(r.diagnostics[0]).toMatchObject({ code: 'E_SNAPSHOT_INVALID', line, column });
    expect(r.diagnostics[0]!.message).toMatch(message);
  });

  test('GIVEN invalid UTF-8 or more than the size limit WHEN read THEN refused before parsing', () => {
    const bad = Buffer.concat([Buffer.from('{"name": "'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    expect(readSnapshot(bad, 'h.json').diagnostics).toEqual([expect.objectContaining({ code: 'E_SNAPSHOT_INVALID', message: 'byte 0xc3 at offset 10 is not valid UTF-8' })]);
    const huge = `{"problems": [${'{"path": "/sys/x", "message": "m"},'.repeat(300_000)}]}`;
    expect(readSnapshot(huge, 'h.json').diagnostics).toEqual([expect.objectContaining({ code: 'E_SNAPSHOT_INVALID', message: expect.stringMatching(/^input is larger than \d+ bytes$/) })]);
  });
});
