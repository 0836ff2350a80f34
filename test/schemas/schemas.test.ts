/**
 * The RelaxNG schemas and the XML fixtures, checked with xmllint (libvirt's own habit): a file whose
 * name ends `-invalid.xml` must fail its schema, every other one must pass. xmllint and libvirt's
 * installed schemas are required (`scripts/setup-test-tools.sh` installs them); without them these
 * tests fail, they are not skipped.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CODES } from '../../src/core/text/diagnostics';

const REPO = join(__dirname, '..', '..');
const SCHEMAS = join(REPO, 'schemas');
const DOMAINS = join(REPO, 'fixtures', 'domains');
const SNAPSHOTS = join(REPO, 'fixtures', 'snapshots');
const LIBVIRT_SCHEMAS = '/usr/share/libvirt/schemas';
const DOMAIN_RNG = join(SCHEMAS, 'domain-aggregation.rng');
const AGGREGATION_RNG = join(SCHEMAS, 'aggregation.rng');
const HOST_RNG = join(SCHEMAS, 'host.rng');
const AGG_NS = 'urn:mdev-agg:aggregation:1';

interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

/** xmllint's exit status and output; status 3 is "fails to validate", 0 "validates". */
function xmllint(args: string[], input?: string): Run {
  try {
    const stdout = execFileSync('xmllint', args, { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
    return { status: 0, stdout, stderr: '' };
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { status?: number | null; stdout?: string; stderr?: string };
    if (err.code === 'ENOENT') throw new Error('xmllint is not installed: run `bash scripts/setup-test-tools.sh` (Debian package libxml2-utils)');
    return { status: err.status ?? -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

const validate = (schema: string, file: string) => xmllint(['--noout', '--relaxng', schema, file]);
const validateText = (schema: string, text: string) => xmllint(['--noout', '--relaxng', schema, '-'], text);

function expectStatus(run: Run, status: 0 | 3, what: string) {
  // A schema that does not compile (status 5) must never count as "the file is invalid".
  if (run.status !== status) throw new Error(`${what}: xmllint exited ${run.status}, expected ${status}\n${run.stderr}`);
}

const xmlFiles = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.xml'))
    .sort();
const isInvalid = (f: string) => f.endsWith('-invalid.xml');

beforeAll(() => {
  const version = xmllint(['--version']);
  if (version.status !== 0) throw new Error(`xmllint --version failed: ${version.stderr}`);
  for (const f of ['domain.rng', 'domaincommon.rng', 'basictypes.rng']) {
    if (!existsSync(join(LIBVIRT_SCHEMAS, f))) {
      throw new Error(`${LIBVIRT_SCHEMAS}/${f} is missing: run \`bash scripts/setup-test-tools.sh\` (Debian package libvirt0)`);
    }
  }
});

describe('scripts/setup-test-tools.sh', () => {
  test('with everything installed it exits 0 at once, quietly, without touching apt', () => {
    const started = Date.now();
    const run = spawnSync('bash', [join(REPO, 'scripts', 'setup-test-tools.sh')], { encoding: 'utf8' });
    expect({ status: run.status, stdout: run.stdout, stderr: run.stderr }).toEqual({ status: 0, stdout: '', stderr: '' });
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('domain fixtures against schemas/domain-aggregation.rng', () => {
  const files = xmlFiles(DOMAINS);

  test('there are valid, -invalid and -error fixtures', () => {
    expect(files.filter(isInvalid).length).toBeGreaterThanOrEqual(20);
    expect(files.filter((f) => f.endsWith('-error.xml')).length).toBeGreaterThanOrEqual(10);
    expect(files.filter((f) => !isInvalid(f) && !f.endsWith('-error.xml')).length).toBeGreaterThanOrEqual(10);
    expect(files).toContain('example-gvt.xml');
  });

  test.each(files)('%s', (file) => {
    expectStatus(validate(DOMAIN_RNG, join(DOMAINS, file)), isInvalid(file) ? 3 : 0, file);
  });
});

/**
 * Each mdev-agg container inside <metadata>, as a document of its own: its serialisation plus the
 * namespace declarations in scope at it (a prefix may be declared on <domain>).
 */
function metadataContainers(file: string): string[] {
  const path = join(DOMAINS, file);
  const xpath = `/*/*[local-name()='metadata' and namespace-uri()='']/*[local-name()='aggregation' and namespace-uri()='${AGG_NS}']`;
  const count = Number(xmllint(['--xpath', `count(${xpath})`, path]).stdout.trim());
  const containers: string[] = [];
  for (let i = 1; i <= count; i++) {
    const node = xmllint(['--xpath', `(${xpath})[${i}]`, path]);
    const scope = xmllint(['--xpath', `(${xpath})[${i}]/namespace::*`, path]);
    if (node.status !== 0 || scope.status !== 0) throw new Error(`${file}: xmllint --xpath failed: ${node.stderr}${scope.stderr}`);
    const text = node.stdout.trim();
    const startTag = text.slice(0, text.indexOf('>'));
    const declarations = [...scope.stdout.matchAll(/xmlns(?::([A-Za-z_][\w.-]*))?="([^"]*)"/g)]
      .filter(([, prefix]) => prefix !== 'xml')
      .filter(([, prefix]) => !new RegExp(`\\sxmlns${prefix ? `:${prefix}` : ''}=`).test(startTag))
      .map(([declaration]) => ` ${declaration}`)
      .join('');
    const nameEnd = text.search(/[\s/>]/);
    containers.push(text.slice(0, nameEnd) + declarations + text.slice(nameEnd));
  }
  return containers;
}

describe('metadata containers of the domain fixtures against schemas/aggregation.rng', () => {
  // domain-aggregation.rng cannot check inside <metadata> (schemas/README.md); this does.
  const files = xmlFiles(DOMAINS).filter((f) => !isInvalid(f));
  const brokenContainer = (f: string) => f.startsWith('metadata-') && f.endsWith('-error.xml');

  test('metadata-*-error.xml fixtures exist', () => {
    expect(files.filter(brokenContainer).length).toBeGreaterThanOrEqual(5);
  });

  test.each(files)('%s', (file) => {
    const containers = metadataContainers(file);
    if (readFileSync(join(DOMAINS, file), 'utf8').includes(AGG_NS)) expect(containers.length).toBeGreaterThanOrEqual(1);
    containers.forEach((container, i) => {
      // Only the first container counts (libvirt keeps only it); a broken one is the first.
      const status = brokenContainer(file) && i === 0 ? 3 : 0;
      expectStatus(validateText(AGGREGATION_RNG, container), status, `${file} container ${i + 1}`);
    });
  });
});

describe('schemas/aggregation.rng', () => {
  const UUID = '53764d0e-85a0-42b4-af5c-2046b460b1dc';
  const container = (device: string) => `<agg:aggregation xmlns:agg='${AGG_NS}'>${device}</agg:aggregation>`;
  const device = (attributes: Record<string, string>, content = '') => {
    const attrs = Object.entries(attributes)
      .map(([k, v]) => ` ${k}='${v}'`)
      .join('');
    return content ? `<agg:device${attrs}>${content}</agg:device>` : `<agg:device${attrs}/>`;
  };
  const base = { uuid: UUID, type: 'i915-GVTg_V5_8', instances: '4', parent: '0000:00:02.0' };

  test('a deployed container with a source stamp validates', () => {
    const stamp = `<agg:source host='hv-a' driver='i915' driverVersion='1.0' migrationVersion='8086-591d-i915-GVTg_V5_8-00000001'/>`;
    const sample = container(device({ ...base, method: 'attribute' }, stamp) + device({ uuid: UUID.replace(/-/g, '').toUpperCase(), type: 'nvidia-256', instances: '1' }));
    expectStatus(validateText(AGGREGATION_RNG, sample), 0, 'sample');
  });

  test.each([
    ['instances', '1'],
    ['instances', '2147483647'],
    ['instances', '4294967296'], // the range is the tool's check (E_AGG_INSTANCES_INVALID)
    ['type', 'vfio_ap-passthrough'],
    ['type', 'a'.repeat(128)],
    ['type', '...'],
    ['parent', '0.0.0072'],
    ['method', 'auto'],
    ['method', 'create-option'],
    ['uuid', UUID.toUpperCase()],
    ['uuid', UUID.replace(/-/g, '')],
  ])('%s=%j validates', (name, value) => {
    expectStatus(validateText(AGGREGATION_RNG, container(device({ ...base, [name]: value }))), 0, `${name}=${value}`);
  });

  test.each([
    ['instances', '+4'],
    ['instances', '04'],
    ['instances', '4.0'],
    ['instances', '0x4'],
    ['instances', '0'],
    ['instances', '-1'],
    ['instances', ' 4'],
    ['instances', '4 '],
    ['instances', '\u0664'],
    ['instances', '12345678901'],
    ['instances', ''],
    ['type', '../../etc'],
    ['type', 'a/b'],
    ['type', '.'],
    ['type', '..'],
    ['type', 'i915,aggregate=9'],
    ['type', 'a'.repeat(129)],
    ['type', 'i915-GVTg_V5_8&#10;nvidia-256'],
    ['type', ''],
    ['parent', '../x'],
    ['parent', '0000:00:02.0 '],
    ['method', 'Auto'],
    ['method', 'aggregate'],
    ['uuid', `${UUID},aggregate=9`],
    ['uuid', UUID.slice(1)],
    ['uuid', '53764d0e-85a0-42b4-af5c2046b460b1dc'],
    ['unknown', 'x'],
  ])('%s=%j fails', (name, value) => {
    expectStatus(validateText(AGGREGATION_RNG, container(device({ ...base, [name]: value }))), 3, `${name}=${value}`);
  });

  test.each([
    ['an empty container', container('')],
    ['a device without uuid', container(device({ type: 'nvidia-256', instances: '1' }))],
    ['a device without type', container(device({ uuid: UUID, instances: '1' }))],
    ['a device without instances', container(device({ uuid: UUID, type: 'nvidia-256' }))],
    ['an unknown child', container(device(base, '<agg:option name="x"/>'))],
    ['a multi-line source value', container(device(base, `<agg:source host='hv-a&#10;hv-b'/>`))],
    ['no namespace', `<aggregation>${device(base).replace(/agg:/g, '')}</aggregation>`],
    ['another namespace', container(device(base)).replace(AGG_NS, 'urn:mdev-agg:aggregation:2')],
  ])('%s fails', (_what, text) => {
    expectStatus(validateText(AGGREGATION_RNG, text), 3, _what);
  });
});

describe('schemas/domain-aggregation.rng: where the inline element may stand', () => {
  const example = readFileSync(join(DOMAINS, 'example-gvt.xml'), 'utf8');
  const inline = "<aggregation type='i915-GVTg_V5_8' instances='2' parent='0000:00:02.0'/>";

  test('the example carries the inline element', () => {
    expect(example).toContain(inline);
  });

  test('in a hostdev of type pci it fails', () => {
    // Hand-written: a pci hostdev, edited into the schema's example text.
    const pci = `<hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0x0000' bus='0x01' slot='0x00' function='0x0'/></source>${inline}</hostdev>`;
    expectStatus(validateText(DOMAIN_RNG, example.replace('<memballoon', `${pci}\n    <memballoon`)), 3, 'pci');
  });

  test('directly under <devices> it fails', () => {
    expectStatus(validateText(DOMAIN_RNG, example.replace('<memballoon', `${inline}\n    <memballoon`)), 3, 'devices');
  });

  test('before <source> in an mdev hostdev it validates (libvirt interleaves hostdev children)', () => {
    const moved = example.replace(/(<hostdev [^>]*>)(\s*<source>[\s\S]*?<\/source>)(\s*)(<aggregation [^>]*\/>)/, '$1$3$4$2');
    expect(moved).not.toBe(example);
    expectStatus(validateText(DOMAIN_RNG, moved), 0, 'moved');
  });

  test('libvirt rules still hold: a malformed source UUID fails', () => {
    expectStatus(validateText(DOMAIN_RNG, example.replace("uuid='8e8ebe45-2021-4448-8362-146d9308e64e'", "uuid='8e8ebe45'")), 3, 'uuid');
  });
});

describe('schemas include libvirt instead of copying it', () => {
  const defines = (text: string) => new Set([...text.matchAll(/<define\s+name="([^"]+)"/g)].map((m) => m[1]));
  // The files that make up the grammar built on libvirt's (host.rng is a grammar of its own).
  const ours = ['domain-aggregation.rng', 'aggregation-common.rng'].map((f) => readFileSync(join(SCHEMAS, f), 'utf8'));

  test('domain-aggregation.rng includes the installed domain.rng', () => {
    expect(readFileSync(DOMAIN_RNG, 'utf8')).toContain(`<include href="${LIBVIRT_SCHEMAS}/domain.rng"/>`);
  });

  test('no libvirt define is restated, only hostdevsubsysmdev is combined', () => {
    const libvirt = new Set<string>();
    for (const f of readdirSync(LIBVIRT_SCHEMAS).filter((n) => n.endsWith('.rng'))) {
      for (const name of defines(readFileSync(join(LIBVIRT_SCHEMAS, f), 'utf8'))) libvirt.add(name);
    }
    expect(libvirt.size).toBeGreaterThan(100);
    const shared = ours.flatMap((text) => [...defines(text)].filter((name) => libvirt.has(name)));
    expect(shared).toEqual(['hostdevsubsysmdev']);
    expect(readFileSync(DOMAIN_RNG, 'utf8')).toMatch(/<define name="hostdevsubsysmdev" combine="interleave">/);
  });
});

describe('host snapshots against schemas/host.rng', () => {
  const files = xmlFiles(SNAPSHOTS);

  test('there are valid and -invalid snapshots', () => {
    expect(files.filter(isInvalid).length).toBeGreaterThanOrEqual(1);
    expect(files.filter((f) => !isInvalid(f)).length).toBeGreaterThanOrEqual(2);
  });

  test.each(files)('%s', (file) => {
    expectStatus(validate(HOST_RNG, join(SNAPSHOTS, file)), isInvalid(file) ? 3 : 0, file);
  });

  const snapshot = (body: string) => `<host xmlns="urn:mdev-agg:host:1" name="hv-t">${body}</host>`;
  const parent = (types: string) => `<parent name="0000:41:00.0" driver="nvidia" vendor="10de" device="1e30">${types}</parent>`;

  test.each([
    ['an empty host', snapshot('')],
    ['devices before parents', snapshot(`<device uuid="0b5a8b1e-7c55-4d0c-9a3e-51f0c1a6d2f4" parent="0000:41:00.0" type="nvidia-256" instances="1"/>${parent('')}`)],
    ['a type with only id and dialect', snapshot(parent('<type id="nvidia-256" dialect="none"/>'))],
    ['availableInstances 0', snapshot(parent('<type id="nvidia-256" availableInstances="0" dialect="none"/>'))],
    ['an empty problem message', snapshot('<problem path="/sys/class/mdev_bus"/>')],
    ['maxAggregation 0 (the kernel prints it for a type or device with no aggregation room)', snapshot(parent('<type id="nvidia-256" dialect="create-option" maxAggregation="0"/>'))],
  ])('%s validates', (_what, text) => {
    expectStatus(validateText(HOST_RNG, text), 0, _what);
  });

  test.each([
    ['an unknown dialect', snapshot(parent('<type id="nvidia-256" dialect="aggregate"/>'))],
    ['a type without dialect', snapshot(parent('<type id="nvidia-256"/>'))],
    ['a type id with a slash', snapshot(parent('<type id="nvidia/256" dialect="none"/>'))],
    ['a parent named ..', snapshot('<parent name=".."/>')],
    ['a vendor id with 0x', snapshot('<parent name="0000:41:00.0" vendor="0x10de"/>')],
    ['maxAggregation 01', snapshot(parent('<type id="nvidia-256" dialect="create-option" maxAggregation="01"/>'))],
    ['availableInstances -1', snapshot(parent('<type id="nvidia-256" availableInstances="-1" dialect="none"/>'))],
    ['an upper-case device UUID', snapshot('<device uuid="0B5A8B1E-7C55-4D0C-9A3E-51F0C1A6D2F4" parent="0000:41:00.0" type="nvidia-256" instances="1"/>')],
    ['instances 2147483648', snapshot('<device uuid="0b5a8b1e-7c55-4d0c-9a3e-51f0c1a6d2f4" parent="0000:41:00.0" type="nvidia-256" instances="2147483648"/>')],
    ['a device inside its parent', snapshot(parent('<device uuid="0b5a8b1e-7c55-4d0c-9a3e-51f0c1a6d2f4" parent="0000:41:00.0" type="nvidia-256" instances="1"/>'))],
    ['a generated time that is not a dateTime', '<host xmlns="urn:mdev-agg:host:1" generated="yesterday"/>'],
    ['no namespace', '<host name="hv-t"/>'],
  ])('%s fails', (_what, text) => {
    expectStatus(validateText(HOST_RNG, text), 3, _what);
  });
});

describe('fixtures/domains/expected.json', () => {
  const expected = JSON.parse(readFileSync(join(DOMAINS, 'expected.json'), 'utf8')) as Record<string, unknown>;

  test('lists exactly the xml files present', () => {
    expect(Object.keys(expected).sort()).toEqual(xmlFiles(DOMAINS));
  });

  test('every entry is a list of known codes at positions in document order', () => {
    for (const [file, diagnostics] of Object.entries(expected)) {
      expect(Array.isArray(diagnostics)).toBe(true);
      const lines = readFileSync(join(DOMAINS, file), 'utf8').split('\n');
      let previous = { line: 0, column: 0 };
      for (const d of diagnostics as { code: string; line: number; column: number }[]) {
        expect(Object.keys(d).sort()).toEqual(['code', 'column', 'line']);
        expect(Object.keys(CODES)).toContain(d.code);
        expect(Number.isInteger(d.line) && d.line >= 1 && d.line <= lines.length).toBe(true);
        const width = Array.from(lines[d.line - 1].replace(/\r$/, '')).length;
        expect(Number.isInteger(d.column) && d.column >= 1 && d.column <= width).toBe(true);
        expect(d.line > previous.line || (d.line === previous.line && d.column > previous.column)).toBe(true);
        previous = d;
      }
    }
  });

  test('every position is an element start or the name of the attribute the code is about', () => {
    // `<` for element-level problems; otherwise the attribute whose value is wrong.
    const ATTRIBUTE: Record<string, string[]> = {
      E_AGG_INSTANCES_INVALID: ['instances'],
      E_AGG_TYPE_INVALID: ['type'],
      E_AGG_PARENT_INVALID: ['parent'],
      E_AGG_METHOD_INVALID: ['method'],
      E_UUID_INVALID: ['uuid'],
      E_UUID_DUPLICATE: ['uuid'],
      E_AGG_ORPHAN: ['uuid'],
      E_AGG_CONFLICT: ['type', 'instances', 'parent', 'method', '<'],
      E_HOSTDEV_MODEL_INVALID: ['model', '<'],
    };
    for (const [file, diagnostics] of Object.entries(expected)) {
      const lines = readFileSync(join(DOMAINS, file), 'utf8').split('\n');
      for (const d of diagnostics as { code: string; line: number; column: number }[]) {
        const chars = Array.from(lines[d.line - 1]);
        const at = chars.slice(d.column - 1).join('');
        const before = d.column === 1 ? ' ' : chars[d.column - 2];
        const token = at.startsWith('<') ? '<' : /^([A-Za-z][\w:.-]*)\s*=/.exec(at)?.[1];
        const where = `${file}:${d.line}:${d.column} ${d.code} at ${JSON.stringify(at.slice(0, 20))}`;
        if (token !== '<') expect([where, /\s/.test(before)]).toEqual([where, true]);
        if (d.code === 'W_AGG_UNKNOWN_ATTR') expect([where, token !== undefined && token !== '<']).toEqual([where, true]);
        else expect([where, ATTRIBUTE[d.code] ?? ['<']]).toEqual([where, expect.arrayContaining([token])]);
      }
    }
  });

  test('files named -invalid or -error expect a diagnostic, the others no error', () => {
    for (const [file, diagnostics] of Object.entries(expected)) {
      const codes = (diagnostics as { code: string }[]).map((d) => d.code);
      if (file.endsWith('-error.xml')) expect(codes.some((c) => c.startsWith('E_'))).toBe(true);
      else if (isInvalid(file)) expect(codes.length).toBeGreaterThan(0);
      else expect(codes.filter((c) => c.startsWith('E_'))).toEqual([]);
    }
  });
});
