/**
 * The kernel's own parsers, as the mdev core and the aggregation patches apply them to what is
 * written into sysfs: kstrto*, uuid_is_valid, and the `create` string of each generation. The
 * simulated kernel answers with the errno these give, so the rules live in one place.
 */

export type ParseResult<T> = { ok: true; value: T } | { ok: false; errno: string };

const fail = (errno: string): { ok: false; errno: string } => ({ ok: false, errno });

const digitValue = (c: string): number => {
  const code = c.toLowerCase().charCodeAt(0);
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  return 99;
};

/**
 * kstrtoull (lib/kstrtox.c): optional '+', base 0 picks 16 for `0x` + hex digit, 8 for a
 * leading 0, else 10; base 16 skips a `0x`; at least one digit; one trailing newline; nothing else.
 */
function kstrtoull(text: string, base: 0 | 8 | 10 | 16, max: bigint = 0xffffffffffffffffn): ParseResult<bigint> {
  let s = text.startsWith('+') ? text.slice(1) : text;
  let radix = base;
  if (radix === 0) {
    if (s[0] === '0') radix = s[1]?.toLowerCase() === 'x' && digitValue(s[2] ?? '') < 16 ? 16 : 8;
    else radix = 10;
  }
  if (radix === 16 && s[0] === '0' && s[1]?.toLowerCase() === 'x') s = s.slice(2);
  let value = 0n;
  let digits = 0;
  let overflow = false;
  while (digits < s.length) {
    const d = digitValue(s[digits]!);
    if (d >= radix) break;
    value = value * BigInt(radix) + BigInt(d);
    if (value > 0xffffffffffffffffn) overflow = true;
    digits++;
  }
  if (digits === 0) return fail('EINVAL');
  let rest = s.slice(digits);
  if (rest.startsWith('\n')) rest = rest.slice(1);
  if (rest.length > 0) return fail('EINVAL');
  if (overflow || value > max) return fail('ERANGE');
  return { ok: true, value };
}

/** kstrtouint: kstrtoull limited to 32 bits. */
export function kstrtouint(text: string, base: 0 | 10): ParseResult<number> {
  const r = kstrtoull(text, base, 0xffffffffn);
  return r.ok ? { ok: true, value: Number(r.value) } : r;
}

/** kstrtoul on a 64-bit kernel; the value is kept as a bigint. */
export const kstrtoul = (text: string, base: 0 | 10): ParseResult<bigint> => kstrtoull(text, base);

const UUID_STRING_LEN = 36;

/** uuid_is_valid + guid_parse over the first 36 characters: lower-case dashed form, or null. */
export function parseKernelUuid(text: string): string | null {
  if (text.length < UUID_STRING_LEN) return null;
  const u = text.slice(0, UUID_STRING_LEN);
  for (let i = 0; i < UUID_STRING_LEN; i++) {
    const dash = i === 8 || i === 13 || i === 18 || i === 23;
    if (dash ? u[i] !== '-' : digitValue(u[i]!) >= 16) return null;
  }
  return u.toLowerCase();
}

/**
 * How a kernel reads a write to `create`: mainline (bare UUID only), generation A v3/v4
 * (`,aggregate=N` in base 10), or the 2019-10 refresh (base 0, writes over 4095 bytes → E2BIG).
 */
export type CreateParser = 'mainline' | 'v3' | 'refresh';

export interface CreateRequest {
  uuid: string;
  /** 1 without the option. */
  instances: number;
  /** True when `,aggregate=N` was written (the refresh calls the hook even then for N = 1). */
  withOption: boolean;
}

const MDEV_CREATE_BUF = 4096;
const AGGREGATE_OPTION = 'aggregate=';

/** The errno `create_store` answers, or the request it passes on. `data` is measured in bytes. */
export function parseCreate(data: string, parser: CreateParser): ParseResult<CreateRequest> {
  const bytes = Buffer.byteLength(data, 'utf8');
  if (parser === 'refresh' && bytes > MDEV_CREATE_BUF - 1) return fail('E2BIG');
  if (bytes < UUID_STRING_LEN) return fail('EINVAL');
  const comma = parser === 'mainline' ? -1 : data.indexOf(',');
  if (comma < 0) {
    if (bytes > UUID_STRING_LEN + 1) return fail('EINVAL');
    const uuid = parseKernelUuid(data);
    return uuid === null ? fail('EINVAL') : { ok: true, value: { uuid, instances: 1, withOption: false } };
  }
  if (comma !== UUID_STRING_LEN) return fail('EINVAL');
  const uuid = parseKernelUuid(data);
  if (uuid === null) return fail('EINVAL');
  const option = data.slice(comma + 1);
  if (!option.startsWith(AGGREGATE_OPTION)) return fail('EINVAL');
  const n = kstrtouint(option.slice(AGGREGATE_OPTION.length), parser === 'refresh' ? 0 : 10);
  // The patches map every kstrtouint failure, overflow included, to EINVAL.
  if (!n.ok) return fail('EINVAL');
  return { ok: true, value: { uuid, instances: n.value, withOption: true } };
}

/**
 * GVT-g's `migration_version` store (the v5 proposal's i915 patch): the string is
 * "%04x-%04x-%s-%08x", vendor id, device id, vGPU type, software version, and the write succeeds
 * only when each field equals the target's own (hex fields as numbers); anything else is EINVAL.
 * Other vendors' strings are their own: the simulated driver accepts only its own string.
 */
export function migrationVersionStore(written: string, own: string): ParseResult<true> {
  const text = written.endsWith('\n') ? written.slice(0, -1) : written;
  const a = gvtFields(text);
  const b = gvtFields(own);
  if (a === null || b === null) return text === own ? { ok: true, value: true } : fail('EINVAL');
  const same = a.vendor === b.vendor && a.device === b.device && a.type === b.type && a.version === b.version;
  return same ? { ok: true, value: true } : fail('EINVAL');
}

function gvtFields(text: string): { vendor: number; device: number; type: string; version: number } | null {
  const first = text.indexOf('-');
  const second = text.indexOf('-', first + 1);
  const last = text.lastIndexOf('-');
  if (first !== 4 || second !== 9 || last <= second + 1 || text.length - last - 1 !== 8) return null;
  const hex = (field: string) => (/^[0-9a-fA-F]+$/.test(field) ? Number.parseInt(field, 16) : null);
  const vendor = hex(text.slice(0, first));
  const device = hex(text.slice(first + 1, second));
  const version = hex(text.slice(last + 1));
  if (vendor === null || device === null || version === null) return null;
  return { vendor, device, type: text.slice(second + 1, last), version };
}
