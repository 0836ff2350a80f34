/**
 * Host paths of the mdev ABI, as they are on the host (`/sys/...`), built only from values that
 * passed validation. The shell maps them under its root; plans print them as they are.
 */
import { isSafeSysfsName, normaliseUuid } from './names';

export const MDEV_BUS_CLASS = '/sys/class/mdev_bus';
export const MDEV_DEVICES = '/sys/bus/mdev/devices';

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
