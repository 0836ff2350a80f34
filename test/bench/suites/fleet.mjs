/**
 * The fleet check, `migrate-check --domains DIR --source-dir DIR --targets DIR`, on 1,000 domains
 * and 1,000 target snapshots, and at data-centre size, 10,000 x 10,000: absolute wall time and
 * peak RSS (no reference tool does this).
 */
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, readSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeFleet } from '../corpus/fleet.mjs';
import { CommandFailed, GNU_TIME, alternatePeakRss, alternateWall, median, runOnce } from '../lib/measure.mjs';
import { mib, ms, sampleLine, verdict } from '../lib/report.mjs';

const WALL_BUDGET_MS = 2000;
const RSS_BUDGET_KIB = 300 * 1024;
const LARGE = { domains: 10_000, targets: 10_000, wallMs: 10_000, rssKib: 1024 * 1024 };
/** The large run is stopped after this: a figure far over budget needs no exact value. */
const LARGE_TIMEOUT_MS = 300_000;

export async function fleetSuite(ctx, report) {
  const shape = ctx.short ? { domains: 50, targets: 50 } : { domains: 1000, targets: 1000 };
  const rounds = ctx.short ? 2 : 7;
  const rssRounds = ctx.short ? 1 : 3;
  const name = `fleet check, ${shape.domains} domains x ${shape.targets} targets`;
  report.section(`migrate-check fleet mode: ${shape.domains} domains x ${shape.targets} target snapshots (one snapshot directory as --source-dir and --targets)`);
  const fleet = writeFleet(join(ctx.tmp, 'fleet'), shape);
  report.line(`    corpus: ${fleet.domains} domains with ${fleet.devices} aggregated mdevs, ${fleet.targets} host snapshots`);
  const argv = [process.execPath, ctx.cli, 'migrate-check', '--domains', fleet.domainsDir, '--source-dir', fleet.hostsDir, '--targets', fleet.hostsDir];

  // The whole matrix must be judged: every domain and target read, no error, both answers present.
  const checked = runOnce({ label: 'migrate-check --json', argv: [...argv, '--json'], expectStatus: [0, 1] }, { capture: true });
  const result = JSON.parse(checked.stdout.toString());
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  if (!result.ok || errors.length || result.domains.length !== fleet.domains || result.targets.length !== fleet.targets) {
    throw new CommandFailed(`migrate-check did not judge the whole fleet: ${result.domains.length} domains, ${result.targets.length} targets, ${JSON.stringify(errors.slice(0, 3))}`);
  }
  const movable = result.domains.filter((d) => d.targets.length > 0).length;
  const pairs = result.domains.reduce((n, d) => n + d.targets.length, 0);
  if (movable === 0 || pairs === fleet.domains * fleet.targets) throw new CommandFailed(`the generated fleet gives a degenerate matrix (${pairs} compatible pairs)`);
  report.line(`    matrix: ${movable} of ${fleet.domains} domains can move, ${pairs} compatible (domain, target) pairs`);
  const command = { label: 'migrate-check fleet', argv, expectStatus: movable === fleet.domains ? 0 : 1 };

  const [wall] = alternateWall([command], { iterations: rounds, warmup: 1 });
  report.line(sampleLine('mdev-agg migrate-check --domains --source-dir --targets', wall, ms));
  report.budget({ name: `${name}: wall`, shown: ms(median(wall)), limitShown: `<= ${WALL_BUDGET_MS} ms`, result: verdict(median(wall), WALL_BUDGET_MS, 'lower', ctx.short) });
  const [rss] = alternatePeakRss([command], { iterations: rssRounds });
  report.line(sampleLine('peak RSS', rss, mib));
  report.budget({ name: `${name}: peak RSS`, shown: mib(median(rss)), limitShown: `<= ${RSS_BUDGET_KIB / 1024} MiB`, result: verdict(median(rss), RSS_BUDGET_KIB, 'lower', ctx.short) });

  await largeFleet(ctx, report);
}

/** 10,000 x 10,000 (short: 200 x 200, not judged), generated at run time: one run under GNU time gives wall and peak RSS. */
async function largeFleet(ctx, report) {
  const shape = ctx.short ? { domains: 200, targets: 200 } : LARGE;
  const name = `fleet check, ${shape.domains.toLocaleString('en')} domains x ${shape.targets.toLocaleString('en')} targets`;
  report.section(`migrate-check fleet mode at data-centre size: ${shape.domains.toLocaleString('en')} domains x ${shape.targets.toLocaleString('en')} target snapshots, generated at run time`);
  const started = Date.now();
  const fleet = writeFleet(join(ctx.tmp, `fleet-${shape.domains}`), shape);
  report.line(`    corpus: ${fleet.domains} domains with ${fleet.devices} aggregated mdevs, ${fleet.targets} host snapshots (generated in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  const out = join(ctx.tmp, 'large-fleet-time');
  // The matrix goes to a file (its last line sums it up): at this size it is hundreds of MB of text.
  const matrixFile = join(ctx.tmp, 'large-fleet-matrix.txt');
  const matrix = openSync(matrixFile, 'w');
  const argv = [process.execPath, ctx.cli, 'migrate-check', '--domains', fleet.domainsDir, '--source-dir', fleet.hostsDir, '--targets', fleet.hostsDir];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(GNU_TIME, ['-f', '%M', '-o', out, '--', ...argv], { timeout: LARGE_TIMEOUT_MS, stdio: ['ignore', matrix, 'pipe'] });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  closeSync(matrix);
  if (r.error?.code === 'ETIMEDOUT' || r.signal) {
    rmSync(matrixFile, { force: true });
    report.line(`    stopped after ${LARGE_TIMEOUT_MS / 1000} s`);
    report.budget({ name: `${name}: wall`, shown: `> ${LARGE_TIMEOUT_MS} ms`, limitShown: `<= ${LARGE.wallMs.toLocaleString('en')} ms`, result: ctx.short ? 'not judged (short corpus)' : 'MISSED' });
    return;
  }
  if (r.status !== 0 && r.status !== 1) throw new CommandFailed(`migrate-check at ${name} failed (exit ${r.status}): ${r.stderr.toString().trim().slice(-400)}`);
  const bytes = statSync(matrixFile).size;
  const summary = lastLine(matrixFile);
  rmSync(matrixFile, { force: true });
  const counts = /^(\d+) domains, (\d+) targets: (.*)$/.exec(summary);
  if (!counts || Number(counts[1]) !== fleet.domains || Number(counts[2]) !== fleet.targets) {
    throw new CommandFailed(`migrate-check did not judge the whole large fleet: ${summary.slice(0, 300)}`);
  }
  const rssKib = Number(readFileSync(out, 'utf8').trim().split('\n').pop());
  report.line(`    ${counts[3]}; ${(bytes / 1048576).toFixed(0)} MiB of text output`);
  report.line(`    wall ${ms(wallMs)}, peak RSS ${mib(rssKib)} (one run)`);
  report.budget({ name: `${name}: wall`, shown: ms(wallMs), limitShown: `<= ${LARGE.wallMs.toLocaleString('en')} ms`, result: verdict(wallMs, LARGE.wallMs, 'lower', ctx.short) });
  report.budget({ name: `${name}: peak RSS`, shown: mib(rssKib), limitShown: `<= ${LARGE.rssKib / 1024} MiB`, result: verdict(rssKib, LARGE.rssKib, 'lower', ctx.short) });
}

/** The last line of a file that may be large. */
function lastLine(file) {
  const fd = openSync(file, 'r');
  try {
    const size = statSync(file).size;
    const length = Math.min(size, 1 << 16);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    return buffer.toString('utf8').trimEnd().split('\n').pop();
  } finally {
    closeSync(fd);
  }
}
