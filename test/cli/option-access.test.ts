/**
 * The typed command-line boundary: commands read options only through `ctx.text(name)` and
 * `ctx.flag(name)`, and every name they ask for is declared with that type in the command table
 * (an undeclared or mistyped name is a defect the context refuses at run time; this finds it
 * before any run).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { COMMANDS, GLOBAL_OPTIONS, type OptionSpec } from '../../src/cli/command-table';
import { cli } from '../helpers/cli';

const CLI_SRC = join(__dirname, '../../src/cli');
const ACCESS = /\bctx\.(text|flag)\(\s*['"]([^'"]+)['"]\s*\)/g;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

const declared = (name: string): OptionSpec[] => [GLOBAL_OPTIONS[name], ...[...COMMANDS.values()].map((c) => c.options[name])].filter((o): o is OptionSpec => o !== undefined);

test('GIVEN every file of src/cli WHEN its option reads are listed THEN each name is declared with the type it is read as, and no file reads raw values', () => {
  const reads = sources(CLI_SRC).flatMap((file) => [...readFileSync(file, 'utf8').matchAll(ACCESS)].map((m) => ({ file: relative(CLI_SRC, file), kind: m[1], name: m[2] })));
  expect(reads.length).toBeGreaterThan(20);
  const wrong = reads.filter(({ kind, name }) => !declared(name).some((o) => o.type === (kind === 'text' ? 'string' : 'boolean') && !o.multiple));
  expect(wrong).toEqual([]);
  const raw = sources(CLI_SRC).filter((file) => /\bctx\.values\b/.test(readFileSync(file, 'utf8')));
  expect(raw).toEqual([]);
});

test('GIVEN a command WHEN it asks for an option the table does not declare THEN the context refuses (a defect, never a silent undefined)', async () => {
  const spec = COMMANDS.get('validate')!;
  const load = spec.load;
  try {
    (spec as { load: typeof load }).load = () => (ctx) => {
      ctx.text('no-such-option');
      return 0;
    };
    const result = await cli(['validate', '-']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/--no-such-option is not a declared string option/);
  } finally {
    (spec as { load: typeof load }).load = load;
  }
});
