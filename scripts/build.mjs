// Bundles the CLI into one executable CommonJS file. The document builders (xmlbuilder2, uuid) are
// bundled separately under dist/vendor/ and loaded only by the commands that generate XML or UUIDs,
// so the hook's start-up reads and compiles only what it runs.
import { build } from 'esbuild';
import { chmodSync } from 'node:fs';

const common = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', minifySyntax: true, legalComments: 'none', logLevel: 'warning' };
const lazyVendors = ['xmlbuilder2', 'uuid'];

for (const name of lazyVendors) {
  await build({ ...common, stdin: { contents: `module.exports = require('${name}');`, resolveDir: '.' }, outfile: `dist/vendor/${name}.js` });
}

const outfile = 'dist/mdev-agg.js';
await build({
  ...common,
  entryPoints: ['src/bin.ts'],
  outfile,
  plugins: [
    {
      name: 'lazy-vendors',
      setup(b) {
        const filter = new RegExp(`^(${lazyVendors.join('|')})$`);
        b.onResolve({ filter }, (args) => ({ path: `./vendor/${args.path}.js`, external: true }));
      },
    },
  ],
});
chmodSync(outfile, 0o755);
