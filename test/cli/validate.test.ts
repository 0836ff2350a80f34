import { spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { builtCli } from '../helpers/built-cli';
import { tempDir } from '../helpers/temp-dir';
import { join } from 'node:path';
import { run } from '../../src/cli/run';
import { cli, json } from '../helpers/cli';
import { REPO } from '../helpers/golden';

const DIR = 'fixtures/domains';
const expected: Record<string, { code: string; line: number; column: number }[]> = JSON.parse(
  readFileSync(join(REPO, DIR, 'expected.json'), 'utf8'),
);
const files = readdirSync(join(REPO, DIR)).filter((f) => f.endsWith('.xml')).sort();

describe('validate on every domain fixture', () => {
  test.each(files)('%s gives exactly the expected codes at the expected positions', async (file) => {
    const result = await cli(['validate', '--json', `${DIR}/${file}`]);
    const report = json(result);
    expect(report.diagnostics.map((d: { code: string; line: number; column: number }) => ({ code: d.code, line: d.line, column: d.column }))).toEqual(expected[file]);
    const hasError = expected[file].some((d) => d.code.startsWith('E_'));
    expect(result.code).toBe(hasError ? 1 : 0);
    expect(report.ok).toBe(!hasError);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  test('many files in one process: the exit code is the worst of them', async () => {
    const valid = files.filter((f) => !expected[f].some((d) => d.code.startsWith('E_'))).map((f) => `${DIR}/${f}`);
    expect((await cli(['validate', ...valid])).code).toBe(0);
    const all = await cli(['validate', '--json', ...files.map((f) => `${DIR}/${f}`)]);
    expect(all.code).toBe(1);
    expect(json(all).files).toHaveLength(files.length);
  });
});

describe('validate as a user calls it', () => {
  test('GIVEN a file name holding a line break THEN its valid line stays one line', async () => {
    const dir = tempDir();
    const name = 'ok\nforged.xml: valid, 0 aggregated mdevs';
    copyFileSync(join(REPO, DIR, 'gvt-inline.xml'), join(dir, name));
    const r = await cli(['validate', name], '', {}, { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('ok\\u{a}forged.xml: valid, 0 aggregated mdevs: valid, 1 aggregated mdev\n');
  });

  test.each([['1'], ['2']])('GIVEN standard output that cannot be written (a full disk) THEN one line and exit 2, no trace (--jobs %s)', (jobs) => {
    const list = Array.from({ length: 300 }, () => `${DIR}/gvt-inline.xml`);
    const full = openSync('/dev/full', 'w');
    try {
      const r = spawnSync(process.execPath, [builtCli(), 'validate', '--jobs', jobs, ...list], { cwd: REPO, encoding: 'utf8', stdio: ['ignore', full, 'pipe'] });
      expect(r.status).toBe(2);
      expect(r.stderr).toBe('mdev-agg: cannot write standard output: ENOSPC\n');
    } finally {
      closeSync(full);
    }
  });

  test('GIVEN an option value that starts with a dash THEN one line says how to pass it', async () => {
    const r = await cli(['validate', '--jobs', '-1', 'x.xml']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe("mdev-agg: Option '--jobs' argument is ambiguous. Did you forget to specify the option argument for '--jobs'? To specify an option argument starting with a dash use '--jobs=-XYZ'.");
  });

  test('- reads standard input', async () => {
    const text = readFileSync(join(REPO, DIR, 'gvt-inline.xml'));
    const r = await cli(['validate', '-'], text);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('<stdin>: valid');
  });

  test('an unreadable file is exit 2 with the reason, and the other files are still checked', async () => {
    const r = await cli(['validate', '--json', 'no/such/file.xml', `${DIR}/gvt-inline.xml`]);
    expect(r.code).toBe(2);
    expect(json(r).diagnostics.map((d: { code: string }) => d.code)).toEqual(['E_INPUT_UNREADABLE']);
    expect(json(r).files[1].ok).toBe(true);
  });

  test.each([
    ['DOCTYPE with an internal entity', '<!DOCTYPE d [<!ENTITY e "x">]><domain>&e;</domain>', 'E_XML_DOCTYPE'],
    ['DOCTYPE with an external entity', '<!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/shadow">]><domain>&e;</domain>', 'E_XML_DOCTYPE'],
    ['unclosed tags', '<domain><devices>', 'E_XML_MALFORMED'],
    ['10,000-deep nesting', '<domain>' + '<a>'.repeat(10000) + '</a>'.repeat(10000) + '</domain>', 'E_XML_TOO_DEEP'],
    ['a __proto__ element', '<domain><__proto__/></domain>', 'E_XML_MALFORMED'],
    ['a constructor attribute', "<domain constructor='x'/>", 'E_XML_MALFORMED'],
    // Hand-written: a character reference no builder would write.
    ['a NUL reference', "<domain><devices><hostdev mode='subsystem' type='mdev' model='vfio-pci'><source><address uuid='53764d0e-85a0-42b4-af5c-2046b460b1dc'/></source><aggregation type='a&#0;' instances='1'/></hostdev></devices></domain>", 'E_XML_MALFORMED'],
    ['a 50 MB file', Buffer.alloc(50 * 1024 * 1024, 0x20), 'E_XML_TOO_LARGE'],
  ])('hostile input, %s: exit 1, an E_ code, no stack trace', async (_, input, code) => {
    const r = await cli(['validate', '--json', '-'], input);
    expect(r.code).toBe(1);
    expect(json(r).diagnostics.map((d: { code: string }) => d.code)).toEqual([code]);
    const text = await cli(['validate', '-'], input);
    expect(text.stdout + text.stderr).not.toMatch(/\n\s+at |Error:/);
  });
});

describe('progress on long runs', () => {
  const many = files.slice(0, 5).map((f) => `${DIR}/${f}`);
  test.each([
    [true, true],
    [false, false],
  ])('stderr is a terminal: %s -> progress shown: %s', async (tty, shown) => {
    const lines: string[] = [];
    const r = await run(['validate', ...many], '', {}, { cwd: REPO, stderrIsTTY: tty, progress: (l) => lines.push(l) });
    expect(lines.length > 0).toBe(shown);
    if (shown) expect(lines[lines.length - 1]).toBe(`validate: ${many.length}/${many.length}`);
    expect(r.stderr).toBe('');
  });
});

describe('the command line', () => {
  test('--help on every command shows usage and an example', async () => {
    const main = await cli(['--help']);
    const commands = [...main.stdout.matchAll(/^ {2}([a-z-]+) {2,}/gm)].map((m) => m[1]);
    expect(commands.length).toBeGreaterThanOrEqual(8);
    for (const c of commands) {
      const r = await cli([c, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^Usage: mdev-agg /);
      expect(r.stdout).toContain('Example:\n  mdev-agg ');
    }
  });

  test.each([[['bogus']], [['validate']], [['validate', '--bogus', 'x.xml']], [[]]])('usage error %j is exit 2', async (argv) => {
    const r = await cli(argv as string[]);
    expect(r.code).toBe(2);
  });

  test('--version', async () => {
    expect((await cli(['--version'])).stdout).toMatch(/^mdev-agg \d+\.\d+\.\d+/);
  });

  test('the README lists every diagnostic code with its meaning', () => {
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    const { CODES } = require('../../src/core/text/diagnostics');
    for (const [code, meaning] of Object.entries(CODES as Record<string, string>)) {
      expect(readme).toContain(`| \`${code}\` | ${meaning.replace(/\|/g, '\\|')} |`);
    }
  });
});
