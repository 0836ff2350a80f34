/**
 * The characters XML 1.0 can carry (its Char production): the one definition the reader's refusals,
 * its character references and the writers' escaping use.
 */

// Outside Char: C0 controls but tab, LF, CR; U+FFFE, U+FFFF; lone surrogates (no code point at all).
const NOT_XML_CHAR = '[\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\uFFFE\\uFFFF]|[\\uD800-\\uDBFF](?![\\uDC00-\\uDFFF])|(?<![\\uD800-\\uDBFF])[\\uDC00-\\uDFFF]';
const FIRST_NOT_XML_CHAR = new RegExp(NOT_XML_CHAR);
const EVERY_NOT_XML_CHAR = new RegExp(NOT_XML_CHAR, 'g');

/** A code point XML can carry, as a character reference may name it. */
export const isXmlCodePoint = (c: number): boolean =>
  c === 0x9 || c === 0xa || c === 0xd || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);

/** Offset of the first character XML cannot carry, or -1. */
export function firstNonXmlChar(text: string): number {
  return FIRST_NOT_XML_CHAR.exec(text)?.index ?? -1;
}

/** The text without the characters XML cannot carry at all. */
export const withoutNonXmlChars = (text: string): string => text.replace(EVERY_NOT_XML_CHAR, '');
