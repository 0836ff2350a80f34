/**
 * Growth (DESIGN 8): time per unit of validate (files), plan, embed and stamp (devices in one
 * domain) and the fleet check (domains and target snapshots) at three sizes; the per-unit cost
 * at the largest size must stay within 2x of the smallest. Each size runs in its own process
 * (test/bench/scaling-worker.mjs) with the CLI loaded once and warmed up on the smallest size, so
 * neither start-up nor compiling is spread over the units.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { manyDevicesDomain, writeDomainCorpus } from '../corpus/domains.mjs';
import { writeFleet } from '../corpus/fleet.mjs';
import { copyHost, setAvailable } from '../corpus/host-tree.mjs';
import { CommandFailed, median } from '../lib/measure.mjs';
import { verdict } from '../lib/report.mjs';

const GROWTH_BUDGET = 2;
/** A size still running after this is stopped and reported as such: the table must finish. */
const SIZE_TIMEOUT_MS = 600_000;
const EXAMPLE_PARENT_DIR = 'devices/pci0000:00/0000:00:02.0';

const SIZES = {
  full: { files: [100, 1_000, 10_000], devices: [1, 100, 10_000], fleet: [100, 1_000, 10_000] },
  short: { files: [10, 100], devices: [1, 100], fleet: [10, 50] },
};

/** Median milliseconds of one run of `argv` at one size, or { stopped } when it ran out of time. */
function timeInProcess(ctx, argv, { warmArgv, cwd, env = {}, expectCodes = [0], samples }) {
  const specFile = join(ctx.tmp, 'scaling-spec.json');
  writeFileSync(specFile, JSON.stringify({ cli: join(ctx.repo, 'dist/mdev-agg-cli.js'), argv, warmArgv, env: { ...process.env, ...env }, cwd, expectCodes, samples }));
  const r = spawnSync(process.execPath, [join(ctx.repo, 'test/bench/scaling-worker.mjs'), specFile], { encoding: 'utf8', timeout: SIZE_TIMEOUT_MS, maxBuffer: 1 << 20 });
  if (r.error?.code === 'ETIMEDOUT' || r.signal) return { stopped: true };
  if (r.status !== 0) throw new CommandFailed(`mdev-agg ${argv[0]} at one size of the growth table failed: ${r.stderr.trim()}`);
  return { ms: median(JSON.parse(r.stdout).ms) };
}

/** A copy of the example host whose i915-GVTg_V5_1 has room for every device the table asks for. */
function roomyHost(ctx) {
  const root = copyHost(join(ctx.repo, 'fixtures/hosts/example-gvt'), join(ctx.tmp, 'scaling-host'));
  setAvailable(root, EXAMPLE_PARENT_DIR, 'i915-GVTg_V5_1', 1_000_000);
  return root;
}

const perUnit = (ms, units) => (ms * 1000) / units;
const us = (v) => `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} µs`;

export async function scalingSuite(ctx, report) {
  const sizes = ctx.short ? SIZES.short : SIZES.full;
  report.section(`growth: time per unit at each size, in-process (the CLI loaded once per size); budget: largest <= ${GROWTH_BUDGET}x smallest`);
  const rows = [];
  const row = (name, unit, measure, counts) => {
    const cells = [];
    for (const n of counts) {
      const m = measure(n);
      cells.push({ n, ...m, perUnit: m.stopped ? null : perUnit(m.ms, m.units ?? n) });
      // A size that ran out of time makes larger ones pointless.
      if (m.stopped) break;
    }
    rows.push({ name, unit, cells });
    const shown = cells.map((c) => `${c.n.toLocaleString('en')}: ${c.stopped ? `stopped after ${SIZE_TIMEOUT_MS / 1000} s` : `${us(c.perUnit)}/${unit} (${c.ms.toFixed(0)} ms)`}`);
    report.line(`    ${name.padEnd(10)} ${shown.join('   ')}`);
    const first = cells[0];
    const last = cells[cells.length - 1];
    const label = `growth, ${name}: per ${unit} at ${counts[counts.length - 1].toLocaleString('en')} vs ${counts[0].toLocaleString('en')}`;
    if (last.stopped || cells.length < counts.length) {
      report.budget({ name: label, shown: 'stopped', limitShown: `<= ${GROWTH_BUDGET}x`, result: 'MISSED', note: `the largest size ran longer than ${SIZE_TIMEOUT_MS / 1000} s` });
      return;
    }
    const value = last.perUnit / first.perUnit;
    report.budget({ name: label, shown: `${value.toFixed(2)}x`, limitShown: `<= ${GROWTH_BUDGET}x`, result: verdict(value, GROWTH_BUDGET, 'lower', ctx.short) });
  };

  // validate: the mixed corpus, the first N files.
  const maxFiles = sizes.files[sizes.files.length - 1];
  const corpusDir = join(ctx.tmp, 'scaling-domains');
  const { files } = writeDomainCorpus(corpusDir, maxFiles);
  const validateArgv = (n) => ['validate', ...files.slice(0, n)];
  row('validate', 'file', (n) => timeInProcess(ctx, validateArgv(n), { warmArgv: validateArgv(sizes.files[0]), cwd: corpusDir, samples: 5 }), sizes.files);

  // plan, embed, stamp: one domain with N devices.
  const host = roomyHost(ctx);
  const domainsDir = join(ctx.tmp, 'scaling-many');
  mkdirSync(domainsDir, { recursive: true });
  const domainFile = (n, form) => {
    const file = join(domainsDir, `${form}-${n}.xml`);
    writeFileSync(file, manyDevicesDomain(n, form));
    return file;
  };
  const env = { MDEV_AGG_ROOT: host };
  for (const [command, form] of [['plan', 'metadata'], ['embed', 'inline'], ['stamp', 'metadata']]) {
    const warmArgv = [command, domainFile(sizes.devices[0], form)];
    row(command, 'device', (n) => timeInProcess(ctx, [command, domainFile(n, form)], { warmArgv, cwd: domainsDir, env, samples: 5 }), sizes.devices);
  }

  // The fleet check: N domains and N targets; a unit is one input file (a domain or a snapshot).
  const fleetArgv = (n) => {
    const fleet = writeFleet(join(ctx.tmp, `scaling-fleet-${n}`), { domains: n, targets: n });
    return ['migrate-check', '--domains', fleet.domainsDir, '--source-dir', fleet.hostsDir, '--targets', fleet.hostsDir];
  };
  const warmFleet = fleetArgv(sizes.fleet[0]);
  row('fleet', 'input file', (n) => ({ ...timeInProcess(ctx, fleetArgv(n), { warmArgv: warmFleet, cwd: ctx.tmp, expectCodes: [0, 1], samples: 3 }), units: 2 * n }), sizes.fleet);
  return rows;
}
