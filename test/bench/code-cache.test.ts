/**
 * The build's V8 code caches for the CLI bundle and the hook's: each made for exactly the bundle
 * beside it and accepted by this Node, and never needed for a correct run (a moved, edited or
 * damaged cache only costs start-up time).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { builtCli } from '../helpers/built-cli';
import { REPO } from '../helpers/golden';
import { tempDir } from '../helpers/temp-dir';

const dist = () => dirname(builtCli());
const domain = join(REPO, 'fixtures/domains/example-gvt.xml');

/** In a fresh process (jest's own V8 flags could make V8 refuse any cache): compiled as bin.ts does. */
function cacheVerdict(dir: string, name: string) {
  const script = `
    const { readFileSync } = require('node:fs');
    const { Script } = require('node:vm');
    const Module = require('node:module');
    const bundle = ${JSON.stringify(join(dir, `${name}.js`))};
    const data = readFileSync(${JSON.stringify(join(dir, `${name}.v8cache`))});
    const newline = data.indexOf(10);
    const source = readFileSync(bundle, 'utf8');
    const script = new Script(Module.wrap(source), { filename: bundle, cachedData: data.subarray(newline + 1) });
    console.log(JSON.stringify({ header: source.startsWith(data.toString('latin1', 0, newline) + '\\n'), rejected: script.cachedDataRejected }));`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  return JSON.parse(r.stdout);
}

const validate = (dir: string) => spawnSync(process.execPath, [join(dir, 'mdev-agg.js'), 'validate', domain], { encoding: 'utf8' });
/** The hook's prepare of the example on a host with sysfs and no mdev parent: the hook bundle's answer. */
const emptyHost = tempDir('mdev-agg-empty-root-');
mkdirSync(join(emptyHost, 'sys'));
const prepare = (dir: string) => spawnSync(process.execPath, [join(dir, 'mdev-agg.js'), 'hook', 'run', '--', 'g', 'prepare', 'begin', '-'], { input: readFileSync(domain), encoding: 'utf8', env: { ...process.env, MDEV_AGG_ROOT: emptyHost } });
const PREPARE_FAILS = { status: 1, stdout: '', stderr: expect.stringContaining('E_PARENT_NOT_FOUND') };

describe.each([
  ['mdev-agg-cli', validate, { status: 0, stdout: `${domain}: valid, 3 aggregated mdevs\n` }],
  ['mdev-agg-hook', prepare, PREPARE_FAILS],
] as const)('GIVEN the built %s bundle', (name, use, works) => {
  test('THEN its code cache names this build of the bundle and V8 accepts it', () => {
    expect(cacheVerdict(dist(), name)).toEqual({ header: true, rejected: false });
  });

  test('WHEN the bundle is another build (same length) THEN the cache is not used and the CLI works', () => {
    const copy = tempDir('mdev-agg-dist-');
    cpSync(dist(), copy, { recursive: true });
    const bundle = join(copy, `${name}.js`);
    const source = readFileSync(bundle, 'utf8');
    const firstLine = source.slice(0, source.indexOf('\n'));
    writeFileSync(bundle, firstLine.replace(/[0-9a-f]$/, (d) => (d === '0' ? '1' : '0')) + source.slice(firstLine.length));
    expect(cacheVerdict(copy, name).header).toBe(false);
    expect(use(copy)).toMatchObject(works);
  });

  test('WHEN the cache is damaged or missing THEN V8 compiles the bundle from source and the CLI works', () => {
    const copy = tempDir('mdev-agg-dist-');
    cpSync(dist(), copy, { recursive: true });
    const cache = join(copy, `${name}.v8cache`);
    const data = readFileSync(cache);
    const header = data.subarray(0, data.indexOf(10) + 1);
    writeFileSync(cache, Buffer.concat([header, Buffer.alloc(4096, 0x5a)]));
    expect(cacheVerdict(copy, name)).toEqual({ header: true, rejected: true });
    expect(use(copy)).toMatchObject(works);
    writeFileSync(cache, '');
    expect(use(copy)).toMatchObject(works);
  });
});
