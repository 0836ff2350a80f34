/**
 * Fleet matrix: which targets can take each domain. Judging every domain against every target
 * would cost their product; instead each domain is reduced to a requirement signature (per device:
 * type, count, parent, method, model and the source facts) and each target to a profile per type
 * (the parents offering it, with every fact the check reads). A signature's verdict depends only on
 * the profiles of its types and on which of its named parents the target has, so it is judged
 * once per distinct combination, with the same judgeDevices a single check uses. Pure.
 */
import type { HostModel, HostParent } from '../host-model';
import { type CheckOptions, type Requirement, judgeDevices } from './compat';

export interface FleetDomain {
  requirements: readonly Requirement[];
}

export interface FleetTarget {
  host: HostModel;
}

export interface FleetMatrix {
  /** Per domain (in input order), the indices of the targets that can take it, ascending. */
  accepted: readonly (readonly number[])[];
  /** Distinct domain signatures, and how many times a signature was judged in full. */
  signatures: number;
  judged: number;
}

const ABSENT = 0;

function signatureOf(requirements: readonly Requirement[]): string {
  return JSON.stringify(
    requirements.map(({ device: d, source: s }) => [d.type, d.instances, d.parent, d.method, d.model, s.origin, s.type, s.instances, s.driver.driver, s.driver.driverVersion, s.driver.migrationVersion]),
  );
}

/** Everything judgeDevices reads of the parents offering one type, in their order. */
function profileKey(parents: readonly HostParent[], typeId: string): string | null {
  let key: string | null = null;
  for (const p of parents) {
    const t = p.types.find((candidate) => candidate.id === typeId);
    if (!t) continue;
    const part = JSON.stringify([p.name, p.driver, p.driverVersion, t.deviceApi, t.availableInstances, t.dialect, t.maxAggregation, t.migrationVersion]);
    key = key === null ? part : `${key},${part}`;
  }
  return key;
}

export function fleetMatrix(
  domains: readonly FleetDomain[],
  targets: readonly FleetTarget[],
  options: CheckOptions,
  progress?: (done: number, total: number) => void,
): FleetMatrix {
  // Domains by signature: the same requirements get the same answer.
  const groups = new Map<string, { requirements: readonly Requirement[]; members: number[] }>();
  domains.forEach((domain, index) => {
    const key = signatureOf(domain.requirements);
    const group = groups.get(key);
    if (group) group.members.push(index);
    else groups.set(key, { requirements: domain.requirements, members: [index] });
  });

  // Targets by profile, per type a signature needs: profile ids, 0 when the target lacks the type.
  const profiles = new Map<string, Int32Array>();
  const profileOf = (typeId: string): Int32Array => {
    let ids = profiles.get(typeId);
    if (ids) return ids;
    ids = new Int32Array(targets.length);
    const numbering = new Map<string, number>();
    targets.forEach((target, i) => {
      const key = profileKey(target.host.parents, typeId);
      if (key === null) return;
      let id = numbering.get(key);
      if (id === undefined) numbering.set(key, (id = numbering.size + 1));
      ids![i] = id;
    });
    profiles.set(typeId, ids);
    return ids;
  };
  const parentSets = targets.map((t) => new Set(t.host.parents.map((p) => p.name)));

  const accepted: number[][] = new Array(domains.length);
  let judged = 0;
  let done = 0;
  for (const { requirements, members } of groups.values()) {
    const types = [...new Set(requirements.map((r) => r.device.type))];
    const typeProfiles = types.map(profileOf);
    const named = [...new Set(requirements.flatMap((r) => (r.device.parent === null ? [] : [r.device.parent])))];
    const verdicts = new Map<string, boolean>();
    const takers: number[] = [];
    for (let t = 0; t < targets.length; t++) {
      let key = '';
      let lacksType = false;
      for (const ids of typeProfiles) {
        const id = ids[t]!;
        if (id === ABSENT) {
          lacksType = true;
          break;
        }
        key += `${id},`;
      }
      // A target without one of the types fails the type check: no need to judge it.
      if (lacksType) continue;
      for (const parent of named) key += parentSets[t]!.has(parent) ? '1' : '0';
      let compatible = verdicts.get(key);
      if (compatible === undefined) {
        judged++;
        compatible = judgeDevices(requirements, targets[t]!.host, options).every((d) => d.compatible);
        verdicts.set(key, compatible);
      }
      if (compatible) takers.push(t);
    }
    for (const member of members) accepted[member] = takers;
    done += members.length;
    progress?.(done, domains.length);
  }
  return { accepted, signatures: groups.size, judged };
}
