// A TypeScript module of the project, bundled in memory and loaded, for build scripts that need
// what the code itself writes (the manual page from the command table, the hook wrapper).
import { build } from 'esbuild';
import { createRequire } from 'node:module';

export async function loadTs(entry) {
  const result = await build({ bundle: true, platform: 'node', target: 'node20', format: 'cjs', entryPoints: [entry], write: false, logLevel: 'warning' });
  const module = { exports: {} };
  new Function('module', 'exports', 'require', result.outputFiles[0].text)(module, module.exports, createRequire(import.meta.url));
  return module.exports;
}
