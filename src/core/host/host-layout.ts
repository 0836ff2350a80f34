/**
 * The host layout: every path mdev-agg reads or writes, as it is on the host (`/sys/...`,
 * `/run/...`), mdev ABI paths built only from values that passed validation. The guarded file
 * module maps them under the root (`--root`); plans print them as they are.
 */
import { isSafeSysfsName, normaliseUuid } from '../reading/names';

export const MDEV_BUS_CLASS = '/sys/class/mdev_bus';
export const MDEV_DEVICES = '/sys/bus/mdev/devices';
/** The executor's lock and journal (src/shell/state-store.ts). */
export const STATE_DIR = '/run/mdev-agg';
/** The configuration file (README, Configuration). */
export const CONFIG_PATH = '/etc/mdev-agg/config.json';
/** Beside `sys/` in a tree: the shared pools `--simulate` models (README, CLI). */
export const SIM_OPTIONS_PATH = '/sim.json';
/** libvirt's directory of qemu hook scripts. */
export const HOOKS_DIR = '/etc/libvirt/hooks/qemu.d';
/** The system log's datagram socket. */
export const SYSLOG_SOCKET = '/dev/log';
/** Where the host's name is read, first found first. */
export const HOST_NAME_SOURCES = ['/proc/sys/kernel/hostname', '/etc/hostname'] as const;

function safe(name: string, what: string): string {
  if (!isSafeSysfsName(name)) throw new Error(`unsafe ${what} name reached path construction: ${JSON.stringify(name)}`);
  return name;
}
function safeUuid(uuid: string): string {
  const n = normaliseUuid(uuid);
  if (n === null || n !== uuid) throw new Error(`unnormalised UUID reached path construction: ${JSON.stringify(uuid)}`);
  return n;
}

export const parentDir = (parent: string) => `${MDEV_BUS_CLASS}/${safe(parent, 'parent')}`;
export const typesDir = (parent: string) => `${parentDir(parent)}/mdev_supported_types`;
export const typeDir = (parent: string, type: string) => `${typesDir(parent)}/${safe(type, 'type')}`;
export const typeAttr = (parent: string, type: string, attr: TypeAttribute) => `${typeDir(parent, type)}/${attr}`;
export const deviceDir = (uuid: string) => `${MDEV_DEVICES}/${safeUuid(uuid)}`;
export const deviceAttr = (uuid: string, attr: DeviceAttribute) => `${deviceDir(uuid)}/${attr}`;
/** A kernel module's version (vendor drivers built out of tree carry one). */
export const moduleVersion = (driver: string) => `/sys/module/${safe(driver, 'driver')}/version`;
/** A VFIO group's character device, which a running VM holds open. */
export const vfioGroup = (group: string) => `/dev/vfio/${safe(group, 'VFIO group')}`;

/** The type attributes mdev-agg reads or writes (mainline, generation A, migration_version). */
export type TypeAttribute =
  | 'create'
  | 'available_instances'
  | 'device_api'
  | 'name'
  | 'description'
  | 'aggregation'
  | 'migration_version';

/** The device attributes mdev-agg reads or writes (mainline, generation A, generation B). */
export type DeviceAttribute =
  | 'remove'
  | 'mdev_type'
  | 'aggregated_instances'
  | 'mdev/aggregated_instances'
  | 'mdev/max_aggregation'
  | 'migration_version';
