/**
 * The type-level `migration_version` strings of the 2019-20 proposal, compared as a vendor driver
 * would when the source string is written to the target. GVT's format is
 * "%04x-%04x-%s-%08x": vendor id, device id, vGPU type, software version; every field must match.
 * Other vendors' strings are opaque: only the exact same text is known to be accepted.
 */

const GVT_FORMAT = /^([0-9a-fA-F]{4})-([0-9a-fA-F]{4})-(.+)-([0-9a-fA-F]{8})$/;

export type GvtField = 'vendor' | 'device' | 'type' | 'version';

export interface GvtMigrationVersion {
  vendor: string;
  device: string;
  type: string;
  version: string;
}

export function parseGvtMigrationVersion(text: string): GvtMigrationVersion | null {
  const m = GVT_FORMAT.exec(text);
  if (m === null) return null;
  // Hex fields are numbers printed with %x: their case carries no meaning; the type is a name.
  return { vendor: m[1]!.toLowerCase(), device: m[2]!.toLowerCase(), type: m[3]!, version: m[4]!.toLowerCase() };
}

export type MigrationVersionComparison =
  | { compatible: true; format: 'gvt' | 'opaque' }
  | { compatible: false; format: 'gvt'; differing: GvtField[] }
  | { compatible: false; format: 'opaque' };

/** Would a target whose type reports `target` accept `source` written to its migration_version? */
export function compareMigrationVersions(source: string, target: string): MigrationVersionComparison {
  const a = parseGvtMigrationVersion(source);
  const b = parseGvtMigrationVersion(target);
  if (a === null || b === null) return source === target ? { compatible: true, format: 'opaque' } : { compatible: false, format: 'opaque' };
  const differing = (['vendor', 'device', 'type', 'version'] as const).filter((field) => a[field] !== b[field]);
  return differing.length === 0 ? { compatible: true, format: 'gvt' } : { compatible: false, format: 'gvt', differing };
}
