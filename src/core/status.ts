/** Desired (the domain) against actual (the host), per managed device. Pure. */
import type { DomainModel } from './domain';
import { sanitiseLine } from './terminal-text';
import { type HostDevice, type HostModel, findDevice } from './host-model';
import { existsAsDeclared } from './placement';

export interface DeviceStatus {
  uuid: string;
  desired: { parent: string | null; type: string; instances: number };
  actual: Pick<HostDevice, 'parent' | 'type' | 'instances'> | null;
  /** present: as declared; absent: not on the host; different: the UUID exists otherwise. */
  state: 'present' | 'absent' | 'different';
}

export function domainStatus(domain: DomainModel, host: HostModel): DeviceStatus[] {
  return domain.devices.map((d) => {
    const found = findDevice(host, d.uuid);
    const actual = found ? { parent: found.parent, type: found.type, instances: found.instances } : null;
    const matches = found && existsAsDeclared(d, found);
    return {
      uuid: d.uuid,
      desired: { parent: d.parent, type: d.type, instances: d.instances },
      actual,
      state: !found ? 'absent' : matches ? 'present' : 'different',
    };
  });
}

export function statusText(domainName: string | null, rows: DeviceStatus[]): string {
  const lines = [`status of domain ${sanitiseLine(domainName ?? '(unnamed)')}:`];
  for (const r of rows) {
    const want = `${r.desired.type} x${r.desired.instances}${r.desired.parent ? ` on ${r.desired.parent}` : ''}`;
    const have = r.actual ? `${r.actual.type} x${r.actual.instances} on ${r.actual.parent}` : '-';
    lines.push(`  ${r.uuid}  ${r.state.padEnd(9)}  wanted ${want}; host has ${have}`);
  }
  if (rows.length === 0) lines.push('  (no aggregated mdevs)');
  return lines.join('\n');
}
