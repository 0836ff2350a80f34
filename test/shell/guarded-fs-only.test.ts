/**
 * One guarded way to every file: no file of src/ outside the guarded module (src/shell/files/)
 * imports `fs` in any spelling, so every file access passes its checks.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const SRC = join(__dirname, '../../src');
const GUARDED = 'shell/files/';
const FS_IMPORT = /(?:from\s+|require\(\s*|import\(\s*)['"](?:node:)?fs(?:\/promises)?['"]/;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

test('GIVEN every source file WHEN its imports are read THEN only the guarded module imports fs', () => {
  const importing = sources(SRC).filter((file) => FS_IMPORT.test(readFileSync(file, 'utf8'))).map((file) => relative(SRC, file));
  expect(importing.length).toBeGreaterThan(0);
  expect(importing.filter((file) => !file.startsWith(GUARDED))).toEqual([]);
});

test('GIVEN the pattern WHEN tried on each spelling of an fs import THEN it finds them', () => {
  for (const line of ["import * as fs from 'node:fs';", 'import { readFileSync } from "fs";', "const fs = require('node:fs');", "await import('fs/promises')", "require( 'fs' )"]) {
    expect(FS_IMPORT.test(line)).toBe(true);
  }
  expect(FS_IMPORT.test("import { join } from 'node:path';")).toBe(false);
});
