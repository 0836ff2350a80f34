/**
 * Fleet matrix: which targets can take each domain, with each verdict exactly the single check's,
 * without judging every domain against every target in full.
 *
 * - Domains with the same requirements (per device: type, count, parent, method, model, source
 *   facts; not the UUID) form one group, judged once per distinct target projection.
 * - A target's projection for a group is the part of its host the check can read for the group's
 *   types: the parents offering them (every field, only those types) and the host problems that
 *   can hide a placement fact (`isPlacementProblem`). The group is judged on the projection
 *   itself, and the projection's content is its key: a fact the check reads that a projection
 *   left out would change fleet verdicts, which the property tests compare with single checks.
 * - For a group of one type whose offering parents differ only in name and room, room is capped
 *   at the most instances any group of that type asks for: above that every placement succeeds
 *   alike. Groups of several types are not capped: which parent one type takes changes where the
 *   other may go.
 * - A target holding one of a domain's UUIDs (a device, or a problem at the device's directory)
 *   is judged for that domain on its whole host: whether the device exists as declared is the
 *   domain's own fact.
 * Pure.
 */
import type { HostModel, HostParent, HostProblem, HostType } from '../host-model';
import { isPlacementProblem } from '../placement';
import { MDEV_DEVICES } from '../sysfs-paths';
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
  /** Distinct requirement groups, and how many checks were made in full. */
  groups: number;
  judged: number;
}

interface Group {
  requirements: readonly Requirement[];
  types: string[];
  /** Per target: 1 can take the group, 0 cannot; filled on first use. */
  verdicts: Uint8Array | null;
}

/** One target's parents offering one type, with their facts, as judged and as keyed. */
interface Slice {
  id: number;
  parents: HostParent[];
}

const requirementKey = ({ device: d, source: s }: Requirement) =>
  JSON.stringify([d.type, d.instances, d.parent, d.method, d.model, s.origin, s.type, s.instances, s.driver]);

/** Every field of a parent but its types, and every field of one type, in a fixed order. */
const parentFacts = ({ types: _types, ...facts }: HostParent) => facts;

/** The UUIDs a target speaks of: its devices, and device directories its problems are about. */
function uuidsOf(host: HostModel): Set<string> {
  const uuids = new Set(host.devices.map((d) => d.uuid));
  for (const p of host.problems) {
    if (p.path.startsWith(`${MDEV_DEVICES}/`)) uuids.add(p.path.slice(MDEV_DEVICES.length + 1).split('/', 1)[0]!);
  }
  return uuids;
}

export function fleetMatrix(
  domains: readonly FleetDomain[],
  targets: readonly FleetTarget[],
  options: CheckOptions,
  progress?: (done: number, total: number) => void,
): FleetMatrix {
  const groups = new Map<string, Group>();
  const domainGroups = domains.map(({ requirements }) => {
    const key = requirements.map(requirementKey).join('\n');
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { requirements, types: [...new Set(requirements.map((r) => r.device.type))].sort(), verdicts: null }));
    return group;
  });

  // The most instances any group asks of a type: room above it changes no single-type verdict.
  const caps = new Map<string, number>();
  for (const g of groups.values()) {
    for (const type of g.types) {
      const asked = g.requirements.reduce((n, r) => (r.device.type === type ? n + r.device.instances : n), 0);
      caps.set(type, Math.max(caps.get(type) ?? 0, asked));
    }
  }

  // Per (type, capped or not): each target's slice, numbered by content; null when no parent offers the type.
  const sliceTables = new Map<string, (Slice | null)[]>();
  const slicesOf = (typeId: string, capped: boolean): (Slice | null)[] => {
    const tableKey = `${capped ? 'c' : 'u'}${typeId}`;
    let table = sliceTables.get(tableKey);
    if (table) return table;
    const numbering = new Map<string, number>();
    table = targets.map(({ host }) => {
      const offering: [HostParent, HostType][] = [];
      for (const p of host.parents) {
        const t = p.types.find((candidate) => candidate.id === typeId);
        if (t) offering.push([p, t]);
      }
      if (offering.length === 0) return null;
      const facts = offering.map(([p, t]) => JSON.stringify([parentFacts(p), { ...t, availableInstances: null }]));
      const cap = capped && facts.every((f) => f === facts[0]) ? caps.get(typeId)! : Infinity;
      const parents = offering.map(([p, t]) => ({
        ...p,
        types: [t.availableInstances !== null && t.availableInstances > cap ? { ...t, availableInstances: cap } : t],
      }));
      const key = JSON.stringify(parents);
      let id = numbering.get(key);
      if (id === undefined) numbering.set(key, (id = numbering.size));
      return { id, parents };
    });
    sliceTables.set(tableKey, table);
    return table;
  };

  const targetUuids = targets.map(({ host }) => uuidsOf(host));
  let judged = 0;
  const judge = (requirements: readonly Requirement[], host: HostModel) => {
    judged++;
    return judgeDevices(requirements, host, options).every((d) => d.compatible) ? 1 : 0;
  };

  /** The group's projection of one target: its slices merged per parent, and the problems that matter. */
  const projection = (group: Group, slices: Slice[], problems: readonly HostProblem[]): HostModel => {
    const byName = new Map<string, HostParent>();
    for (const slice of slices) {
      for (const p of slice.parents) {
        const seen = byName.get(p.name);
        if (seen) seen.types.push(...p.types);
        else byName.set(p.name, { ...p, types: [...p.types] });
      }
    }
    const parents = [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const p of parents) p.types.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const typeIds = new Set(group.types);
    const none = new Set<string>();
    return { parents, devices: [], problems: problems.filter((p) => isPlacementProblem(p.path, typeIds, none)) };
  };

  const verdictsOf = (group: Group): Uint8Array => {
    if (group.verdicts) return group.verdicts;
    const tables = group.types.map((type) => slicesOf(type, group.types.length === 1));
    const seen = new Map<string, number>();
    const verdicts = new Uint8Array(targets.length);
    const typeIds = new Set(group.types);
    const none = new Set<string>();
    for (let t = 0; t < targets.length; t++) {
      const slices = tables.map((table) => table[t]!);
      // A target lacking one of the types fails its type check: nothing to judge.
      if (slices.some((s) => s === null)) continue;
      const { problems } = targets[t]!.host;
      const relevant = problems.length === 0 ? '' : JSON.stringify(problems.filter((p) => isPlacementProblem(p.path, typeIds, none)));
      const key = `${slices.map((s) => s!.id).join(',')}|${relevant}`;
      let verdict = seen.get(key);
      if (verdict === undefined) {
        verdict = judge(group.requirements, projection(group, slices as Slice[], problems));
        seen.set(key, verdict);
      }
      verdicts[t] = verdict;
    }
    return (group.verdicts = verdicts);
  };

  // Targets holding a UUID, for the few domains whose own devices a target speaks of.
  const holders = new Map<string, number[]>();
  targetUuids.forEach((uuids, t) => {
    for (const uuid of uuids) {
      const list = holders.get(uuid);
      if (list) list.push(t);
      else holders.set(uuid, [t]);
    }
  });
  const rows = new Map<Group, number[]>();
  const accepted = domainGroups.map((group, index) => {
    let row = rows.get(group);
    if (!row) {
      const verdicts = verdictsOf(group);
      row = [];
      for (let t = 0; t < targets.length; t++) if (verdicts[t] === 1) row.push(t);
      rows.set(group, row);
    }
    const { requirements } = domains[index]!;
    const own = new Set(requirements.flatMap((r) => holders.get(r.device.uuid) ?? []));
    if (own.size > 0) {
      const kept = row.filter((t) => !own.has(t));
      for (const t of own) if (judge(requirements, targets[t]!.host) === 1) kept.push(t);
      row = kept.sort((a, b) => a - b);
    }
    if (progress && (index % 100 === 99 || index === domains.length - 1)) progress(index + 1, domains.length);
    return row;
  });
  return { accepted, groups: groups.size, judged };
}
