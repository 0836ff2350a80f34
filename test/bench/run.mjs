#!/usr/bin/env node
/**
 * `npm run bench [-- --short] [-- --only hook,validate,snapshot,fleet,scaling] [-- --keep]`
 *
 * Measures the budgets of DESIGN 8 against the reference tools in one run: each comparison
 * alternates its two commands and reports medians. Corpora are generated into a temporary
 * directory. Exit status: 0 when every measurement ran (a missed budget prints MISSED and still
 * exits 0); 1 when a command failed or did not do the work it was given; 2 on a bad option.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { GNU_TIME } from './lib/measure.mjs';
import { pageFaultCost } from './lib/page-faults.mjs';
import { environmentLine, useHookEnvironment } from './lib/environment.mjs';
import { Report, machine } from './lib/report.mjs';
import { fleetSuite } from './suites/fleet.mjs';
import { scalingSuite } from './suites/scaling.mjs';
import { hookSuite } from './suites/hook.mjs';
import { snapshotSuite } from './suites/snapshot.mjs';
import { LIBVIRT_DOMAIN_RNG, validateSuite } from './suites/validate.mjs';

const SUITES = { hook: hookSuite, validate: validateSuite, snapshot: snapshotSuite, fleet: fleetSuite, scaling: scalingSuite };
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function options() {
  try {
    const { values } = parseArgs({ options: { short: { type: 'boolean' }, only: { type: 'string' }, keep: { type: 'boolean' } } });
    const only = values.only ? values.only.split(',') : Object.keys(SUITES);
    const unknown = only.filter((s) => !(s in SUITES));
    if (unknown.length) throw new Error(`unknown suite ${unknown.join(', ')} (known: ${Object.keys(SUITES).join(', ')})`);
    return { short: values.short === true, only, keep: values.keep === true };
  } catch (e) {
    console.error(`bench: ${e.message}`);
    process.exit(2);
  }
}

const which = (tool) => spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;

function tools() {
  return {
    xmllint: which('xmllint') && existsSync(LIBVIRT_DOMAIN_RNG),
    mdevctl: which('mdevctl'),
    unshare: which('unshare'),
    gnuTime: existsSync(GNU_TIME),
    root: process.getuid?.() === 0,
  };
}

/** The commands the budgets measure must be in the build: a benchmark of a missing command is no figure. */
function requireCommands(cli) {
  for (const [command, mustMention] of [['hook', 'run'], ['validate', 'FILE'], ['snapshot', 'snapshot'], ['migrate-check', '--domains']]) {
    const help = spawnSync(process.execPath, [cli, command, '--help'], { encoding: 'utf8' });
    if (help.status !== 0 || !help.stdout.includes(mustMention)) throw new Error(`mdev-agg ${command} --help does not describe the measured command: ${help.stderr || help.stdout}`.trim());
  }
}

async function main() {
  const opts = options();
  const cli = join(repo, 'dist/mdev-agg.js');
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build`);
  let found = tools();
  if (!found.xmllint || !found.mdevctl || !found.gnuTime || !found.unshare) {
    const setup = spawnSync('bash', [join(repo, 'test/bench/setup.sh')], { stdio: 'inherit' });
    if (setup.status !== 0) console.error('bench: setup did not complete; measurements needing the missing tools are skipped');
    found = tools();
  }
  if (!found.gnuTime) throw new Error(`${GNU_TIME} (Debian package time) is needed for peak RSS`);

  // After the setup (apt may need the caller's proxy settings), before anything is timed.
  const leftOut = useHookEnvironment();
  const m = machine();
  console.log(`mdev-agg benchmarks (${opts.short ? 'short' : 'full'})`);
  console.log(`machine: ${m.nproc} CPUs (nproc), ${m.model}, Node ${m.node}, ${m.date}`);
  console.log(`environment: ${environmentLine(leftOut)}`);
  console.log('Figures are medians of alternating runs (A, B, A, B, ...); ratios compare medians from the same run.');

  const tmp = mkdtempSync(join(tmpdir(), 'mdev-agg-bench-'));
  requireCommands(cli);
  const ctx = { repo, cli, tmp, short: opts.short, tools: found };
  const report = new Report();
  try {
    // What a page first touched costs here: the hook and validate sections show each side's share.
    const showsFaults = opts.only.some((name) => name === 'hook' || name === 'validate');
    ctx.pageFaultMicros = showsFaults ? pageFaultCost(report, { rounds: opts.short ? 11 : 31, faultRounds: opts.short ? 2 : 5 }) : null;
    for (const name of opts.only) await SUITES[name](ctx, report);
  } finally {
    if (opts.keep) console.log(`\ncorpora kept in ${tmp}`);
    else rmSync(tmp, { recursive: true, force: true });
  }
  report.printSummary();
}

main().catch((e) => {
  console.error(`\nbench: ${e.message}`);
  process.exitCode = 1;
});
