/**
 * `mdev-agg validate` against `xmllint --relaxng` with libvirt's domain.rng over the same generated
 * files: one process per side with every file as an argument (in equal batches only when the
 * argument list would be too long), throughput ratio of the medians.
 */
import { join } from 'node:path';
import { writeDomainCorpus } from '../corpus/domains.mjs';
import { CommandFailed, alternateWall, median, runOnce } from '../lib/measure.mjs';
import { ms, ratio, sampleLine, verdict } from '../lib/report.mjs';

export const LIBVIRT_DOMAIN_RNG = '/usr/share/libvirt/schemas/domain.rng';
const MAX_ARGV_BYTES = 512 * 1024;
const BUDGET = 2;

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

export async function validateSuite(ctx, report) {
  const count = ctx.short ? 200 : 10_000;
  const rounds = ctx.short ? 2 : 5;
  const name = `validate, ${count.toLocaleString('en')} domains: throughput vs xmllint`;
  report.section(`validate over ${count.toLocaleString('en')} generated domain files vs xmllint --relaxng ${LIBVIRT_DOMAIN_RNG}`);
  if (!ctx.tools.xmllint) return report.skipped(name, 'xmllint or libvirt domain.rng missing');
  const dir = join(ctx.tmp, 'domains');
  const { files, bytes } = writeDomainCorpus(dir, count);
  const groups = batches(files);
  report.line(`    corpus: ${files.length} files, ${(bytes / files.length / 1024).toFixed(1)} KiB average, ${groups.length} batch${groups.length === 1 ? '' : 'es'} per side`);

  const ours = groups.map((g) => ({ label: 'mdev-agg validate', argv: [process.execPath, ctx.cli, 'validate', ...g], cwd: dir }));
  const theirs = groups.map((g) => ({ label: 'xmllint --relaxng', argv: ['xmllint', '--noout', '--relaxng', LIBVIRT_DOMAIN_RNG, ...g], cwd: dir }));

  // Both sides must accept every file, or one of them did less work than the other. xmllint's
  // exit status is checked on every timed run; mdev-agg's too, and once here with the counts.
  let devices = 0;
  for (const command of ours) {
    const checked = runOnce({ ...command, argv: [...command.argv.slice(0, 3), '--json', ...command.argv.slice(3)] }, { capture: true });
    const result = JSON.parse(checked.stdout.toString());
    if (!result.ok || result.files.length !== command.argv.length - 3) {
      throw new CommandFailed(`mdev-agg validate did not accept the generated corpus: ${JSON.stringify(result.diagnostics?.slice(0, 3))}`);
    }
    devices += result.files.reduce((n, f) => n + f.devices, 0);
  }
  if (devices === 0) throw new CommandFailed('mdev-agg validate found no aggregated mdev in the generated corpus');

  const samples = alternateWall(
    [
      { label: 'mdev-agg validate', steps: ours },
      { label: 'xmllint --relaxng', steps: theirs },
    ],
    { iterations: rounds, warmup: 1 },
  );
  report.line(sampleLine(`mdev-agg validate FILE... (${count} files)`, samples[0], ms));
  report.line(sampleLine(`xmllint --noout --relaxng domain.rng FILE...`, samples[1], ms));
  const oursPerSecond = count / (median(samples[0]) / 1000);
  const theirsPerSecond = count / (median(samples[1]) / 1000);
  report.line(`    throughput: mdev-agg ${oursPerSecond.toFixed(0)} files/s, xmllint ${theirsPerSecond.toFixed(0)} files/s`);
  const value = oursPerSecond / theirsPerSecond;
  report.budget({ name, shown: ratio(value), limitShown: `>= ${BUDGET}x`, result: verdict(value, BUDGET, 'higher', ctx.short), note: `${devices} aggregated mdevs checked` });
}
