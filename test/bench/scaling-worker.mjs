/**
 * Times one command in-process, as the growth table needs it: the CLI bundle is loaded once and
 * `run(argv, stdin, env)` is called as the executable calls it, so process start-up is no part of
 * the figure. Every size first runs the smallest size's command (`warmArgv`) a few times, so each
 * is measured with the code equally warm; then a run of seconds is one sample, shorter ones are
 * repeated. Usage: node scaling-worker.mjs SPEC.json, where SPEC is { cli, argv, warmArgv, env,
 * cwd, expectCodes, samples }; prints { ms: [...] }.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** A run this long is one sample: repeating it would add little but time. */
const ONE_SAMPLE_MS = 2000;
const WARM_UP_RUNS = 3;

const spec = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const { run } = createRequire(import.meta.url)(spec.cli);

async function once(argv = spec.argv) {
  const started = process.hrtime.bigint();
  const result = await run(argv, '', spec.env, { cwd: spec.cwd });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (!spec.expectCodes.includes(result.code)) throw new Error(`mdev-agg ${argv[0]} exited ${result.code}: ${result.stderr.slice(0, 400)}`);
  return { ms, stdout: result.stdout };
}

try {
  for (let i = 0; i < WARM_UP_RUNS; i++) await once(spec.warmArgv);
  const first = await once();
  const ms = [first.ms];
  if (first.ms < ONE_SAMPLE_MS) for (let i = 1; i < spec.samples; i++) ms.push((await once()).ms);
  process.stdout.write(JSON.stringify({ ms, stdoutBytes: first.stdout.length }));
} catch (e) {
  process.stderr.write(`${e.message}\n`);
  process.exitCode = 1;
}
