import { modelSummary, readDomain } from '../../../src/core/reading/domain';

const U1 = '53764d0e-85a0-42b4-af5c-2046b460b1dc';
const U2 = '63764d0e-85a0-42b4-af5c-2046b460b1dc';

function domain({ hostdevs = '', metadata = '' }: { hostdevs?: string; metadata?: string }) {
  return `<domain type='kvm'>
  <name>g</name>
  <uuid>1b1f4b3c-4d2e-4f60-9a7b-2c3d4e5f6a7b</uuid>
${metadata}
  <devices>
${hostdevs}
  </devices>
</domain>`;
}
// Hand-written: the reader's rules are tested on raw entries, with positions (line:column) in the text.
const hostdev = (uuid: string, inner = '', model = "model='vfio-pci'") =>
  `    <hostdev mode='subsystem' type='mdev' ${model}>\n      <source><address uuid='${uuid}'/></source>${inner}\n    </hostdev>`;
const inlineAgg = (attrs: string) => `\n      <aggregation ${attrs}/>`;
const container = (devices: string, prefix = 'agg') =>
  `  <metadata>\n    <${prefix}:aggregation xmlns:${prefix}='urn:mdev-agg:aggregation:1'>\n${devices}\n    </${prefix}:aggregation>\n  </metadata>`;

const codes = (text: string) => readDomain(text, 'd.xml').diagnostics.map((d) => d.code);

describe('GIVEN an inline aggregation entry', () => {
  test.each([
    ['+4', 'E_AGG_INSTANCES_INVALID'],
    ['04', 'E_AGG_INSTANCES_INVALID'],
    ['4.0', 'E_AGG_INSTANCES_INVALID'],
    ['0x4', 'E_AGG_INSTANCES_INVALID'],
    ['4294967296', 'E_AGG_INSTANCES_INVALID'],
    ['2147483648', 'E_AGG_INSTANCES_INVALID'],
    ['0', 'E_AGG_INSTANCES_INVALID'],
    ['-1', 'E_AGG_INSTANCES_INVALID'],
    [' 4', 'E_AGG_INSTANCES_INVALID'],
    ['٤', 'E_AGG_INSTANCES_INVALID'],
    ['４', 'E_AGG_INSTANCES_INVALID'],
    ['2147483647', null],
  ])('WHEN instances=%j THEN %s', (value, expected) => {
    const text = domain({ hostdevs: hostdev(U1, inlineAgg(`type='i915-GVTg_V5_8' instances='${value}'`)) });
    expect(codes(text)).toEqual(expected ? [expected] : []);
  });

  test.each([
    ['type', '../../etc', 'E_AGG_TYPE_INVALID'],
    ['type', 'a/b', 'E_AGG_TYPE_INVALID'],
    ['type', '..', 'E_AGG_TYPE_INVALID'],
    ['type', '.', 'E_AGG_TYPE_INVALID'],
    ['type', 'i915-GVTg_V5_8,aggregate=9', 'E_AGG_TYPE_INVALID'],
    ['type', 'x'.repeat(129), 'E_AGG_TYPE_INVALID'],
    ['type', 'a&#10;b', 'E_AGG_TYPE_INVALID'],
    ['type', 'i915‐GVTg', 'E_AGG_TYPE_INVALID'], // U+2010 hyphen look-alike
    ['type', 'x'.repeat(128), null],
    ['parent', '../x', 'E_AGG_PARENT_INVALID'],
    ['parent', '0000:00:02.0/../..', 'E_AGG_PARENT_INVALID'],
    ['parent', '0000:00:02.0', null],
    ['method', 'both', 'E_AGG_METHOD_INVALID'],
    ['method', 'attribute', null],
  ])('WHEN %s=%j THEN %s', (name, value, expected) => {
    const attrs = name === 'type' ? `type='${value}' instances='2'` : `type='t' instances='2' ${name}='${value}'`;
    expect(codes(domain({ hostdevs: hostdev(U1, inlineAgg(attrs)) }))).toEqual(expected ? [expected] : []);
  });

  test('WHEN a NUL reference is in a value THEN the file is not XML at all', () => {
    expect(codes(domain({ hostdevs: hostdev(U1, inlineAgg("type='a&#0;' instances='2'")) }))).toEqual(['E_XML_MALFORMED']);
  });

  test('WHEN type or instances is missing THEN E_AGG_MISSING_ATTR at the element', () => {
    const r = readDomain(domain({ hostdevs: hostdev(U1, inlineAgg("instances='2'")) }), 'd.xml');
    expect(r.diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([['E_AGG_MISSING_ATTR', 8, 7]]);
  });
});

describe('GIVEN hostdev UUIDs and models', () => {
  test.each([
    ['53764D0E85A042B4AF5C2046B460B1DC', U1],
    ['53764D0E-85A0-42B4-AF5C-2046B460B1DC', U1],
    ['4dea22b3-1d52-d8f3-2516-782e98ab3fa0', '4dea22b3-1d52-d8f3-2516-782e98ab3fa0'], // libvirt accepts any version nibble
  ])('WHEN uuid=%s THEN it normalises to %s', (raw, normal) => {
    const r = readDomain(domain({ hostdevs: hostdev(raw, inlineAgg("type='t' instances='1'")) }), 'd.xml');
    expect(r.model?.devices.map((d) => d.uuid)).toEqual([normal]);
  });

  test.each([`${U1},aggregate=9`, `${U1}0`, 'not-a-uuid', `{${U1}}`])('WHEN uuid=%s THEN E_UUID_INVALID', (raw) => {
    expect(codes(domain({ hostdevs: hostdev(raw, inlineAgg("type='t' instances='1'")) }))).toEqual(['E_UUID_INVALID']);
  });

  test('WHEN two hostdevs share a UUID in different spellings THEN E_UUID_DUPLICATE at the second', () => {
    const text = domain({ hostdevs: `${hostdev(U1)}\n${hostdev(U1.toUpperCase().replace(/-/g, ''))}` });
    const r = readDomain(text, 'd.xml');
    expect(r.diagnostics.map((d) => [d.code, d.line])).toEqual([
      ['I_UNMANAGED_HOSTDEV', 6],
      ['E_UUID_DUPLICATE', 10],
    ]);
  });

  test.each([
    ["model='vfio-foo'", 'E_HOSTDEV_MODEL_INVALID'],
    ['', 'E_HOSTDEV_MODEL_INVALID'],
  ])('WHEN the hostdev has %j THEN %s', (model, expected) => {
    expect(codes(domain({ hostdevs: hostdev(U1, inlineAgg("type='t' instances='1'"), model) }))).toEqual([expected]);
  });

  test('WHEN an mdev hostdev has no aggregation entry THEN it is unmanaged, an info', () => {
    const r = readDomain(domain({ hostdevs: hostdev(U1) }), 'd.xml');
    expect(r.diagnostics.map((d) => [d.code, d.severity])).toEqual([['I_UNMANAGED_HOSTDEV', 'info']]);
    expect(r.model?.devices).toEqual([]);
  });

  test('WHEN the root is not a domain THEN E_NOT_DOMAIN', () => {
    expect(codes("<network><name>n</name></network>")).toEqual(['E_NOT_DOMAIN']);
    expect(codes("<domain xmlns='urn:other'/>")).toEqual(['E_NOT_DOMAIN']);
  });
});

describe('GIVEN the metadata form', () => {
  test('WHEN the prefix differs THEN the URI decides and the entry is read', () => {
    const text = domain({
      hostdevs: hostdev(U1),
      metadata: container(`      <m:device uuid='${U1}' type='i915-GVTg_V5_8' instances='4' parent='0000:00:02.0'/>`, 'm'),
    });
    const r = readDomain(text, 'd.xml');
    expect(r.diagnostics).toEqual([]);
    expect(r.model?.devices.map((d) => [d.uuid, d.type, d.instances, d.parent])).toEqual([[U1, 'i915-GVTg_V5_8', 4, '0000:00:02.0']]);
  });

  test('WHEN the container is in another namespace THEN it is not ours and the hostdev is unmanaged', () => {
    const text = domain({
      hostdevs: hostdev(U1),
      metadata: `  <metadata>\n    <agg:aggregation xmlns:agg='urn:mdev-agg:aggregation:2'><agg:device uuid='${U1}' type='t' instances='4'/></agg:aggregation>\n  </metadata>`,
    });
    expect(codes(text)).toEqual(['I_UNMANAGED_HOSTDEV']);
  });

  test('WHEN two containers share the URI THEN the second is ignored, as libvirt does', () => {
    const c = (n: string) => `<a${n}:aggregation xmlns:a${n}='urn:mdev-agg:aggregation:1'><a${n}:device uuid='${U1}' type='t${n}' instances='${n}'/></a${n}:aggregation>`;
    const text = domain({ hostdevs: hostdev(U1), metadata: `  <metadata>\n    ${c('1')}\n    ${c('2')}\n  </metadata>` });
    const r = readDomain(text, 'd.xml');
    expect(r.diagnostics.map((d) => d.code)).toEqual(['W_AGG_NAMESPACE_DUPLICATE']);
    expect(r.model?.devices.map((d) => d.type)).toEqual(['t1']);
  });

  test('WHEN an entry names no hostdev THEN E_AGG_ORPHAN at its uuid', () => {
    const text = domain({ hostdevs: hostdev(U1, inlineAgg("type='t' instances='1'")), metadata: container(`      <agg:device uuid='${U2}' type='t' instances='1'/>`) });
    const r = readDomain(text, 'd.xml');
    expect(r.diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([['E_AGG_ORPHAN', 6, 19]]);
  });

  test('WHEN two entries share a UUID THEN E_UUID_DUPLICATE', () => {
    const e = `      <agg:device uuid='${U1}' type='t' instances='1'/>`;
    expect(codes(domain({ hostdevs: hostdev(U1), metadata: container(`${e}\n${e}`) }))).toEqual(['E_UUID_DUPLICATE']);
  });

  test('WHEN inline and metadata agree THEN one device; WHEN they differ THEN E_AGG_CONFLICT at the metadata attribute', () => {
    const inline = hostdev(U1, inlineAgg("type='t' instances='2' parent='p'"));
    const same = readDomain(domain({ hostdevs: inline, metadata: container(`      <agg:device uuid='${U1}' type='t' instances='2' parent='p'/>`) }), 'd');
    expect(same.diagnostics).toEqual([]);
    expect(same.model?.devices).toHaveLength(1);
    const differ = readDomain(domain({ hostdevs: inline, metadata: container(`      <agg:device uuid='${U1}' type='t' instances='3' parent='p'/>`) }), 'd');
    expect(differ.diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([['E_AGG_CONFLICT', 6, 72]]);
    expect(differ.model?.devices).toEqual([]);
  });

  test('WHEN one side names a parent and the other does not THEN the message says which has none, never null', () => {
    for (const [key, value] of [['parent', 'p']] as const) {
      for (const inlineHas of [true, false]) {
        const attr = `${key}='${value}'`;
        const text = domain({
          hostdevs: hostdev(U1, inlineAgg(`type='t' instances='2'${inlineHas ? ` ${attr}` : ''}`)),
          metadata: container(`      <agg:device uuid='${U1}' type='t' instances='2'${inlineHas ? '' : ` ${attr}`}/>`),
        });
        const [d] = readDomain(text, 'd').diagnostics;
        const said = `${key}="${value}"`;
        expect(d!.message).toBe(inlineHas ? `inline ${said} disagrees with metadata (no ${key})` : `inline (no ${key}) disagrees with metadata ${said}`);
      }
    }
  });

  test('WHEN the entry carries a source stamp THEN it is in the model', () => {
    const text = domain({
      hostdevs: hostdev(U1),
      metadata: container(`      <agg:device uuid='${U1}' type='t' instances='2'><agg:source host='hv-a' driver='i915' migrationVersion='8086-591d-i915-GVTg_V5_8-00000001'/></agg:device>`),
    });
    expect(modelSummary(readDomain(text, 'd').model!).devices[0].source).toEqual({
      host: 'hv-a',
      driver: 'i915',
      driverVersion: null,
      migrationVersion: '8086-591d-i915-GVTg_V5_8-00000001',
    });
  });
});
