/**
 * Host tree to host model: what a host offers, read through a SysfsView only. Anything odd in the
 * tree (a missing mandatory file, garbage, a huge file, a link out of the root, an unsafe name)
 * becomes a HostProblem and a null field or a skipped entry; reading a host never throws.
 */
import { quoted } from '../text/diagnostics';
import { byKey } from '../text/order';
import type { HostDevice, HostModel, HostParent, HostProblem, HostType } from './host-model';
import { isSafeSysfsName, normaliseUuid, parseKernelUnsigned } from '../reading/names';
import { PathEscapeError, SysfsError, SysfsView } from './sysfs';
import { MDEV_BUS_CLASS, MDEV_DEVICES, moduleVersion } from './host-layout';
import { CREATE_OPTION_FILE, typeDialect } from './dialect';

/** Larger files are not attributes (a sysfs attribute fits in a page); they are refused. */
export const MAX_HOST_FILE_BYTES = 64 * 1024;

const basename = (path: string): string => path.slice(path.lastIndexOf('/') + 1);
const dirname = (path: string): string => path.slice(0, Math.max(0, path.lastIndexOf('/')));

// Free text (name, description): printable, tabs and newlines allowed; no other control bytes
// (C1 included: U+009B starts a terminal escape), no invisible or bidi formatting (`types` prints
// these as they are), and no U+FFFD, which is what bytes that are not UTF-8 decode to.
const FREE_TEXT = /^[^\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\ufffd]*$/;
const ONE_LINE = /^[\x20-\x7e]+$/;
const DEVICE_API = /^[A-Za-z0-9_.-]{1,64}$/;
const PCI_ID = /^0x([0-9a-fA-F]{4})$/;

/** The file's text without the one newline the kernel prints after it. */
const chomp = (text: string): string => (text.endsWith('\n') ? text.slice(0, -1) : text);

class HostReader {
  readonly problems: HostProblem[] = [];
  /** While set, `shown` and the paths under it are accessed through `real`, what `shown` resolved to, and reported as they are. */
  private redirect: { shown: string; real: string } | null = null;

  constructor(private readonly view: SysfsView) {}

  /**
   * Runs `read` with the paths under the directory `shown` accessed through `real`, the host path
   * it resolved to. The result is the same; resolving a path whose links were already followed
   * looks at fewer components (a host has thousands of devices, each reached through a link).
   */
  within<T>(shown: string, real: string, read: () => T): T {
    this.redirect = { shown, real };
    try {
      return read();
    } finally {
      this.redirect = null;
    }
  }

  private route(path: string): string {
    const r = this.redirect;
    if (r === null || !path.startsWith(r.shown)) return path;
    if (path.length === r.shown.length) return r.real;
    return path.charCodeAt(r.shown.length) === 0x2f /* / */ ? (r.real === '/' ? '' : r.real) + path.slice(r.shown.length) : path;
  }

  problem(path: string, message: string): null {
    this.problems.push({ path, message });
    return null;
  }

  /** A failed access as a problem, marked when it failed by leaving the root. */
  failure(path: string, err: unknown): null {
    this.problems.push({ path, message: describe(err), ...(err instanceof PathEscapeError ? { outsideRoot: true as const } : {}) });
    return null;
  }

  /**
   * The file's text, null when missing (a problem too when `required`) or unreadable. A read
   * failing with `quietErrno` is an answer, not a problem: null without a record.
   */
  text(path: string, required: boolean, quietErrno?: string): string | null {
    const result = this.attempt(path, quietErrno);
    if (result === 'missing') return required ? this.problem(path, 'missing') : null;
    return result === 'failed' ? null : result;
  }

  /** An optional unsigned file: undefined when absent, null (and a problem) when it holds no number. */
  optionalUnsigned(path: string): number | null | undefined {
    const result = this.attempt(path);
    if (result === 'missing') return undefined;
    return result === 'failed' ? null : this.toUnsigned(path, result);
  }

  private attempt(path: string, quietErrno?: string): string | 'missing' | 'failed' {
    let text: string | null;
    try {
      text = this.view.read(this.route(path));
    } catch (err) {
      if (quietErrno !== undefined && err instanceof SysfsError && err.errno === quietErrno) return 'failed';
      this.failure(path, err);
      return 'failed';
    }
    if (text === null) return 'missing';
    if (text.length > MAX_HOST_FILE_BYTES) {
      this.problem(path, `larger than ${MAX_HOST_FILE_BYTES} bytes`);
      return 'failed';
    }
    return chomp(text);
  }

  /** The text when it matches `pattern`, else a problem. */
  matching(path: string, required: boolean, pattern: RegExp, what: string): string | null {
    const text = this.text(path, required);
    if (text === null) return null;
    return pattern.test(text) ? text : this.problem(path, `not ${what}: ${quoted(text)}`);
  }

  unsigned(path: string, required: boolean): number | null {
    const text = this.text(path, required);
    return text === null ? null : this.toUnsigned(path, text);
  }

  private toUnsigned(path: string, text: string): number | null {
    const n = parseKernelUnsigned(text);
    return n !== null ? n : this.problem(path, `not an unsigned number: ${quoted(text)}`);
  }

  /** Names in a directory; null when it is not one (a problem too when `missing` says why that matters). */
  list(path: string, missing?: string): string[] | null {
    let names: string[] | null;
    try {
      names = this.view.list(this.route(path));
    } catch (err) {
      return this.failure(path, err);
    }
    return names === null && missing !== undefined ? this.problem(path, missing) : names;
  }

  /** The canonical path, or null when it does not resolve; a failure is left for the reads below it to report. */
  resolvedOrNull(path: string): string | null {
    try {
      return this.view.realpath(this.route(path));
    } catch {
      return null;
    }
  }

  realpath(path: string): string | null {
    try {
      return this.view.realpath(this.route(path));
    } catch (err) {
      return this.failure(path, err);
    }
  }

  /** Names in a directory that are safe path components; the others are reported and skipped. */
  safeNames(dir: string, what: string, missing?: string): string[] {
    const safe: string[] = [];
    for (const name of this.list(dir, missing) ?? []) {
      if (isSafeSysfsName(name)) safe.push(name);
      else this.problem(`${dir}/${quoted(name)}`, `unsafe ${what} name; skipped`);
    }
    return safe;
  }
}

function describe(err: unknown): string {
  if (err instanceof PathEscapeError) return `resolves outside the root (${err.resolved})`;
  if (err instanceof SysfsError) return `${err.op} failed: ${err.errno}`;
  return `unreadable: ${err instanceof Error ? err.message : String(err)}`;
}

export function readHost(view: SysfsView): HostModel {
  const reader = new HostReader(view);
  const parents: HostParent[] = [];
  for (const name of reader.safeNames(MDEV_BUS_CLASS, 'parent')) {
    const dir = `${MDEV_BUS_CLASS}/${name}`;
    const real = reader.resolvedOrNull(dir);
    // The kernel names a parent's class link after its device: a link to a device of another name
    // is not the kernel's (thousands of such aliases of one device would each be read in full).
    if (real !== null && basename(real) !== name) {
      reader.problem(dir, `links to a device named ${quoted(basename(real))}; skipped`);
      continue;
    }
    parents.push(real === null ? readParent(reader, name) : reader.within(dir, real, () => readParent(reader, name)));
  }
  parents.sort(byKey((p) => p.name));
  const devices: HostDevice[] = [];
  for (const name of reader.list(MDEV_DEVICES) ?? []) {
    const device = readDevice(reader, name);
    if (device !== null) devices.push(device);
  }
  devices.sort(byKey((d) => d.uuid));
  return { parents, devices, problems: reader.problems };
}

function readParent(reader: HostReader, name: string): HostParent {
  const dir = `${MDEV_BUS_CLASS}/${name}`;
  let driver: string | null = null;
  const driverReal = reader.realpath(`${dir}/driver`);
  if (driverReal !== null) {
    const candidate = basename(driverReal);
    driver = isSafeSysfsName(candidate) ? candidate : reader.problem(`${dir}/driver`, `unsafe driver name ${quoted(candidate)}`);
  }
  const driverVersion =
    driver === null ? null : reader.matching(moduleVersion(driver), false, ONE_LINE, 'a one-line version');
  const pciId = (file: string): string | null => {
    const text = reader.matching(`${dir}/${file}`, false, PCI_ID, 'a PCI id (0x followed by four hex digits)');
    return text === null ? null : text.slice(2).toLowerCase();
  };
  const vendorId = pciId('vendor');
  const deviceId = pciId('device');
  const typesDir = `${dir}/mdev_supported_types`;
  const types = reader.safeNames(typesDir, 'type', 'missing: the parent offers no types').map((id) => readType(reader, `${typesDir}/${id}`, id));
  types.sort(byKey((t) => t.id));
  return { name, driver, driverVersion, vendorId, deviceId, types };
}

function readType(reader: HostReader, dir: string, id: string): HostType {
  // One listing tells which optional files exist, so absent ones cost no lookups (hosts have thousands).
  const present = new Set(reader.list(dir) ?? []);
  const optional = (file: string, pattern: RegExp, what: string) =>
    present.has(file) ? reader.matching(`${dir}/${file}`, false, pattern, what) : null;
  const name = optional('name', FREE_TEXT, 'text');
  const description = optional('description', FREE_TEXT, 'text');
  const deviceApi = reader.matching(`${dir}/device_api`, true, DEVICE_API, 'a device API name');
  const availableInstances = reader.unsigned(`${dir}/available_instances`, true);
  const dialect = typeDialect(present, description);
  // create-option: the type's file; attribute: per device, known only after create; none: one.
  const maxAggregation = dialect === 'create-option' ? reader.unsigned(`${dir}/${CREATE_OPTION_FILE}`, true) : dialect === 'attribute' ? null : 1;
  const migrationVersion = present.has('migration_version') ? readMigrationVersion(reader, `${dir}/migration_version`) : null;
  return { id, name, description, deviceApi, availableInstances, dialect, maxAggregation, migrationVersion };
}

function readMigrationVersion(reader: HostReader, path: string): string | null {
  // ENODEV is the documented answer of a type without migration support: a fact, not a problem.
  const version = reader.text(path, false, 'ENODEV');
  if (version === null) return null;
  return ONE_LINE.test(version) && version.length <= 4096
    ? version
    : reader.problem(path, 'not a one-line ASCII string of at most 4096 bytes');
}

function readDevice(reader: HostReader, name: string): HostDevice | null {
  const dir = `${MDEV_DEVICES}/${name}`;
  const uuid = normaliseUuid(name);
  if (uuid === null || uuid !== name) return reader.problem(`${MDEV_DEVICES}/${quoted(name)}`, 'not a lower-case dashed UUID; skipped');
  const real = reader.realpath(dir);
  if (real === null) return reader.problem(dir, 'does not resolve; skipped');
  const parent = basename(dirname(real));
  if (!isSafeSysfsName(parent)) return reader.problem(dir, `unsafe parent name ${quoted(parent)}; skipped`);
  return reader.within(dir, real, () => readDeviceFiles(reader, dir, uuid, parent));
}

/** The type and count of the device at `dir` (a link under /sys/bus/mdev/devices). */
function readDeviceFiles(reader: HostReader, dir: string, uuid: string, parent: string): HostDevice | null {
  const typeReal = reader.realpath(`${dir}/mdev_type`);
  if (typeReal === null) return reader.problem(`${dir}/mdev_type`, 'missing; device skipped');
  const type = basename(typeReal);
  if (!isSafeSysfsName(type)) return reader.problem(`${dir}/mdev_type`, `unsafe type name ${quoted(type)}; skipped`);

  let instances = 1;
  let maxAggregation: number | null = null;
  // One listing tells which generation's files exist; probing absent files one by one costs more.
  const present = new Set(reader.list(dir) ?? []);
  if (present.has('aggregated_instances')) {
    const n = reader.unsigned(`${dir}/aggregated_instances`, true);
    if (n === null || n < 1) return reader.problem(`${dir}/aggregated_instances`, 'no usable count; device skipped');
    instances = n;
  } else if (present.has('mdev')) {
    const n = reader.optionalUnsigned(`${dir}/mdev/aggregated_instances`);
    if (n === null) return reader.problem(`${dir}/mdev/aggregated_instances`, 'no usable count; device skipped');
    if (n !== undefined) {
      // 0 is what a type that does not aggregate reads: one instance.
      instances = Math.max(1, n);
      maxAggregation = reader.optionalUnsigned(`${dir}/mdev/max_aggregation`) ?? null;
    }
  }
  return { uuid, parent, type, instances, maxAggregation };
}
