/**
 * HostSnapshot -> snapshot XML (schemas/host.rng). Written by hand: the format is flat, and a
 * value with a line break (a type description) must become `&#10;` to read back unchanged, which
 * xmlbuilder2 does not do for attributes. A value the schema cannot carry is left out and said so
 * in a `problem` element, as schemas/README.md asks of a writer.
 */
import type { HostDevice, HostParent, HostProblem, HostType } from '../host/host-model';
import { MAX_INSTANCES, isSafeSysfsName } from '../reading/names';
import { escapeAttribute, escapeText } from '../xml/escape';
import { withoutNonXmlChars } from '../xml/characters';
import { HOST_NS, type HostSnapshot } from './model';
import { isDateTime, isLowerUuid, isOneLine, isPciId } from './values';
import { MDEV_BUS_CLASS, MDEV_DEVICES } from '../host/host-layout';

const MAX_COUNT = 0xffffffff;
const isCount = (n: number) => Number.isInteger(n) && n >= 0 && n <= MAX_COUNT;
const isPositive = (n: number) => Number.isInteger(n) && n >= 1 && n <= MAX_INSTANCES;

class SnapshotWriter {
  private readonly lines: string[] = [];
  private readonly leftOut: HostProblem[] = [];

  constructor(private readonly snapshot: HostSnapshot) {}

  text(): string {
    const { name, generated, host } = this.snapshot;
    const root = [`xmlns="${HOST_NS}"`];
    if (name !== null) this.optional(root, 'name', name, isOneLine, '/', 'host name');
    if (generated !== null) this.optional(root, 'generated', generated, isDateTime, '/', 'generated time');
    for (const parent of host.parents) this.parent(parent);
    for (const device of host.devices) this.device(device);
    const problems = [...host.problems, ...this.leftOut];
    for (const p of problems) {
      const path = withoutNonXmlChars(p.path);
      const attribute = isOneLine(path) ? path : JSON.stringify(path).slice(1, -1) || '?';
      this.lines.push(`  <problem path="${escapeAttribute(attribute)}">${escapeText(p.message)}</problem>`);
    }
    const open = `<host ${root.join(' ')}`;
    const body = this.lines.length ? `${open}>\n${this.lines.join('\n')}\n</host>` : `${open}/>`;
    return `<?xml version="1.0" encoding="UTF-8"?>\n${body}\n`;
  }

  private skip(path: string, message: string) {
    this.leftOut.push({ path, message: `not written to the snapshot: ${message}` });
  }

  /** Adds `name="value"` when the value fits the schema, else records why it was left out. */
  private optional<T>(attributes: string[], name: string, value: T | null, fits: (v: T) => boolean, path: string, what: string) {
    if (value === null) return;
    if (fits(value)) attributes.push(`${name}="${escapeAttribute(String(value))}"`);
    else this.skip(path, `${what} ${JSON.stringify(String(value).slice(0, 80))} does not fit the snapshot schema`);
  }

  private parent(parent: HostParent) {
    const path = `${MDEV_BUS_CLASS}/${parent.name}`;
    if (!isSafeSysfsName(parent.name)) return this.skip(path, 'unsafe parent name');
    const a = [`name="${escapeAttribute(parent.name)}"`];
    this.optional(a, 'driver', parent.driver, isSafeSysfsName, `${path}/driver`, 'driver name');
    this.optional(a, 'driverVersion', parent.driverVersion, isOneLine, `${path}/driver`, 'driver version');
    this.optional(a, 'vendor', parent.vendorId, isPciId, `${path}/vendor`, 'vendor id');
    this.optional(a, 'device', parent.deviceId, isPciId, `${path}/device`, 'device id');
    const types = parent.types.map((t) => this.type(t, `${path}/mdev_supported_types/${t.id}`)).filter((t) => t !== null);
    if (types.length === 0) this.lines.push(`  <parent ${a.join(' ')}/>`);
    else this.lines.push(`  <parent ${a.join(' ')}>`, ...types, '  </parent>');
  }

  private type(type: HostType, path: string): string | null {
    if (!isSafeSysfsName(type.id)) return this.skip(path, 'unsafe type name'), null;
    const a = [`id="${escapeAttribute(type.id)}"`];
    this.optional(a, 'name', type.name, isOneLine, `${path}/name`, 'name');
    this.optional(a, 'description', type.description, () => true, `${path}/description`, 'description');
    this.optional(a, 'deviceApi', type.deviceApi, isSafeSysfsName, `${path}/device_api`, 'device_api');
    this.optional(a, 'availableInstances', type.availableInstances, isCount, `${path}/available_instances`, 'available_instances');
    a.push(`dialect="${type.dialect}"`);
    this.optional(a, 'maxAggregation', type.maxAggregation, isCount, `${path}/aggregation`, 'aggregation maximum');
    this.optional(a, 'migrationVersion', type.migrationVersion, isOneLine, `${path}/migration_version`, 'migration_version');
    return `    <type ${a.join(' ')}/>`;
  }

  private device(device: HostDevice) {
    const path = `${MDEV_DEVICES}/${device.uuid}`;
    if (!isLowerUuid(device.uuid) || !isSafeSysfsName(device.parent) || !isSafeSysfsName(device.type)) {
      return this.skip(path, 'unsafe UUID, parent or type name');
    }
    if (!isPositive(device.instances)) return this.skip(path, `aggregated count ${device.instances} is outside 1..${MAX_INSTANCES}`);
    const a = [`uuid="${device.uuid}"`, `parent="${escapeAttribute(device.parent)}"`, `type="${escapeAttribute(device.type)}"`, `instances="${device.instances}"`];
    this.optional(a, 'maxAggregation', device.maxAggregation, isCount, `${path}/mdev/max_aggregation`, 'max_aggregation');
    this.lines.push(`  <device ${a.join(' ')}/>`);
  }
}

export function writeSnapshot(snapshot: HostSnapshot): string {
  return new SnapshotWriter(snapshot).text();
}
