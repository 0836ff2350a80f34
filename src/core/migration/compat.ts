/**
 * (domain devices, source facts, target host) -> the three-point compatibility check of DESIGN 4,
 * per device: type, count, driver. Each check passes, fails or is unknown, with a reason and a
 * code; the verdict is compatible only when every device passes all three (an unknown driver
 * passes only when allowed). Pure: a live target's migration_version protocol is handed in.
 */
import type { Code } from '../diagnostics';
import type { ManagedDevice } from '../domain';
import { type Dialect, type HostModel, type HostParent, type HostType, findParent, findType } from '../host-model';
import { CapacityLedger, placeDevice } from '../plan';
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
  /** Where the target would create the device, and how; null when it cannot. */
  parent: string | null;
  dialect: Dialect | null;
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

/** A live target's answer to the source string written to its type's migration_version: null = accepted, else the errno. */
export type MigrationVersionWriter = (parent: string, type: string, version: string) => string | null;

export interface CheckOptions {
  policy: DriverPolicy;
  allowUnknownDriver: boolean;
  /** Live mode only: the write protocol replaces the offline comparison. */
  writeMigrationVersion?: MigrationVersionWriter;
}

export interface Requirement {
  device: ManagedDevice;
  source: SourceFacts;
}

const pass = (reason: string) => ({ ok: true, result: 'pass' as const, code: null, reason });
const fail = (code: Code, reason: string) => ({ ok: false, result: 'fail' as const, code, reason });

/** Every device of one domain against one target, in order: earlier devices take capacity first. */
export function judgeDevices(requirements: readonly Requirement[], target: HostModel, options: CheckOptions): DeviceVerdict[] {
  const ledger = new CapacityLedger();
  return requirements.map(({ device, source }) => {
    const offering = target.parents.filter((p) => findType(p, device.type) !== undefined);
    const type = typeCheck(device, source, offering);
    // The parent the domain names is kept when the target has it (the hook's migrate does the
    // same); otherwise placement picks among the target's parents offering the type.
    const pinned = device.parent !== null && findParent(target, device.parent) !== undefined;
    const placed = placeDevice(pinned ? device : { ...device, parent: null }, target, ledger);
    const count = countCheck(device, source, offering, placed);
    const parent = 'code' in placed ? ((pinned && offering.find((p) => p.name === device.parent)) || offering[0]) : placed.parent;
    const driver = driverCheck(source.driver, parent ? { parent, type: findType(parent, device.type)! } : null, device.type, options);
    return {
      uuid: device.uuid,
      type: device.type,
      instances: device.instances,
      origin: source.origin,
      compatible: type.ok && count.ok && driver.ok,
      checks: { type, count, driver },
    };
  });
}

function typeCheck(device: ManagedDevice, source: SourceFacts, offering: HostParent[]): TypeCheck {
  const facts = { declared: device.type, source: source.type };
  if (source.type !== null && source.type !== device.type) {
    return { ...fail('C_TYPE_MISMATCH', `the source runs the device as ${source.type}, the domain declares ${device.type}`), ...facts };
  }
  if (offering.length === 0) return { ...fail('C_TYPE_UNAVAILABLE', `no parent on the target offers ${device.type}`), ...facts };
  const seen = source.type === null ? ' (no source snapshot shows the device; the declared type stands)' : '';
  return { ...pass(`the target offers ${device.type} on ${offering.map((p) => p.name).join(', ')}${seen}`), ...facts };
}

function countCheck(device: ManagedDevice, source: SourceFacts, offering: HostParent[], placed: ReturnType<typeof placeDevice>): CountCheck {
  const facts = { declared: device.instances, source: source.instances };
  if (source.instances !== null && source.instances !== device.instances) {
    return { ...fail('C_COUNT_MISMATCH', `the source device carries ${source.instances} instance${source.instances === 1 ? '' : 's'}, the domain declares ${device.instances}`), ...facts, parent: null, dialect: null };
  }
  if ('code' in placed) {
    const why = offering.length === 0 ? `no parent on the target offers ${device.type}` : `${placed.message} (${placed.code})`;
    return { ...fail('C_COUNT_UNSUPPORTED', `the target cannot create ${device.type} x${device.instances}: ${why}`), ...facts, parent: null, dialect: null };
  }
  return { ...pass(`${placed.parent.name} can create ${device.type} x${device.instances} (${placed.dialect} dialect)`), ...facts, parent: placed.parent.name, dialect: placed.dialect };
}

function driverCheck(source: DriverFacts, at: { parent: HostParent; type: HostType } | null, typeId: string, options: CheckOptions): DriverCheck {
  const unknown = (method: DriverMethod, target: DriverFacts | null, reason: string): DriverCheck => ({
    ok: options.allowUnknownDriver,
    result: 'unknown',
    code: 'C_DRIVER_UNKNOWN',
    reason,
    method,
    source,
    target,
  });
  if (at === null) return unknown('driver-version', null, `no parent on the target offers ${typeId}, so there is no target driver to judge`);
  const target: DriverFacts = { driver: at.parent.driver, driverVersion: at.parent.driverVersion, migrationVersion: at.type.migrationVersion };
  const facts = { source, target };

  if (source.migrationVersion !== null && target.migrationVersion !== null) {
    if (options.writeMigrationVersion) {
      const errno = options.writeMigrationVersion(at.parent.name, at.type.id, source.migrationVersion);
      return errno === null
        ? { ...pass(`${at.parent.name} accepted ${source.migrationVersion} written to ${at.type.id}/migration_version`), method: 'migration-version-write', ...facts }
        : { ...fail('C_DRIVER_INCOMPATIBLE', `${at.parent.name} refused ${source.migrationVersion} written to ${at.type.id}/migration_version: ${errno}`), method: 'migration-version-write', ...facts };
    }
    const compared = compareMigrationVersions(source.migrationVersion, target.migrationVersion);
    if (compared.compatible) return { ...pass(`migration_version ${source.migrationVersion} matches the target's ${target.migrationVersion}`), method: 'migration-version', ...facts };
    const why = compared.format === 'gvt' ? `the GVT fields differ: ${compared.differing.join(', ')}` : 'the strings differ';
    return { ...fail('C_DRIVER_INCOMPATIBLE', `migration_version ${source.migrationVersion} against the target's ${target.migrationVersion}: ${why}`), method: 'migration-version', ...facts };
  }

  const onlyOne =
    source.migrationVersion !== null ? ' (only the source has migration_version)' : target.migrationVersion !== null ? ' (only the target has migration_version)' : '';
  if (source.driver === null || target.driver === null) {
    return unknown('driver-version', target, `the ${source.driver === null ? 'source' : 'target'} driver name is not known${onlyOne}`);
  }
  if (source.driver !== target.driver) {
    return { ...fail('C_DRIVER_INCOMPATIBLE', `the source driver is ${source.driver}, the target's ${target.driver}${onlyOne}`), method: 'driver-version', ...facts };
  }
  if (source.driverVersion === null || target.driverVersion === null) {
    return unknown('driver-version', target, `the ${source.driverVersion === null ? 'source' : 'target'} ${source.driver} version is not known${onlyOne}`);
  }
  if (source.driverVersion === target.driverVersion) {
    return { ...pass(`${source.driver} ${source.driverVersion} on both sides${onlyOne}`), method: 'driver-version', ...facts };
  }
  if (policyAllows(options.policy, source.driver, source.driverVersion, target.driverVersion)) {
    return { ...pass(`${source.driver} ${source.driverVersion} -> ${target.driverVersion} is allowed by the policy${onlyOne}`), method: 'policy', ...facts };
  }
  return {
    ...fail('C_DRIVER_INCOMPATIBLE', `${source.driver} ${source.driverVersion} on the source, ${target.driverVersion} on the target, and no policy allows it${onlyOne}`),
    method: 'driver-version',
    ...facts,
  };
}
