/**
 * Generated valid domains: random mdev hostdevs (UUID spellings, models, entries inline, in the
 * metadata container, in both or nowhere), random formatting (indentation, line ends, quotes,
 * attribute order, spaces around `=`), and unrelated elements around them. Each comes with the
 * model summary the reader must produce.
 */
import fc from 'fast-check';
import { MDEV_MODELS, METHODS } from '../../src/core/reading/names';

export interface GeneratedDevice {
  uuid: string;
  spelling: 'dashed' | 'plain' | 'upper' | 'upper-plain';
  model: (typeof MDEV_MODELS)[number];
  display: 'on' | 'off' | null;
  type: string;
  instances: number;
  parent: string | null;
  method: (typeof METHODS)[number] | null;
  where: 'inline' | 'metadata' | 'both' | 'none';
}

export interface GeneratedDomain {
  text: string;
  devices: GeneratedDevice[];
  name: string;
}

const SAFE_NAME = fc.stringMatching(/^[A-Za-z0-9_.:+-]{1,24}$/).filter((s) => s !== '.' && s !== '..');

const device: fc.Arbitrary<GeneratedDevice> = fc.record({
  uuid: fc.uuid(),
  spelling: fc.constantFrom('dashed', 'plain', 'upper', 'upper-plain'),
  model: fc.constantFrom(...MDEV_MODELS),
  display: fc.constantFrom('on', 'off', null),
  type: SAFE_NAME,
  instances: fc.oneof(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 2147483647 })),
  parent: fc.option(SAFE_NAME, { nil: null }),
  method: fc.option(fc.constantFrom(...METHODS), { nil: null }),
  where: fc.constantFrom('inline', 'metadata', 'both', 'none'),
});

interface Layout {
  indent: string;
  newline: string;
  quotes: boolean[];
  spaced: boolean;
  prefix: string;
  containerFirst: boolean;
  extras: string[];
  orderSeed: number;
}

const layout: fc.Arbitrary<Layout> = fc.record({
  indent: fc.constantFrom('  ', '    ', '\t', ' '),
  newline: fc.constantFrom('\n', '\r\n'),
  quotes: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
  spaced: fc.boolean(),
  prefix: fc.stringMatching(/^[a-wyz][a-z0-9]{0,5}$/),
  containerFirst: fc.boolean(),
  extras: fc.subarray([
    "<disk type='file' device='disk'><source file='/var/lib/libvirt/images/g.qcow2'/><target dev='vda' bus='virtio'/></disk>",
    "<interface type='network'><source network='default'/><model type='virtio'/></interface>",
    '<!-- a comment with <aggregation type="x" instances="9"/> inside -->',
    "<hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0x0000' bus='0x03' slot='0x00' function='0x0'/></source></hostdev>",
    '<controller type=\'usb\' model=\'qemu-xhci\'/>',
    '<![CDATA[ <aggregation/> ]]>',
  ]),
  orderSeed: fc.nat(),
});

const spell = (uuid: string, spelling: GeneratedDevice['spelling']) => {
  const plain = spelling === 'plain' || spelling === 'upper-plain' ? uuid.replace(/-/g, '') : uuid;
  return spelling.startsWith('upper') ? plain.toUpperCase() : plain.toLowerCase();
};

/** The domain text, and its devices in the order their hostdevs appear (the model's order). */
function render(devices: GeneratedDevice[], name: string, l: Layout): { text: string; order: GeneratedDevice[] } {
  let quoteIndex = 0;
  const attr = (key: string, value: string) => {
    const q = l.quotes[quoteIndex++ % l.quotes.length] ? "'" : '"';
    return `${key}${l.spaced ? ' = ' : '='}${q}${value}${q}`;
  };
  // A stable shuffle from the layout's seed: attribute order must not matter.
  const shuffle = <T>(items: T[]) => items.map((v, i) => ({ v, k: (l.orderSeed * (i + 7)) % 13 })).sort((a, b) => a.k - b.k).map((x) => x.v);
  const entryAttributes = (d: GeneratedDevice) =>
    shuffle([
      attr('type', d.type),
      attr('instances', String(d.instances)),
      ...(d.parent !== null ? [attr('parent', d.parent)] : []),
      ...(d.method !== null ? [attr('method', d.method)] : []),
    ]).join(' ');
  const i1 = l.indent;
  const i2 = i1.repeat(2);
  const i3 = i1.repeat(3);
  const nl = l.newline;
  const p = l.prefix;

  // Hand-written: the generator draws spellings, attribute orders and layouts the builders never write.
  const hostdevs = devices.map((d): { text: string; device?: GeneratedDevice } => {
    const head = shuffle([attr('mode', 'subsystem'), attr('type', 'mdev'), attr('model', d.model), ...(d.display ? [attr('display', d.display)] : [])]).join(' ');
    const inline = d.where === 'inline' || d.where === 'both' ? `${i3}<aggregation ${entryAttributes(d)}/>${nl}` : '';
    return { text: `${i2}<hostdev ${head}>${nl}${i3}<source><address ${attr('uuid', spell(d.uuid, d.spelling))}/></source>${nl}${inline}${i2}</hostdev>${nl}`, device: d };
  });
  const inMetadata = devices.filter((d) => d.where === 'metadata' || d.where === 'both');
  const other = `${i2}<app:info xmlns:app='urn:example:app'><app:owner>ops</app:owner></app:info>${nl}`;
  const container =
    inMetadata.length === 0
      ? ''
      : `${i2}<${p}:aggregation xmlns:${p}='urn:mdev-agg:aggregation:1'>${nl}` +
        inMetadata.map((d) => `${i3}<${p}:device ${attr('uuid', spell(d.uuid, d.spelling))} ${entryAttributes(d)}/>${nl}`).join('') +
        `${i2}</${p}:aggregation>${nl}`;
  const metadata = `${i1}<metadata>${nl}${l.containerFirst ? container + other : other + container}${i1}</metadata>${nl}`;
  const extras = l.extras.map((e): { text: string; device?: GeneratedDevice } => ({ text: `${i2}${e}${nl}` }));
  const items = shuffle([...hostdevs, ...extras]);
  const body = items.map((item) => item.text).join('');
  const text = `<domain type='kvm'>${nl}${i1}<name>${name}</name>${nl}${metadata}${i1}<devices>${nl}${body}${i1}</devices>${nl}</domain>${nl}`;
  return { text, order: items.flatMap((item) => (item.device ? [item.device] : [])) };
}

export const validDomain: fc.Arbitrary<GeneratedDomain> = fc
  .record({
    devices: fc.uniqueArray(device, { maxLength: 5, selector: (d) => d.uuid.toLowerCase() }),
    name: fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/),
    layout,
  })
  .map(({ devices, name, layout: l }) => {
    const { text, order } = render(devices, name, l);
    return { text, devices: order, name };
  });

/** What modelSummary must give for a generated domain. */
export function expectedSummary(g: GeneratedDomain) {
  const norm = (u: string) => u.toLowerCase();
  return {
    name: g.name,
    uuid: null,
    devices: g.devices
      .filter((d) => d.where !== 'none')
      .map((d) => ({ uuid: norm(d.uuid), model: d.model, type: d.type, instances: d.instances, parent: d.parent, method: d.method ?? 'auto', source: null })),
    hostdevs: g.devices.map((d) => ({ uuid: norm(d.uuid), model: d.model, display: d.display, ramfb: null })),
  };
}
