/**
 * (domain, this host) -> the `<agg:source>` stamp of each managed device: the host's name, the
 * device's parent's driver and version, and its type's migration_version. The parent is the one the
 * device runs on, else the one prepare would create it on: both as the placement model decides
 * (a device running otherwise than declared is a conflict, and is not stamped). Pure.
 */
import { type Diagnostic, diagnostic } from '../text/diagnostics';
import { type DomainModel, type SourceStamp, STAMP_RULE, isStampValue } from '../reading/domain';
import { quoted } from '../text/diagnostics';
import { type HostModel, type HostParent, findParent, findType } from '../host/host-model';
import { decidedParent, placeDomain } from '../plan/placement';

export interface StampResult {
  /** By device UUID, for every managed device when there are no diagnostics. */
  stamps: Map<string, SourceStamp>;
  diagnostics: Diagnostic[];
}

const stampOf = (hostName: string | null, parent: HostParent, typeId: string): SourceStamp => ({
  host: hostName,
  driver: parent.driver,
  driverVersion: parent.driverVersion,
  migrationVersion: findType(parent, typeId)?.migrationVersion ?? null,
});

export function stampsFor(domain: DomainModel, host: HostModel, hostName: string | null): StampResult {
  const stamps = new Map<string, SourceStamp>();
  const diagnostics: Diagnostic[] = [];
  placeDomain(domain.devices, host, 'strict').forEach((decision, i) => {
    const device = domain.devices[i]!;
    const name = decidedParent(decision);
    const parent = name === null ? undefined : findParent(host, name);
    if (parent) {
      const stamp = stampOf(hostName, parent, device.type);
      // A host fact the domain's reader would refuse (a host name with a tab, a 5,000-byte version)
      // cannot be stamped: refused with the reader's code, never written.
      const bad = (Object.keys(stamp) as (keyof SourceStamp)[]).find((field) => stamp[field] !== null && !isStampValue(field, stamp[field]!));
      if (bad === undefined) stamps.set(device.uuid, stamp);
      else {
        const message = `this host's ${bad} ${quoted(stamp[bad]!.slice(0, 80))}${stamp[bad]!.length > 80 ? '…' : ''} is not ${STAMP_RULE(bad)}; the device is not stamped`;
        diagnostics.push(diagnostic('E_AGG_SOURCE_INVALID', message, domain.file, device.at));
      }
      return;
    }
    const { code, message, attribute } =
      decision.kind === 'refused'
        ? decision
        : { code: 'E_PARENT_NOT_FOUND' as const, message: `mdev ${device.uuid} runs on ${name}, which is not registered with the mdev core`, attribute: 'uuid' };
    const why = `${message}; the device is not stamped (stamp where it runs, or where it can be created)`;
    diagnostics.push(diagnostic(code, why, domain.file, (attribute && device.attributeAt[attribute]) || device.at));
  });
  return { stamps, diagnostics };
}
