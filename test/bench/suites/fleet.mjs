/**
 * The fleet check, `migrate-check --domains DIR --source-dir DIR --targets DIR`, on 1,000 domains
 * and 1,000 target snapshots: absolute wall time and peak RSS (no reference tool does this).
 */
import { join } from 'node:path';
import { writeFleet } from '../corpus/fleet.mjs';
import { CommandFailed, alternatePeakRss, alternateWall, median, runOnce } from '../lib/measure.mjs';
import { mib, ms, sampleLine, verdict } from '../lib/report.mjs';

const WALL_BUDGET_MS = 2000;
const RSS_BUDGET_KIB = 300 * 1024;

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
}
