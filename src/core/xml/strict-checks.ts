/**
 * Refusals made on the raw text before any markup is read: bytes that are not UTF-8, characters
 * XML cannot carry, DOCTYPE and entity declarations. Each returns the first violation, or null.
 */

import { firstNonXmlChar } from './characters';

export interface Violation {
  offset: number;
  reason: string;
}

export function findForbiddenChar(text: string): Violation | null {
  const offset = firstNonXmlChar(text);
  if (offset < 0) return null;
  const code = text.charCodeAt(offset).toString(16).toUpperCase().padStart(4, '0');
  return { offset, reason: `character U+${code} is not allowed in XML` };
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
