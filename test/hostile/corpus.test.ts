/**
 * Every file of fixtures/hostile through the CLI as a user (or libvirt's hook) would feed it:
 * the code its manifest names, the exit code that goes with it, no stack trace, and for inputs
 * refused at reading the same refusal from `plan` and `apply` before any host is touched.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CODES } from '../../src/core/text/diagnostics';
import { cli, json } from '../helpers/cli';
import { REPO } from '../helpers/golden';
import { Figures } from './figures';

interface HostileCase {
  /** The first error's code; a warning or info code that must appear with no error; or `none`. */
  code: string;
  why: string;
  /** Managed devices the domain must yield (accepted cases). */
  devices?: number;
  /** Exit code when it is not the one the code implies (1 for an error, else 0). */
  exit?: number;
}

const DIR = 'fixtures/hostile';
const MANIFESTS = ['cases.json', 'injection/cases.json'];
const STACK_TRACE = /\n\s+at /;

function manifest(): Record<string, HostileCase> {
  const all: Record<string, HostileCase> = {};
  for (const name of MANIFESTS) {
    const prefix = name.includes('/') ? `${name.slice(0, name.lastIndexOf('/'))}/` : '';
    const entries = JSON.parse(readFileSync(join(REPO, DIR, name), 'utf8')) as Record<string, HostileCase>;
    for (const [file, entry] of Object.entries(entries)) all[prefix + file] = entry;
  }
  return all;
}

function corpusFiles(dir = join(REPO, DIR)): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return corpusFiles(path);
    return name.endsWith('.json') || name.endsWith('.md') ? [] : [relative(join(REPO, DIR), path)];
  });
}

const cases = manifest();
const figures = new Figures();
figures.printAfterAll((n) => [`hostile XML files: ${n('tried')} tried, ${n('passed')} passed`]);

test('the manifests name every corpus file, and only those, with a known code and a reason', () => {
  expect(Object.keys(cases).sort()).toEqual(corpusFiles().sort());
  for (const [file, c] of Object.entries(cases)) {
    expect([file, c.code === 'none' || c.code in CODES]).toEqual([file, true]);
    expect([file, c.why.length > 10]).toEqual([file, true]);
  }
  expect(Object.keys(cases).length).toBeGreaterThanOrEqual(150);
});

describe.each(Object.entries(cases))('%s', (file, c) => {
  const path = `${DIR}/${file}`;
  const isError = c.code.startsWith('E_');
  const exit = c.exit ?? (isError ? 1 : 0);

  test(`validate: ${c.code}, exit ${exit}`, async () => {
    figures.add('tried');
    const result = await cli(['validate', '--json', path]);
    const diagnostics: { code: string; severity: string; line: number; column: number }[] = json(result).diagnostics;
    const errors = [...new Set(diagnostics.filter((d) => d.severity === 'error').map((d) => d.code))];
    if (isError) expect(errors).toEqual([c.code]);
    else if (c.code === 'none') expect(diagnostics.map((d) => d.code)).toEqual([]);
    else {
      expect(errors).toEqual([]);
      expect(diagnostics.map((d) => d.code)).toContain(c.code);
    }
    for (const d of diagnostics) expect(d.line >= 1 && d.column >= 1).toBe(true);
    expect(result.code).toBe(exit);
    if (c.devices !== undefined) expect(json(result).files[0].devices).toBe(c.devices);

    const text = await cli(['validate', path]);
    expect(text.code).toBe(exit);
    expect(text.stdout + text.stderr).not.toMatch(STACK_TRACE);
    // Diagnostics never carry raw control or bidi characters to a terminal.
    expect(text.stdout + text.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/);
    figures.add('passed');
  });

  if (isError) {
    test.each([['plan'], ['apply', '--simulate']])('%s %s refuses it before reading the host', async (...command) => {
      const result = await cli([...command, '--root', 'fixtures/hosts/gvt-attribute', path]);
      expect(result.code).toBe(1);
      expect(result.stdout + result.stderr).toContain(c.code);
      expect(result.stdout + result.stderr).not.toMatch(STACK_TRACE);
    });
  }
});
