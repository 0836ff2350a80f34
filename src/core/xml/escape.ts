/**
 * Escaping for XML this project writes by hand. Attribute values keep tabs and line breaks as
 * character references, so a reader's attribute-value normalisation gives them back unchanged.
 */

// Outside XML 1.0's Char production: C0 controls but tab, LF, CR; lone surrogates; U+FFFE, U+FFFF.
const NOT_XML_CHAR = /[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** The text without the characters XML 1.0 cannot carry at all. */
export const withoutNonXmlChars = (text: string): string => text.replace(NOT_XML_CHAR, '');

const ATTRIBUTE_SPECIAL = /[&<>"\t\n\r]/g;
const ATTRIBUTE_REPLACEMENT: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\t': '&#9;', '\n': '&#10;', '\r': '&#13;' };
const TEXT_SPECIAL = /[&<>\r]/g;

/** A value for a double-quoted attribute. */
export function escapeAttribute(value: string): string {
  return withoutNonXmlChars(value).replace(ATTRIBUTE_SPECIAL, (c) => ATTRIBUTE_REPLACEMENT[c]!);
}

/** Character data; CR as a reference so line-end normalisation keeps it. */
export function escapeText(value: string): string {
  return withoutNonXmlChars(value).replace(TEXT_SPECIAL, (c) => ATTRIBUTE_REPLACEMENT[c]!);
}
