/**
 * Fleet matrix: which targets can take each domain, with each verdict exactly the single check's,
 * without judging every domain against every target in full.
 *
 * - Domains with the same requirements (per device: type, count, parent, method, model, source
 *   facts; not the UUID) form one group.
 * - A target's projection for a group is the part of its host the check can read for the group's
 *   types: the parents offering them (every field, only those types) and the host problems that
 *   can hide a placement fact (`isPlacementProblem`). A fact the check reads that a projection
 *   left out would change fleet verdicts, which the property tests compare with single checks.
 * - Targets are sorted into classes per (types, counts) that every group asking those counts of
 *   those types shares: one class holds targets whose projections place alike. Alike: the same
 *   projection but for room; room compressed per type without changing any comparison placement
 *   makes (`compressRooms`); and where a parent offers several of the group's types, the same
 *   answer of the one-pool rule for every count of them the group can take there (`poolAnswers`).
 * - A group walks the classes device by device (`walkGroup`). Placement decides a device from
 *   what the earlier ones took, the slice of its own type, the problems, and the one-pool rule's
 *   answer on the parents where the earlier ones took another type: so each outcome of one device
 *   is judged once per such reading, on the first class that meets it, and the full checks grow
 *   with the readings that occur, not with the classes (which multiply with the types asked).
 * - A target holding one of a domain's UUIDs (a device, or a problem at the device's directory)
 *   is judged for that domain on its whole host: whether the device exists as declared is the
 *   domain's own fact.
 * Pure.
 */
import type { HostModel, HostParent, HostProblem, HostType } from '../host/host-model';
import type { DriverFacts } from './source-facts';
import { fitsOnePool, isPlacementProblem, placeDomain } from '../plan/placement';
import { byCodeUnits, byKey } from '../text/order';
import { MDEV_DEVICES } from '../host/host-layout';
import { type CheckOptions, type Requirement, compatibleOn, driverPassesOn, placedCompatible } from './compat';

export interface FleetDomain {
  requirements: readonly Requirement[];
}

export interface FleetTarget {
  host: HostModel;
}

export interface FleetMatrix {
  /**
   * Per domain (in input order), the indices of the targets that can take it, ascending: `rows`
   * as arrays, made when first read.
   */
  readonly accepted: readonly (readonly number[])[];
  /**
   * Per domain, the same: the group's row (one array for every domain of a group) unless a target
   * holding one of the domain's devices judges it otherwise. Typed arrays: at data-centre size the
   * rows hold tens of millions of indices, outside the garbage collector's copying.
   */
  rows: readonly Int32Array[];
  /** Per domain, its group's row: a domain's row is this very array when nothing changed it. */
  groupRows: readonly Int32Array[];
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
  /** Per device, the index of its type in `types`, and the number of its requirement. */
  kinds: number[];
  ids: number[];
  /** The groups asking the same (types, asked, least), this one among them. */
  alike: Group[];
  /** Which targets can take the group; filled on first use. */
  verdicts: GroupVerdicts | null;
}

/** Walk-step answers are kept as a number below this (at most 32 answers: below 2 x 3^32, exact, far under 2^53). */
const MAX_EXACT_ANSWERS = 3 ** 32;

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
 * The one-pool rule's answer (`fitsOnePool`) for every combination of counts n_t <= asked_t of a
 * parent's types, as a string of 0 and 1 indexed in mixed radix (the first type's count varies
 * fastest); a combination of fewer than two types, which the rule never weighs, reads 1. When the
 * combinations are too many: null.
 */
function poolAnswers(types: readonly HostType[], asked: readonly number[]): string | null {
  const combinations = asked.reduce((n, a) => n * (a + 1), 1);
  if (combinations > MAX_POOL_COMBINATIONS) return null;
  let answers = '';
  const counts = asked.map(() => 0);
  for (let c = 0; c < combinations; c++) {
    let rest = c;
    for (let i = 0; i < asked.length; i++) {
      counts[i] = rest % (asked[i]! + 1);
      rest = Math.floor(rest / (asked[i]! + 1));
    }
    const shares = types.flatMap((type, i) => (counts[i]! > 0 ? [{ type, instances: counts[i]! }] : []));
    answers += shares.length < 2 || fitsOnePool(shares) ? '1' : '0';
  }
  return answers;
}

/**
 * One target's parents offering one type: `factsId` numbers their content apart from room (the
 * same number on every target with the same facts), `rooms` their available_instances.
 */
interface Slice {
  factsId: number;
  offering: [HostParent, HostType][];
  rooms: (number | null)[];
}

/** A parent offering two or more of a signature's types: which (`kinds`, ascending), and how the one-pool rule answers. */
interface Pool {
  kinds: number[];
  types: HostType[];
  /** `poolAnswers` for the counts the signature asks; null: too many, `types` answer. */
  answers: string | null;
  radix: number[];
}

/** The targets of one class place alike; `target` is the first of them, whose projection is judged. */
interface TargetClass {
  target: number;
  problems: readonly HostProblem[];
  problemsId: number;
  /** Per type of the signature (its kind), the slice and the slice's class. */
  slices: Slice[];
  sliceIds: number[];
  /** By parent name. */
  pools: Map<string, Pool>;
  host: HostModel | null;
}

/**
 * A group's verdicts, held per class: target t can take the group when `ofClass[classOf[t]]` is 1
 * (a class of -1 cannot). The classing is shared by the groups of one signature.
 */
interface GroupVerdicts {
  classOf: Int32Array;
  ofClass: Uint8Array;
  /** Per class, how many targets it holds. */
  sizes: Int32Array;
}

/** The targets that can take a group, ascending. */
function rowOf({ classOf, ofClass, sizes }: GroupVerdicts): Int32Array {
  let count = 0;
  for (let c = 0; c < ofClass.length; c++) if (ofClass[c] === 1) count += sizes[c]!;
  const row = new Int32Array(count);
  for (let t = 0, at = 0; at < count; t++) {
    const c = classOf[t]!;
    if (c >= 0 && ofClass[c] === 1) row[at++] = t;
  }
  return row;
}

const verdictAt = ({ classOf, ofClass }: GroupVerdicts, t: number): number => {
  const c = classOf[t]!;
  return c < 0 ? 0 : ofClass[c]!;
};

/** The row with `flips` (targets not in it: added; in it: removed), ascending like the row. */
function flipped(row: Int32Array, flips: readonly number[]): Int32Array {
  const result = new Int32Array(row.length + flips.length);
  let from = 0;
  let length = 0;
  for (const t of [...flips].sort((a, b) => a - b)) {
    let low = from;
    let high = row.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (row[middle]! < t) low = middle + 1;
      else high = middle;
    }
    result.set(row.subarray(from, low), length);
    length += low - from;
    if (row[low] === t) from = low + 1;
    else {
      from = low;
      result[length++] = t;
    }
  }
  result.set(row.subarray(from), length);
  return result.subarray(0, length + row.length - from);
}

/** Per target its class (-1: it lacks one of the types), and the classes. */
interface Classing {
  classOf: Int32Array;
  classes: TargetClass[];
  /** Per class, how many targets it holds. */
  sizes: Int32Array;
  /** How many problem lists the classes tell apart (ids 0 .. problemKinds - 1). */
  problemKinds: number;
  /**
   * Above every number of what a device's placement reads of a class (its requirement, its slice
   * class, the problems): a walk's step key is that number, with the pool's answers above it.
   */
  stepReadings: number;
}

/**
 * What the devices of a group took on a target so far: per parent, the instances of each kind.
 * `next`: the state after the next device, by the device and what its placement reads of a class
 * (-1: the device fails there).
 */
interface PlacementState {
  taken: Map<string, number[]>;
  next: Map<number | string, number>;
  /** Per kind, the parents where a kind other than it was taken (filled on first use). */
  besides: ([string, number[]][] | undefined)[];
}

/** The parents of a ledger where a kind other than `kind` was taken. */
const besides = (taken: Map<string, number[]>, kind: number): [string, number[]][] => [...taken].filter(([, counts]) => counts.some((n, k) => n > 0 && k !== kind));

/** The states of one signature's groups, the first empty; one per ledger. */
interface PlacementStates {
  list: PlacementState[];
  byLedger: Map<string, number>;
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

/** Numbers for keys, the same number for the same key. */
class Numbering<K> {
  private readonly ids = new Map<K, number>();
  constructor(private readonly first = 0) {}
  get size() {
    return this.ids.size;
  }
  of(key: K): number {
    let id = this.ids.get(key);
    if (id === undefined) this.ids.set(key, (id = this.first + this.ids.size));
    return id;
  }
}

/**
 * Refines numbered readings by one more part: each (reading, part) pair that occurs gets the next
 * number, in the order of first occurrence; a reading of -1 stays -1. Returns how many there are.
 */
function refine(reading: Int32Array, readings: number, part: Int32Array, parts: number): number {
  const pairs = readings * parts;
  const dense = pairs <= 1 << 20 ? new Int32Array(pairs).fill(-1) : null;
  const sparse = dense ? null : new Map<number, number>();
  let next = 0;
  for (let t = 0; t < reading.length; t++) {
    const r = reading[t]!;
    if (r < 0) continue;
    const pair = r * parts + part[t]!;
    let id = dense ? dense[pair]! : (sparse!.get(pair) ?? -1);
    if (id < 0) {
      id = next++;
      if (dense) dense[pair] = id;
      else sparse!.set(pair, id);
    }
    reading[t] = id;
  }
  return next;
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
  const requirementIds = new Numbering<string>();
  const newGroup = (requirements: readonly Requirement[], keys: readonly string[]): Group => {
    const types = [...new Set(requirements.map((r) => r.device.type))].sort(byCodeUnits);
    const ofType = (type: string) => requirements.filter((r) => r.device.type === type).map((r) => r.device.instances);
    const asked = types.map((type) => ofType(type).reduce((a, b) => a + b, 0));
    const least = types.map((type) => Math.min(...ofType(type)));
    const signature = `${types.join('\n')}\t${asked.join(',')}\t${least.join(',')}`;
    let list = alike.get(signature);
    if (!list) alike.set(signature, (list = []));
    const kinds = requirements.map((r) => types.indexOf(r.device.type));
    const group: Group = { requirements, types, asked, least, kinds, ids: keys.map((key) => requirementIds.of(key)), alike: list, verdicts: null };
    list.push(group);
    return group;
  };
  const domainGroups = domains.map(({ requirements }) => {
    const keys = requirements.map(requirementKey);
    const key = keys.join('\n');
    let group = groups.get(key);
    if (!group) groups.set(key, (group = newGroup(requirements, keys)));
    return group;
  });

  // Per type: each target's slice (null when no parent offers the type), and its room class: the
  // same number for the same facts and rooms.
  const sliceTables = new Map<string, { slices: (Slice | null)[]; roomClass: Int32Array; roomSlices: Slice[] }>();
  const slicesOf = (typeId: string) => {
    let table = sliceTables.get(typeId);
    if (table) return table;
    const facts = new Numbering<string>();
    const roomClasses = new Numbering<string>();
    const roomClass = new Int32Array(targets.length).fill(-1);
    const roomSlices: Slice[] = [];
    const slices = targets.map(({ host }, t): Slice | null => {
      const offering: [HostParent, HostType][] = [];
      for (const p of host.parents) {
        const type = p.types.find((candidate) => candidate.id === typeId);
        if (type) offering.push([p, type]);
      }
      if (offering.length === 0) return null;
      // Every field of the parents and the type, room only as readable or not.
      const factsId = facts.of(JSON.stringify(offering.map(([p, type]) => ({ ...p, types: [{ ...type, availableInstances: type.availableInstances === null ? null : -1 }] }))));
      const rooms = offering.map(([, type]) => type.availableInstances);
      const slice = { factsId, offering, rooms };
      const known = roomClasses.size;
      roomClass[t] = roomClasses.of(`${factsId}|${rooms.join(',')}`);
      if (roomClass[t] === known) roomSlices.push(slice);
      return slice;
    });
    sliceTables.set(typeId, (table = { slices, roomClass, roomSlices }));
    return table;
  };
  /**
   * Per type and (instances asked, smallest device): each target's slice class, the same number for
   * the same facts and compressed rooms.
   */
  const sliceClasses = new Map<string, { ids: Int32Array; count: number }>();
  const sliceClassesOf = (typeId: string, asked: number, least: number) => {
    const cacheKey = `${typeId}\n${asked},${least}`;
    let found = sliceClasses.get(cacheKey);
    if (found) return found;
    const { roomClass, roomSlices } = slicesOf(typeId);
    const numbering = new Numbering<string>();
    const ofRoomClass = roomSlices.map((slice) => numbering.of(`${slice.factsId}:${compressRooms(slice.rooms, asked, least).join(',')}`));
    const ids = new Int32Array(targets.length);
    for (let t = 0; t < targets.length; t++) ids[t] = roomClass[t]! < 0 ? -1 : ofRoomClass[roomClass[t]!]!;
    sliceClasses.set(cacheKey, (found = { ids, count: numbering.size }));
    return found;
  };

  // Per target, its parents offering two or more types (only those can weigh a pool), each with a
  // number for its name and its types' rooms.
  const poolContents = new Numbering<string>();
  const poolParents = targets.map(({ host }) =>
    host.parents.filter((p) => p.types.length > 1).map((parent) => ({ parent, contentId: poolContents.of(JSON.stringify([parent.name, parent.types.map((t) => [t.id, t.availableInstances])])) })),
  );

  const targetUuids = targets.map(({ host }) => uuidsOf(host));
  const targetProblems = targets.map(({ host }) => host.problems);
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
    const parents = [...byName.values()].sort(byKey((p) => p.name));
    for (const p of parents) p.types.sort(byKey((t) => t.id));
    return { parents, devices: [], problems: [...problems] };
  };

  const none = new Set<string>();
  // The one-pool rule's answers by counts asked and rooms: targets share few.
  const answerCache = new Map<string, string | null>();
  const restrictions = new Map<string, { ids: Int32Array; numbering: Numbering<string> }>();

  /**
   * The targets sorted into classes for groups asking `asked` instances of `types`, the smallest
   * device of each being `least`: one class, one projection for the facts placement reads, rooms
   * compressed per type, and per parent offering several of the types the one-pool rule's answers.
   */
  const classingOf = (types: readonly string[], asked: readonly number[], least: readonly number[]): Classing => {
    const tables = types.map((type) => slicesOf(type).slices);
    const sliced = types.map((type, k) => sliceClassesOf(type, asked[k]!, least[k]!));
    const ids = sliced.map((x) => x.ids);
    const sliceCounts = sliced.map((x) => x.count);
    const kindOf = new Map(types.map((type, k) => [type, k]));
    const typeIds = new Set(types);
    const problemIds = new Numbering<string>(1);
    // Per parent content (its name and rooms), its pool for these types and the key's number; null
    // where it offers fewer than two of them.
    // A parent's content as these types see it (its name, their rooms), shared by the signatures
    // asking the same types: 0 where it offers fewer than two of them.
    let restriction = restrictions.get(types.join('\n'));
    if (!restriction) restrictions.set(types.join('\n'), (restriction = { ids: new Int32Array(poolContents.size).fill(-1), numbering: new Numbering<string>(1) }));
    const { ids: restricted, numbering: restrictedContents } = restriction;
    const pools = new Map<number, { key: number; pool: Pool } | null>();
    const poolKeys = new Numbering<string>();
    const poolOf = (parent: HostParent, contentId: number) => {
      let seen = restricted[contentId]!;
      if (seen < 0) {
        const offered = parent.types.filter((t) => kindOf.has(t.id));
        restricted[contentId] = seen = offered.length < 2 ? 0 : restrictedContents.of(JSON.stringify([parent.name, offered.map((t) => [t.id, t.availableInstances])]));
      }
      let found = pools.get(seen);
      if (found !== undefined) return found;
      const types = parent.types.filter((t) => kindOf.has(t.id));
      found = null;
      if (types.length > 1) {
        const kinds = types.map((t) => kindOf.get(t.id)!);
        const poolAsked = kinds.map((k) => asked[k]!);
        const rooms = types.map((t) => t.availableInstances).join(',');
        const cacheKey = `${poolAsked.join(',')}|${rooms}`;
        let answers = answerCache.get(cacheKey);
        if (answers === undefined) answerCache.set(cacheKey, (answers = poolAnswers(types, poolAsked)));
        const radix: number[] = [];
        poolAsked.reduce((r, a) => (radix.push(r), r * (a + 1)), 1);
        // Too many combinations: the rooms themselves decide the rule.
        const key = poolKeys.of(`${parent.name}\n${kinds.join(',')}\n${answers ?? `=${rooms}`}`);
        found = { key, pool: { kinds, types, answers, radix } };
      }
      pools.set(seen, found);
      return found;
    };
    // Each target's reading is refined one part at a time (problems, each type's slice class, each
    // parent's pool), numbering the pairs (reading so far, part) that occur: integers throughout.
    const reading = new Int32Array(targets.length);
    const problemsOf = (t: number) => {
      const problems = targetProblems[t]!;
      return problems.length === 0 ? problems : problems.filter((p) => isPlacementProblem(p.path, typeIds, none));
    };
    const part = new Int32Array(targets.length);
    let poolColumns = 0;
    for (let t = 0; t < targets.length; t++) {
      // A target lacking one of the types fails its type check: nothing to judge (class -1).
      let lacking = false;
      for (const table of ids) lacking ||= table[t]! < 0;
      reading[t] = lacking ? -1 : 0;
      if (lacking) continue;
      const problems = problemsOf(t);
      part[t] = problems.length === 0 ? 0 : problemIds.of(JSON.stringify(problems));
      poolColumns = Math.max(poolColumns, poolParents[t]!.length);
    }
    let readings = refine(reading, 1, part, problemIds.size + 1);
    ids.forEach((table, k) => (readings = refine(reading, readings, table, sliceCounts[k]!)));
    for (let j = 0; j < poolColumns; j++) {
      for (let t = 0; t < targets.length; t++) {
        const at = poolParents[t]![j];
        const found = reading[t]! < 0 || !at ? null : poolOf(at.parent, at.contentId);
        part[t] = found ? found.key + 1 : 0;
      }
      readings = refine(reading, readings, part, poolKeys.size + 1);
    }
    const classOf = new Int32Array(targets.length).fill(-1);
    const classOfReading = new Int32Array(readings).fill(-1);
    const classes: TargetClass[] = [];
    const sizes = new Int32Array(readings);
    for (let t = 0; t < targets.length; t++) {
      const r = reading[t]!;
      if (r < 0) continue;
      let c = classOfReading[r]!;
      if (c < 0) {
        classOfReading[r] = c = classes.length;
        const classPools = new Map<string, Pool>();
        for (const { parent, contentId } of poolParents[t]!) {
          const found = poolOf(parent, contentId);
          if (found) classPools.set(parent.name, found.pool);
        }
        const problems = problemsOf(t);
        const problemsId = problems.length === 0 ? 0 : problemIds.of(JSON.stringify(problems));
        classes.push({ target: t, problems, problemsId, slices: tables.map((table) => table[t]!), sliceIds: ids.map((table) => table[t]!), pools: classPools, host: null });
      }
      classOf[t] = c;
      sizes[c]!++;
    }
    const problemKinds = problemIds.size + 1;
    return { classOf, classes, sizes, problemKinds, stepReadings: (Math.max(0, ...sliceCounts) + 1) * problemKinds * requirementIds.size };
  };

  /**
   * Whether the one-pool rule lets a device of kind `kind` and `instances` join what a group took on
   * a parent (`counts` per kind): the answer for that combination.
   */
  const poolLets = (pool: Pool, counts: readonly number[], kind: number, instances: number): boolean => {
    if (pool.answers !== null) {
      let index = 0;
      pool.kinds.forEach((k, j) => (index += (counts[k]! + (k === kind ? instances : 0)) * pool.radix[j]!));
      return pool.answers.charCodeAt(index) === 49;
    }
    const shares = pool.types.flatMap((type, j) => {
      const n = counts[pool.kinds[j]!]! + (pool.kinds[j] === kind ? instances : 0);
      return n > 0 ? [{ type, instances: n }] : [];
    });
    return fitsOnePool(shares);
  };

  /**
   * One group on every class, device by device. What a device's placement reads of a target is the
   * slice of its type (facts and compressed room), the problems, what the earlier devices took
   * (the state), and on each parent where they took another type the one-pool rule's answer: so
   * the outcome of one device is judged once per state and such reading, on the first class that
   * reaches it, and each class only walks those outcomes.
   */
  const walkGroup = (group: Group, classing: Classing, states: PlacementStates): GroupVerdicts => {
    const { classes, problemKinds, stepReadings: readings } = classing;
    const devices = group.requirements;
    const kindCount = group.types.length;
    const step = (from: number, i: number, info: TargetClass): number => {
      const host = (info.host ??= projection(info.slices, info.problems));
      // The earlier devices passed here: the device is placed after them, and if it fails here it
      // fails the domain.
      judged++;
      const decision = placeDomain(
        devices.slice(0, i + 1).map((r) => r.device),
        host,
        options.parentRule,
      )[i]!;
      if (!placedCompatible(devices[i]!, decision, host, quiet, driverPasses)) return -1;
      if (decision.kind !== 'create') throw new Error(`fleet: a device of a projection was ${decision.kind}, not placed`);
      // What the devices took so far is the state, whichever devices and classes led there.
      const taken = new Map([...states.list[from]!.taken].map(([parent, counts]) => [parent, [...counts]]));
      let counts = taken.get(decision.parent.name);
      if (!counts) taken.set(decision.parent.name, (counts = new Array<number>(kindCount).fill(0)));
      counts[group.kinds[i]!]! += devices[i]!.device.instances;
      const ledger = JSON.stringify([...taken].sort(([a], [b]) => byCodeUnits(a, b)));
      let known = states.byLedger.get(ledger);
      if (known === undefined) {
        states.byLedger.set(ledger, (known = states.list.length));
        states.list.push({ taken, next: new Map(), besides: [] });
      }
      return known;
    };
    const classVerdicts = new Uint8Array(classes.length);
    for (let c = 0; c < classes.length; c++) {
      const info = classes[c]!;
      let at = 0;
      let ok = 1;
      for (let i = 0; i < devices.length; i++) {
        const kind = group.kinds[i]!;
        const state = states.list[at]!;
        const reading = (info.sliceIds[kind]! * problemKinds + info.problemsId) * requirementIds.size + group.ids[i]!;
        let key: number | string = reading;
        if (state.taken.size > 0 && info.pools.size > 0) {
          // Per parent where another type was taken: the rule's answer (0, 1), or 2 where the parent does not offer this type.
          // In base 3 after a leading 1; as text (no number allocated per step) past 32 answers,
          // before the number could pass 2^53 and stop being exact (33 answers reach 2 x 3^33).
          let answers = 1;
          let text: string | null = null;
          for (const [parent, counts] of (state.besides[kind] ??= besides(state.taken, kind))) {
            const pool = info.pools.get(parent);
            const answer = pool === undefined || !pool.kinds.includes(kind) ? 2 : poolLets(pool, counts, kind, devices[i]!.device.instances) ? 1 : 0;
            if (text !== null) text += answer;
            else if (answers >= MAX_EXACT_ANSWERS) text = `${answers.toString(3).slice(1)}${answer}`;
            else answers = answers * 3 + answer;
          }
          if (text !== null) key = `${reading}:${text}`;
          else if (answers > 1) key = answers < 2 ** 52 / readings ? answers * readings + reading : `${reading}:${answers.toString(3).slice(1)}`;
        }
        let next = state.next.get(key);
        if (next === undefined) state.next.set(key, (next = step(at, i, info)));
        if (next < 0) {
          ok = 0;
          break;
        }
        at = next;
      }
      classVerdicts[c] = ok;
    }
    return { classOf: classing.classOf, ofClass: classVerdicts, sizes: classing.sizes };
  };

  // The classes of one signature are held only while the groups sharing it are judged.
  const verdictsOf = (group: Group): GroupVerdicts => {
    if (group.verdicts) return group.verdicts;
    const classing = classingOf(group.types, group.asked, group.least);
    // The groups of one signature share the states: what their devices took, and the outcomes met.
    const states: PlacementStates = { list: [{ taken: new Map(), next: new Map(), besides: [] }], byLedger: new Map() };
    for (const member of group.alike) member.verdicts = walkGroup(member, classing, states);
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
  const sharedRows = new Map<Group, Int32Array>();
  const groupRows: Int32Array[] = [];
  const rows = domainGroups.map((group, index) => {
    let shared = sharedRows.get(group);
    if (!shared) {
      shared = rowOf(verdictsOf(group));
      sharedRows.set(group, shared);
    }
    groupRows.push(shared);
    const { requirements } = domains[index]!;
    const own = new Set(requirements.flatMap((r) => holders.get(r.device.uuid) ?? []));
    // The group's row is shared unless this domain's own devices change a verdict.
    const changed = [...own].filter((t) => judge(requirements, targets[t]!.host) !== verdictAt(group.verdicts!, t));
    if (progress && (index % 100 === 99 || index === domains.length - 1)) progress(index + 1, domains.length);
    return changed.length > 0 ? flipped(shared, changed) : shared;
  });
  let accepted: number[][] | null = null;
  return {
    get accepted() {
      return (accepted ??= rows.map((row) => Array.from(row)));
    },
    rows,
    groupRows,
    groups: groups.size,
    judged,
  };
}
