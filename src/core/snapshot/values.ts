/** The value rules of schemas/host.rng, shared by the snapshot writer and reader. */
import type { Dialect, HostDevice, HostType } from '../host/host-model';
import { MAX_INSTANCES, isSafeSysfsName, parseKernelUnsigned } from '../reading/names';
import { withoutNonXmlChars } from '../xml/characters';

/** One non-empty line that XML can carry unchanged. */
export const isOneLine = (text: string): boolean => text.length > 0 && !/[\n\r]/.test(text) && withoutNonXmlChars(text) === text;

export const isPciId = (text: string): boolean => /^[0-9a-f]{4}$/.test(text);

export const isLowerUuid = (text: string): boolean => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(text);

// xs:dateTime: date, time with optional fraction, optional zone.
const XS_DATE_TIME = /^-?\d{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?(Z|[+-]((0\d|1[0-3]):[0-5]\d|14:00))?$/;
export const isDateTime = (text: string): boolean => XS_DATE_TIME.test(text);

/** Canonical unsigned decimal 0..4294967295 (no sign, no leading zero); null otherwise. */
const parseCount = (text: string): number | null => (text.endsWith('\n') ? null : parseKernelUnsigned(text));

/** A count read by a snapshot reader after its rule passed; null stays null (absent). */
const countOrNull = (text: string | null): number | null => (text === null ? null : parseCount(text));

/** A value rule of schemas/host.rng: what a value must be (for messages) and the test. */
export type Rule = { what: string; test: (value: string) => boolean; range?: string };

const DIALECTS: readonly Dialect[] = ['create-option', 'attribute', 'none'];

export const SYSFS_NAME: Rule = { what: 'a sysfs name ([A-Za-z0-9_.:+-], 1..128, not . or ..)', test: isSafeSysfsName };
export const LINE: Rule = { what: 'one non-empty line', test: isOneLine };
const TEXT: Rule = { what: 'text XML can carry', test: (v) => withoutNonXmlChars(v) === v };
export const PCI_ID: Rule = { what: 'four lower-case hex digits', test: isPciId };
export const UUID: Rule = { what: 'a lower-case dashed UUID', test: isLowerUuid };
const DATE_TIME: Rule = { what: 'an xs:dateTime', test: isDateTime };
/** Canonical decimals from `min` to `max`; `range` names the bounds for forms that write numbers. */
const countRule = (min: number, max: number): Rule => ({
  what: `a decimal ${min}..${max} without sign or leading zero`,
  range: `${min}..${max}`,
  test: (v) => {
    const n = parseCount(v);
    return n !== null && n >= min && n <= max;
  },
});
export const COUNT = countRule(0, 0xffffffff);
const POSITIVE = countRule(1, MAX_INSTANCES);
const DIALECT: Rule = { what: 'create-option, attribute or none', test: (v) => (DIALECTS as readonly string[]).includes(v) };

/**
 * A field of the snapshot (an attribute in XML, a member in JSON): its rule, whether it must be
 * present, and its kind: text, a count (a JSON number), or a flag that is only ever `true`.
 */
export type Field = { rule: Rule; required: boolean; kind: 'text' | 'count' | 'flag' };
const text = (rule: Rule, required = false): Field => ({ rule, required, kind: 'text' });
const count = (rule: Rule, required = false): Field => ({ rule, required, kind: 'count' });

export const HOST_FIELDS = { name: text(LINE), generated: text(DATE_TIME) };
export const TYPE_FIELDS = {
  id: text(SYSFS_NAME, true),
  name: text(LINE),
  description: text(TEXT),
  deviceApi: text(SYSFS_NAME),
  availableInstances: count(COUNT),
  dialect: text(DIALECT, true),
  maxAggregation: count(COUNT),
  migrationVersion: text(LINE),
};
export const DEVICE_FIELDS = { uuid: text(UUID, true), parent: text(SYSFS_NAME, true), type: text(SYSFS_NAME, true), instances: count(POSITIVE, true), maxAggregation: count(COUNT) };
/** A parent's fields; the XML form names the PCI ids `vendor` and `device`, the JSON form `vendorId` and `deviceId`. */
export const parentFields = <V extends string, D extends string>(vendor: V, device: D) =>
  ({ name: text(SYSFS_NAME, true), driver: text(SYSFS_NAME), driverVersion: text(LINE), [vendor]: text(PCI_ID), [device]: text(PCI_ID) }) as Record<'name' | 'driver' | 'driverVersion' | V | D, Field>;
export const PROBLEM_PATH = text(LINE, true);
export const PROBLEM_MESSAGE = text(TEXT, true);
export const OUTSIDE_ROOT: Field = { rule: { what: 'true', test: (v) => v === 'true' }, required: false, kind: 'flag' };

/** The field texts, each already held to its rule, as the model's values. */
type Texts<F> = Record<keyof F, string | null>;
export const hostTypeFrom = (t: Texts<typeof TYPE_FIELDS>): HostType => ({
  id: t.id!,
  name: t.name,
  description: t.description,
  deviceApi: t.deviceApi,
  availableInstances: countOrNull(t.availableInstances),
  dialect: t.dialect as Dialect,
  maxAggregation: countOrNull(t.maxAggregation),
  migrationVersion: t.migrationVersion,
});
export const hostDeviceFrom = (d: Texts<typeof DEVICE_FIELDS>): HostDevice => ({
  uuid: d.uuid!,
  parent: d.parent!,
  type: d.type!,
  instances: countOrNull(d.instances)!,
  maxAggregation: countOrNull(d.maxAggregation),
});
