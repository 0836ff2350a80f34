/** One domain against one target: the per-device verdicts, the overall verdict, located diagnostics. Pure. */
import { type Diagnostic, diagnostic } from '../text/diagnostics';
import type { DomainModel } from '../reading/domain';
import type { ParentChange } from '../edit/set-parents';
import type { HostModel } from '../host/host-model';
import type { HostSnapshot } from '../snapshot/model';
import { type CheckOptions, type DeviceVerdict, judgeDevices } from './compat';
import { sourceFactsFor } from './source-facts';

export interface MigrationVerdict {
  compatible: boolean;
  devices: DeviceVerdict[];
  /** One per check that is not ok, pointing at the device's entry in the domain. */
  diagnostics: Diagnostic[];
}

const CHECK_ATTRIBUTE = { type: 'type', count: 'instances', driver: null } as const;

export function checkDomainMigration(domain: DomainModel, source: HostSnapshot | null, target: HostModel, options: CheckOptions): MigrationVerdict {
  const requirements = domain.devices.map((device) => ({ device, source: sourceFactsFor(device, source) }));
  const devices = judgeDevices(requirements, target, options);
  const diagnostics: Diagnostic[] = [];
  devices.forEach((verdict, i) => {
    const device = domain.devices[i]!;
    for (const name of ['type', 'count', 'driver'] as const) {
      const check = verdict.checks[name];
      if (check.ok || check.code === null) continue;
      const attribute = CHECK_ATTRIBUTE[name];
      const at = (attribute && device.attributeAt[attribute]) || device.at;
      diagnostics.push(diagnostic(check.code, `mdev ${device.uuid}: ${check.reason}`, domain.file, at));
    }
  });
  return { compatible: devices.every((d) => d.compatible), devices, diagnostics };
}

/**
 * Where the check placed each device on the target differs from what the domain names: every
 * entry naming no parent, and every named parent the target could not use (under `prefer`). The
 * migrate hook writes these into the XML, so that prepare creates each device where it was judged.
 */
export function parentChanges(domain: DomainModel, verdict: MigrationVerdict): ParentChange[] {
  const changes: ParentChange[] = [];
  verdict.devices.forEach((judged, i) => {
    const device = domain.devices[i]!;
    const to = judged.checks.count.parent;
    if (to !== null && to !== device.parent) changes.push({ uuid: device.uuid, from: device.parent, to });
  });
  return changes;
}
