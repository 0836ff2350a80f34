/** The bundled CLI as users install it; `npm test` builds it before jest runs. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './golden';

export function builtCli(): string {
  const file = join(REPO, 'dist/mdev-agg.js');
  if (!existsSync(file)) throw new Error(`${file} is missing: run npm run build (npm test builds it first)`);
  return file;
}
