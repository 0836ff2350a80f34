/**
 * The core is pure: parse, validate, plan, compatibility and edits are functions of their inputs.
 * No file of src/core imports a module with effects (the file system, processes, the network, the
 * shell or the CLI of this project) or reaches for the clock, randomness or the process.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const CORE = join(__dirname, '../../src/core');
/** Modules without effects the core may use: the XML and JSON libraries, and Node's Buffer. */
const PURE_MODULES = new Set(['fast-xml-parser', 'jsonc-parser', 'xmlbuilder2', 'node:buffer']);
const IMPORT = /(?:\bfrom\s+|\brequire\(\s*|\bimport\(\s*)['"]([^'"]+)['"]/g;
const EFFECTS = /\bprocess\.|\bDate\.now\(|\bnew Date\(|\bMath\.random\(|\bsetTimeout\(|\bsetInterval\(|\bfetch\(|\bperformance\.now\(/;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** What a file imports that is neither a pure module nor another file of the core. */
function impureImports(file: string, text: string): string[] {
  return [...text.matchAll(IMPORT)]
    .map((m) => m[1])
    .filter((spec) => (spec.startsWith('.') ? relative(CORE, resolve(dirname(file), spec)).startsWith('..') : !PURE_MODULES.has(spec)));
}

/** Code only: comments may speak of the clock or the process. */
const withoutComments = (text: string) => text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');

test('GIVEN every file of src/core WHEN its imports and code are read THEN it imports only pure modules and the core, and uses no clock, randomness or process', () => {
  const files = sources(CORE);
  expect(files.length).toBeGreaterThan(20);
  const found = files.flatMap((file) => {
    const text = readFileSync(file, 'utf8');
    const name = relative(CORE, file);
    const effect = EFFECTS.exec(withoutComments(text));
    return [...impureImports(file, text).map((spec) => `${name} imports ${spec}`), ...(effect ? [`${name} uses ${effect[0]}`] : [])];
  });
  expect(found).toEqual([]);
});

test('GIVEN the checks WHEN tried on code with effects THEN each is found', () => {
  const file = join(CORE, 'plan.ts');
  expect(impureImports(file, "import { readFileSync } from 'node:fs';")).toEqual(['node:fs']);
  expect(impureImports(file, "import { Executor } from '../shell/executor';")).toEqual(['../shell/executor']);
  expect(impureImports(file, "const x = require('child_process');")).toEqual(['child_process']);
  expect(impureImports(file, "import { placeDomain } from './placement';\nimport { XMLParser } from 'fast-xml-parser';")).toEqual([]);
  for (const code of ['const t = Date.now();', 'const d = new Date();', 'if (process.env.X) {}', 'Math.random()']) expect(EFFECTS.test(withoutComments(code))).toBe(true);
  expect(EFFECTS.test(withoutComments('// process.env is read by the CLI'))).toBe(false);
});
