/**
 * Refusals made on the raw text before any markup is read: bytes that are not UTF-8, characters
 * XML cannot carry, DOCTYPE and entity declarations. Each returns the first violation, or null.
 */

export interface Violation {
  offset: number;
  reason: string;
}

// XML 1.0 Char production, minus what a JS string can hold anyway; lone surrogates are invalid UTF-16.
const FORBIDDEN_CHAR =
  /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function findForbiddenChar(text: string): Violation | null {
  const m = FORBIDDEN_CHAR.exec(text);
  if (!m) return null;
  const code = m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
  return { offset: m.index, reason: `character U+${code} is not allowed in XML` };
}

const DOCTYPE_OR_ENTITY = /<!DOCTYPE|<!ENTITY/i;

export function findDoctype(text: string): Violation | null {
  const m = DOCTYPE_OR_ENTITY.exec(text);
  return m ? { offset: m.index, reason: `${m[0].slice(2).toUpperCase()} declarations are refused` } : null;
}

/** Offset of the first byte that is not valid UTF-8, or -1. */
export function invalidUtf8Offset(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i];
    const need = b < 0x80 ? 0 : b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    if (need < 0 || i + need >= bytes.length) return i;
    for (let k = 1; k <= need; k++) if ((bytes[i + k] & 0xc0) !== 0x80) return i;
    // overlong three-byte forms, UTF-16 surrogates, and code points above U+10FFFF
    if (need === 2 && ((b === 0xe0 && bytes[i + 1] < 0xa0) || (b === 0xed && bytes[i + 1] >= 0xa0))) return i;
    if (need === 3 && ((b === 0xf0 && bytes[i + 1] < 0x90) || (b === 0xf4 && bytes[i + 1] >= 0x90))) return i;
    i += need + 1;
  }
  return -1;
}
