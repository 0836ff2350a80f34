/**
 * Safe reading of untrusted XML into a small namespace-resolved tree that keeps the offset of
 * every element and attribute. Runs as root on user input, so it refuses before it builds
 * anything: size, encoding, DOCTYPE/ENTITY, characters; then one strict pass (scanner.ts) checks
 * well-formedness and depth while it builds the tree. fast-xml-parser, configured for untrusted
 * input, reads the parts a consumer acts on a second time (`confirmElement`).
 */
import { isUtf8 } from 'node:buffer';
import { XMLParser } from 'fast-xml-parser';
import { type Code, type Diagnostic, diagnostic } from '../text/diagnostics';
import { scanDocument } from './scanner';
import { findDoctype, findForbiddenChar, invalidUtf8Offset } from './strict-checks';
import { LineIndex } from './text-position';
import { MAX_XML_BYTES, MAX_XML_DEPTH } from './limits';
import { SECOND_READING_OPTIONS } from './second-reading-options';

export { XML_NS, XMLNS_NS } from './scanner';

export { MAX_XML_BYTES, MAX_XML_DEPTH } from './limits';

export interface XmlAttribute {
  /** As written: `agg:type`, `xmlns:agg`, `uuid`. */
  qname: string;
  local: string;
  /** Namespace URI; null for unprefixed attributes (XML Namespaces: they have none). */
  ns: string | null;
  /** Decoded and normalised as an XML processor does. */
  value: string;
  /** Offset of the attribute's name. */
  offset: number;
}

export interface XmlElement {
  qname: string;
  local: string;
  ns: string | null;
  attributes: XmlAttribute[];
  children: XmlElement[];
  /** Direct character data, decoded. */
  text: string;
  /** Offset of `<` and the offset just past the element's last `>`. */
  start: number;
  end: number;
  /** Offset just past the start tag's `>`. */
  startTagEnd: number;
  selfClosing: boolean;
  parent: XmlElement | null;
}

export interface XmlDocument {
  file: string;
  text: string;
  root: XmlElement;
  lines: LineIndex;
}

export type ReadResult = { ok: true; doc: XmlDocument } | { ok: false; diagnostics: Diagnostic[] };

export const attribute = (el: XmlElement, qname: string): XmlAttribute | undefined =>
  el.attributes.find((a) => a.qname === qname);

export const childElements = (el: XmlElement, local: string, ns: string | null = null): XmlElement[] =>
  el.children.filter((c) => c.local === local && c.ns === ns);

/** The library's reading; a second opinion only. */
const libraryParser = new XMLParser(SECOND_READING_OPTIONS);

function fail(file: string, code: Code, message: string, text: string, offset: number): ReadResult {
  return { ok: false, diagnostics: [diagnostic(code, message, file, new LineIndex(text).at(offset))] };
}

/** Bytes (a file) or text (already decoded) to a document, or the first reading diagnostic. */
export function readXml(input: Uint8Array | string, file: string): ReadResult {
  let text: string;
  if (typeof input === 'string') {
    if (Buffer.byteLength(input) > MAX_XML_BYTES) return tooLarge(file);
    text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  } else {
    if (input.length > MAX_XML_BYTES) return tooLarge(file);
    const wide = wideEncoding(input);
    if (wide) return fail(file, 'E_XML_ENCODING', `${wide} input is refused: libvirt domain XML is UTF-8`, '', 0);
    const bom = input[0] === 0xef && input[1] === 0xbb && input[2] === 0xbf ? 3 : 0;
    const bytes = input.subarray(bom);
    // The native check first; the offset of the first bad byte is looked for only when there is one.
    const bad = isUtf8(bytes) ? -1 : invalidUtf8Offset(bytes);
    if (bad >= 0) {
      const before = Buffer.from(bytes.subarray(0, bad)).toString('utf8');
      return fail(file, 'E_XML_ENCODING', `byte 0x${bytes[bad].toString(16)} at offset ${bad + bom} is not valid UTF-8`, before, before.length);
    }
    // A view, not a copy: only the decoded text is kept.
    text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  }
  return readText(text, file);
}

/**
 * UTF-16 or UTF-32, by byte-order mark or, without one, by a NUL among the first two bytes: a
 * UTF-8 document cannot hold NUL anywhere, and XML text starts with `<`, white space or a BOM.
 */
function wideEncoding(b: Uint8Array): string | null {
  if (b.length < 2) return null;
  const [b0, b1, b2, b3] = b;
  if (b0 === 0 && b1 === 0) return 'UTF-32 (big-endian)'; // 00 00 FE FF, 00 00 00 3C
  if (b2 === 0 && b3 === 0 && (b1 === 0 || (b0 === 0xff && b1 === 0xfe))) return 'UTF-32 (little-endian)'; // 3C 00 00 00, FF FE 00 00
  if ((b0 === 0xfe && b1 === 0xff) || b0 === 0) return 'UTF-16 (big-endian)';
  if ((b0 === 0xff && b1 === 0xfe) || b1 === 0) return 'UTF-16 (little-endian)';
  return null;
}

function tooLarge(file: string): ReadResult {
  return { ok: false, diagnostics: [tooLargeDiagnostic(file)] };
}

/** E_XML_TOO_LARGE for a file: also what a caller reports that refused the file before reading it. */
export function tooLargeDiagnostic(file: string): Diagnostic {
  return diagnostic('E_XML_TOO_LARGE', `input is larger than ${MAX_XML_BYTES} bytes`, file, { line: 1, column: 1 });
}

const DECLARED_ENCODING = /^<\?xml\s[^>]*?encoding\s*=\s*["']([^"']*)["']/;

function readText(text: string, file: string): ReadResult {
  const declared = DECLARED_ENCODING.exec(text);
  if (declared && !/^utf-?8$/i.test(declared[1])) {
    return fail(file, 'E_XML_ENCODING', `declared encoding ${declared[1]} is refused: only UTF-8 is read`, text, declared.index);
  }
  const doctype = findDoctype(text);
  if (doctype) return fail(file, 'E_XML_DOCTYPE', doctype.reason, text, doctype.offset);
  const badChar = findForbiddenChar(text);
  if (badChar) return fail(file, 'E_XML_MALFORMED', badChar.reason, text, badChar.offset);

  const scanned = scanDocument(text, MAX_XML_DEPTH);
  if ('reason' in scanned) return fail(file, scanned.code, scanned.reason, text, scanned.offset);
  return { ok: true, doc: { file, text, root: scanned, lines: new LineIndex(text) } };
}

type ParsedNode = Record<string, unknown>;
const ATTRIBUTES = ':@';
const sameValue = (a: string, b: string) => a === b || a.replace(/[\t\n\r]/g, ' ') === b.replace(/[\t\n\r]/g, ' ');

/**
 * A second, independent reading of `element` by fast-xml-parser. The two readings must agree on
 * every element name and attribute value, or the markup is ambiguous and refused: a defect in
 * either reader cannot then decide what mdev-agg writes as root. Returns the disagreement, or null.
 */
export function confirmElement(doc: XmlDocument, element: XmlElement): string | null {
  let parsed: ParsedNode[];
  try {
    parsed = libraryParser.parse(doc.text.slice(element.start, element.end)) as ParsedNode[];
  } catch (e) {
    return `fast-xml-parser cannot read <${element.qname}>: ${(e as Error).message.slice(0, 120)}`;
  }
  const nodes = parsed.filter((n) => !('#text' in n));
  return nodes.length === 1 ? agreement(element, nodes[0]) : `fast-xml-parser reads ${nodes.length} elements where <${element.qname}> is`;
}

/**
 * `confirmElement` for each of `elements`: the first that the library reads otherwise, with the
 * disagreement, or null. The library reads them in one call, one after another (its set-up costs
 * more than reading a hostdev); only when that reading differs anywhere is each element read alone,
 * so the element named and the message are those of its own reading.
 */
export function confirmElements(doc: XmlDocument, elements: readonly XmlElement[]): { element: XmlElement; disagreement: string } | null {
  if (elements.length > 1 && agreeTogether(doc, elements)) return null;
  for (const element of elements) {
    const disagreement = confirmElement(doc, element);
    if (disagreement) return { element, disagreement };
  }
  return null;
}

function agreeTogether(doc: XmlDocument, elements: readonly XmlElement[]): boolean {
  let parsed: ParsedNode[];
  try {
    parsed = libraryParser.parse(elements.map((e) => doc.text.slice(e.start, e.end)).join('')) as ParsedNode[];
  } catch {
    return false;
  }
  const nodes = parsed.filter((n) => !('#text' in n));
  return nodes.length === elements.length && elements.every((element, i) => agreement(element, nodes[i]) === null);
}

function agreement(element: XmlElement, node: ParsedNode): string | null {
  const name = Object.keys(node).find((k) => k !== ATTRIBUTES);
  // The library renames a few names that shadow Object methods (`toString` -> `__toString`).
  if (name !== element.qname && name !== `__${element.qname}`) return `<${element.qname}> reads as <${String(name)}>`;
  const attributes = (node[ATTRIBUTES] ?? {}) as Record<string, string>;
  if (Object.keys(attributes).length !== element.attributes.length) return `<${element.qname}> has a different set of attributes`;
  for (const a of element.attributes) {
    const value = Object.hasOwn(attributes, a.qname) ? attributes[a.qname] : attributes[`__${a.qname}`];
    if (typeof value !== 'string' || !sameValue(value, a.value)) return `attribute ${a.qname} of <${element.qname}> reads differently`;
  }
  const children = ((node[name!] ?? []) as ParsedNode[]).filter((c) => !('#text' in c));
  if (children.length !== element.children.length) return `<${element.qname}> has a different number of child elements`;
  for (let i = 0; i < children.length; i++) {
    const disagreement = agreement(element.children[i], children[i]);
    if (disagreement) return disagreement;
  }
  return null;
}
