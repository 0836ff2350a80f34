/**
 * Times one command in-process, as the growth table needs it: the CLI bundle is loaded once and
 * `run(argv, stdin, env)` is called as the executable calls it, so process start-up is no part of
 * the figure. A first run that is short warms the code up and is not counted; one that takes
 * seconds is counted (warming up is then a small part of it). Usage: node scaling-worker.mjs
 * SPEC.json, where SPEC is { cli, argv, env, cwd, expectCodes, samples }; prints { ms: [...] }.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const WARM_UP_LIMIT_MS = 2000;

const spec = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const { run } = createRequire(import.meta.url)(spec.cli);

async function once() {
  const started = process.hrtime.bigint();
  const result = await run(spec.argv, '', spec.env, { cwd: spec.cwd });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (!spec.expectCodes.includes(result.code)) throw new Error(`mdev-agg ${spec.argv[0]} exited ${result.code}: ${result.stderr.slice(0, 400)}`);
  return { ms, stdout: result.stdout };
}

try {
  const first = await once();
  const ms = [];
  if (first.ms >= WARM_UP_LIMIT_MS) ms.push(first.ms);
  else for (let i = 0; i < spec.samples; i++) ms.push((await once()).ms);
  process.stdout.write(JSON.stringify({ ms, stdoutBytes: first.stdout.length }));
} catch (e) {
  process.stderr.write(`${e.message}\n`);
  process.exitCode = 1;
}
