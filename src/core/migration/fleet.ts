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
 * - Room is compressed per group and type without changing any comparison placement makes
 *   (`compressRooms`), so targets that differ only in room far above what is asked share a
 *   projection; not where one parent offers two of the group's types, whose rooms placement
 *   weighs against each other.
 * - A target holding one of a domain's UUIDs (a device, or a problem at the device's directory)
 *   is judged for that domain on its whole host: whether the device exists as declared is the
 *   domain's own fact.
 * Pure.
 */
import type { HostModel, HostParent, HostProblem, HostType } from '../host-model';
import { isPlacementProblem } from '../placement';
import { MDEV_DEVICES } from '../host-layout';
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

/**
 * Rooms of one type's parents mapped so that placement decides alike: with C the instances a group
 * asks of the type, placement compares a room, less what the group took there (at most C - n), with
 * a count n, and two such rooms with each other (what was taken differs by at most C). So a room
 * up to C stays, one above is C at the least, and sorted neighbours further apart than C + 1 are
 * brought to C + 1 apart; null (unreadable) stays null.
 */
function compressRooms(rooms: readonly (number | null)[], asked: number): (number | null)[] {
  const known = [...new Set(rooms.filter((r): r is number => r !== null))].sort((a, b) => a - b);
  const mapped = new Map<number, number>();
  let previous: number | null = null;
  let at = 0;
  for (const room of known) {
    at = previous === null ? Math.min(room, asked) : at + Math.min(room - previous, asked + 1);
    mapped.set(room, at);
    previous = room;
  }
  return rooms.map((r) => (r === null ? null : mapped.get(r)!));
}

/** True when a parent offers more than one of the slices' types. */
function sharesParent(slices: readonly Slice[]): boolean {
  const seen = new Set<string>();
  for (const slice of slices) {
    for (const [p] of slice.offering) {
      if (seen.has(p.name)) return true;
      seen.add(p.name);
    }
  }
  return false;
}

/**
 * One target's parents offering one type: `factsId` numbers their content apart from room (the
 * same number on every target with the same facts), `rooms` their available_instances.
 */
interface Slice {
  factsId: number;
  offering: [HostParent, HostType][];
  rooms: (number | null)[];
  roomsKey: string;
}

const requirementKey = ({ device: d, source: s }: Requirement) =>
  JSON.stringify([d.type, d.instances, d.parent, d.method, d.model, s.origin, s.type, s.instances, s.driver]);

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

  // Per type: each target's slice; null when no parent offers the type.
  const sliceTables = new Map<string, (Slice | null)[]>();
  const slicesOf = (typeId: string): (Slice | null)[] => {
    let table = sliceTables.get(typeId);
    if (table) return table;
    const numbering = new Map<string, number>();
    table = targets.map(({ host }) => {
      const offering: [HostParent, HostType][] = [];
      for (const p of host.parents) {
        const t = p.types.find((candidate) => candidate.id === typeId);
        if (t) offering.push([p, t]);
      }
      if (offering.length === 0) return null;
      // Every field of the parents and the type, room only as readable or not.
      const key = JSON.stringify(offering.map(([p, t]) => ({ ...p, types: [{ ...t, availableInstances: t.availableInstances === null ? null : -1 }] })));
      let factsId = numbering.get(key);
      if (factsId === undefined) numbering.set(key, (factsId = numbering.size));
      const rooms = offering.map(([, t]) => t.availableInstances);
      return { factsId, offering, rooms, roomsKey: rooms.join(',') };
    });
    sliceTables.set(typeId, table);
    return table;
  };

  const targetUuids = targets.map(({ host }) => uuidsOf(host));
  let judged = 0;
  const quiet: CheckOptions = { ...options, explain: false };
  const judge = (requirements: readonly Requirement[], host: HostModel) => {
    judged++;
    return judgeDevices(requirements, host, quiet).every((d) => d.compatible) ? 1 : 0;
  };

  /** The group's projection of one target: its slices merged per parent with rooms as keyed, and the problems that matter. */
  const projection = (slices: readonly Slice[], rooms: readonly (number | null)[][], problems: readonly HostProblem[]): HostModel => {
    const byName = new Map<string, HostParent>();
    slices.forEach((slice, s) => {
      slice.offering.forEach(([p, t], i) => {
        const type = rooms[s]![i] === t.availableInstances ? t : { ...t, availableInstances: rooms[s]![i]! };
        const seen = byName.get(p.name);
        if (seen) seen.types.push(type);
        else byName.set(p.name, { ...p, types: [type] });
      });
    });
    const parents = [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const p of parents) p.types.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return { parents, devices: [], problems: [...problems] };
  };

  const none = new Set<string>();
  // Targets share few room patterns: each is compressed once per count asked.
  const compressed = new Map<string, { rooms: (number | null)[]; key: string }>();
  const compressedOf = (slice: Slice, asked: number) => {
    const cacheKey = `${asked}|${slice.roomsKey}`;
    let found = compressed.get(cacheKey);
    if (!found) {
      const rooms = compressRooms(slice.rooms, asked);
      compressed.set(cacheKey, (found = { rooms, key: rooms.join(',') }));
    }
    return found;
  };
  const verdictsOf = (group: Group): Uint8Array => {
    if (group.verdicts) return group.verdicts;
    const tables = group.types.map(slicesOf);
    const asked = group.types.map((type) => group.requirements.reduce((n, r) => (r.device.type === type ? n + r.device.instances : n), 0));
    const typeIds = new Set(group.types);
    const seen = new Map<string, number>();
    const verdicts = new Uint8Array(targets.length);
    const slices: Slice[] = [];
    targets: for (let t = 0; t < targets.length; t++) {
      slices.length = 0;
      for (const table of tables) {
        const slice = table[t];
        // A target lacking one of the types fails its type check: nothing to judge.
        if (!slice) continue targets;
        slices.push(slice);
      }
      // A parent offering two of the group's types weighs their rooms against each other
      // (placement's one-pool rule): there every room counts as it is.
      const shared = slices.length > 1 && sharesParent(slices);
      const { problems: all } = targets[t]!.host;
      const problems = all.length === 0 ? all : all.filter((p) => isPlacementProblem(p.path, typeIds, none));
      let key = problems.length === 0 ? '' : JSON.stringify(problems);
      const rooms = slices.map((slice, i) => {
        const c = shared ? { rooms: slice.rooms, key: slice.roomsKey } : compressedOf(slice, asked[i]!);
        key += `|${slice.factsId}:${c.key}`;
        return c.rooms;
      });
      let verdict = seen.get(key);
      if (verdict === undefined) {
        verdict = judge(group.requirements, projection(slices, rooms, problems));
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
