/** A migration verdict as text: one block per device, one line per check, the verdict last. Pure. */
import type { DeviceVerdict } from './compat';

export function migrationVerdictText(heading: string, devices: readonly DeviceVerdict[], compatible: boolean): string {
  const lines = [heading];
  if (devices.length === 0) lines.push('  no aggregated mdev to check');
  for (const d of devices) {
    lines.push(`${d.uuid}  ${d.type} x${d.instances}  (source facts: ${d.origin === 'none' ? 'none' : `from the ${d.origin}`})`);
    for (const name of ['type', 'count', 'driver'] as const) {
      const check = d.checks[name];
      const result = check.result === 'unknown' && check.ok ? 'unknown (allowed)' : check.result;
      const method = name === 'driver' ? ` [${d.checks.driver.method}]` : '';
      lines.push(`  ${name.padEnd(7)} ${result.padEnd(8)} ${check.code ? `${check.code}: ` : ''}${check.reason}${method}`);
    }
  }
  const failing = devices.filter((d) => !d.compatible).length;
  lines.push(compatible ? 'compatible: yes' : `compatible: no (${failing} of ${devices.length} device${devices.length === 1 ? '' : 's'} fail${failing === 1 ? 's' : ''})`);
  return lines.join('\n');
}
