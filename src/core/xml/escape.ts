/**
 * Escaping for XML this project writes by hand: one table of references. Attribute values keep
 * tabs and line breaks as character references, so a reader's attribute-value normalisation gives
 * them back unchanged.
 */
import { withoutNonXmlChars } from './characters';

const REFERENCES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\t': '&#9;', '\n': '&#10;', '\r': '&#13;' };
const reference = (c: string) => REFERENCES[c]!;

const ATTRIBUTE_SPECIAL = /[&<>"\t\n\r]/g;
const TEXT_SPECIAL = /[&<>\r]/g;
const EITHER_QUOTE_SPECIAL = /[&<"'\t\n\r]/g;

/** A value for a double-quoted attribute. */
export function escapeAttribute(value: string): string {
  return withoutNonXmlChars(value).replace(ATTRIBUTE_SPECIAL, reference);
}

/** Character data; CR as a reference so line-end normalisation keeps it. */
export function escapeText(value: string): string {
  return withoutNonXmlChars(value).replace(TEXT_SPECIAL, reference);
}

/** A value written between the quotes an element already uses, whichever they are (edits in place). */
export function escapeEitherQuotedValue(value: string): string {
  return value.replace(EITHER_QUOTE_SPECIAL, reference);
}
