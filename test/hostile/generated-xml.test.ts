/**
 * Hostile inputs too large or too regular to commit as files: size, depth, width and inputs that
 * would make a careless scanner quadratic. Each is generated here and must give its code quickly.
 */
import { readDomain } from '../../src/core/reading/domain';
import { MAX_XML_BYTES, MAX_XML_DEPTH } from '../../src/core/xml/reader';
import { cli, json } from '../helpers/cli';
import { Figures } from './figures';

const figures = new Figures();
figures.printAfterAll((n) => [`hostile generated XML inputs: ${n('tried')} tried, ${n('passed')} passed`]);

const UUID = (i: number) => `53764d0e-85a0-42b4-af5c-${String(i).padStart(12, '0')}`;
// Hand-written: each case sets the entry's raw text and the input's size and shape.
const hostdev = (i: number, entry = `<aggregation type='i915-GVTg_V5_4' instances='1'/>`) =>
  `<hostdev mode='subsystem' type='mdev' model='vfio-pci'><source><address uuid='${UUID(i)}'/></source>${entry}</hostdev>`;
const domain = (devices: string, extra = '') => `<domain type='kvm'><name>g</name>${extra}<devices>${devices}</devices></domain>`;
const times = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i)).join('');

interface GeneratedCase {
  name: string;
  input: () => string | Uint8Array;
  /** The first error's code, or 'none' for an input that must be read without any error. */
  code: string;
  /** The read must finish within this many milliseconds (generous: a quadratic scan takes minutes). */
  withinMs: number;
  devices?: number;
}

const cases: GeneratedCase[] = [
  { name: '50 MB of spaces', input: () => Buffer.alloc(50 * 1024 * 1024, 0x20), code: 'E_XML_TOO_LARGE', withinMs: 2000 },
  { name: 'one byte over the limit', input: () => Buffer.concat([Buffer.from(domain('')), Buffer.alloc(MAX_XML_BYTES + 1 - domain('').length, 0x20)]), code: 'E_XML_TOO_LARGE', withinMs: 2000 },
  { name: 'exactly the limit', input: () => domain('') + ' '.repeat(MAX_XML_BYTES - domain('').length), code: 'none', withinMs: 5000 },
  { name: `nesting one level past ${MAX_XML_DEPTH}`, input: () => '<domain>' + '<a>'.repeat(MAX_XML_DEPTH) + '</a>'.repeat(MAX_XML_DEPTH) + '</domain>', code: 'E_XML_TOO_DEEP', withinMs: 2000 },
  { name: `nesting exactly ${MAX_XML_DEPTH} levels`, input: () => '<domain>' + '<a>'.repeat(MAX_XML_DEPTH - 1) + '</a>'.repeat(MAX_XML_DEPTH - 1) + '</domain>', code: 'none', withinMs: 2000 },
  { name: '100,000-deep nesting', input: () => '<domain>' + '<a>'.repeat(100000) + '</a>'.repeat(100000) + '</domain>', code: 'E_XML_TOO_DEEP', withinMs: 3000 },
  { name: '100,000 sibling elements', input: () => domain('', '<a/>'.repeat(100000)), code: 'none', withinMs: 5000 },
  { name: '400,000 unclosed elements (the message stays short)', input: () => '<domain>' + '<a>'.repeat(400000), code: 'E_XML_MALFORMED', withinMs: 5000 },
  { name: '5,000 mdev hostdevs', input: () => domain(times(5000, (i) => hostdev(i))), code: 'none', devices: 5000, withinMs: 10000 },
  { name: '5,000 hostdevs with one UUID', input: () => domain(times(5000, () => hostdev(1))), code: 'E_UUID_DUPLICATE', withinMs: 10000 },
  { name: '20,000 unknown attributes on one entry', input: () => domain(hostdev(1, `<aggregation type='t' instances='1' ${times(20000, (i) => `a${i}='1' `)}/>`)), code: 'none', devices: 1, withinMs: 10000 },
  { name: '20,000 namespace declarations', input: () => `<domain ${times(20000, (i) => `xmlns:p${i}='urn:x:${i}' `)}><devices/></domain>`, code: 'none', withinMs: 10000 },
  { name: '500,000 character references (no amplification, so no expansion limit)', input: () => domain('', `<description>${'&amp;&#65;'.repeat(250000)}</description>`), code: 'none', withinMs: 10000 },
  { name: '1,000,000 comment openers in an attribute value', input: () => `<domain a="${'<!--'.repeat(1000000)}"/>`, code: 'E_XML_MALFORMED', withinMs: 5000 },
  { name: '1,000,000 processing-instruction openers in an attribute value', input: () => `<domain a="${'<?'.repeat(1000000)}"/>`, code: 'E_XML_MALFORMED', withinMs: 5000 },
  { name: '1,000,000 CDATA ends in text', input: () => `<domain>${']]>'.repeat(1000000)}</domain>`, code: 'E_XML_MALFORMED', withinMs: 5000 },
  { name: '1,000,000 unterminated comment openers in text', input: () => `<domain>${'<!--'.repeat(1000000)}</domain>`, code: 'E_XML_MALFORMED', withinMs: 5000 },
  { name: '4 MB attribute value as the type', input: () => domain(hostdev(1, `<aggregation type='${'a'.repeat(4000000)}' instances='1'/>`)), code: 'E_AGG_TYPE_INVALID', withinMs: 5000 },
  { name: '4 MB of digits as instances', input: () => domain(hostdev(1, `<aggregation type='t' instances='${'9'.repeat(4000000)}'/>`)), code: 'E_AGG_INSTANCES_INVALID', withinMs: 5000 },
  { name: '1,000,000 ampersands', input: () => domain('', `<description>${'&'.repeat(1000000)}</description>`), code: 'E_XML_MALFORMED', withinMs: 5000 },
];

describe('inputs that cannot be read at all', () => {
  test.each([
    ['a directory', ['validate', 'fixtures/hostile']],
    ['a missing file', ['validate', 'fixtures/hostile/no-such-file.xml']],
    ['a directory given to apply', ['apply', '--simulate', '--root', 'fixtures/hosts/gvt-attribute', 'fixtures']],
    ['a missing file given to plan', ['plan', '--root', 'fixtures/hosts/gvt-attribute', 'no-such-file.xml']],
  ])('%s: exit 2 with the reason, no stack trace', async (_, argv) => {
    figures.add('tried');
    const result = await cli(argv);
    expect(result.code).toBe(2);
    expect(result.stdout + result.stderr).toMatch(/EISDIR|ENOENT/);
    expect(result.stdout + result.stderr).not.toMatch(/\n\s+at /);
    figures.add('passed');
  });
});

describe('generated hostile XML', () => {
  test.each(cases)('$name: $code', async ({ input, code, withinMs, devices }) => {
    figures.add('tried');
    const data = input();
    const started = Date.now();
    const { model, diagnostics } = readDomain(data, 'generated.xml');
    expect(Date.now() - started).toBeLessThan(withinMs);
    const errors = diagnostics.filter((d) => d.severity === 'error');
    if (code === 'none') {
      expect(errors).toEqual([]);
      if (devices !== undefined) expect(model?.devices).toHaveLength(devices);
    } else {
      expect(errors[0]?.code).toBe(code);
    }
    // Messages quote what they refuse, bounded: a hostile input never becomes megabytes of output.
    for (const d of diagnostics.slice(0, 100)) expect(d.message.length).toBeLessThan(400);

    const result = await cli(['validate', '--json', '--quiet', '-'], data);
    expect(result.code).toBe(code === 'none' ? 0 : 1);
    if (code !== 'none') expect(json(result).diagnostics[0].code).toBe(code);
    expect(result.stdout + result.stderr).not.toMatch(/\n\s+at /);
    figures.add('passed');
  });
});
