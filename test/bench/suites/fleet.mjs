/** The fleet check: 1,000 domains x 1,000 target snapshots, absolute wall and peak RSS. */
import { spawnSync } from 'node:child_process';

export function fleetModeLanded(ctx) {
  if (!ctx.commands.has('migrate-check')) return false;
  const help = spawnSync(process.execPath, [ctx.cli, 'migrate-check', '--help'], { encoding: 'utf8' });
  return help.status === 0 && help.stdout.includes('--domains') && help.stdout.includes('--targets');
}

export async function fleetSuite(ctx, report) {
  const shape = ctx.short ? { domains: 50, targets: 50 } : { domains: 1000, targets: 1000 };
  const name = `fleet check, ${shape.domains} domains x ${shape.targets} targets`;
  report.section(`migrate-check fleet mode: ${shape.domains} domains x ${shape.targets} target snapshots`);
  if (!fleetModeLanded(ctx)) {
    report.skipped(`${name}: wall`, '`mdev-agg migrate-check --domains` is not in this build yet');
    report.skipped(`${name}: peak RSS`, '`mdev-agg migrate-check --domains` is not in this build yet');
  }
}
