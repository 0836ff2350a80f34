/**
 * Fleet matrix: which targets can take each domain, without judging every domain against every
 * target in full. The check's facts allow three reductions, each exact:
 * - a domain's devices fall into groups by type: devices of different types never share capacity
 *   (the ledger counts per parent and type), so a domain passes a target when each group does;
 * - a group is a requirement signature (per device: type, count, parent, method, model, source
 *   facts); domains share groups, and each group is judged once per distinct target profile;
 * - a target's profile for a type is every fact the check reads of the parents offering it, with
 *   available_instances capped at the most any group of that type can take when those parents
 *   differ in nothing else (above that cap every placement succeeds alike).
 * The judging itself is judgeDevices, the same function a single check uses. Pure.
 */
import type { HostModel, HostParent, HostType } from '../host-model';
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
  /** Distinct device groups, and how many times a group was judged in full. */
  groups: number;
  judged: number;
}

interface Group {
  /** Position in creation order: rows of domains with the same groups are shared by these. */
  id: number;
  type: string;
  requirements: Requirement[];
  /** Parents the group's devices name: whether the target has each changes the placement. */
  named: string[];
  /** Per target: 1 can take the group, 0 cannot; filled on first use. */
  verdicts: Uint8Array | null;
}

const ABSENT = 0;

const requirementKey = ({ device: d, source: s }: Requirement) =>
  JSON.stringify([d.type, d.instances, d.parent, d.method, d.model, s.origin, s.type, s.instances, s.driver.driver, s.driver.driverVersion, s.driver.migrationVersion]);

/**
 * What the check reads of one parent's type, apart from the room left. NUL separates the fields
 * and SOH stands for null: no host value holds either (XML cannot carry them, and readHost takes
 * printable text only).
 */
const field = (value: string | number | null) => (value === null ? '\x01' : value);
const factsKey = (p: HostParent, t: HostType) =>
  `${field(p.driver)}\0${field(p.driverVersion)}\0${field(t.deviceApi)}\0${t.dialect}\0${field(t.maxAggregation)}\0${field(t.migrationVersion)}`;

/** The parents offering a type, with their facts and room (capped when they differ in nothing else); null when none does. */
function profileKey(parents: readonly HostParent[], typeId: string, cap: number): string | null {
  const offering: [HostParent, HostType][] = [];
  for (const p of parents) {
    const t = p.types.find((candidate) => candidate.id === typeId);
    if (t) offering.push([p, t]);
  }
  if (offering.length === 0) return null;
  const facts = offering.map(([p, t]) => factsKey(p, t));
  const alike = facts.every((f) => f === facts[0]);
  const room = (t: HostType) => field(t.availableInstances === null ? null : alike ? Math.min(t.availableInstances, cap) : t.availableInstances);
  return offering.map(([p, t], i) => `${p.name}\0${room(t)}\0${facts[i]}`).join('\0\0');
}

export function fleetMatrix(
  domains: readonly FleetDomain[],
  targets: readonly FleetTarget[],
  options: CheckOptions,
  progress?: (done: number, total: number) => void,
): FleetMatrix {
  // Each domain as its groups (one per type), groups shared between domains by signature.
  const groups = new Map<string, Group>();
  const domainGroups = domains.map(({ requirements }) => {
    const byType = new Map<string, Requirement[]>();
    for (const r of requirements) {
      const list = byType.get(r.device.type);
      if (list) list.push(r);
      else byType.set(r.device.type, [r]);
    }
    return [...byType.values()].map((list) => {
      const key = list.map(requirementKey).join('\n');
      let group = groups.get(key);
      if (!group) {
        const named = [...new Set(list.flatMap((r) => (r.device.parent === null ? [] : [r.device.parent])))];
        groups.set(key, (group = { id: groups.size, type: list[0]!.device.type, requirements: list, named, verdicts: null }));
      }
      return group;
    });
  });

  // The most instances any group of a type can take: room above it changes no answer.
  const caps = new Map<string, number>();
  for (const g of groups.values()) caps.set(g.type, Math.max(caps.get(g.type) ?? 0, g.requirements.reduce((n, r) => n + r.device.instances, 0)));

  // Per type, each target's profile id (0: the target lacks the type).
  const profiles = new Map<string, Int32Array>();
  const profileOf = (typeId: string): Int32Array => {
    let ids = profiles.get(typeId);
    if (ids) return ids;
    ids = new Int32Array(targets.length);
    const numbering = new Map<string, number>();
    targets.forEach((target, i) => {
      const key = profileKey(target.host.parents, typeId, caps.get(typeId)!);
      if (key === null) return;
      let id = numbering.get(key);
      if (id === undefined) numbering.set(key, (id = numbering.size + 1));
      ids![i] = id;
    });
    profiles.set(typeId, ids);
    return ids;
  };
  const parentSets = targets.map((t) => new Set(t.host.parents.map((p) => p.name)));

  let judged = 0;
  const verdictsOf = (group: Group): Uint8Array => {
    if (group.verdicts) return group.verdicts;
    const ids = profileOf(group.type);
    const seen = new Map<string, number>();
    const verdicts = new Uint8Array(targets.length);
    for (let t = 0; t < targets.length; t++) {
      // A target without the type fails the type check: nothing to judge.
      if (ids[t] === ABSENT) continue;
      let key = String(ids[t]);
      for (const parent of group.named) key += parentSets[t]!.has(parent) ? '1' : '0';
      let verdict = seen.get(key);
      if (verdict === undefined) {
        judged++;
        verdict = judgeDevices(group.requirements, targets[t]!.host, options).every((d) => d.compatible) ? 1 : 0;
        seen.set(key, verdict);
      }
      verdicts[t] = verdict;
    }
    return (group.verdicts = verdicts);
  };

  // Domains with the same groups get the same row.
  const rows = new Map<string, number[]>();
  const accepted = domainGroups.map((list, index) => {
    const rowKey = list.map((g) => g.id).sort((a, b) => a - b).join(',');
    let row = rows.get(rowKey);
    if (!row) {
      const verdicts = list.map(verdictsOf);
      row = [];
      for (let t = 0; t < targets.length; t++) if (verdicts.every((v) => v[t] === 1)) row.push(t);
      rows.set(rowKey, row);
    }
    if (progress && (index % 100 === 99 || index === domains.length - 1)) progress(index + 1, domains.length);
    return row;
  });
  return { accepted, groups: groups.size, judged };
}
