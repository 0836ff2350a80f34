/**
 * Validation of the values that become sysfs path components or kernel input. Each returns the
 * normalised value, or null when the value must be refused.
 */

// libvirt's UUID type (basictypes.rng): any hex digits, 32 plain or dashed 8-4-4-4-12, either case.
const UUID_PLAIN = /^[0-9a-fA-F]{32}$/;
const UUID_DASHED = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** Lower-case dashed form of a libvirt UUID, or null. */
export function normaliseUuid(text: string): string | null {
  if (UUID_DASHED.test(text)) return text.toLowerCase();
  if (!UUID_PLAIN.test(text)) return null;
  const h = text.toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const MAX_SYSFS_NAME_BYTES = 128;
const SYSFS_NAME = /^[A-Za-z0-9_.:+-]+$/;

/** A name safe as one path component of a root-run write: conservative charset, not . or .. */
export function isSafeSysfsName(text: string): boolean {
  return (
    text.length > 0 &&
    text.length <= MAX_SYSFS_NAME_BYTES && // the charset is ASCII, so characters = bytes
    SYSFS_NAME.test(text) &&
    text !== '.' &&
    text !== '..'
  );
}

export const MAX_INSTANCES = 2147483647;
const DECIMAL = /^[1-9][0-9]{0,9}$/;

/** instances: ASCII decimal 1..2147483647, no sign, no leading zero, no spaces; else null. */
export function parseInstances(text: string): number | null {
  if (!DECIMAL.test(text)) return null;
  const n = Number(text);
  return n <= MAX_INSTANCES ? n : null;
}

/** Unsigned decimal as the kernel prints it ("%u\n", "%d\n"); null for anything else. */
export function parseKernelUnsigned(text: string): number | null {
  const t = text.endsWith('\n') ? text.slice(0, -1) : text;
  if (!/^(0|[1-9][0-9]{0,9})$/.test(t)) return null;
  const n = Number(t);
  return n <= 0xffffffff ? n : null;
}

export const MDEV_MODELS = ['vfio-pci', 'vfio-ccw', 'vfio-ap'] as const;
export type MdevModel = (typeof MDEV_MODELS)[number];
export const isMdevModel = (text: string): text is MdevModel =>
  (MDEV_MODELS as readonly string[]).includes(text);

export const METHODS = ['auto', 'create-option', 'attribute'] as const;
export type Method = (typeof METHODS)[number];
export const isMethod = (text: string): text is Method => (METHODS as readonly string[]).includes(text);
