/** Setting one attribute of an element in place: the rest of the text stays byte-identical. */
import type { XmlElement } from '../xml/reader';
import { attribute } from '../xml/reader';
import type { TextEdit } from './text-edits';
import { escapeEitherQuotedValue as escapeValue } from '../xml/escape';

/**
 * Replaces the value of `name` (an unprefixed attribute), or adds it after the last attribute,
 * quoted as the element's other attributes are.
 */
export function setAttribute(text: string, el: XmlElement, name: string, value: string): TextEdit {
  const existing = attribute(el, name);
  if (existing) {
    const m = /^[^\s=]+\s*=\s*(["'])/.exec(text.slice(existing.offset));
    if (!m) throw new Error(`attribute ${name} at offset ${existing.offset} is not name=value`);
    const quote = m[1]!;
    const valueStart = existing.offset + m[0].length;
    const valueEnd = text.indexOf(quote, valueStart);
    return { start: valueStart, end: valueEnd, text: escapeValue(value) };
  }
  const last = el.attributes[el.attributes.length - 1];
  if (!last) {
    const at = el.start + 1 + el.qname.length;
    return { start: at, end: at, text: ` ${name}="${escapeValue(value)}"` };
  }
  const m = /^[^\s=]+\s*=\s*(["'])/.exec(text.slice(last.offset))!;
  const quote = m[1]!;
  const end = text.indexOf(quote, last.offset + m[0].length) + 1;
  return { start: end, end, text: ` ${name}=${quote}${escapeValue(value)}${quote}` };
}
