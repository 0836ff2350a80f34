/**
 * Start-up budgets against `node -e 0`, measured on the wrapper `hook install` writes, run as libvirt
 * runs it: an operation with nothing to do and `prepare` of a guest without aggregation (every guest
 * on the host pays them; no Node starts), and `prepare` for a guest with three aggregated devices.
 *
 * `prepare` runs the idempotent path: the example domain's three devices already exist on a copy
 * of the example host, so the hook reads the domain, takes the lock, reads the host, plans and
 * verifies, and writes nothing. Creating devices on a plain tree cannot succeed (no kernel makes
 * the device appear), and a run that fails early would measure less than the real path. It is
 * measured as on a host, with the root at / (a private mount namespace shows the tree's sys and run
 * as /sys and /run), and, informatively, with the tree as its root, as tests run it: every change
 * under a root other than / also checks its mount.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { domainXml } from '../corpus/domains.mjs';
import { exampleHostWithDevices } from '../../../scripts/example-host.mjs';
import { CommandFailed, alternateMinorFaults, alternatePeakRss, alternateWall, median, runOnce } from '../lib/measure.mjs';
import { alternateInMountNamespace, withoutRootOverride } from '../lib/mount-namespace.mjs';
import { count, mib, ms, ratio, sampleLine, verdict } from '../lib/report.mjs';
import { faultShareLine } from '../lib/page-faults.mjs';
import { seededRandom } from '../lib/random.mjs';

/** Installs the wrapper as `hook install` writes it, into a directory of the benchmark's own. */
function installWrapper(ctx) {
  const dir = join(ctx.tmp, 'hooks');
  runOnce({ label: 'mdev-agg hook install', argv: [process.execPath, ctx.cli, 'hook', 'install', '--hooks-dir', dir, '--create'] });
  return join(dir, 'mdev-agg');
}

export async function hookSuite(ctx, report) {
  const rounds = ctx.short ? 5 : 40;
  const rssRounds = ctx.short ? 2 : 10;
  const node = process.execPath;
  // The same stdin and environment as the command it is compared with.
  const baseline = (input, env) => ({ label: 'node -e 0', argv: [node, '-e', '0'], input, env });

  report.section(`start-up floor (informative): mdev-agg --version vs node -e 0`);
  {
    const samples = alternateWall([{ label: 'mdev-agg --version', argv: [node, ctx.cli, '--version'] }, baseline()], { iterations: rounds, warmup: 2 });
    report.line(sampleLine('mdev-agg --version', samples[0], ms));
    report.line(sampleLine('node -e 0', samples[1], ms));
    report.line(`    ratio ${ratio(median(samples[0]) / median(samples[1]))}`);
  }

  const host = exampleHostWithDevices(ctx.repo, join(ctx.tmp, 'example-gvt-prepared'));
  const env = { ...process.env, MDEV_AGG_ROOT: host.root, TMPDIR: ctx.tmp };
  const plainGuest = domainXml(seededRandom(11), 1, { mdevs: 0 }).xml;
  if (plainGuest.includes('aggregation')) throw new CommandFailed('the generated plain guest mentions aggregation');
  // libvirt runs the executable wrapper (its #!/bin/sh line), the domain XML on stdin.
  const wrapper = installWrapper(ctx);
  const hook = (op, input) => ({ label: `qemu.d/mdev-agg GUEST ${op} begin -`, argv: [wrapper, 'guest', op, 'begin', '-'], input, env });
  const silent = (op, input) => {
    const check = runOnce(hook(op, input), { capture: true });
    if (check.stdout.length || check.stderr.length) throw new CommandFailed(`the hook's ${op} printed output: ${check.stdout}${check.stderr}`);
  };
  // Informative beside the two sides: a process that does nothing, started the same way with the
  // same stdin. What it costs no hook can spend less on.
  const doingNothing = (input, env) => ({ label: 'true (does nothing; same stdin)', argv: ['true'], input, env });
  const versusNode = (command, input, budget, name) => {
    const samples = alternateWall([command, baseline(input, command.env), doingNothing(input, command.env)], { iterations: rounds, warmup: 2 });
    return budgetLine(command, samples, budget, name, () => {
      report.line(sampleLine(doingNothing(input).label, samples[2], ms));
      report.line(`    a process doing nothing: ${ratio(median(samples[2]) / median(samples[1]))} node -e 0`);
    });
  };
  const budgetLine = (command, samples, budget, name, informative = () => undefined) => {
    report.line(sampleLine(command.label, samples[0], ms));
    report.line(sampleLine('node -e 0 (same stdin)', samples[1], ms));
    informative();
    const value = median(samples[0]) / median(samples[1]);
    report.budget({ name, shown: ratio(value), limitShown: `<= ${budget}x`, result: verdict(value, budget, 'lower') });
    return samples.map(median);
  };

  report.section(`installed hook wrapper, an operation with nothing to do (started; the example domain with 3 aggregated mdevs on stdin) vs node -e 0`);
  silent('started', host.xml);
  versusNode(hook('started', host.xml), host.xml, 0.1, 'hook wrapper, an operation with nothing to do: wall vs node -e 0');

  report.section(`installed hook wrapper, prepare of a guest without aggregation (${(plainGuest.length / 1024).toFixed(1)} KiB of domain XML on stdin) vs node -e 0`);
  silent('prepare', plainGuest);
  versusNode(hook('prepare', plainGuest), plainGuest, 0.25, 'hook wrapper, prepare of a guest without aggregation: wall vs node -e 0');

  report.section('installed hook wrapper, prepare of the example domain with 3 aggregated mdevs (idempotent path: the devices exist; read, lock, plan, verify, no writes) vs node -e 0');
  {
    // The idempotent path is what is measured: the same tree applied must need no write.
    const applied = JSON.parse(runOnce({ label: 'mdev-agg apply --json', argv: [node, ctx.cli, 'apply', host.domainFile, '--json'], env }, { capture: true }).stdout.toString());
    if (!applied.ok || applied.writes !== 0 || applied.present?.length !== 3) {
      throw new CommandFailed(`the prepared tree does not hold the example's devices as declared: ${JSON.stringify(applied).slice(0, 400)}`);
    }
    silent('prepare', host.xml);
    const name = 'hook wrapper, prepare, 3 aggregated mdevs: wall vs node -e 0';
    // The walls with the tree as its root, as the faults and the peak RSS are counted.
    let walls;
    if (ctx.tools.unshare && ctx.tools.root) {
      // As libvirt runs it on a host: the root is /, here a private mount namespace that shows the
      // prepared tree's sys and run as /sys and /run (as the snapshot budget is measured).
      const onHost = { ...hook('prepare', host.xml), env: withoutRootOverride(env) };
      report.line('    as on a host: root /, the tree shown as /sys and /run in a private mount namespace');
      const { samples, stdout, stderr } = alternateInMountNamespace({
        repo: ctx.repo,
        outDir: join(ctx.tmp, 'hook-host-root'),
        binds: [
          { from: join(host.root, 'sys'), to: '/sys' },
          { from: join(host.root, 'run'), to: '/run' },
        ],
        commands: [onHost, baseline(host.xml, onHost.env)],
        iterations: rounds,
        warmup: 2,
      });
      if (stdout[0] || stderr[0]) throw new CommandFailed(`the hook's prepare with root / printed output: ${stdout[0]}${stderr[0]}`);
      budgetLine(onHost, samples, 1.35, name);
      // Informative: under a root other than / (tests, --root), every change also checks its mount.
      const underTree = alternateWall([hook('prepare', host.xml), baseline(host.xml, env)], { iterations: rounds, warmup: 2 });
      report.line('    informative: the same with the tree as its root (MDEV_AGG_ROOT), as tests run it');
      report.line(sampleLine(hook('prepare', host.xml).label, underTree[0], ms));
      report.line(sampleLine('node -e 0 (same stdin)', underTree[1], ms));
      report.line(`    ratio ${ratio(median(underTree[0]) / median(underTree[1]))}`);
      walls = underTree.map(median);
    } else {
      walls = versusNode(hook('prepare', host.xml), host.xml, 1.35, `${name} (root: the tree; a host's root / needs root and unshare)`);
    }

    const rss = alternatePeakRss([hook('prepare', host.xml), baseline(host.xml, env)], { iterations: rssRounds });
    report.line(sampleLine('peak RSS, hook wrapper prepare', rss[0], mib));
    report.line(sampleLine('peak RSS, node -e 0', rss[1], mib));
    const rssValue = median(rss[0]) / median(rss[1]);
    report.budget({ name: 'hook wrapper, prepare, 3 aggregated mdevs: peak RSS vs node -e 0', shown: ratio(rssValue), limitShown: '<= 1.25x', result: verdict(rssValue, 1.25, 'lower') });
    // Informative: the pages each side touches (the wrapper's shell and perl count too: they are
    // the same process), and their share of its wall; nearly all are the main thread's.
    const faults = alternateMinorFaults([hook('prepare', host.xml), baseline(host.xml, env)], { iterations: rssRounds });
    report.line(sampleLine('minor page faults, hook wrapper prepare', faults[0], count));
    report.line(sampleLine('minor page faults, node -e 0', faults[1], count));
    report.line(faultShareLine(ctx.pageFaultMicros, [{ label: 'the hook', faults: median(faults[0]), wall: walls[0] }, { label: 'node -e 0', faults: median(faults[1]), wall: walls[1] }]));

    const status = runOnce({ label: 'mdev-agg status', argv: [node, ctx.cli, 'status', host.domainFile], env }, { capture: true });
    if (!status.stdout.toString().includes('present')) throw new CommandFailed(`the devices are gone after the measured runs: ${status.stdout}`);
  }
  const left = readdirSync(ctx.tmp).filter((f) => f.startsWith('mdev-agg-hook.'));
  if (left.length) throw new CommandFailed(`the hook wrapper left temporary files: ${left.join(', ')}`);
}
