/**
 * The injection corpus (fixtures/hostile/injection/): every attribute mdev-agg reads, with every
 * payload of its kind. The files are generated from this table and committed, so a user can open
 * any of them; injection-files.test.ts keeps files and table in step (MDEV_AGG_REGENERATE=1
 * rewrites them).
 */

type Outcome = 'invalid' | 'malformed' | 'accepted';

interface Payload {
  id: string;
  why: string;
  /** The attribute as written, from the attribute's name and its ordinary value. */
  attribute: (name: string, base: string) => string;
  /** What the payload must lead to, for every attribute or per attribute name. */
  outcome: Outcome | ((name: string) => Outcome);
}

interface Target {
  id: string;
  what: string;
  name: string;
  base: string;
  /** The code of a value the reader refuses for this attribute. */
  invalid: string;
  payloads: Payload[];
  domain: (attribute: string) => string;
}

export interface InjectionCase {
  file: string;
  content: string;
  code: string;
  why: string;
  devices?: number;
}

const UUID = '53764d0e-85a0-42b4-af5c-2046b460b1dc';

const quote = (name: string, value: string) => (value.includes("'") ? `${name}="${value}"` : `${name}='${value}'`);
/** A payload written as the value itself (markup such as `&#0;` stays markup). */
const value = (id: string, why: string, make: (base: string) => string, outcome: Payload['outcome'] = 'invalid'): Payload => ({
  id,
  why,
  attribute: (name, base) => quote(name, make(base)),
  outcome,
});
const duplicate: Payload = {
  id: 'duplicate-attribute',
  why: 'the attribute written twice, the second time hostile: the last-wins habit of lenient parsers must not apply',
  attribute: (name, base) => `${quote(name, base)} ${quote(name, '../../etc')}`,
  outcome: 'malformed',
};

/** Replaces the first character of `from` found in the value, or appends `to` when there is none. */
const swapFirst = (base: string, from: RegExp, to: string | ((c: string) => string)) => {
  const m = from.exec(base);
  if (!m) return base + (typeof to === 'string' ? to : to('x'));
  return base.slice(0, m.index) + (typeof to === 'string' ? to : to(m[0])) + base.slice(m.index + m[0].length);
};
const CYRILLIC: Record<string, string> = { a: '\u0430', e: '\u0435', i: '\u0456', o: '\u043e', c: '\u0441', p: '\u0440', '0': '\u041e' };
const fullwidth = (text: string) => text.replace(/[!-~]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));

/** What any attribute value can carry: separators, traversal, control and invisible characters. */
const common = (lookalikeOf: RegExp): Payload[] => [
  value('aggregate-option', "the create option appended (',aggregate=9'): a string written to create must be exactly the UUID", (b) => `${b},aggregate=9`),
  value('path-traversal', "'../../etc' in place of the value", () => '../../etc'),
  value('nul-byte', 'a raw NUL byte, which would end a C string early', (b) => `${b}\u0000`, 'malformed'),
  value('nul-reference', "'&#0;', a NUL by reference", (b) => `${b}&#0;`, 'malformed'),
  value('newline', 'a raw newline, which attribute normalisation turns into a space', (b) => `${b}\n`),
  value('newline-reference', "'&#10;', a newline that survives normalisation: a second line in a sysfs write", (b) => `${b}&#10;1`),
  value('carriage-return-reference', "'&#13;'", (b) => `${b}&#13;`),
  value('tab-reference', "'&#9;'", (b) => `&#9;${b}`),
  value('leading-space', 'a leading space', (b) => ` ${b}`),
  value('trailing-space', 'a trailing space', (b) => `${b} `),
  value('no-break-space', 'a trailing U+00A0', (b) => `${b}\u00a0`),
  value('hyphen-u2010', 'U+2010 HYPHEN in place of a hyphen-minus (or another character)', (b) => swapFirst(b, lookalikeOf, '\u2010')),
  value('hyphen-u2011', 'U+2011 NON-BREAKING HYPHEN as a look-alike', (b) => swapFirst(b, lookalikeOf, '\u2011')),
  value('minus-u2212', 'U+2212 MINUS SIGN as a look-alike', (b) => swapFirst(b, lookalikeOf, '\u2212')),
  value('fullwidth-hyphen-uff0d', 'U+FF0D FULLWIDTH HYPHEN-MINUS as a look-alike', (b) => swapFirst(b, lookalikeOf, '\uff0d')),
  value('zero-width-space', 'an invisible U+200B inside the value', (b) => `${b.slice(0, 4)}\u200b${b.slice(4)}`),
  value('zero-width-joiner', 'an invisible U+200D inside the value', (b) => `${b.slice(0, 2)}\u200d${b.slice(2)}`),
  value('byte-order-mark', 'U+FEFF inside the value', (b) => `\ufeff${b}`),
  value('rtl-override', 'U+202E RIGHT-TO-LEFT OVERRIDE, which makes text display reversed', (b) => `${b.slice(0, 3)}\u202e${b.slice(3)}`),
  value('cyrillic-homoglyph', 'a Cyrillic letter that looks like its Latin twin', (b) => swapFirst(b, /[aeiocp0]/, (c) => CYRILLIC[c]!)),
  value('fullwidth-form', 'the value in fullwidth forms', (b) => fullwidth(b)),
  value('empty', 'an empty value', () => ''),
  duplicate,
];

const numeric: Payload[] = [
  ...common(/-|$/),
  ...(
    [
      ['plus-sign', '+4'],
      ['leading-zero', '04'],
      ['decimal-point', '4.0'],
      ['hexadecimal', '0x4'],
      ['octal-prefix', '0o4'],
      ['binary-prefix', '0b100'],
      ['exponent', '1e3'],
      ['negative-zero', '-0'],
      ['negative', '-4'],
      ['zero', '0'],
      ['two-to-the-31', '2147483648'],
      ['two-to-the-32', '4294967296'],
      ['twenty-digits', '99999999999999999999'],
      ['arabic-indic-digit', '\u0664'],
      ['extended-arabic-indic-digit', '\u06f4'],
      ['devanagari-digit', '\u096a'],
      ['fullwidth-digit', '\uff14'],
      ['mathematical-bold-digit', '\u{1d7d2}'],
      ['superscript-digit', '\u2074'],
      ['digit-separator', '4_000'],
      ['thousands-comma', '1,000'],
      ['bigint-suffix', '4n'],
      ['infinity', 'Infinity'],
      ['not-a-number', 'NaN'],
    ] as const
  ).map(([id, text]) => value(id, `'${text}': not ASCII decimal 1..2147483647 without sign or leading zero`, () => text)),
  value('largest', '2147483647, the largest count: accepted', () => '2147483647', 'accepted'),
  value('digit-by-reference', "'&#52;' is the digit 4 once decoded, as libvirt sees it: accepted", () => '&#52;', 'accepted'),
];

const sysfsName: Payload[] = [
  ...common(/-|$/),
  value('slash', "a '/' making two path components", (b) => `${b}/remove`),
  value('absolute-path', 'an absolute path', () => '/etc/passwd'),
  value('dot', "'.', the directory itself", () => '.'),
  value('dot-dot', "'..', the parent directory", () => '..'),
  value('traversal-to-another-attribute', 'a climb out of the type or parent directory to another writable attribute', () => '../../../../../module/kvm/parameters/halt_poll_ns'),
  value('backslash-traversal', 'backslash separators', () => '..\\..\\etc'),
  value('percent-encoded', 'percent-encoded traversal', () => '%2e%2e%2fetc'),
  value('command-substitution', 'shell command substitution, dangerous if a plan is pasted into a shell', () => '$(reboot)'),
  value('backticks', 'shell backticks', () => '`id`'),
  value('semicolon', 'a shell command separator', (b) => `${b};reboot`),
  value('glob', 'a shell glob', () => '*'),
  value('inner-space', 'a space inside', () => 'a b'),
  value('dotless-i', 'U+0131 dotless i as a look-alike', (b) => swapFirst(b, /i/, '\u0131')),
  value('too-long', '129 bytes, one over the limit', () => 'a'.repeat(129)),
  value('longest', '128 bytes, the limit: accepted', () => 'a'.repeat(128), 'accepted'),
  value('numeric-looking', "'4.0' and the like are ordinary names in the charset: accepted", () => '4.0', 'accepted'),
  value('leading-hyphen', "'-0' is in the charset and harmless as a path component: accepted", () => '-0', 'accepted'),
];

const uuid: Payload[] = [
  ...common(/-/),
  value('traversal-suffix', 'a valid UUID followed by a climb', (b) => `${b}/../../../etc`),
  value('arabic-indic-digit', 'an Arabic-Indic digit for a hex digit', (b) => swapFirst(b, /5/, '\u0665')),
  value('devanagari-digit', 'a Devanagari digit for a hex digit', (b) => swapFirst(b, /5/, '\u096b')),
  value('braces', 'Microsoft-style braces', (b) => `{${b}}`),
  value('urn-prefix', "the 'urn:uuid:' prefix", (b) => `urn:uuid:${b}`),
  value('one-digit-short', '31 hex digits', (b) => b.slice(0, -1)),
  value('one-digit-long', '33 hex digits', (b) => `${b}0`),
  value('dash-misplaced', 'the dashes moved (9-3-4-4-12)', () => '53764d0e8-5a0-42b4-af5c-2046b460b1dc'),
  value('dash-missing', 'one dash left out', () => '53764d0e-85a042b4-af5c-2046b460b1dc'),
  value('non-hex-letter', "a 'g'", (b) => `${b.slice(0, -1)}g`),
  value('upper-case', 'upper-case hex: libvirt accepts it, normalised to lower case', (b) => b.toUpperCase(), 'accepted'),
  value('plain-hex', 'the 32 digits without dashes: libvirt accepts it', (b) => b.replace(/-/g, ''), 'accepted'),
  value('hex-digit-by-reference', "'&#x35;' is the digit 5 once decoded: accepted", (b) => `&#x35;${b.slice(1)}`, 'accepted'),
];

const enumerated: Payload[] = [
  ...common(/-|$/),
  value('upper-case', 'the value in upper case: names are exact', (b) => b.toUpperCase()),
  value('capitalised', 'the value capitalised', (b) => b[0]!.toUpperCase() + b.slice(1)),
];

/** Stamp values are data (one printable ASCII line); only driver must also be a safe name. */
const stampText: Payload[] = [
  value('newline-reference', "'&#10;' starting a second line: the stamp is written back to sysfs", (b) => `${b}&#10;injected`),
  value('carriage-return-reference', "'&#13;'", (b) => `${b}&#13;`),
  value('tab-reference', "'&#9;': not printable ASCII", (b) => `${b}&#9;`),
  value('nul-byte', 'a raw NUL byte', (b) => `${b}\u0000`, 'malformed'),
  value('nul-reference', "'&#0;'", (b) => `${b}&#0;`, 'malformed'),
  value('escape-reference', "'&#27;' (ESC) is not even an XML character", (b) => `${b}&#27;[2J`, 'malformed'),
  value('c1-csi-reference', "'&#x9b;', the C1 control sequence introducer: a terminal escape", (b) => `${b}&#x9b;2J`),
  value('delete-reference', "'&#127;' (DEL)", (b) => `${b}&#127;`),
  value('rtl-override', 'U+202E RIGHT-TO-LEFT OVERRIDE', (b) => `\u202e${b}`),
  value('zero-width-space', 'U+200B', (b) => `${b}\u200b`),
  value('non-ascii-letter', "a non-ASCII letter ('é')", (b) => `${b}\u00e9`),
  value('too-long', '4097 bytes, one over the limit', () => 'a'.repeat(4097)),
  value('longest', '4096 bytes: accepted as text; too long for a driver name', () => 'a'.repeat(4096), (name) => (name === 'driver' ? 'invalid' : 'accepted')),
  value('empty', 'an empty value', () => ''),
  value('path-traversal', "'../../etc': data for the text fields, refused as a driver name", () => '../../etc', (name) => (name === 'driver' ? 'invalid' : 'accepted')),
  value('aggregate-option', "',aggregate=9': printable text; refused as a driver name", (b) => `${b},aggregate=9`, (name) => (name === 'driver' ? 'invalid' : 'accepted')),
  duplicate,
];

// Hand-written: the hostile corpus places raw attributes and entries exactly.
const HOSTDEV = (model: string, uuidAttribute: string, entry: string) =>
  `    <hostdev mode='subsystem' type='mdev' ${model} display='off'>\n` +
  `      <source><address ${uuidAttribute}/></source>\n${entry}    </hostdev>\n`;

const wrap = (metadata: string, devices: string) =>
  "<domain type='kvm'>\n  <name>injection</name>\n  <uuid>0b2d8a4e-1c3f-4e5a-9b7c-6d8e9f0a1b2c</uuid>\n" +
  "  <memory unit='GiB'>4</memory>\n  <vcpu>2</vcpu>\n" +
  (metadata ? `  <metadata>\n${metadata}  </metadata>\n` : '') +
  `  <devices>\n${devices}  </devices>\n</domain>\n`;

const ENTRY = { type: 'i915-GVTg_V5_4', instances: '2', parent: '0000:00:02.0', method: 'create-option' } as const;
const STAMP = { host: 'hv-a', driver: 'i915', driverVersion: '5.4.0', migrationVersion: '8086-591d-i915-GVTg_V5_4-00000001' } as const;

/** The attributes of an entry, with one of them replaced by the payload's text. */
const entryAttributes = (replaced: string | null, attribute: string) =>
  (Object.keys(ENTRY) as (keyof typeof ENTRY)[]).map((k) => (k === replaced ? attribute : quote(k, ENTRY[k]))).join(' ');

const inlineDomain = (replaced: string | null) => (attribute: string) =>
  wrap('', HOSTDEV("model='vfio-pci'", quote('uuid', UUID), `      <aggregation ${entryAttributes(replaced, attribute)}/>\n`));

const metadataDomain = (replaced: string | null, stampReplaced: string | null = null) => (attribute: string) => {
  const device = replaced === 'uuid' ? attribute : quote('uuid', UUID);
  const stamp = (Object.keys(STAMP) as (keyof typeof STAMP)[]).map((k) => (k === stampReplaced ? attribute : quote(k, STAMP[k]))).join(' ');
  const container =
    "    <agg:aggregation xmlns:agg='urn:mdev-agg:aggregation:1'>\n" +
    `      <agg:device ${device} ${entryAttributes(replaced, attribute)}>\n` +
    `        <agg:source ${stamp}/>\n      </agg:device>\n    </agg:aggregation>\n`;
  return wrap(container, HOSTDEV("model='vfio-pci'", quote('uuid', UUID), ''));
};

const TARGETS: Target[] = [
  { id: 'hostdev-uuid', what: "the hostdev's source address uuid", name: 'uuid', base: UUID, invalid: 'E_UUID_INVALID', payloads: uuid,
    domain: (a) => wrap('', HOSTDEV("model='vfio-pci'", a, `      <aggregation ${entryAttributes(null, '')}/>\n`)) },
  { id: 'metadata-uuid', what: "the metadata device's uuid", name: 'uuid', base: UUID, invalid: 'E_UUID_INVALID', payloads: uuid, domain: metadataDomain('uuid') },
  { id: 'inline-type', what: 'the inline type', name: 'type', base: ENTRY.type, invalid: 'E_AGG_TYPE_INVALID', payloads: sysfsName, domain: inlineDomain('type') },
  { id: 'metadata-type', what: 'the metadata type', name: 'type', base: ENTRY.type, invalid: 'E_AGG_TYPE_INVALID', payloads: sysfsName, domain: metadataDomain('type') },
  { id: 'inline-parent', what: 'the inline parent', name: 'parent', base: ENTRY.parent, invalid: 'E_AGG_PARENT_INVALID', payloads: sysfsName, domain: inlineDomain('parent') },
  { id: 'metadata-parent', what: 'the metadata parent', name: 'parent', base: ENTRY.parent, invalid: 'E_AGG_PARENT_INVALID', payloads: sysfsName, domain: metadataDomain('parent') },
  { id: 'inline-instances', what: 'the inline instances', name: 'instances', base: ENTRY.instances, invalid: 'E_AGG_INSTANCES_INVALID', payloads: numeric, domain: inlineDomain('instances') },
  { id: 'metadata-instances', what: 'the metadata instances', name: 'instances', base: ENTRY.instances, invalid: 'E_AGG_INSTANCES_INVALID', payloads: numeric, domain: metadataDomain('instances') },
  { id: 'inline-method', what: 'the inline method', name: 'method', base: ENTRY.method, invalid: 'E_AGG_METHOD_INVALID', payloads: enumerated, domain: inlineDomain('method') },
  { id: 'metadata-method', what: 'the metadata method', name: 'method', base: ENTRY.method, invalid: 'E_AGG_METHOD_INVALID', payloads: enumerated, domain: metadataDomain('method') },
  { id: 'model', what: "the hostdev's model", name: 'model', base: 'vfio-pci', invalid: 'E_HOSTDEV_MODEL_INVALID', payloads: enumerated,
    domain: (a) => wrap('', HOSTDEV(a, quote('uuid', UUID), `      <aggregation ${entryAttributes(null, '')}/>\n`)) },
  ...(Object.keys(STAMP) as (keyof typeof STAMP)[]).map((k): Target => ({
    id: `stamp-${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`,
    what: `the source stamp's ${k}`,
    name: k,
    base: STAMP[k],
    invalid: 'E_AGG_SOURCE_INVALID',
    payloads: stampText,
    domain: metadataDomain(null, k),
  })),
];

export function injectionCases(): InjectionCase[] {
  return TARGETS.flatMap((target) =>
    target.payloads.map((payload) => {
      const outcome = typeof payload.outcome === 'function' ? payload.outcome(target.name) : payload.outcome;
      const code = outcome === 'invalid' ? target.invalid : outcome === 'malformed' ? 'E_XML_MALFORMED' : 'none';
      return {
        file: `${target.id}/${payload.id}.xml`,
        content: target.domain(payload.attribute(target.name, target.base)),
        code,
        why: `${target.what}: ${payload.why}`,
        ...(outcome === 'accepted' ? { devices: 1 } : {}),
      };
    }),
  );
}
