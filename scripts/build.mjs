// Builds the CLI as CommonJS bundles Node loads without resolving modules:
//   dist/mdev-agg.js      the executable: the process around the CLI, and the hook's early exit for
//                         guests without aggregation (a few KB, so that exit costs what Node's own
//                         start-up does);
//   dist/mdev-agg-cli.js  the CLI, one bundle, required by the executable when a command runs;
//   dist/vendor/*.js      the document builders (xmlbuilder2, uuid), loaded only by the commands that
//                         generate XML or UUIDs.
// V8 compiles a file whole before running any of it, so every byte left out of the executable is
// time the hook does not spend on guests it does not manage (`npm run bench` measures it).
import { build } from 'esbuild';
import { chmodSync } from 'node:fs';

const common = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', minifySyntax: true, legalComments: 'none', logLevel: 'warning' };
const lazyVendors = ['xmlbuilder2', 'uuid'];

for (const name of lazyVendors) {
  await build({ ...common, stdin: { contents: `module.exports = require('${name}');`, resolveDir: '.' }, outfile: `dist/vendor/${name}.js` });
}

/** Resolves the given import specifiers to sibling files of the bundle, loaded at run time. */
const lazy = (name, filter, path) => ({
  name,
  setup(b) {
    b.onResolve({ filter }, (args) => ({ path: path(args.path), external: true }));
  },
});
const vendors = lazy('lazy-vendors', new RegExp(`^(${lazyVendors.join('|')})$`), (spec) => `./vendor/${spec}.js`);

await build({ ...common, entryPoints: ['src/cli/run.ts'], outfile: 'dist/mdev-agg-cli.js', plugins: [vendors] });

const outfile = 'dist/mdev-agg.js';
await build({ ...common, entryPoints: ['src/bin.ts'], outfile, plugins: [vendors, lazy('lazy-cli', /^\.\/cli\/run$/, () => './mdev-agg-cli.js')] });
chmodSync(outfile, 0o755);
