/** Desired (the domain) against actual (the host), per managed device. Pure. */
import type { DomainModel } from '../reading/domain';
import { sanitiseLine } from '../text/terminal-text';
import { type HostDevice, type HostModel, findDevice } from '../host/host-model';
import { existsAsDeclared, hiddenDevice } from './placement';

export interface DeviceStatus {
  uuid: string;
  desired: { parent: string | null; type: string; instances: number };
  actual: Pick<HostDevice, 'parent' | 'type' | 'instances'> | null;
  /**
   * present: as declared; absent: not on the host; different: the UUID exists otherwise;
   * unreadable: its files (or the device listing) cannot be read or lead out of the root, so
   * whether it exists is not known (`problem` says why, with its code).
   */
  state: 'present' | 'absent' | 'different' | 'unreadable';
  problem?: string;
}

export function domainStatus(domain: DomainModel, host: HostModel): DeviceStatus[] {
  return domain.devices.map((d) => {
    const found = findDevice(host, d.uuid);
    const actual = found ? { parent: found.parent, type: found.type, instances: found.instances } : null;
    const matches = found && existsAsDeclared(d, found);
    const desired = { parent: d.parent, type: d.type, instances: d.instances };
    // A device skipped for an unreadable file is not absent: saying so would be a guess.
    const hidden = found ? null : hiddenDevice(host, d.uuid);
    if (hidden) return { uuid: d.uuid, desired, actual, state: 'unreadable', problem: `${hidden.code}: ${hidden.message.replace(/; nothing is written$/, '')}` };
    return { uuid: d.uuid, desired, actual, state: !found ? 'absent' : matches ? 'present' : 'different' };
  });
}

export function statusText(domainName: string | null, rows: DeviceStatus[]): string {
  const lines = [`status of domain ${sanitiseLine(domainName ?? '(unnamed)')}:`];
  for (const r of rows) {
    const want = `${r.desired.type} x${r.desired.instances}${r.desired.parent ? ` on ${r.desired.parent}` : ''}`;
    const have = r.actual ? `${r.actual.type} x${r.actual.instances} on ${r.actual.parent}` : r.problem ? `? (${sanitiseLine(r.problem)})` : '-';
    lines.push(`  ${r.uuid}  ${r.state.padEnd(10)}  wanted ${want}; host has ${have}`);
  }
  if (rows.length === 0) lines.push('  (no aggregated mdevs)');
  return lines.join('\n');
}
