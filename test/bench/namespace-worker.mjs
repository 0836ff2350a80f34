/**
 * Runs one alternating comparison where it is started: inside the private mount namespace that
 * shows generated trees as a host's directories. Both commands run in here, so neither pays for
 * entering the namespace. Usage: node namespace-worker.mjs SPEC.json (written by
 * lib/mount-namespace.mjs).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { alternateWall, runOnce } from './lib/measure.mjs';

const spec = JSON.parse(readFileSync(process.argv[2], 'utf8'));
try {
  // One captured run per command, so the caller can check that each did the whole work.
  for (const [i, command] of spec.commands.entries()) {
    const once = runOnce(command, { capture: true });
    writeFileSync(join(spec.outDir, `${i}.out`), once.stdout);
    writeFileSync(join(spec.outDir, `${i}.err`), once.stderr);
  }
  const samples = alternateWall(spec.commands, { iterations: spec.iterations, warmup: spec.warmup });
  writeFileSync(spec.resultFile, JSON.stringify({ samples }));
} catch (e) {
  process.stderr.write(`${e.message}\n`);
  process.exitCode = 1;
}
