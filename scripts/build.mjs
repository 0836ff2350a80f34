// Bundles the CLI into one executable CommonJS file: one file to read at start-up, no module resolution.
import { build } from 'esbuild';
import { chmodSync } from 'node:fs';

const outfile = 'dist/mdev-agg.js';
await build({
  entryPoints: ['src/bin.ts'],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning',
});
chmodSync(outfile, 0o755);
