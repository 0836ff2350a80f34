/**
 * What one host offers, as read from its sysfs (or from a host snapshot). Pure data; built by
 * `readHost` (host.ts) from a SysfsView, or parsed back from a snapshot.
 */

/** How a type aggregates: generation A (create option), generation B (attribute), or not at all. */
export type Dialect = 'create-option' | 'attribute' | 'none';

export interface HostType {
  /** Directory name, e.g. `i915-GVTg_V5_8`. */
  id: string;
  name: string | null;
  description: string | null;
  /** vfio-pci | vfio-ccw | vfio-ap | vfio-platform, as the kernel reports it; null when unreadable. */
  deviceApi: string | null;
  /** null when the file is missing or unreadable (then nothing is planned on the type). */
  availableInstances: number | null;
  dialect: Dialect;
  /**
   * The most instances one device can carry: the `aggregation` file (create-option); null for the
   * attribute generation, whose maximum is per device (`mdev/max_aggregation`) and known only
   * after create; 1 for `none`.
   */
  maxAggregation: number | null;
  /** Type-level `migration_version` string when the type has the file and it reads. */
  migrationVersion: string | null;
}

export interface HostParent {
  /** Kernel sysfs name: `0000:00:02.0`, `matrix`, `0.0.0072`. */
  name: string;
  /** Bound driver name (basename of the device's `driver` link), null when unknown. */
  driver: string | null;
  /** `/sys/module/<driver>/version`, null when the module has none. */
  driverVersion: string | null;
  /** PCI ids as the kernel prints them without `0x` (`8086`), null for non-PCI parents. */
  vendorId: string | null;
  deviceId: string | null;
  /** Sorted by id. */
  types: HostType[];
}

/** A device of a host: its UUID, the parent and type it is of, and how many instances it carries. */
export interface PlacedDevice {
  uuid: string;
  parent: string;
  type: string;
  instances: number;
}

export interface HostDevice extends PlacedDevice {
  /** Aggregated count: generation A `aggregated_instances`, generation B `mdev/aggregated_instances`; 1 otherwise. */
  instances: number;
  /** Generation B only: `mdev/max_aggregation` when present. */
  maxAggregation: number | null;
}

/** A host fact that could not be read; carried so commands can report it, never thrown. */
export interface HostProblem {
  path: string;
  message: string;
  /** Set when the path resolves outside the root: a hostile tree, refused rather than unreadable. */
  outsideRoot?: true;
}

export interface HostModel {
  /** Sorted by name. */
  parents: HostParent[];
  /** Sorted by UUID. */
  devices: HostDevice[];
  problems: HostProblem[];
}

export const findParent = (host: HostModel, name: string): HostParent | undefined =>
  host.parents.find((p) => p.name === name);

export const findType = (parent: HostParent, id: string): HostType | undefined =>
  parent.types.find((t) => t.id === id);

export const findDevice = (host: HostModel, uuid: string): HostDevice | undefined =>
  host.devices.find((d) => d.uuid === uuid);
