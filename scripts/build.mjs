// Builds the CLI as CommonJS bundles Node loads without resolving modules:
//   dist/mdev-agg.js           the executable: the process around the CLI, and the hook's early exit
//                              for guests without aggregation (a few KB, so that exit costs what
//                              Node's own start-up does);
//   dist/mdev-agg-cli.js       the CLI, one bundle, compiled by the executable when a command runs;
//   dist/mdev-agg-cli.v8cache  V8's code cache for that bundle after the common commands ran;
//   dist/mdev-agg-hook.js      the same CLI without what `hook run` never loads, and its code
//   dist/mdev-agg-hook.v8cache cache after the hook's prepare: what libvirt's calls load;
//   dist/mdev-agg-validate.js  what validate's worker threads run over long lists of files;
//   dist/vendor/*.js           the document builders (xmlbuilder2, uuid) and the JSON syntax tree
//                              (jsonc-parser), loaded only by the commands that generate XML or
//                              UUIDs, or that place a finding in a JSON file;
//   dist/lib/mdev-agg.{cjs,mjs} the library (src/api), CommonJS and ES module, each one file with
//                              its libraries inside; dist/types/ its declarations (tsc), and
//                              index.d.mts, those of the ES module.
// V8 compiles a file whole before running any of it, and compiles each function again when first
// called: what the executable does not hold and what the cache already holds is start-up time the
// hook does not spend (`npm run bench` measures it).
import { execFileSync } from 'node:child_process';
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { Script } from 'node:vm';
import { exampleHostWithDevices } from './example-host.mjs';
import { loadTs } from './load-ts.mjs';
import { sourceDate } from './source-date.mjs';

const common = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', minifySyntax: true, legalComments: 'none', logLevel: 'warning' };
const lazyVendors = ['xmlbuilder2', 'uuid', 'jsonc-parser'];
// Every file any bundle took in: the packages in node_modules among them are listed with their licences.
const bundledInputs = new Set();
async function bundle(options) {
  const result = await build({ ...options, metafile: true });
  for (const input of Object.keys(result.metafile.inputs)) bundledInputs.add(input);
  return result;
}
// jsonc-parser's `main` is a UMD wrapper whose requires esbuild cannot follow; its ES module build bundles.
const MAIN_FIELDS = { 'jsonc-parser': ['module', 'main'] };

for (const name of lazyVendors) {
  await bundle({ ...common, stdin: { contents: `module.exports = require('${name}');`, resolveDir: '.' }, outfile: `dist/vendor/${name}.js`, mainFields: MAIN_FIELDS[name] });
}

const vendors = {
  name: 'lazy-vendors',
  setup(b) {
    b.onResolve({ filter: new RegExp(`^(${lazyVendors.join('|')})$`) }, (args) => ({ path: `./vendor/${args.path}.js`, external: true }));
  },
};
/**
 * What `hook run` never loads: the other commands (src/cli/command-table.ts), the simulator, the
 * wrapper's installer. The hook's bundle leaves them out; requiring one there would be a defect of
 * this build, and says so (an internal error, exit 3).
 */
const hookRunOnly = {
  name: 'hook-run-only',
  setup(b) {
    b.onResolve({ filter: /^(\.\/commands\/.*|\.\.\/shell\/sim\/.*|\.\.\/hook\/install)$/ }, (args) => (args.path === './commands/hook' ? undefined : { path: args.path, namespace: 'left-out' }));
    b.onLoad({ filter: /.*/, namespace: 'left-out' }, (args) => ({ contents: `throw new Error(${JSON.stringify(`${args.path} is not in the hook's bundle`)});`, loader: 'js' }));
  },
};

/**
 * The CLI (src/cli/run.ts) as one file: without white space and comments, and so ASCII only
 * (esbuild escapes the rest), since the executable reads it as Latin-1, a one-byte string V8 takes
 * without decoding UTF-8; local names shortened (a third less text to read, and a smaller code
 * cache to load). Its first line names this build of it; its code cache carries the same line.
 */
async function cliBundle(outfile, plugins) {
  await bundle({ ...common, minifyWhitespace: true, minifyIdentifiers: true, entryPoints: ['src/cli/run.ts'], outfile, plugins });
  const body = readFileSync(outfile, 'utf8');
  const notAscii = /[^\x00-\x7f]/.exec(body);
  if (notAscii) throw new Error(`build: ${outfile} holds a character outside ASCII at offset ${notAscii.index}; the executable reads it as Latin-1`);
  writeFileSync(outfile, `// mdev-agg-cli build ${createHash('sha256').update(body).digest('hex').slice(0, 32)}\n${body}`);
}
const cli = 'dist/mdev-agg-cli.js';
const hook = 'dist/mdev-agg-hook.js';
await cliBundle(cli, [vendors]);
// The hook's calls from libvirt (`hook run` and its four arguments): a third less to load and compile.
await cliBundle(hook, [vendors, hookRunOnly]);

// validate's worker threads: the domain reader and the guarded file module, nothing else.
await bundle({ ...common, minifyWhitespace: true, entryPoints: ['src/cli/validate-worker.ts'], outfile: 'dist/mdev-agg-validate.js' });

const outfile = 'dist/mdev-agg.js';
await bundle({ ...common, entryPoints: ['src/bin.ts'], outfile });
chmodSync(outfile, 0o755);

await writeCodeCache(resolve(cli), resolve('dist/mdev-agg-cli.v8cache'), warmCommands);
await writeCodeCache(resolve(hook), resolve('dist/mdev-agg-hook.v8cache'), warmHook);

// The library: the pure core, nothing loaded lazily (a program importing it wants all of it).
for (const [format, extension] of [['cjs', 'cjs'], ['esm', 'mjs']]) {
  await bundle({ ...common, format, entryPoints: ['src/api/index.ts'], outfile: `dist/lib/mdev-agg.${extension}`, mainFields: ['module', 'main'] });
}
execFileSync(resolve('node_modules/.bin/tsc'), ['-p', 'tsconfig.lib.json'], { stdio: 'inherit' });
// The declarations tsc writes are read as CommonJS (the package is not "type": "module"), which
// lets an ES module importer write `import lib from 'mdev-agg'`, a default export the .mjs does not
// have. The importer gets its own: the same names, re-exported, and no default.
writeFileSync('dist/types/api/index.d.mts', "export * from './index.js';\n");

// mdev-agg(1), from the command table; dated by SOURCE_DATE_EPOCH or the last commit, so builds repeat.
const { manPage } = await loadTs('src/cli/man-page.ts');
const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
const date = sourceDate().toISOString().slice(0, 10);
mkdirSync('dist/man', { recursive: true });
writeFileSync('dist/man/mdev-agg.1', manPage(version, date));

/**
 * Compiles a bundle exactly as src/bin.ts does (Node's module wrapper, same file name), runs `warm`
 * with its `run` so that V8 compiles what that calls, and keeps the bytecode. The header is the
 * bundle's first line: bin.ts uses the cache with this build of the bundle only.
 */
async function writeCodeCache(bundle, cacheFile, warm) {
  const source = readFileSync(bundle, 'utf8');
  const script = new Script(Module.wrap(source), { filename: bundle });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(bundle), module, bundle, dirname(bundle));
  await warm(module.exports.run);
  const header = source.slice(0, source.indexOf('\n') + 1);
  writeFileSync(cacheFile, Buffer.concat([Buffer.from(header, 'latin1'), script.createCachedData()]));
}

/** Read-only commands on the bundled fixtures: reading domain XML and host trees, planning, the executor on a simulated kernel. */
async function warmCommands(run) {
  const domain = 'fixtures/domains/example-gvt.xml';
  const env = { MDEV_AGG_ROOT: resolve('fixtures/hosts/example-gvt') };
  const commands = [['validate', domain], ['plan', domain], ['apply', domain, '--simulate'], ['status', domain], ['snapshot'], ['types']];
  for (const argv of commands) {
    const result = await run(argv, '', env, { cwd: resolve('.') });
    if (result.code > 1) throw new Error(`build: warming the code cache, mdev-agg ${argv.join(' ')} failed: ${result.stderr}`);
  }
}

/**
 * The hook's `prepare` and `reconnect` of a guest whose devices exist (every start of a guest after
 * its first on a running host): lock, journal, host, plan and verify, on a copy of the example host.
 */
async function warmHook(run) {
  const work = mkdtempSync(join(tmpdir(), 'mdev-agg-build-'));
  try {
    const host = exampleHostWithDevices(resolve('.'), join(work, 'host'));
    for (const op of ['prepare', 'reconnect']) {
      const result = await run(['hook', 'run', '--', 'example', op, 'begin', '-'], Buffer.from(host.xml), { MDEV_AGG_ROOT: host.root }, { cwd: resolve('.') });
      if (result.code !== 0 || result.stdout || result.stderr) throw new Error(`build: warming the hook's code cache, its ${op} of the example failed: ${result.stderr}`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

writeFileSync('dist/bundled-packages.json', `${JSON.stringify(bundledPackages(bundledInputs), null, 2)}\n`);

/** The third-party packages inside the bundles (their licences travel with them: the bundles strip comments). */
function bundledPackages(inputs) {
  const dirs = new Set();
  for (const input of inputs) {
    const m = /^(.*?node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (m) dirs.add(m[1]);
  }
  return [...dirs].sort().map((dir) => {
    const manifest = JSON.parse(readFileSync(`${dir}/package.json`, 'utf8'));
    const licenceFile = readdirSync(dir).find((f) => /^(licen[cs]e|copying)(\.(md|txt))?$/i.test(f));
    const author = typeof manifest.author === 'string' ? manifest.author : manifest.author?.name ?? null;
    return { name: manifest.name, version: manifest.version, license: manifest.license ?? null, author, licenseText: licenceFile ? readFileSync(`${dir}/${licenceFile}`, 'utf8') : null };
  });
}
