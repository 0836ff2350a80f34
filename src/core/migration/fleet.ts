/**
 * Fleet matrix: which targets can take each domain, with each verdict exactly the single check's,
 * without judging every domain against every target in full.
 *
 * - Domains with the same requirements (per device: type, count, parent, method, model, source
 *   facts; not the UUID) form one group, judged once per distinct target projection.
 * - A target's projection for a group is the part of its host the check can read for the group's
 *   types: the parents offering them (every field, only those types) and the host problems that
 *   can hide a placement fact (`isPlacementProblem`). A fact the check reads that a projection
 *   left out would change fleet verdicts, which the property tests compare with single checks.
 * - Targets are sorted into classes per (types, counts) that every group asking those counts of
 *   those types shares: one class holds targets whose projections place alike, and a group is
 *   judged once per class, on the projection of the class's first target. Alike: the same
 *   projection but for room; room compressed per type without changing any comparison placement
 *   makes (`compressRooms`); and where a parent offers several of the group's types, the same
 *   answer of the one-pool rule for every count of them the group can take there (`poolAnswers`).
 * - A target holding one of a domain's UUIDs (a device, or a problem at the device's directory)
 *   is judged for that domain on its whole host: whether the device exists as declared is the
 *   domain's own fact.
 * Pure.
 */
import type { HostModel, HostParent, HostProblem, HostType } from '../host/host-model';
import type { DriverFacts } from './source-facts';
import { couldTake, fitsOnePool, isPlacementProblem } from '../plan/placement';
import { MDEV_DEVICES } from '../host/host-layout';
import { type CheckOptions, type Requirement, compatibleOn, driverPassesOn } from './compat';

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
  /** The types asked, sorted; per type the instances asked in all, and the smallest device's. */
  types: string[];
  asked: number[];
  least: number[];
  /** The groups asking the same (types, asked, least), this one among them. */
  alike: Group[];
  /** Per target: 1 can take the group, 0 cannot; filled on first use. */
  verdicts: Uint8Array | null;
}

/**
 * Rooms of one type's parents mapped so that placement decides alike. With C the instances a group
 * asks of the type and m its smallest device of the type: placement compares a room, less what the
 * group took there, with a count n (n plus what was taken is at most C), and two such rooms with
 * each other (what was taken differs by at most C - m). So a room up to C stays, one above is C at
 * the least, and sorted neighbours further apart than C - m + 1 are brought to C - m + 1 apart;
 * null (unreadable) stays null.
 */
function compressRooms(rooms: readonly (number | null)[], asked: number, least: number): (number | null)[] {
  const known = [...new Set(rooms.filter((r): r is number => r !== null))].sort((a, b) => a - b);
  const gap = asked - least + 1;
  const mapped = new Map<number, number>();
  let previous: number | null = null;
  let at = 0;
  for (const room of known) {
    at = previous === null ? Math.min(room, asked) : Math.max(at + Math.min(room - previous, gap), Math.min(room, asked));
    mapped.set(room, at);
    previous = room;
  }
  return rooms.map((r) => (r === null ? null : mapped.get(r)!));
}

/** Above this many count combinations on one parent, its rooms enter a class's key as they are. */
const MAX_POOL_COMBINATIONS = 4096;

/**
 * The one-pool rule's answer (`fitsOnePool`) for every combination of counts n_t <= asked_t the
 * group can take of a parent's types, two or more of them at once, as a string of 0 and 1; or,
 * when the combinations are too many, the rooms themselves (which decide the rule).
 */
function poolAnswers(types: readonly HostType[], asked: readonly number[]): string {
  const combinations = asked.reduce((n, a) => n * (a + 1), 1);
  if (combinations > MAX_POOL_COMBINATIONS) return `=${types.map((t) => t.availableInstances).join(',')}`;
  let answers = '';
  const counts = asked.map(() => 0);
  for (let c = 0; c < combinations; c++) {
    let rest = c;
    for (let i = 0; i < asked.length; i++) {
      counts[i] = rest % (asked[i]! + 1);
      rest = Math.floor(rest / (asked[i]! + 1));
    }
    const shares = types.flatMap((type, i) => (counts[i]! > 0 ? [{ type, instances: counts[i]! }] : []));
    if (shares.length > 1) answers += fitsOnePool(shares) ? '1' : '0';
  }
  return answers;
}

/**
 * Per target the class of its projection (-1: it lacks one of the types); per class its projection
 * and the slices it was made of (in the order of the types).
 */
interface Classing {
  classOf: Int32Array;
  projections: HostModel[];
  slices: Slice[][];
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
  // Groups asking the same counts of the same types, judged together on one classing of the targets.
  const alike = new Map<string, Group[]>();
  const newGroup = (requirements: readonly Requirement[]): Group => {
    const types = [...new Set(requirements.map((r) => r.device.type))].sort();
    const ofType = (type: string) => requirements.filter((r) => r.device.type === type).map((r) => r.device.instances);
    const asked = types.map((type) => ofType(type).reduce((a, b) => a + b, 0));
    const least = types.map((type) => Math.min(...ofType(type)));
    const signature = `${types.join('\n')}\t${asked.join(',')}\t${least.join(',')}`;
    let list = alike.get(signature);
    if (!list) alike.set(signature, (list = []));
    const group: Group = { requirements, types, asked, least, alike: list, verdicts: null };
    list.push(group);
    return group;
  };
  const domainGroups = domains.map(({ requirements }) => {
    const key = requirements.map(requirementKey).join('\n');
    let group = groups.get(key);
    if (!group) groups.set(key, (group = newGroup(requirements)));
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
  // The driver check reads the source's facts and the parent's driver, version and migration_version
  // alone: answered once per source and such facts.
  const driverAnswers = new Map<DriverFacts, Map<string, boolean>>();
  const fact = (value: string | null) => (value === null ? '' : `=${value}`);
  const driverPasses = (source: DriverFacts, parent: HostParent, type: HostType): boolean => {
    let answers = driverAnswers.get(source);
    if (!answers) driverAnswers.set(source, (answers = new Map()));
    const key = `${fact(parent.driver)}\n${fact(parent.driverVersion)}\n${fact(type.migrationVersion)}`;
    let passes = answers.get(key);
    if (passes === undefined) answers.set(key, (passes = driverPassesOn(source, parent, type, quiet)));
    return passes;
  };
  const judge = (requirements: readonly Requirement[], host: HostModel) => {
    judged++;
    return compatibleOn(requirements, host, quiet, driverPasses) ? 1 : 0;
  };

  /** The group's projection of one target: its slices merged per parent, and the problems that matter. */
  const projection = (slices: readonly Slice[], problems: readonly HostProblem[]): HostModel => {
    const byName = new Map<string, HostParent>();
    for (const slice of slices) {
      for (const [p, t] of slice.offering) {
        const seen = byName.get(p.name);
        if (seen) seen.types.push(t);
        else byName.set(p.name, { ...p, types: [t] });
      }
    }
    const parents = [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const p of parents) p.types.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return { parents, devices: [], problems: [...problems] };
  };

  const none = new Set<string>();
  // Targets share few room patterns: each is compressed once per (count asked, smallest device).
  const compressed = new Map<string, string>();
  const compressedKey = (slice: Slice, asked: number, least: number) => {
    const cacheKey = `${asked},${least}|${slice.roomsKey}`;
    let key = compressed.get(cacheKey);
    if (key === undefined) compressed.set(cacheKey, (key = compressRooms(slice.rooms, asked, least).join(',')));
    return key;
  };
  const pools = new Map<string, string>();
  const poolKey = (types: readonly HostType[], asked: readonly number[]) => {
    const cacheKey = `${asked.join(',')}|${types.map((t) => t.availableInstances).join(',')}`;
    let key = pools.get(cacheKey);
    if (key === undefined) pools.set(cacheKey, (key = poolAnswers(types, asked)));
    return key;
  };

  /** The targets sorted into classes for groups asking `asked` instances of `types`, the smallest device of each being `least`. */
  const classingOf = (types: readonly string[], asked: readonly number[], least: readonly number[]): Classing => {
    const tables = types.map(slicesOf);
    const typeIds = new Set(types);
    const classOf = new Int32Array(targets.length).fill(-1);
    const projections: HostModel[] = [];
    const classSlices: Slice[][] = [];
    const numbering = new Map<string, number>();
    const slices: Slice[] = [];
    const onParent = new Map<string, { types: HostType[]; asked: number[] }>();
    targets: for (let t = 0; t < targets.length; t++) {
      slices.length = 0;
      for (const table of tables) {
        const slice = table[t];
        // A target lacking one of the types fails its type check: nothing to judge (class -1).
        if (!slice) continue targets;
        slices.push(slice);
      }
      const { problems: all } = targets[t]!.host;
      const problems = all.length === 0 ? all : all.filter((p) => isPlacementProblem(p.path, typeIds, none));
      let key = problems.length === 0 ? '' : JSON.stringify(problems);
      onParent.clear();
      slices.forEach((slice, i) => {
        key += `|${slice.factsId}:${compressedKey(slice, asked[i]!, least[i]!)}`;
        if (slices.length === 1) return;
        for (const [p, type] of slice.offering) {
          const seen = onParent.get(p.name);
          if (seen) {
            seen.types.push(type);
            seen.asked.push(asked[i]!);
          } else onParent.set(p.name, { types: [type], asked: [asked[i]!] });
        }
      });
      // A parent offering several of the types: the one-pool rule weighs their rooms as they are.
      for (const [name, shared] of onParent) if (shared.types.length > 1) key += `|${name}:${poolKey(shared.types, shared.asked)}`;
      let n = numbering.get(key);
      if (n === undefined) {
        numbering.set(key, (n = projections.length));
        projections.push(projection(slices, problems));
        classSlices.push([...slices]);
      }
      classOf[t] = n;
    }
    return { classOf, projections, slices: classSlices };
  };

  /**
   * For one group: whether every device of a slice's type could go to some parent of the slice
   * (its room as read, the type's other limits) and pass the driver check on some parent of it.
   */
  const reachable = (group: Group) => {
    const known = new Map<number, boolean>();
    const devicesOf = group.types.map((type) => group.requirements.filter((r) => r.device.type === type));
    return (slice: Slice, k: number): boolean => {
      const key = slice.factsId * group.types.length + k;
      let passes = known.get(key);
      if (passes === undefined) {
        passes = devicesOf[k]!.every(({ source }) => slice.offering.some(([p, t]) => driverPasses(source.driver, p, t)));
        known.set(key, passes);
      }
      return passes && devicesOf[k]!.every(({ device }) => slice.offering.some(([, t]) => couldTake(device, t)));
    };
  };

  // The projections of one classing are held only while the groups sharing it are judged.
  const verdictsOf = (group: Group): Uint8Array => {
    if (group.verdicts) return group.verdicts;
    const classing = classingOf(group.types, group.asked, group.least);
    const { classOf, projections } = classing;
    for (const member of group.alike) {
      const canReach = reachable(member);
      // A device that no parent offering its type could take, or whose driver check fails on every
      // one of them, fails wherever it goes.
      const classVerdicts = projections.map((host, c) => (classing.slices[c]!.every(canReach) ? judge(member.requirements, host) : 0));
      const verdicts = new Uint8Array(targets.length);
      for (let t = 0; t < targets.length; t++) {
        const c = classOf[t]!;
        if (c >= 0) verdicts[t] = classVerdicts[c]!;
      }
      member.verdicts = verdicts;
    }
    return group.verdicts!;
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
      const verdicts = group.verdicts!;
      const changed = [...own].filter((t) => judge(requirements, targets[t]!.host) !== verdicts[t]);
      // The group's row is shared unless this domain's own devices change a verdict.
      if (changed.length > 0) {
        const flipped = new Set(changed);
        row = [...row.filter((t) => !flipped.has(t)), ...changed.filter((t) => verdicts[t] === 0)].sort((a, b) => a - b);
      }
    }
    if (progress && (index % 100 === 99 || index === domains.length - 1)) progress(index + 1, domains.length);
    return row;
  });
  return { accepted, groups: groups.size, judged };
}
