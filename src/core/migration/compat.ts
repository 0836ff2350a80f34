/**
 * (domain devices, source facts, target host) -> the three-point compatibility check (README, Migration checks),
 * per device: type, count, driver. Each check passes, fails or is unknown, with a reason and a
 * code; the verdict is compatible only when every device passes all three (an unknown driver
 * passes only when allowed). Pure: a live target's migration_version protocol is handed in.
 */
import type { Code } from '../text/diagnostics';
import type { ManagedDevice } from '../reading/domain';
import { type Dialect, type HostModel, type HostParent, type HostType, findParent, findType } from '../host/host-model';
import { type Decision, type ParentRule, placeDomain } from '../plan/placement';
import { compareMigrationVersions } from './migration-version';
import { type DriverPolicy, policyAllows } from './policy';
import type { DriverFacts, SourceFacts } from './source-facts';

export type CheckResult = 'pass' | 'fail' | 'unknown';

export interface Check {
  /** pass, or unknown when unknown is allowed. */
  ok: boolean;
  result: CheckResult;
  /** Why it failed or is unknown; null on pass. */
  code: Code | null;
  reason: string;
}

export interface TypeCheck extends Check {
  declared: string;
  /** The device's type on the source; null when no snapshot shows the device. */
  source: string | null;
}

export interface CountCheck extends Check {
  declared: number;
  source: number | null;
  /** Where the device is (or would be created) on the target, and how; null when it cannot be. */
  parent: string | null;
  dialect: Dialect | null;
  /** Set when the domain names a parent the target cannot use and the device is placed elsewhere. */
  moved: { from: string; why: string } | null;
}

/**
 * migration-version: both strings compared offline per the vendor format; migration-version-write:
 * the source string written to the live target (the kernel decides); driver-version: names and
 * versions equal; policy: names equal, versions allowed by the policy file.
 */
export type DriverMethod = 'migration-version' | 'migration-version-write' | 'driver-version' | 'policy';

export interface DriverCheck extends Check {
  method: DriverMethod;
  source: DriverFacts;
  target: DriverFacts | null;
}

export interface DeviceVerdict {
  uuid: string;
  type: string;
  instances: number;
  origin: SourceFacts['origin'];
  compatible: boolean;
  checks: { type: TypeCheck; count: CountCheck; driver: DriverCheck };
}

/**
 * A live target's answer to the source string written to its type's migration_version: accepted
 * (errno null) or refused with the errno; or not written, where the target is not a kernel's
 * sysfs (a tree copy would take any string), and then the strings are compared as offline.
 */
export type MigrationVersionWriter = (parent: string, type: string, version: string) => { written: true; errno: string | null } | { written: false; why: string };

export interface CheckOptions {
  policy: DriverPolicy;
  allowUnknownDriver: boolean;
  /** A named parent on the target: kept when it can take the device, else `prefer` places the device elsewhere. */
  parentRule: ParentRule;
  /** false: verdicts without reasons (fleet mode needs only the verdicts of many pairs). */
  explain?: boolean;
  /** Live mode only: the write protocol replaces the offline comparison. */
  writeMigrationVersion?: MigrationVersionWriter;
}

export interface Requirement {
  device: ManagedDevice;
  source: SourceFacts;
}

/**
 * A reason is written only when asked for: fleet mode judges many pairs and needs the verdicts
 * alone, so reasons stay functions until `judgeDevices` writes them (or leaves them empty).
 */
type Reason = () => string;
/** A check as it is judged: its reason not yet written. */
type Draft<T extends Check> = Omit<T, 'reason'> & { reason: string | Reason };
const pass = (reason: Reason) => ({ ok: true, result: 'pass' as const, code: null, reason });
const fail = (code: Code, reason: Reason) => ({ ok: false, result: 'fail' as const, code, reason });
const written = (reason: string | Reason): string => (typeof reason === 'function' ? reason() : reason);

const placeRequirements = (requirements: readonly Requirement[], target: HostModel, options: CheckOptions) =>
  placeDomain(
    requirements.map((r) => r.device),
    target,
    options.parentRule,
  );

/** Every device of one domain against one target, placed by the one placement model in order. */
export function judgeDevices(requirements: readonly Requirement[], target: HostModel, options: CheckOptions): DeviceVerdict[] {
  const decisions = placeRequirements(requirements, target, options);
  return requirements.map(({ device, source }, i) => {
    const decision = decisions[i]!;
    const offering = target.parents.filter((p) => findType(p, device.type) !== undefined);
    const type = typeCheck(device, source, offering, decision);
    const count = countCheck(device, source, offering, decision);
    const driver = driverCheck(source.driver, driverCandidates(decision, offering, target, device.type), device.type, options);
    const write = <T extends Check>(check: Draft<T>) => ({ ...check, reason: options.explain === false ? '' : written(check.reason) }) as T;
    return {
      uuid: device.uuid,
      type: device.type,
      instances: device.instances,
      origin: source.origin,
      compatible: type.ok && count.ok && driver.ok,
      checks: { type: write<TypeCheck>(type), count: write<CountCheck>(count), driver: write<DriverCheck>(driver) },
    };
  });
}

/**
 * The verdict alone, without the checks' reasons and facts (fleet mode judges many pairs): true
 * exactly when `judgeDevices` finds every device compatible. The type and count checks pass
 * together when the source agrees with the declaration and the device is placed (a created device's
 * parent offers its type); the driver check is the same. Offline only: a live protocol writes to
 * the target for every device, so it goes through `judgeDevices`. `driverPasses`, when given, must
 * answer as `driverPassesOn` with these options: a caller judging many pairs answers from memory.
 */
export function compatibleOn(
  requirements: readonly Requirement[],
  target: HostModel,
  options: CheckOptions,
  driverPasses?: (source: DriverFacts, parent: HostParent, type: HostType) => boolean,
): boolean {
  if (options.writeMigrationVersion) return judgeDevices(requirements, target, options).every((d) => d.compatible);
  const decisions = placeRequirements(requirements, target, options);
  return requirements.every((requirement, i) => placedCompatible(requirement, decisions[i]!, target, options, driverPasses));
}

/**
 * One device's verdict once placement decided it (offline, as `compatibleOn` judges each device):
 * fleet mode judges the last device of a placed prefix with it.
 */
export function placedCompatible(
  { device, source }: Requirement,
  decision: Decision,
  target: HostModel,
  options: CheckOptions,
  driverPasses?: (source: DriverFacts, parent: HostParent, type: HostType) => boolean,
): boolean {
  if (decision.kind === 'refused' || typeDiffers(device, source) || countDiffers(device, source)) return false;
  const candidates = driverCandidates(decision, [], target, device.type);
  const only = candidates.length === 1 ? candidates[0]! : null;
  if (driverPasses && only?.type) return driverPasses(source.driver, only.parent, only.type);
  return driverCheck(source.driver, candidates, device.type, options).ok;
}

/** True when the driver check passes for a device of `type` created on `parent`. */
export function driverPassesOn(source: DriverFacts, parent: HostParent, type: HostType, options: CheckOptions): boolean {
  return driverCheck(source, [{ parent, type }], type.id, options).ok;
}

const typeDiffers = (device: ManagedDevice, source: SourceFacts) => source.type !== null && source.type !== device.type;
const countDiffers = (device: ManagedDevice, source: SourceFacts) => source.instances !== null && source.instances !== device.instances;

function typeCheck(device: ManagedDevice, source: SourceFacts, offering: HostParent[], decision: Decision): Draft<TypeCheck> {
  const facts = { declared: device.type, source: source.type };
  if (typeDiffers(device, source)) {
    return { ...fail('C_TYPE_MISMATCH', () => `the source runs the device as ${source.type}, the domain declares ${device.type}`), ...facts };
  }
  const seen = source.type === null ? ' (no source snapshot shows the device; the declared type stands)' : '';
  if (decision.kind === 'present') return { ...pass(() => `the target already has ${device.uuid} as ${device.type} on ${decision.parent}${seen}`), ...facts };
  if (offering.length === 0) return { ...fail('C_TYPE_UNAVAILABLE', () => `no parent on the target offers ${device.type}`), ...facts };
  return { ...pass(() => `the target offers ${device.type} on ${offering.map((p) => p.name).join(', ')}${seen}`), ...facts };
}

function countCheck(device: ManagedDevice, source: SourceFacts, offering: HostParent[], decision: Decision): Draft<CountCheck> {
  const facts = { declared: device.instances, source: source.instances };
  const nowhere = { parent: null, dialect: null, moved: null };
  if (countDiffers(device, source)) {
    return { ...fail('C_COUNT_MISMATCH', () => `the source device carries ${source.instances} instance${source.instances === 1 ? '' : 's'}, the domain declares ${device.instances}`), ...facts, ...nowhere };
  }
  if (decision.kind === 'refused') {
    const why = offering.length === 0 ? `no parent on the target offers ${device.type}` : `${decision.message} (${decision.code})`;
    return { ...fail('C_COUNT_UNSUPPORTED', () => `the target cannot create ${device.type} x${device.instances}: ${why}`), ...facts, ...nowhere };
  }
  if (decision.kind === 'present') {
    return { ...pass(() => `${decision.parent} already has ${device.uuid} as ${device.type} x${device.instances}`), ...facts, parent: decision.parent, dialect: decision.dialect, moved: null };
  }
  const { parent, dialect, moved } = decision;
  const where = moved ? ` (instead of ${moved.from}: ${moved.why}; placed where most room is left)` : '';
  return { ...pass(() => `${parent.name} can create ${device.type} x${device.instances} (${dialect} dialect)${where}`), ...facts, parent: parent.name, dialect, moved };
}

interface DriverCandidate {
  parent: HostParent;
  /** The device's type on that parent; null where the parent does not offer it. */
  type: HostType | null;
}

/**
 * The target parents whose driver the device would meet: where it is or would be created; when it
 * cannot be placed, every parent offering its type (`offering`, read only then), else every parent
 * of the target.
 */
function driverCandidates(decision: Decision, offering: HostParent[], target: HostModel, typeId: string): DriverCandidate[] {
  const at = (parent: HostParent | undefined) => (parent ? [{ parent, type: findType(parent, typeId) ?? null }] : []);
  if (decision.kind === 'present') return at(findParent(target, decision.parent));
  if (decision.kind === 'create') return at(decision.parent);
  return (offering.length > 0 ? offering : target.parents).flatMap(at);
}

/** Pass when a candidate parent is compatible; else unknown when facts are missing for one; else fail. */
function driverCheck(source: DriverFacts, candidates: DriverCandidate[], typeId: string, options: CheckOptions): Draft<DriverCheck> {
  if (candidates.length === 0) {
    return { ...unknownDriver(options), reason: 'the target has no mdev parent, so there is no target driver to judge', method: 'driver-version', source, target: null };
  }
  const judged = candidates.map((candidate) => driverAt(source, candidate, options));
  const chosen = judged.find((j) => j.result === 'pass') ?? judged.find((j) => j.result === 'unknown') ?? judged[0]!;
  if (candidates.length === 1 || chosen.result === 'pass') return chosen;
  const others = judged.length - 1;
  return { ...chosen, reason: () => `${written(chosen.reason)} (${others} other candidate parent${others === 1 ? '' : 's'} for ${typeId} fare${others === 1 ? 's' : ''} no better)` };
}

const unknownDriver = (options: CheckOptions) => ({ ok: options.allowUnknownDriver, result: 'unknown' as const, code: 'C_DRIVER_UNKNOWN' as Code });

function driverAt(source: DriverFacts, { parent, type }: DriverCandidate, options: CheckOptions): Draft<DriverCheck> {
  const target: DriverFacts = { driver: parent.driver, driverVersion: parent.driverVersion, migrationVersion: type?.migrationVersion ?? null };
  const facts = { source, target };
  const unknown = (reason: Reason): Draft<DriverCheck> => ({ ...unknownDriver(options), reason, method: 'driver-version', ...facts });

  if (source.migrationVersion !== null && target.migrationVersion !== null && type !== null) {
    let offline = '';
    if (options.writeMigrationVersion) {
      const answer = options.writeMigrationVersion(parent.name, type.id, source.migrationVersion);
      if (answer.written) {
        return answer.errno === null
          ? { ...pass(() => `${parent.name} accepted ${source.migrationVersion} written to ${type.id}/migration_version`), method: 'migration-version-write', ...facts }
          : { ...fail('C_DRIVER_INCOMPATIBLE', () => `${parent.name} refused ${source.migrationVersion} written to ${type.id}/migration_version: ${answer.errno}`), method: 'migration-version-write', ...facts };
      }
      offline = ` (not written: ${answer.why})`;
    }
    const compared = compareMigrationVersions(source.migrationVersion, target.migrationVersion);
    if (compared.compatible) return { ...pass(() => `migration_version ${source.migrationVersion} matches ${parent.name}'s ${target.migrationVersion}${offline}`), method: 'migration-version', ...facts };
    const why = compared.format === 'gvt' ? `the GVT fields differ: ${compared.differing.join(', ')}` : 'the strings differ';
    return { ...fail('C_DRIVER_INCOMPATIBLE', () => `migration_version ${source.migrationVersion} against ${parent.name}'s ${target.migrationVersion}: ${why}${offline}`), method: 'migration-version', ...facts };
  }

  const onlyOne =
    source.migrationVersion !== null ? ' (only the source has migration_version)' : target.migrationVersion !== null ? ' (only the target has migration_version)' : '';
  if (source.driver === null || target.driver === null) {
    return unknown(() => `the ${source.driver === null ? 'source' : `target's (${parent.name})`} driver name is not known${onlyOne}`);
  }
  if (source.driver !== target.driver) {
    return { ...fail('C_DRIVER_INCOMPATIBLE', () => `the source driver is ${source.driver}, ${parent.name}'s ${target.driver}${onlyOne}`), method: 'driver-version', ...facts };
  }
  if (source.driverVersion === null || target.driverVersion === null) {
    return unknown(() => `the ${source.driverVersion === null ? 'source' : `target's (${parent.name})`} ${source.driver} version is not known${onlyOne}`);
  }
  if (source.driverVersion === target.driverVersion) {
    return { ...pass(() => `${source.driver} ${source.driverVersion} on both sides${onlyOne}`), method: 'driver-version', ...facts };
  }
  if (policyAllows(options.policy, source.driver, source.driverVersion, target.driverVersion)) {
    return { ...pass(() => `${source.driver} ${source.driverVersion} -> ${target.driverVersion} is allowed by the policy${onlyOne}`), method: 'policy', ...facts };
  }
  return {
    ...fail('C_DRIVER_INCOMPATIBLE', () => `${source.driver} ${source.driverVersion} on the source, ${target.driverVersion} on ${parent.name}, and no policy allows it${onlyOne}`),
    method: 'driver-version',
    ...facts,
  };
}
