/**
 * The npm package as a user gets it: `npm pack` on a fresh clone builds first; the tarball
 * installs with the network off (its libraries are inside the bundles) and gives a working
 * `mdev-agg` whose `hook install` points at the installed files; the library imports both ways,
 * with its declarations, and the README's example runs against it.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from '../helpers/golden';
import { libvirtDomain } from '../helpers/domain-builder';
import { freshClone, step } from '../helpers/package-build';
import { tempDir } from '../helpers/temp-dir';

const { version } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
const work = tempDir('mdev-agg-npm-');
const transcript: string[] = [];
let tarball = '';

beforeAll(() => {
  const clone = freshClone();
  expect(existsSync(join(clone, 'dist'))).toBe(false);
  const packed = step(transcript, clone, 'npm', ['pack', '--pack-destination', work]);
  tarball = join(work, packed.trim().split('\n').pop()!);
}, 240_000);

afterAll(() => process.stdout.write(`figure: npm package transcript\n${transcript.join('\n')}\n`));

test('the tarball holds the built CLI, library, declarations, man page and schemas, and no dependencies to fetch', () => {
  const files = spawnSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).stdout.split('\n');
  for (const file of ['dist/mdev-agg.js', 'dist/mdev-agg-cli.js', 'dist/mdev-agg-cli.v8cache', 'dist/mdev-agg-hook.js', 'dist/mdev-agg-hook.v8cache', 'dist/lib/mdev-agg.cjs', 'dist/lib/mdev-agg.mjs', 'dist/types/api/index.d.ts', 'dist/man/mdev-agg.1', 'schemas/host.rng', 'package.json', 'LICENSE']) {
    expect(files).toContain(`package/${file}`);
  }
  const manifest = JSON.parse(spawnSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }).stdout);
  expect(manifest.dependencies ?? {}).toEqual({});
  expect(spawnSync('tar', ['-xzOf', tarball, 'package/LICENSE'], { encoding: 'utf8' }).stdout).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} the mdev-agg authors\n\nPermission is hereby granted/);
});

test('npm install -g --offline into a prefix gives a working mdev-agg: --version, validate, hook install pointing at the installed files', () => {
  const prefix = join(work, 'prefix');
  step(transcript, work, 'npm', ['install', '--global', '--offline', '--no-audit', '--no-fund', '--prefix', prefix, tarball], { npm_config_cache: join(work, 'npm-cache') });
  const installed = join(prefix, 'lib/node_modules/mdev-agg');
  expect(existsSync(join(installed, 'node_modules'))).toBe(false);
  const bin = join(prefix, 'bin/mdev-agg');
  expect(step(transcript, work, bin, ['--version'])).toBe(`mdev-agg ${version}\n`);

  copyFileSync(join(REPO, 'fixtures/domains/example-gvt.xml'), join(work, 'guest.xml'));
  expect(step(transcript, work, bin, ['validate', 'guest.xml'])).toBe('guest.xml: valid, 3 aggregated mdevs\n');

  const root = join(work, 'root');
  mkdirSync(root);
  step(transcript, work, bin, ['hook', 'install', '--root', root]);
  const wrapper = join(root, 'etc/libvirt/hooks/qemu.d/mdev-agg');
  const text = readFileSync(wrapper, 'utf8');
  expect(text).toContain(`cli='${realpathSync(join(installed, 'dist/mdev-agg.js'))}'\n`);
  transcript.push(`$ grep ^cli= ${wrapper}`, `  ${text.split('\n').find((l) => l.startsWith('cli='))}`);
  // libvirt's call for a guest without aggregation goes through the installed CLI and exits 0
  const call = spawnSync(wrapper, ['plain', 'prepare', 'begin', '-'], { input: libvirtDomain('plain', []), encoding: 'utf8' });
  expect([call.status, call.stdout, call.stderr]).toEqual([0, '', '']);
});

test('the library imports as an ES module and as CommonJS, the same API, typed; the README example runs', () => {
  const project = join(work, 'project');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), '{ "name": "uses-mdev-agg", "private": true }\n');
  step(transcript, project, 'npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], { npm_config_cache: join(work, 'npm-cache') });
  expect(readdirSync(join(project, 'node_modules')).filter((n) => !n.startsWith('.')).sort()).toEqual(['mdev-agg']);

  const esm = step(transcript, project, process.execPath, ['--input-type=module', '-e', "import * as api from 'mdev-agg'; console.log(JSON.stringify(Object.keys(api).sort()))"]);
  const cjs = step(transcript, project, process.execPath, ['-e', "console.log(JSON.stringify(Object.keys(require('mdev-agg')).sort()))"]);
  expect(JSON.parse(cjs)).toEqual(JSON.parse(esm));
  expect(JSON.parse(esm)).toEqual(expect.arrayContaining(['readDomain', 'readHostSnapshot', 'planApply', 'planRelease', 'checkMigration', 'embed', 'addDevice', 'stampDomain', 'readTypeResources']));

  // the README's example, with the files it names
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const example = /<!-- api-example -->\n```js\n([\s\S]*?)```/.exec(readme)![1]!;
  writeFileSync(join(project, 'example.mjs'), example);
  copyFileSync(join(REPO, 'fixtures/domains/example-gvt.xml'), join(project, 'guest.xml'));
  copyFileSync(join(REPO, 'fixtures/snapshots/example-source.xml'), join(project, 'hv-a.xml'));
  copyFileSync(join(REPO, 'fixtures/snapshots/example-target-ok.xml'), join(project, 'hv-b.xml'));
  const out = step(transcript, project, process.execPath, ['example.mjs']);
  expect(out).toMatch(/^apply plan for domain gvt-workstation: 3 devices\n/);
  expect(out).toMatch(/gives: low_gm_size 128MB, high_gm_size 768MB, fence 8/);
  expect(out).toMatch(/\nhv-b can take gvt-workstation\n$/);
  // against a target whose GVT version differs, the same example says why not
  copyFileSync(join(REPO, 'fixtures/snapshots/example-target-incompatible.xml'), join(project, 'hv-b.xml'));
  const no = spawnSync(process.execPath, ['example.mjs'], { cwd: project, encoding: 'utf8' });
  expect(no.status).toBe(1);
  expect(no.stderr).toMatch(/^guest\.xml:\d+:\d+: error C_DRIVER_INCOMPATIBLE: /);

  // the declarations type-check a program using the API, as a TypeScript user compiles it
  writeFileSync(
    join(project, 'check.ts'),
    "import { readDomain, planApply, type Plan } from 'mdev-agg';\n" +
      "const { model } = readDomain('<domain/>', 'x.xml');\n" +
      'const plan: Plan | null = model && planApply(model, { parents: [], devices: [], problems: [] });\n' +
      'export const count: number = plan ? plan.devices.length : 0;\n',
  );
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: { target: 'es2022', lib: ['es2022'], module: 'node16', moduleResolution: 'node16', strict: true, noEmit: true, types: [], skipLibCheck: false } }));
  const tsc = join(REPO, 'node_modules/.bin/tsc');
  step(transcript, project, tsc, ['-p', '.']);
  // and they are read, not `any`: a wrong use is a type error
  writeFileSync(join(project, 'check.ts'), "import { readDomain } from 'mdev-agg';\nexport const wrong: number = readDomain('<domain/>', 'x.xml');\n");
  const wrong = spawnSync(tsc, ['-p', '.'], { cwd: project, encoding: 'utf8' });
  expect(wrong.status).not.toBe(0);
  expect(wrong.stdout).toMatch(/check\.ts.*error TS2322/);

  // an ES module importer (nodenext) gets the ES module's declarations: named imports, no default
  // export (the .mjs has none; a default import would be undefined at run time)
  rmSync(join(project, 'check.ts'));
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: { target: 'es2022', lib: ['es2022'], module: 'nodenext', moduleResolution: 'nodenext', strict: true, noEmit: true, types: [], skipLibCheck: false } }));
  writeFileSync(join(project, 'check.mts'), "import { readDomain, type Plan } from 'mdev-agg';\nexport const plan: Plan | null = null;\nexport const read = readDomain('<domain/>', 'x.xml');\n");
  step(transcript, project, tsc, ['-p', '.']);
  writeFileSync(join(project, 'check.mts'), "import lib from 'mdev-agg';\nexport const read = lib.readDomain('<domain/>', 'x.xml');\n");
  const defaultImport = spawnSync(tsc, ['-p', '.'], { cwd: project, encoding: 'utf8' });
  expect(defaultImport.status).not.toBe(0);
  expect(defaultImport.stdout).toMatch(/check\.mts.*error TS1192: Module .* has no default export/);
  const atRunTime = spawnSync(process.execPath, ['--input-type=module', '-e', "import lib from 'mdev-agg';"], { cwd: project, encoding: 'utf8' });
  expect(atRunTime.stderr).toMatch(/does not provide an export named 'default'/);
});
