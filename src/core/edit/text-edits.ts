/**
 * Edits by offset into the original text, so everything outside the edited ranges stays
 * byte-identical (libvirt users diff and version their XML).
 */
import type { XmlDocument, XmlElement } from '../xml/reader';
import { LineIndex } from '../xml/text-position';
import type { Layout } from './fragment';

export interface TextEdit {
  start: number;
  end: number;
  text: string;
}

/**
 * Where the line holding `offset` starts. Searching back for a newline from every edited element
 * made an edit of a one-line document quadratic; the index is built once per text.
 */
let lines: { text: string; index: LineIndex } | null = null;
function lineStartOf(text: string, offset: number): number {
  if (lines?.text !== text) lines = { text, index: new LineIndex(text) };
  return lines.index.lineStart(offset);
}

export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  // By offset in the text, not by name: the one order of names does not apply.
  const sorted = [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
  let out = '';
  let at = 0;
  for (const e of sorted) {
    if (e.start < at) throw new Error(`overlapping edits at offset ${e.start}`);
    out += text.slice(at, e.start) + e.text;
    at = e.end;
  }
  return out + text.slice(at);
}

/** The white space before an element on its own line; '' when something precedes it there. */
export function indentationOf(text: string, el: XmlElement): string {
  const lineStart = lineStartOf(text, el.start);
  const before = text.slice(lineStart, el.start);
  return /^[ \t]*$/.test(before) ? before : '';
}

/** The document's newline and indentation unit, guessed from the root's children. */
export function layoutOf(doc: XmlDocument): Layout {
  const newline = doc.text.includes('\r\n') ? '\r\n' : '\n';
  const first = doc.root.children[0];
  const unit = first ? indentationOf(doc.text, first).slice(indentationOf(doc.text, doc.root).length) : '';
  return { newline, indentUnit: unit || '  ' };
}

/** Removes an element together with its line's indentation and the newline before it. */
export function removeElement(text: string, el: XmlElement): TextEdit {
  const lineStart = lineStartOf(text, el.start);
  if (lineStart === 0 || !/^[ \t]*$/.test(text.slice(lineStart, el.start))) return { start: el.start, end: el.end, text: '' };
  return { start: lineStart - (text[lineStart - 2] === '\r' ? 2 : 1), end: el.end, text: '' };
}

/** Inserts lines as the last children of `parent`, indented one unit deeper than it. */
export function appendChildren(doc: XmlDocument, parent: XmlElement, lines: string[], layout: Layout): TextEdit {
  const { text } = doc;
  const indent = indentationOf(text, parent);
  const body = lines.map((l) => indent + layout.indentUnit + l);
  if (parent.selfClosing) {
    const startTag = text.slice(parent.start, parent.startTagEnd).replace(/\s*\/>$/, '>');
    const closing = `</${parent.qname}>`;
    return { start: parent.start, end: parent.end, text: [startTag, ...body, indent + closing].join(layout.newline) };
  }
  const endTag = text.lastIndexOf('</', parent.end);
  const lineStart = lineStartOf(text, endTag);
  if (/^[ \t]*$/.test(text.slice(lineStart, endTag))) {
    // The end tag sits on its own line: put the new lines just before that line.
    return { start: lineStart, end: lineStart, text: body.map((l) => l + layout.newline).join('') };
  }
  return { start: endTag, end: endTag, text: layout.newline + body.join(layout.newline) + layout.newline + indent };
}

/** Inserts lines as siblings right after `sibling`, at its indentation. */
export function insertAfter(doc: XmlDocument, sibling: XmlElement, lines: string[], layout: Layout): TextEdit {
  const indent = indentationOf(doc.text, sibling);
  return { start: sibling.end, end: sibling.end, text: lines.map((l) => layout.newline + indent + l).join('') };
}
