/**
 * Diagnostic codes: stable identifiers users and tools match on. The catalogue is the single
 * source for the README table (a test keeps them in step).
 */
import { sanitiseLine } from './terminal-text';
export type Severity = 'error' | 'warning' | 'info';

export const CODES = {
  // reading
  E_XML_MALFORMED: 'The file is not well-formed XML (unclosed or mismatched tags, bad characters, undefined entities, unbound prefixes).',
  E_XML_ENCODING: 'The bytes are not UTF-8 (UTF-16, invalid sequences, or another declared encoding).',
  E_XML_DOCTYPE: 'A DOCTYPE or entity declaration is present; libvirt never writes one and it is refused.',
  E_XML_TOO_LARGE: 'The input is larger than the reading limit (4 MiB).',
  E_XML_TOO_DEEP: 'Elements are nested deeper than the reading limit (64 levels).',
  E_NOT_DOMAIN: 'The root element is not a libvirt <domain>.',
  E_UUID_INVALID: 'A UUID is not 32 hex digits, dashed 8-4-4-4-12 or plain.',
  E_UUID_DUPLICATE: 'Two mdev hostdevs, or two aggregation entries, carry the same UUID.',
  E_AGG_MISSING_ATTR: 'An aggregation entry lacks a required attribute (uuid, type, instances) or a hostdev lacks its source address.',
  E_AGG_INSTANCES_INVALID: 'instances is not a decimal integer 1..2147483647 written with ASCII digits, no sign, no leading zero, no spaces.',
  E_AGG_TYPE_INVALID: 'The mdev type is not a safe sysfs name ([A-Za-z0-9_.:+-], at most 128 bytes, not . or ..).',
  E_AGG_PARENT_INVALID: 'The parent is not a safe sysfs name ([A-Za-z0-9_.:+-], at most 128 bytes, not . or ..).',
  E_AGG_METHOD_INVALID: 'method is not one of auto, create-option, attribute.',
  E_AGG_ORPHAN: 'A metadata aggregation entry names a UUID that no mdev hostdev of the domain has.',
  E_AGG_CONFLICT: 'The inline and metadata entries for one UUID disagree, or the entry is malformed in another way.',
  E_HOSTDEV_MODEL_INVALID: 'An mdev hostdev has no model or one other than vfio-pci, vfio-ccw, vfio-ap (or mismatches the type\'s device_api).',
  E_HOSTDEV_MODE_INVALID: 'An mdev hostdev has a mode other than subsystem (mode=\'capabilities\'): libvirt refuses such a domain, so it is refused too.',
  I_UNMANAGED_HOSTDEV: 'An mdev hostdev has no aggregation entry; mdev-agg leaves it alone.',
  W_AGG_NAMESPACE_DUPLICATE: 'A second aggregation container in <metadata>; libvirt keeps only the first, so it is ignored.',
  W_AGG_UNKNOWN_ATTR: 'An aggregation element carries an attribute mdev-agg does not know; it is ignored.',
  E_AGG_SOURCE_INVALID: 'A source stamp attribute (host, driver, driverVersion, migrationVersion) is not one line of printable ASCII of 1..4096 bytes, or driver is not a safe sysfs name.',
  W_DIAGNOSTICS_LIMITED: 'A file gave more than 1,000 diagnostics; every error is shown, and the rest, all warnings or notes, are counted in this one.',
  E_DIAGNOSTICS_LIMITED: 'A file gave more than 1,000 diagnostics; the rest, errors among them, are counted in this one.',
  // planning
  E_PARENT_NOT_FOUND: 'The named parent device is not registered with the mdev core on this host.',
  E_TYPE_NOT_FOUND: 'The parent does not offer the requested mdev type.',
  E_AGG_UNSUPPORTED: 'instances > 1 on a type without an aggregation interface; refused before any write.',
  E_AGG_EXCEEDS_MAX: 'instances is above the type\'s aggregation maximum.',
  E_CAPACITY: 'The parent has not enough available_instances for the request.',
  E_NO_PLACEMENT: 'No parent offers the type with room for the request.',
  E_DEVICE_CONFLICT: 'A device with this UUID exists with another parent, type or count; nothing is touched.',
  E_DEVICE_API_MISMATCH: 'The hostdev model differs from the type\'s device_api.',
  // applying
  E_SYSFS_WRITE: 'The kernel refused a write; the errno name is in the message.',
  E_SYSFS_READ: 'A host file could not be read or holds garbage.',
  E_VERIFY_FAILED: 'After a write, the host does not show what was asked (device missing, count differs).',
  E_LOCK_TIMEOUT: 'The host-wide lock was held by a live process past the timeout.',
  E_ROLLBACK_FAILED: 'Undoing this run\'s creations failed; the host may hold a device this run made.',
  E_DEVICE_BUSY: 'The device is in use and cannot be removed.',
  E_PATH_ESCAPE: 'A host path resolves outside the root; refused before any write.',
  E_JOURNAL: 'The journal of an earlier run cannot be acted on (unreadable, not JSON, a field of the wrong kind, too large); it is kept, renamed with a timestamp, and the devices it names are listed. Reported as a warning when it was moved aside and the run went on, as an error when it could not be moved.',
  E_LOCK_UNAVAILABLE: 'The lock and journal directory (run/mdev-agg under the root) cannot be made or used: a file, a dangling link or a loop stands in its way.',
  E_FILE_TYPE: 'A path mdev-agg reads or writes is a FIFO, a device, a socket or a directory where a regular file belongs; it is not opened for use.',
  E_FILE_TOO_LARGE: 'A file is larger than the limit for what it holds; it is refused before it is read.',
  E_FILE_HARD_LINK: 'A file mdev-agg would write into has more than one link: another name of it may be outside the root, so it is not written.',
  I_RECONCILED: 'A journal left by an interrupted run was reconciled.',
  I_ROLLED_BACK: 'After a failure, the devices this run had created were removed, newest first.',
  I_CREATED: 'A device was created (the system log line of apply and of the hook\'s prepare).',
  I_REMOVED: 'A device was removed (the system log line of release and of the hook\'s release).',
  W_DEVICE_NOT_AS_DECLARED: 'reconnect found an aggregated mdev of a running guest absent or different from its declaration.',
  W_CLI_MISSING: 'The installed hook wrapper cannot find node or the CLI it names; it exits 0 and aggregated mdevs are not managed (logged by the wrapper itself).',
  W_RECONCILE_PENDING: 'A device an interrupted run made could not be removed (in use, or the kernel refused the remove); it is kept in run/mdev-agg/unreconciled.json and retried by every later run; other guests go on, and a domain naming it is refused (E_ROLLBACK_FAILED) until it is removed.',
  W_CHECK_FAILED: 'reconnect could not check the devices (the domain XML or the host could not be read); the guest goes on.',
  // migration
  C_TYPE_MISMATCH: 'The source device\'s type differs from the declared type.',
  C_TYPE_UNAVAILABLE: 'The target does not offer the type.',
  C_COUNT_MISMATCH: 'The source device\'s aggregated count differs from the declared instances.',
  C_COUNT_UNSUPPORTED: 'The target cannot create exactly that count (dialect, maximum or capacity).',
  C_DRIVER_INCOMPATIBLE: 'The host drivers are known to be incompatible.',
  C_DRIVER_UNKNOWN: 'Facts to judge driver compatibility are missing.',
  E_SNAPSHOT_INVALID: 'A host snapshot (XML or its JSON form) breaks schemas/host.rng (root, element, attribute or value), repeats a parent, type, device or JSON key, or nests deeper than 64 levels.',
  E_POLICY_INVALID: 'A driver policy file is not the JSON the README describes.',
  W_SOURCE_SNAPSHOT_MISSING: 'Fleet mode found no source snapshot for a domain (by its stamp\'s host or a device UUID); the stamp alone gives the source facts.',
  W_SOURCE_SNAPSHOT_AMBIGUOUS: 'Fleet mode found several source snapshots naming a domain\'s source host or holding its devices; none is taken (file names must not decide), and the stamp alone gives the source facts.',
  // usage and configuration
  E_USAGE: 'The command line is wrong.',
  E_INPUT_UNREADABLE: 'An input file could not be read.',
  E_CONFIG_INVALID: 'The configuration file (/etc/mdev-agg/config.json under the root) is not valid JSON or holds a value of the wrong kind.',
  W_CONFIG_UNKNOWN_KEY: 'The configuration file has a key mdev-agg does not know; it is ignored.',
  // exports
  E_EXPORT_UNSUPPORTED: 'The device cannot be expressed in the export format (the create-option generation has no mdevctl or node-device form), or its dialect cannot be told.',
} as const;

export type Code = keyof typeof CODES;

function severityOf(code: Code): Severity {
  if (code.startsWith('W_')) return 'warning';
  if (code.startsWith('I_')) return 'info';
  return 'error';
}

export interface Diagnostic {
  code: Code;
  severity: Severity;
  message: string;
  file: string;
  line: number;
  column: number;
}

/** Where in a text a diagnostic points: 1-based line and column (in characters). */
export interface Position {
  line: number;
  column: number;
}

export function diagnostic(code: Code, message: string, file: string, at: Position): Diagnostic {
  return { code, severity: severityOf(code), message, file, line: at.line, column: at.column };
}

/** The most diagnostics one file gives: a 4 MiB file can hold hundreds of thousands of faults. */
export const MAX_FILE_DIAGNOSTICS = 1000;

/**
 * `sorted` (one file's, in document order) kept to MAX_FILE_DIAGNOSTICS: errors first (they are
 * what must be fixed, and --quiet shows only them), then the first other ones, in document order;
 * the rest counted in one last diagnostic, at the first left out. It is an error when an error is
 * among them, so a file shows an error whenever it has one.
 */
export function limitFileDiagnostics(sorted: Diagnostic[]): Diagnostic[] {
  if (sorted.length <= MAX_FILE_DIAGNOSTICS) return sorted;
  const errorCount = sorted.filter((d) => d.severity === 'error').length;
  let errorRoom = Math.min(errorCount, MAX_FILE_DIAGNOSTICS - 1);
  let otherRoom = MAX_FILE_DIAGNOSTICS - 1 - errorRoom;
  const kept: Diagnostic[] = [];
  const rest: Diagnostic[] = [];
  for (const d of sorted) {
    const room = d.severity === 'error' ? errorRoom-- : otherRoom--;
    (room > 0 ? kept : rest).push(d);
  }
  const errors = rest.filter((d) => d.severity === 'error').length;
  const first = rest[0];
  const summary = diagnostic(
    errors > 0 ? 'E_DIAGNOSTICS_LIMITED' : 'W_DIAGNOSTICS_LIMITED',
    `${rest.length} more diagnostics are not shown (${errors} error${errors === 1 ? '' : 's'}); the first is ${first.code}: ${first.message}`,
    first.file,
    first,
  );
  return [...kept, summary];
}

export const hasErrors = (diagnostics: readonly Diagnostic[]): boolean =>
  diagnostics.some((d) => d.severity === 'error');

/**
 * A value from an input as a message shows it: JSON-quoted, at most 80 characters, and every
 * character outside printable ASCII escaped, so a bidi override, a zero-width space or a terminal
 * escape is seen, never acted on.
 */
export function quoted(value: string): string {
  const shown = value.length > 80 ? `${value.slice(0, 80)}…` : value;
  return printable(JSON.stringify(shown));
}

/** Text with every character outside printable ASCII (but the ellipsis quoted() adds) escaped as `\u{…}`. */
export const printable = (text: string): string =>
  text.replace(/[^\x20-\x7e]/gu, (c) => (c === '…' ? c : `\\u{${c.codePointAt(0)!.toString(16)}}`));

/** libvirt/compiler style: `file:line:column: severity CODE: message`. */
/** One line, whatever the file name or the message hold (a line break would forge another diagnostic). */
export function formatDiagnostic(d: Diagnostic): string {
  return sanitiseLine(`${d.file}:${d.line}:${d.column}: ${d.severity} ${d.code}: ${d.message}`);
}
