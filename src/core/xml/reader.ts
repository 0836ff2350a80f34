/**
 * Safe reading of untrusted XML into a small namespace-resolved tree that keeps the offset of
 * every element and attribute. Runs as root on user input, so it refuses before it parses:
 * size, encoding, DOCTYPE/ENTITY, well-formedness, depth.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { type Code, type Diagnostic, diagnostic } from '../diagnostics';
import { LineIndex } from './text-position';
import {
  findBadReference,
  findDoctype,
  findForbiddenChar,
  findStructureViolation,
  invalidUtf8Offset,
  scanLiteralSections,
} from './strict-checks';

export const MAX_XML_BYTES = 4 * 1024 * 1024;
export const MAX_XML_DEPTH = 64;

export const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';
export const XML_NS = 'http://www.w3.org/XML/1998/namespace';

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

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  preserveOrder: true,
  captureMetaData: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  // Only the five XML entities and numeric references; DOCTYPEs are refused before parsing, so
  // no reference expands to more than one character and the limits need only cover the input.
  htmlEntities: {} as unknown as boolean, // an empty map: numeric references on, no HTML names
  processEntities: { enabled: true, maxEntityCount: 0, maxEntitySize: 1, maxTotalExpansions: MAX_XML_BYTES, maxExpandedLength: MAX_XML_BYTES },
  maxNestedTags: MAX_XML_DEPTH + 1,
});
const META: symbol = XMLParser.getMetaDataSymbol() as unknown as symbol;
type Meta = { startIndex: number; endIndex?: number };
const metaOf = (node: ParsedNode) => (node as unknown as Record<symbol, Meta | undefined>)[META];

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
    const bad = invalidUtf8Offset(bytes);
    if (bad >= 0) {
      const before = Buffer.from(bytes.subarray(0, bad)).toString('utf8');
      return fail(file, 'E_XML_ENCODING', `byte 0x${bytes[bad].toString(16)} at offset ${bad + bom} is not valid UTF-8`, before, before.length);
    }
    text = Buffer.from(bytes).toString('utf8');
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
  return { ok: false, diagnostics: [diagnostic('E_XML_TOO_LARGE', `input is larger than ${MAX_XML_BYTES} bytes`, file, { line: 1, column: 1 })] };
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

  const validation = XMLValidator.validate(text);
  if (validation !== true) {
    const { line, col, msg } = validation.err;
    return { ok: false, diagnostics: [diagnostic('E_XML_MALFORMED', validatorMessage(msg), file, { line, column: col ?? 1 })] };
  }
  const { masked, violation: literal } = scanLiteralSections(text);
  if (literal) return fail(file, 'E_XML_MALFORMED', literal.reason, text, literal.offset);
  const reference = findBadReference(masked);
  if (reference) return fail(file, 'E_XML_MALFORMED', reference.reason, text, reference.offset);
  const structure = findStructureViolation(masked, MAX_XML_DEPTH);
  if (structure) {
    if ('tooDeep' in structure) return fail(file, 'E_XML_TOO_DEEP', structure.tooDeep.reason, text, structure.tooDeep.offset);
    return fail(file, 'E_XML_MALFORMED', structure.reason, text, structure.offset);
  }

  let parsed: ParsedNode[];
  try {
    parsed = parser.parse(text) as ParsedNode[];
  } catch (e) {
    const reserved = /(?:<\/?|\s)(?:[\w.-]+:)?(__proto__|constructor|prototype)(?=[\s=/>])/.exec(masked);
    const message = reserved ? `the name ${reserved[1]} is refused` : (e as Error).message;
    return fail(file, 'E_XML_MALFORMED', message, text, reserved ? reserved.index + 1 : 0);
  }
  const lines = new LineIndex(text);
  const rootNode = parsed.find((n) => elementName(n) !== null);
  if (!rootNode) return fail(file, 'E_XML_MALFORMED', 'no root element', text, 0);
  const built = buildElement(rootNode, text, null, DEFAULT_SCOPE);
  if ('violation' in built) return fail(file, 'E_XML_MALFORMED', built.violation.reason, text, built.violation.offset);
  return { ok: true, doc: { file, text, root: built, lines } };
}

/**
 * The validator's message, bounded: for unclosed elements it lists every open tag, which on a
 * hostile input is megabytes of output.
 */
function validatorMessage(message: string): string {
  const unclosed = /^Invalid '(\[[\s\S]*\])' found\.$/.exec(message);
  if (unclosed) {
    let names: unknown;
    try {
      names = JSON.parse(unclosed[1]);
    } catch {
      names = null;
    }
    if (Array.isArray(names)) {
      const shown = names.slice(-3).map((n) => `<${String(n)}>`).join(', ');
      return `${names.length} element${names.length === 1 ? ' is' : 's are'} not closed (innermost: ${shown})`;
    }
  }
  return message.length > 200 ? `${message.slice(0, 200)}…` : message;
}

type ParsedNode = Record<string, unknown>;

function elementName(node: ParsedNode): string | null {
  for (const key of Object.keys(node)) if (key !== ':@' && key !== '#text') return key;
  return null;
}

type Scope = ReadonlyMap<string, string>;
const DEFAULT_SCOPE: Scope = new Map([['xml', XML_NS], ['xmlns', XMLNS_NS]]);

const RAW_NAME = /<([^\s/>]+)/y;
const RAW_ATTRIBUTE = /\s*([^\s=/>]+)\s*=\s*("([^"]*)"|'([^']*)')/y;
const TAG_CLOSE = /\s*(\/?)>/y;

function decodeAttributeValue(raw: string): string {
  return raw
    .replace(/\r\n?|[\t\n]/g, ' ') // end-of-line handling first: CRLF is one line break, so one space
    .replace(/&(#x[0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot|apos);/g, (_, ref: string) => {
      if (ref[0] === '#') return String.fromCodePoint(ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10));
      return { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }[ref as 'lt']!;
    });
}

function splitName(qname: string): [prefix: string | null, local: string] {
  const i = qname.indexOf(':');
  return i < 0 ? [null, qname] : [qname.slice(0, i), qname.slice(i + 1)];
}

interface Violation {
  violation: { offset: number; reason: string };
}

/**
 * The reserved names of XML Namespaces 1.0: `xml` is bound to its namespace only and nothing else
 * is; `xmlns` is never declared. A rebound `xml` prefix would make mdev-agg read a name libvirt's
 * parser reads otherwise.
 */
function reservedBindingViolation(prefix: string | null, uri: string): string | null {
  if (prefix === 'xmlns') return 'the prefix xmlns cannot be declared';
  if (prefix === 'xml' && uri !== XML_NS) return `the prefix xml is bound to ${XML_NS} only`;
  if (uri === XMLNS_NS) return `${XMLNS_NS} cannot be bound to a prefix or be the default namespace`;
  if (uri === XML_NS && prefix !== 'xml') return `${XML_NS} is bound to the prefix xml only`;
  return null;
}

/** Builds one element from the parser's node, reading names and attributes from the text itself. */
function buildElement(node: ParsedNode, text: string, parent: XmlElement | null, outer: Scope): XmlElement | Violation {
  const meta = metaOf(node)!;
  const start = meta.startIndex;
  RAW_NAME.lastIndex = start;
  const qname = RAW_NAME.exec(text)![1];
  let at = RAW_NAME.lastIndex;
  const raw: { qname: string; value: string; offset: number }[] = [];
  for (;;) {
    RAW_ATTRIBUTE.lastIndex = at;
    const m = RAW_ATTRIBUTE.exec(text);
    if (!m) break;
    raw.push({ qname: m[1], value: decodeAttributeValue(m[3] ?? m[4]), offset: m.index + m[0].indexOf(m[1]) });
    at = RAW_ATTRIBUTE.lastIndex;
  }
  TAG_CLOSE.lastIndex = at;
  const close = TAG_CLOSE.exec(text)!;

  let scope = outer;
  for (const a of raw) {
    const [prefix, local] = splitName(a.qname);
    if (prefix === 'xmlns' || (prefix === null && local === 'xmlns')) {
      if (prefix === 'xmlns' && a.value === '') return { violation: { offset: a.offset, reason: `prefix ${local} cannot be bound to an empty namespace` } };
      const reserved = reservedBindingViolation(prefix === null ? null : local, a.value);
      if (reserved) return { violation: { offset: a.offset, reason: reserved } };
      if (scope === outer) scope = new Map(outer);
      (scope as Map<string, string>).set(prefix === null ? '' : local, a.value);
    }
  }
  const resolve = (name: string, offset: number, isElement: boolean): [string, string | null] | Violation => {
    const [prefix, local] = splitName(name);
    if (prefix === null) return [local, isElement ? (scope.get('') || null) : null];
    if (name === 'xmlns' || prefix === 'xmlns') return [local, XMLNS_NS];
    const ns = scope.get(prefix);
    if (ns === undefined) return { violation: { offset, reason: `namespace prefix ${prefix} is not bound` } };
    return [local, ns];
  };

  const elementNs = resolve(qname, start + 1, true);
  if ('violation' in elementNs) return elementNs;
  const attributes: XmlAttribute[] = [];
  const seen = new Set<string>();
  for (const a of raw) {
    const resolved = resolve(a.qname, a.offset, false);
    if ('violation' in resolved) return resolved;
    const key = `${resolved[1]}\u0000${resolved[0]}`;
    if (seen.has(key)) return { violation: { offset: a.offset, reason: `attribute ${a.qname} is repeated (same namespace and name)` } };
    seen.add(key);
    attributes.push({ qname: a.qname, local: resolved[0], ns: resolved[1], value: a.value, offset: a.offset });
  }

  const element: XmlElement = {
    qname,
    local: elementNs[0],
    ns: elementNs[1],
    attributes,
    children: [],
    text: '',
    start,
    end: meta.endIndex ?? close.index + close[0].length,
    startTagEnd: close.index + close[0].length,
    selfClosing: close[1] === '/',
    parent,
  };
  const content = (node[Object.keys(node).find((k) => k !== ':@')!] ?? []) as ParsedNode[];
  for (const child of content) {
    if (typeof child['#text'] === 'string') {
      element.text += child['#text'];
      continue;
    }
    if (!metaOf(child)) continue; // comments and processing instructions carry no data we read
    const built = buildElement(child, text, element, scope);
    if ('violation' in built) return built;
    element.children.push(built);
  }
  return element;
}
