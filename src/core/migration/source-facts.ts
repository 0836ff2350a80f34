/**
 * What is known of a device on the source host: from the source snapshot when it holds the device
 * (its type, count, parent's driver and version, type's migration_version), else from the stamp
 * `mdev-agg stamp` wrote into the domain (driver facts only), else nothing. Pure.
 */
import type { ManagedDevice } from '../reading/domain';
import { findDevice, findParent, findType } from '../host/host-model';
import type { HostSnapshot } from '../snapshot/model';

export interface DriverFacts {
  driver: string | null;
  driverVersion: string | null;
  migrationVersion: string | null;
}

export interface SourceFacts {
  origin: 'snapshot' | 'stamp' | 'none';
  /** The source host's name, when the snapshot or the stamp gives it. */
  host: string | null;
  /** The device as the source runs it; null when only a stamp (or nothing) speaks for the source. */
  type: string | null;
  instances: number | null;
  driver: DriverFacts;
}

const NO_DRIVER_FACTS: DriverFacts = { driver: null, driverVersion: null, migrationVersion: null };

export function sourceFactsFor(device: ManagedDevice, source: HostSnapshot | null): SourceFacts {
  const seen = source && findDevice(source.host, device.uuid);
  if (source && seen) {
    const parent = findParent(source.host, seen.parent);
    const type = parent && findType(parent, seen.type);
    return {
      origin: 'snapshot',
      host: source.name,
      type: seen.type,
      instances: seen.instances,
      driver: { driver: parent?.driver ?? null, driverVersion: parent?.driverVersion ?? null, migrationVersion: type?.migrationVersion ?? null },
    };
  }
  const stamp = device.source;
  if (stamp) {
    return {
      origin: 'stamp',
      host: stamp.host,
      type: null,
      instances: null,
      driver: { driver: stamp.driver, driverVersion: stamp.driverVersion, migrationVersion: stamp.migrationVersion },
    };
  }
  return { origin: 'none', host: null, type: null, instances: null, driver: NO_DRIVER_FACTS };
}
