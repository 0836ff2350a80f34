/**
 * `mdev-agg snapshot` against mdevctl's `list --dumpjson` on one generated host tree. Debian's
 * mdevctl reads /sys and /etc/mdevctl.d only (it ignores MDEVCTL_ENV_ROOT), so the comparison runs
 * in a private mount namespace where the tree is bind-mounted on /sys and empty configuration and
 * callout directories on mdevctl's (no callouts: mdevctl's fastest case). mdev-agg reads the same
 * /sys there with its root at /, as on a live host (through --root every path would also resolve
 * the tree's own directory, components mdevctl never looks at).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { countDeviceLinks, writeLargeHost } from '../corpus/host-tree.mjs';
import { CommandFailed, median } from '../lib/measure.mjs';
import { alternateInMountNamespace, withoutRootOverride } from '../lib/mount-namespace.mjs';
import { ms, ratio, sampleLine, verdict } from '../lib/report.mjs';

const BUDGET = 1.5;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

export async function snapshotSuite(ctx, report) {
  const shape = ctx.short ? { parents: 2, types: 2, devicesPerParent: 50 } : { parents: 16, types: 8, devicesPerParent: 1000 };
  const rounds = ctx.short ? 3 : 15;
  const total = shape.parents * shape.devicesPerParent;
  const name = `snapshot, ${shape.parents}x${shape.types}x${shape.devicesPerParent}: wall vs mdevctl list`;
  report.section(
    `snapshot vs mdevctl list --dumpjson: ${shape.parents} parents x ${shape.types} types, ${shape.devicesPerParent} devices per parent (${total.toLocaleString('en')} devices)`,
  );
  if (!ctx.tools.mdevctl || !ctx.tools.unshare) return report.skipped(name, 'mdevctl or unshare missing');
  if (!ctx.tools.root) return report.skipped(name, 'mdevctl reads only /sys: the private mount namespace needs root');
  if (!existsSync('/etc/mdevctl.d')) return report.skipped(name, '/etc/mdevctl.d is missing (mdevctl package not installed as Debian ships it)');

  const tree = join(ctx.tmp, 'large-host');
  const expected = writeLargeHost(tree, shape);
  if (countDeviceLinks(tree) !== expected.devices) throw new CommandFailed('the generated host tree lost devices');
  const etc = join(ctx.tmp, 'mdevctl-etc');
  const scripts = join(ctx.tmp, 'mdevctl-scripts');
  for (const dir of [join(etc, 'scripts.d', 'callouts'), join(etc, 'scripts.d', 'notifiers'), join(scripts, 'callouts'), join(scripts, 'notifiers')]) mkdirSync(dir, { recursive: true });
  const commands = [
    // The live host's root, /, as on a host: the namespace shows both commands the tree as /sys.
    { label: 'mdev-agg snapshot', argv: [process.execPath, ctx.cli, 'snapshot'], env: withoutRootOverride() },
    { label: 'mdevctl list --dumpjson', argv: ['mdevctl', 'list', '--dumpjson'] },
  ];
  const { samples, stdout } = alternateInMountNamespace({
    repo: ctx.repo,
    outDir: join(ctx.tmp, 'snapshot-out'),
    binds: [
      { from: join(tree, 'sys'), to: '/sys' },
      { from: etc, to: '/etc/mdevctl.d' },
      // mdevctl 1.3+ also looks for callouts under /usr/lib; hide any the host has.
      { from: scripts, to: '/usr/lib/mdevctl/scripts.d', ifPresent: true },
    ],
    commands,
    iterations: rounds,
    warmup: 1,
  });

  // Each side must have read every device.
  const mdevctlSeen = new Set(stdout[1].match(UUID));
  const mdevctlMissing = expected.uuids.filter((u) => !mdevctlSeen.has(u)).length;
  if (mdevctlMissing) throw new CommandFailed(`mdevctl list missed ${mdevctlMissing} of ${expected.devices} devices: the namespace does not show the tree`);
  const ours = stdout[0];
  const seen = new Set(ours.match(UUID));
  const missing = expected.uuids.filter((u) => !seen.has(u)).length;
  if (missing) throw new CommandFailed(`mdev-agg snapshot missed ${missing} of ${expected.devices} devices`);
  const parents = ours.match(/<parent /g)?.length ?? 0;
  const types = ours.match(/<type /g)?.length ?? 0;
  if (parents !== expected.parents || types !== expected.types) throw new CommandFailed(`mdev-agg snapshot shows ${parents} parents and ${types} types`);

  report.line(sampleLine(commands[0].label, samples[0], ms));
  report.line(sampleLine(commands[1].label, samples[1], ms));
  const value = median(samples[0]) / median(samples[1]);
  report.budget({ name, shown: ratio(value), limitShown: `<= ${BUDGET}x`, result: verdict(value, BUDGET, 'lower', ctx.short) });
}
