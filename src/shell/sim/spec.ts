/**
 * The description a simulated kernel is built from: parents, their pools of resources, their
 * types and the devices that already exist. Written by hand in tests (`SimKernel.build`) or derived
 * from a host tree (`SimKernel.seed`).
 */
import type { CreateParser } from './kernel-parse';

/** Named amounts (`{"low_gm_mb": 640, "fences": 28}`); one instance of a type costs some of each. */
export type Resources = Record<string, number>;

export type SimAggregation =
  | { kind: 'none' }
  /** Generation A: the type has `aggregation`; `max` is its value, or the type's available count. */
  | { kind: 'create-option'; max?: number | 'available' }
  /** Generation B: devices carry a writable `mdev/aggregated_instances`. */
  | { kind: 'attribute' };

/** The type-level `migration_version`: a string, present but answering ENODEV, or absent. */
export type SimMigration = { version: string } | 'unsupported' | null;

export interface SimTypeSpec {
  /** Directory name, e.g. `i915-GVTg_V5_8`. */
  id: string;
  /** null: the file is absent (a `device_api` missing is a broken host, kept as such). */
  deviceApi: string | null;
  /** Texts without the trailing newline the kernel prints; null or omitted: no file. */
  name?: string | null;
  description?: string | null;
  /** A pool of the parent; omitted: the type has a pool of its own holding `available` instances. */
  pool?: string;
  /** What one instance takes from the pool; default `{instances: 1}`. */
  cost?: Resources;
  /** Capacity of the type's own pool (when `pool` is omitted), before existing devices. */
  available?: number;
  aggregation?: SimAggregation;
  /** How `create` is parsed; default `refresh` for create-option types, else `mainline`. */
  createParser?: CreateParser;
  /** Devices carry the generation B `mdev/` group (reading 0 when not aggregatable); default: attribute types. */
  attributeGroup?: boolean;
  migration?: SimMigration;
}

export interface SimPoolSpec {
  id: string;
  capacity: Resources;
}

export interface SimDriverSpec {
  name: string;
  /** Host path the parent's `driver` link points at, e.g. `/sys/bus/pci/drivers/i915`. */
  dir: string;
  /** `/sys/module/<name>/version` text without newline; null or omitted: no file. */
  version?: string | null;
}

export interface SimParentSpec {
  /** Kernel sysfs name, the link name under `/sys/class/mdev_bus`. */
  name: string;
  /** The parent device's real directory, e.g. `/sys/devices/pci0000:00/0000:00:02.0`. */
  deviceDir: string;
  driver?: SimDriverSpec | null;
  /** PCI ids as four hex digits (`8086`); served as `0x8086\n`. Omitted for non-PCI parents. */
  vendorId?: string | null;
  deviceId?: string | null;
  pools?: SimPoolSpec[];
  types: SimTypeSpec[];
}

export interface SimDeviceSpec {
  uuid: string;
  parent: string;
  type: string;
  /** Aggregated count; default 1. */
  instances?: number;
  open?: boolean;
}

export interface SimKernelSpec {
  parents: SimParentSpec[];
  devices?: SimDeviceSpec[];
}
