/**
 * `mdev-agg validate` against `xmllint --relaxng` with libvirt's domain.rng over the same generated
 * files, on two corpora: one process per side with every file as an argument (in equal batches only
 * when the argument list would be too long), throughput ratio of the medians.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { writeDomainCorpus } from '../corpus/domains.mjs';
import { availableParallelism } from 'node:os';
import { CommandFailed, alternateCpu, alternateMinorFaults, alternateWall, median, runOnce } from '../lib/measure.mjs';
import { faultShareLine } from '../lib/page-faults.mjs';
import { ms, ratio, sampleLine, verdict } from '../lib/report.mjs';
import { floorPrograms } from '../floor/programs.cjs';

export const LIBVIRT_DOMAIN_RNG = '/usr/share/libvirt/schemas/domain.rng';
const MAX_ARGV_BYTES = 512 * 1024;

function batches(files) {
  const out = [[]];
  let bytes = 0;
  for (const f of files) {
    if (bytes + f.length + 1 > MAX_ARGV_BYTES && out[out.length - 1].length) {
      out.push([]);
      bytes = 0;
    }
    out[out.length - 1].push(f);
    bytes += f.length + 1;
  }
  return out;
}

/**
 * The budgets: the benchmark's mixed corpus (x86 and s390 guests of 4-7 KB, 1-4 mdevs) and
 * small element-dense domains (2-3 KB, 0-2 mdevs), the size `virsh dumpxml` gives most guests.
 */
const CORPORA = [
  { key: 'mixed', title: 'mixed domains', budget: 3, dense: false, full: 10_000, short: 200 },
  { key: 'dense', title: 'small element-dense domains (0-2 mdevs)', budget: 2, dense: true, full: 2_000, short: 200 },
];

export async function validateSuite(ctx, report) {
  const programs = floorPrograms(ctx.tmp);
  for (const corpus of CORPORA) await compare(ctx, report, corpus, programs);
}

/** Writes a corpus (or reuses it) and checks that mdev-agg accepts every file; returns the files and the devices checked. */
export function validatedCorpus(ctx, { key, dense, count }) {
  const dir = join(ctx.tmp, `domains-${key}`);
  const { files, bytes } = writeDomainCorpus(dir, count, { dense });
  const groups = batches(files);
  let devices = 0;
  for (const group of groups) {
    const checked = runOnce({ label: 'mdev-agg validate --json', argv: [process.execPath, ctx.cli, 'validate', '--json', ...group], cwd: dir }, { capture: true });
    const result = JSON.parse(checked.stdout.toString());
    if (!result.ok || result.files.length !== group.length) {
      throw new CommandFailed(`mdev-agg validate did not accept the generated corpus: ${JSON.stringify(result.diagnostics?.slice(0, 3))}`);
    }
    devices += result.files.reduce((n, f) => n + f.devices, 0);
  }
  return { dir, files, bytes, groups, devices };
}

async function compare(ctx, report, corpus, programs) {
  const count = ctx.short ? corpus.short : corpus.full;
  const rounds = ctx.short ? 2 : 5;
  const name = `validate, ${count.toLocaleString('en')} ${corpus.title}: throughput vs xmllint`;
  report.section(`validate over ${count.toLocaleString('en')} generated ${corpus.title} vs xmllint --relaxng ${LIBVIRT_DOMAIN_RNG}`);
  if (!ctx.tools.xmllint) return report.skipped(name, 'xmllint or libvirt domain.rng missing');
  // Both sides must accept every file, or one of them did less work than the other. xmllint's
  // exit status is checked on every timed run; mdev-agg's too, and once here with the counts.
  const { dir, files, bytes, groups, devices } = validatedCorpus(ctx, { key: corpus.key, dense: corpus.dense, count });
  report.line(`    corpus: ${files.length} files, ${(bytes / files.length / 1024).toFixed(1)} KiB average, ${devices} aggregated mdevs, ${groups.length} batch${groups.length === 1 ? '' : 'es'} per side`);
  if (devices === 0) throw new CommandFailed('mdev-agg validate found no aggregated mdev in the generated corpus');

  // mdev-agg as a user runs it (a long list is read on every CPU, at most 4 threads), and on one
  // thread (`--jobs 1`, informative): the budget is throughput, and xmllint has one thread only.
  // The rule of src/cli/commands/validate.ts: by default one thread per 2,500 files, at most the CPUs and 4.
  const threads = Math.max(1, Math.min(availableParallelism(), 4, Math.floor(Math.max(...groups.map((g) => g.length)) / 2500)));
  const ours = groups.map((g) => ({ label: 'mdev-agg validate', argv: [process.execPath, ctx.cli, 'validate', ...g], cwd: dir }));
  const oneThread = groups.map((g) => ({ label: 'mdev-agg validate --jobs 1', argv: [process.execPath, ctx.cli, 'validate', '--jobs', '1', ...g], cwd: dir }));
  const theirs = groups.map((g) => ({ label: 'xmllint --relaxng', argv: ['xmllint', '--noout', '--relaxng', LIBVIRT_DOMAIN_RNG, ...g], cwd: dir }));
  // The floor: what validate cannot leave out on one thread whatever its own reader costs (Node's
  // start, reading every file, fast-xml-parser's reading of the elements it confirms), timed in
  // the same rounds. The elements are cut beforehand, untimed.
  let secondReadingBytes = 0;
  const floorSteps = groups.map((g, i) => {
    const readings = join(ctx.tmp, `second-reading-${corpus.key}-${i}`);
    runOnce({ label: 'extract the elements read twice', argv: [process.execPath, programs.extract, readings, ...g], cwd: dir });
    secondReadingBytes += statSync(`${readings}.txt`).size;
    return { label: 'floor: Node, the files, the second reading', argv: [process.execPath, programs.floor, readings, ...g], cwd: dir };
  });
  const sides = [
    { label: 'mdev-agg validate', steps: ours },
    { label: 'mdev-agg validate --jobs 1', steps: oneThread },
    { label: 'xmllint --relaxng', steps: theirs },
  ];
  const samples = alternateWall([...sides, { label: 'floor', steps: floorSteps }], { iterations: rounds, warmup: 1 });
  report.line(sampleLine(`mdev-agg validate FILE... (${count} files, ${threads} thread${threads === 1 ? '' : 's'})`, samples[0], ms));
  report.line(sampleLine(`mdev-agg validate --jobs 1 FILE...`, samples[1], ms));
  report.line(sampleLine(`xmllint --noout --relaxng domain.rng FILE...`, samples[2], ms));
  const perSecond = (i) => count / (median(samples[i]) / 1000);
  report.line(`    throughput: mdev-agg ${perSecond(0).toFixed(0)} files/s (one thread: ${perSecond(1).toFixed(0)}), xmllint ${perSecond(2).toFixed(0)} files/s`);
  const cpu = alternateCpu(sides, { iterations: ctx.short ? 1 : 2 });
  const cpuShown = (i) => `${median(cpu[i]).toFixed(2)} s`;
  report.line(`    CPU time (user + system, all threads): mdev-agg ${cpuShown(0)}, one thread ${cpuShown(1)}, xmllint ${cpuShown(2)}; xmllint / one thread ${ratio(median(cpu[2]) / median(cpu[1]))}`);
  const faults = alternateMinorFaults([sides[0], sides[2]], { iterations: ctx.short ? 1 : 2 });
  // mdev-agg's faults are spread over its threads and V8's, which run beside each other: no share of its wall.
  report.line(faultShareLine(ctx.pageFaultMicros, [
    { label: 'mdev-agg', faults: median(faults[0]), note: 'all threads, V8\'s compiler and collector included' },
    { label: 'xmllint', faults: median(faults[1]), wall: median(samples[2]) },
  ]));
  report.line(`    one thread: throughput ${ratio(perSecond(1) / perSecond(2))} xmllint's (informative)`);
  const allowed = median(samples[2]) / corpus.budget;
  report.line(sampleLine(`floor (node, files, fxp on ${(secondReadingBytes / 1024).toFixed(0)} KiB confirmed)`, samples[3], ms));
  report.line(`    the floor is ${((median(samples[3]) / allowed) * 100).toFixed(0)}% of the ${ms(allowed)} the budget allows (xmllint / ${corpus.budget}); mdev-agg's own reading has the rest${ctx.short ? ' (short corpus: not the size the budget is set for)' : ''}`);
  const value = perSecond(0) / perSecond(2);
  report.budget({ name, shown: ratio(value), limitShown: `>= ${corpus.budget}x`, result: verdict(value, corpus.budget, 'higher', ctx.short), note: `${devices} aggregated mdevs checked, ${threads} threads` });
}
