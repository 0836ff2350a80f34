/**
 * The floor programs of the validate budget, bundled into a directory as the CLI is bundled (one
 * file, minified), so the floor pays the same kind of start as `mdev-agg validate`. CommonJS: the
 * benchmark and its test both load it.
 */
const { buildSync } = require('esbuild');
const { join } = require('node:path');

function floorPrograms(dir) {
  const programs = { extract: join(dir, 'extract-second-reading.js'), floor: join(dir, 'second-reading-floor.js') };
  const common = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', minify: true, legalComments: 'none', logLevel: 'warning' };
  buildSync({ ...common, entryPoints: [join(__dirname, 'extract-second-reading.ts')], outfile: programs.extract });
  buildSync({ ...common, entryPoints: [join(__dirname, 'second-reading-floor.ts')], outfile: programs.floor });
  return programs;
}

module.exports = { floorPrograms };
