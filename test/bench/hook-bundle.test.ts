/**
 * The hook's bundle (dist/mdev-agg-hook.js) is the CLI without what `hook run` never loads. For any
 * call libvirt makes (any operation, any domain, any fixture host, with or without the domain's
 * devices present) the built executable answers and changes the tree exactly as it does when the
 * whole CLI bundle stands in its place.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { builtCli } from '../helpers/built-cli';
import { domainXml } from '../helpers/domain-builder';
import { REPO } from '../helpers/golden';
import { tempDir } from '../helpers/temp-dir';
import { treePicture } from '../helpers/tree';
import { settings } from '../property/settings';

const work = tempDir('mdev-agg-hook-bundle-');
const dist = dirname(builtCli());

/** The built dist/ with the whole CLI bundle in the hook bundle's place (no code cache: it names the other build). */
const wholeCli = join(work, 'whole-cli');
cpSync(dist, wholeCli, { recursive: true });
copyFileSync(join(dist, 'mdev-agg-cli.js'), join(wholeCli, 'mdev-agg-hook.js'));
rmSync(join(wholeCli, 'mdev-agg-hook.v8cache'));

/** The example host with the example domain's devices present, as the build and the benchmark make it. */
const prepared = join(work, 'example-gvt-prepared');
const made = spawnSync(process.execPath, ['--input-type=module', '-e', `import { exampleHostWithDevices } from ${JSON.stringify(join(REPO, 'scripts/example-host.mjs'))}; exampleHostWithDevices(${JSON.stringify(REPO)}, ${JSON.stringify(prepared)});`], { encoding: 'utf8' });
if (made.status !== 0) throw new Error(`cannot make the prepared example host: ${made.stderr}`);

const hosts = [prepared, ...readdirSync(join(REPO, 'fixtures/hosts')).map((name) => join(REPO, 'fixtures/hosts', name))];
const fixtureDomains = readdirSync(join(REPO, 'fixtures/domains'))
  .filter((f) => f.endsWith('.xml'))
  .map((f) => readFileSync(join(REPO, 'fixtures/domains', f), 'utf8'));
const TYPES = ['i915-GVTg_V5_8', 'i915-GVTg_V5_4', 'nvidia-256', 'vfio_ap-passthrough', 'nope'];
const generatedDomain = fc
  .array(fc.record({ uuid: fc.uuid({ version: 4 }), type: fc.constantFrom(...TYPES), instances: fc.integer({ min: 1, max: 9 }) }), { minLength: 1, maxLength: 3 })
  .chain((devices) => fc.constantFrom('inline' as const, 'metadata' as const).map((form) => domainXml(devices, { form })));
const domain = fc.oneof(fc.constantFrom(...fixtureDomains), generatedDomain);
const OPS = ['prepare', 'restore', 'release', 'migrate', 'reconnect', 'started', 'stopped', 'attach'];

let calls = 0;
/** One call of the executable in `distDir` on a fresh copy of `host`; what it printed and left. */
function call(distDir: string, host: string, args: string[], xml: string) {
  const root = join(work, `root-${calls++}`);
  cpSync(host, root, { recursive: true, verbatimSymlinks: true });
  const r = spawnSync(process.execPath, [join(distDir, 'mdev-agg.js'), 'hook', 'run', '--', ...args], { input: xml, encoding: 'utf8', env: { PATH: process.env.PATH, MDEV_AGG_ROOT: root } });
  const shown = (text: string) => text.split(root).join('<root>');
  const result = { status: r.status, stdout: shown(r.stdout), stderr: shown(r.stderr), tree: treePicture(root) };
  rmSync(root, { recursive: true, force: true });
  return result;
}

describe('GIVEN the built executable', () => {
  test('WHEN libvirt calls the hook THEN the hook bundle answers and leaves the tree as the whole CLI does', () => {
    fc.assert(
      fc.property(fc.constantFrom(...hosts), fc.constantFrom(...OPS), fc.constantFrom('begin', 'end', '-'), domain, (host, op, subop, xml) => {
        const args = ['guest', op, subop, '-'];
        expect(call(dist, host, args, xml)).toEqual(call(wholeCli, host, args, xml));
      }),
      settings(40),
    );
  });

  test('WHEN the idempotent prepare runs THEN it succeeds with the hook bundle and its code cache', () => {
    const xml = readFileSync(join(REPO, 'fixtures/domains/example-gvt.xml'), 'utf8');
    expect(call(dist, prepared, ['guest', 'prepare', 'begin', '-'], xml)).toMatchObject({ status: 0, stdout: '', stderr: '' });
  });
});
