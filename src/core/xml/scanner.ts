/**
 * One strict pass over a document: well-formedness (XML 1.0 and Namespaces 1.0, as far as a
 * document without a DTD can break them), nesting depth, and the namespace-resolved tree with
 * the offset of every element and attribute. Markup is found by index, character by character,
 * so each character is looked at a bounded number of times whatever the input, and strings are
 * cut only for what the tree keeps (names, values, text).
 */
import type { XmlAttribute, XmlElement } from './reader';
import { isXmlCodePoint } from './characters';

export const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';
export const XML_NS = 'http://www.w3.org/XML/1998/namespace';

export interface ScanFailure {
  code: 'E_XML_MALFORMED' | 'E_XML_TOO_DEEP';
  offset: number;
  reason: string;
}

// XML 1.0 (fifth edition) Name characters, without the colon: names are split at it.
const NAME_START = 'A-Za-z_\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C\\u200D\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD\\u{10000}-\\u{EFFFF}';
const NAME_CHAR = `${NAME_START}\\-.0-9\\u00B7\\u0300-\\u036F\\u203F\\u2040`;
const NCNAME = `[${NAME_START}][${NAME_CHAR}]*`;
const QNAME = new RegExp(`^(?:${NCNAME}:)?${NCNAME}$`, 'u');

/** Names that would be object keys in a naive reader; refused so no consumer can be fooled by them. */
const RESERVED_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

// XML's white space is these four characters only: \s would also take NBSP and Unicode spaces.
const PI_TARGET = /<\?([^ \t\r\n?]+)/y;
const REFERENCE = /&(#x[0-9a-fA-F]+|#[0-9]+|[A-Za-z_][\w.-]*)?(;)?/g;
const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };


class Malformed extends Error {
  constructor(readonly offset: number, readonly reason: string, readonly code: ScanFailure['code'] = 'E_XML_MALFORMED') {
    super(reason);
  }
}

/** Decodes the references in `raw` (found at `offset`), refusing any that is not predefined or not a character. */
function decodeReferences(raw: string, offset: number): string {
  if (!raw.includes('&')) return raw;
  REFERENCE.lastIndex = 0;
  let out = '';
  let copied = 0;
  for (let m = REFERENCE.exec(raw); m; m = REFERENCE.exec(raw)) {
    const [whole, body, semi] = m;
    if (!body || !semi) throw new Malformed(offset + m.index, `'&' must start an entity or character reference ('${whole.slice(0, 40)}')`);
    let decoded: string;
    if (body[0] === '#') {
      const code = body[1] === 'x' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      if (!isXmlCodePoint(code)) throw new Malformed(offset + m.index, `character reference ${whole.slice(0, 40)} is not an XML character`);
      decoded = String.fromCodePoint(code);
    } else {
      const named = PREDEFINED[body];
      if (named === undefined || !Object.hasOwn(PREDEFINED, body)) throw new Malformed(offset + m.index, `undefined entity ${whole.slice(0, 40)}`);
      decoded = named;
    }
    out += raw.slice(copied, m.index) + decoded;
    copied = m.index + whole.length;
  }
  return out + raw.slice(copied);
}

function splitName(qname: string): [prefix: string | null, local: string] {
  const i = qname.indexOf(':');
  return i < 0 ? [null, qname] : [qname.slice(0, i), qname.slice(i + 1)];
}

// An ASCII QName, what nearly every document has: tested without the Unicode pattern.
const ASCII_QNAME = /^[A-Za-z_][A-Za-z0-9_.-]*(?::[A-Za-z_][A-Za-z0-9_.-]*)?$/;

/**
 * Names already found valid: a document repeats a few dozen names, and a validator reads thousands
 * of documents. Bounded, so no input makes it grow without limit.
 */
const validNames = new Set<string>();
const MAX_VALID_NAMES = 4096;

function checkName(name: string, offset: number, what: string) {
  if (validNames.has(name)) return;
  if (!ASCII_QNAME.test(name) && !QNAME.test(name)) throw new Malformed(offset, `${what} name ${JSON.stringify(name.slice(0, 40))} is not a valid XML name`);
  if (RESERVED_NAMES.has(name)) throw new Malformed(offset, `the name ${name} is refused`);
  if (validNames.size >= MAX_VALID_NAMES) validNames.clear();
  validNames.add(name);
}

/**
 * The reserved names of Namespaces 1.0: `xml` is bound to its namespace only and nothing else
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

type Scope = ReadonlyMap<string, string>;
const DEFAULT_SCOPE: Scope = new Map([['xml', XML_NS], ['xmlns', XMLNS_NS]]);

interface Open {
  element: XmlElement;
  scope: Scope;
}

export function scanDocument(text: string, maxDepth: number): XmlElement | ScanFailure {
  try {
    return scan(text, maxDepth);
  } catch (e) {
    if (e instanceof Malformed) return { code: e.code, offset: e.offset, reason: e.reason };
    throw e;
  } finally {
    // A tag left unfinished must not keep its attributes (and through them its text) alive.
    pendingAttributes.length = 0;
  }
}

function scan(text: string, maxDepth: number): XmlElement {
  const stack: Open[] = [];
  // Well-formedness is judged first: a document both too deep and broken is reported broken.
  const depth = { max: maxDepth, first: null as Malformed | null };
  let root: XmlElement | null = null;
  const ahead: Ahead = { ampersand: -2, close: -2 };
  let at = 0;
  while (at < text.length) {
    const lt = text.indexOf('<', at);
    const end = lt < 0 ? text.length : lt;
    if (end > at) characterData(text, at, end, stack, ahead);
    if (lt < 0) break;
    const next = text.charCodeAt(lt + 1);
    if (next === 0x2f /* / */) at = endTag(text, lt, stack);
    else if (next === 0x21 /* ! */) at = declarationOrSection(text, lt, stack);
    else if (next === 0x3f /* ? */) at = processingInstruction(text, lt);
    else {
      if (stack.length === 0 && root !== null) throw new Malformed(lt, 'a second root element');
      const element = startTag(text, lt, stack, depth);
      root ??= element;
      at = element.startTagEnd;
    }
  }
  if (stack.length > 0) {
    const innermost = stack[stack.length - 1].element;
    throw new Malformed(innermost.start, `${stack.length} element${stack.length === 1 ? ' is' : 's are'} not closed (innermost: <${innermost.qname}>)`);
  }
  if (root === null) throw new Malformed(0, 'no root element');
  if (depth.first) throw depth.first;
  return root;
}

function characterData(text: string, from: number, to: number, stack: Open[], ahead: Ahead) {
  if (stack.length === 0) {
    const stray = skipWhiteSpace(text, from);
    if (stray < to) throw new Malformed(stray, 'text outside the root element');
    return;
  }
  ahead.close = nextIndex(text, ']]>', from, ahead.close);
  if (ahead.close >= 0 && ahead.close + 3 <= to) throw new Malformed(ahead.close, "']]>' is not allowed in character data");
  ahead.ampersand = nextIndex(text, '&', from, ahead.ampersand);
  const raw = indentation(text, from, to) ?? text.slice(from, to);
  stack[stack.length - 1].element.text += ahead.ampersand >= 0 && ahead.ampersand < to ? decodeReferences(raw, from) : raw;
}

/** A line break and spaces, the text between nearly all elements, by length: shared, never cut again. */
const INDENTATION: string[] = [];
const MAX_INDENTATION = 80;

function indentation(text: string, from: number, to: number): string | null {
  if (to - from > MAX_INDENTATION || text.charCodeAt(from) !== LINE_FEED) return null;
  for (let i = from + 1; i < to; i++) if (text.charCodeAt(i) !== SPACE) return null;
  // Built, not cut from the text: a cut could keep the whole first document alive.
  return (INDENTATION[to - from] ??= `\n${' '.repeat(to - from - 1)}`);
}

/**
 * The next `&` and `]]>` in the text, each found by one native search and reused until the scan
 * passes it (-1: none further), so character data is never searched character by character and
 * no part of the text is searched twice.
 */
interface Ahead {
  ampersand: number;
  close: number;
}

function nextIndex(text: string, needle: string, from: number, known: number): number {
  return known === -1 || known >= from ? known : text.indexOf(needle, from);
}

function endTag(text: string, lt: number, stack: Open[]): number {
  const nameEnd = tokenEnd(text, lt + 2, END_TAG_NAME);
  const gt = skipWhiteSpace(text, nameEnd);
  if (nameEnd === lt + 2 || text.charCodeAt(gt) !== GREATER_THAN) throw new Malformed(lt, 'malformed end tag');
  const open = stack.pop();
  // Compared in place: the name is cut only for a message.
  const closes = open !== undefined && nameEnd - lt - 2 === open.element.qname.length && text.startsWith(open.element.qname, lt + 2);
  if (!closes) {
    const name = text.slice(lt + 2, nameEnd).slice(0, 40);
    throw new Malformed(lt, open ? `end tag </${name}> does not close <${open.element.qname}>` : `end tag </${name}> without a start tag`);
  }
  open.element.end = gt + 1;
  return gt + 1;
}


function declarationOrSection(text: string, lt: number, stack: Open[]): number {
  if (text.startsWith('<!--', lt)) {
    const close = text.indexOf('-->', lt + 4);
    if (close < 0) throw new Malformed(lt, 'comment is not closed');
    const body = text.slice(lt + 4, close);
    const hyphens = body.indexOf('--');
    if (hyphens >= 0) throw new Malformed(lt + 4 + hyphens, "'--' is not allowed inside a comment");
    if (body.endsWith('-')) throw new Malformed(close - 1, "'--' is not allowed inside a comment");
    return close + 3;
  }
  if (text.startsWith('<![CDATA[', lt)) {
    if (stack.length === 0) throw new Malformed(lt, 'a CDATA section outside the root element');
    const close = text.indexOf(']]>', lt + 9);
    if (close < 0) throw new Malformed(lt, 'CDATA section is not closed');
    stack[stack.length - 1].element.text += text.slice(lt + 9, close);
    return close + 3;
  }
  throw new Malformed(lt, 'markup declarations are not allowed');
}

function processingInstruction(text: string, lt: number): number {
  PI_TARGET.lastIndex = lt;
  const target = PI_TARGET.exec(text)?.[1];
  if (target === undefined || !QNAME.test(target) || target.includes(':')) throw new Malformed(lt, 'malformed processing instruction');
  if (target.toLowerCase() === 'xml' && lt !== 0) throw new Malformed(lt, 'the XML declaration is allowed only at the very start');
  const close = text.indexOf('?>', lt + 2);
  if (close < 0) throw new Malformed(lt, 'processing instruction is not closed');
  return close + 2;
}

// Character codes the scanner compares against.
const TAB = 0x09;
const LINE_FEED = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const SPACE = 0x20;
const DOUBLE_QUOTE = 0x22;
const QUOTE = 0x27;
const SLASH = 0x2f;
const COLON = 0x3a;
const EQUALS = 0x3d;
const GREATER_THAN = 0x3e;

// The two loops below run on every tag and test white space inline: until V8 has optimised them
// (most of a short run), a call per character costs more than the test.
function skipWhiteSpace(text: string, at: number): number {
  for (;;) {
    const c = text.charCodeAt(at);
    if (c !== SPACE && c !== LINE_FEED && c !== TAB && c !== CARRIAGE_RETURN) return at;
    at++;
  }
}

// Name tokens: up to white space or `>`, and `/` (start tags) or `=` (attributes) where they end
// one; in an end tag a `/` belongs to the name, which then fails its match. Found by a loop over
// character codes: names are short, and a regular expression costs more to enter than to run.
const ELEMENT_NAME = 1;
const ATTRIBUTE_NAME = 2;
const END_TAG_NAME = 3;

function tokenEnd(text: string, at: number, token: typeof ELEMENT_NAME | typeof ATTRIBUTE_NAME | typeof END_TAG_NAME): number {
  const length = text.length;
  while (at < length) {
    const c = text.charCodeAt(at);
    if (c === GREATER_THAN || c === SPACE || c === LINE_FEED || c === TAB || c === CARRIAGE_RETURN) break;
    if (c === SLASH && token !== END_TAG_NAME) break;
    if (c === EQUALS && token === ATTRIBUTE_NAME) break;
    at++;
  }
  return at;
}

// Shared by every element without attributes or children (most of a domain): never written to.
const NO_ATTRIBUTES: XmlAttribute[] = Object.freeze([]) as unknown as XmlAttribute[];
const NO_CHILDREN: XmlElement[] = Object.freeze([]) as unknown as XmlElement[];
/** Up to this many attributes a repeated name is looked for in the list; beyond, in a set (a tag of many attributes stays linear). */
const FEW_ATTRIBUTES = 8;

const NEEDS_NORMALISING = /[&\t\n\r]/;

function hasName(attributes: readonly XmlAttribute[], count: number, name: string): boolean {
  for (let i = 0; i < count; i++) if (attributes[i].qname === name) return true;
  return false;
}

/**
 * Where a start tag's attributes are collected (its first `count` entries) before they get an
 * array of their exact size. Entries past the count are left until the scan ends: they belong to
 * the same document, and emptying the array twice per tag was a twelfth of the tag's time.
 */
const pendingAttributes: XmlAttribute[] = [];

/**
 * Short names as shared strings: a document repeats a few dozen names, and one cut per name read
 * is most of what a scan allocates. Only names short enough that a cut is a copy are kept (a
 * longer cut could keep its whole document alive); a slot holds the last name that fell in it,
 * and only once it was found a valid name, so a name found in its slot needs no check.
 */
const NAME_SLOTS = 512;
const MAX_SHARED_NAME = 12;
const sharedNames: (string | undefined)[] = new Array(NAME_SLOTS).fill(undefined);

/** The name at `from`..`to` (not empty), checked (`checkName`) unless it is a shared one. */
function checkedNameAt(text: string, from: number, to: number, what: string): string {
  const length = to - from;
  if (length > MAX_SHARED_NAME) {
    const name = text.slice(from, to);
    checkName(name, from, what);
    return name;
  }
  const slot = (text.charCodeAt(from) * 31 + text.charCodeAt(to - 1) * 7 + length * 131) & (NAME_SLOTS - 1);
  const shared = sharedNames[slot];
  if (shared !== undefined && shared.length === length && text.startsWith(shared, from)) return shared;
  const name = text.slice(from, to);
  checkName(name, from, what);
  return (sharedNames[slot] = name);
}

function startTag(text: string, lt: number, stack: Open[], depth: { max: number; first: Malformed | null }): XmlElement {
  const nameEnd = tokenEnd(text, lt + 1, ELEMENT_NAME);
  if (nameEnd === lt + 1) throw new Malformed(lt, "'<' must start a tag");
  const qname = checkedNameAt(text, lt + 1, nameEnd, 'element');
  let count = 0;
  let names: Set<string> | null = null;
  let declaresNamespaces = false;
  let prefixed = false;
  let at = nameEnd;
  for (;;) {
    // `name = "value"` or `name = 'value'` after white space; anything else ends the attributes,
    // and the start tag must then end at `at`.
    const nameStart = skipWhiteSpace(text, at);
    if (nameStart === at) break;
    const attributeNameEnd = tokenEnd(text, nameStart, ATTRIBUTE_NAME);
    if (attributeNameEnd === nameStart) break;
    let i = skipWhiteSpace(text, attributeNameEnd);
    if (text.charCodeAt(i) !== EQUALS) break;
    i = skipWhiteSpace(text, i + 1);
    const quote = text.charCodeAt(i);
    if (quote !== DOUBLE_QUOTE && quote !== QUOTE) break;
    const valueEnd = text.indexOf(quote === DOUBLE_QUOTE ? '"' : "'", i + 1);
    if (valueEnd < 0) break;

    const name = checkedNameAt(text, nameStart, attributeNameEnd, 'attribute');
    let value = text.slice(i + 1, valueEnd);
    if (value.includes('<')) throw new Malformed(nameStart, `'<' inside the value of attribute ${name}`);
    if (names !== null ? names.has(name) : hasName(pendingAttributes, count, name)) throw new Malformed(nameStart, `attribute ${name} is repeated`);
    // Attribute-value normalisation: each line break or tab is a space; CRLF is one line break.
    if (NEEDS_NORMALISING.test(value)) value = decodeReferences(value.replace(/\r\n?|[\t\n]/g, ' '), i + 1);
    if (name.includes(':')) prefixed = true;
    if (name.startsWith('xmlns') && (name.length === 5 || name.charCodeAt(5) === COLON)) declaresNamespaces = true;
    // Resolved below, once the tag's own declarations are known.
    pendingAttributes[count++] = { qname: name, local: name, ns: null, value, offset: nameStart };
    if (names !== null) names.add(name);
    else if (count > FEW_ATTRIBUTES) names = new Set(pendingAttributes.slice(0, count).map((a) => a.qname));
    at = valueEnd + 1;
  }
  // The tag's own array holds exactly its attributes.
  const attributes = count === 0 ? NO_ATTRIBUTES : pendingAttributes.slice(0, count);
  const endAt = skipWhiteSpace(text, at);
  const selfClosing = text.charCodeAt(endAt) === SLASH;
  const gt = selfClosing ? endAt + 1 : endAt;
  if (text.charCodeAt(gt) !== GREATER_THAN) {
    throw new Malformed(at, `malformed start tag <${qname}> (an attribute without a quoted value, or stray characters)`);
  }

  const parent = stack.length ? stack[stack.length - 1] : null;
  const scope = declaresNamespaces ? declaredScope(attributes, parent ? parent.scope : DEFAULT_SCOPE) : parent ? parent.scope : DEFAULT_SCOPE;
  const colon = qname.indexOf(':');
  const local = colon < 0 ? qname : qname.slice(colon + 1);
  // The scope outside any declaration has no default namespace: no look-up for most elements.
  const ns = colon < 0 ? (scope === DEFAULT_SCOPE ? null : scope.get('') || null) : namespaceOf(scope, qname.slice(0, colon), lt + 1);
  if (prefixed || declaresNamespaces) resolveAttributes(attributes, scope, prefixed);

  const tagEnd = gt + 1;
  const element: XmlElement = {
    qname,
    local,
    ns,
    attributes,
    children: NO_CHILDREN,
    text: '',
    start: lt,
    end: tagEnd,
    startTagEnd: tagEnd,
    selfClosing,
    parent: parent ? parent.element : null,
  };
  if (parent) {
    if (parent.element.children === NO_CHILDREN) parent.element.children = [element];
    else parent.element.children.push(element);
  }
  if (!selfClosing) {
    if (stack.length >= depth.max) depth.first ??= new Malformed(lt, `elements nested deeper than ${depth.max} levels`, 'E_XML_TOO_DEEP');
    stack.push({ element, scope });
  }
  return element;
}

/** The scope inside a start tag that declares namespaces (`xmlns`, `xmlns:p`), checked against Namespaces 1.0. */
function declaredScope(attributes: readonly XmlAttribute[], outer: Scope): Scope {
  let scope = outer;
  for (const a of attributes) {
    const [prefix, local] = splitName(a.qname);
    if (prefix !== 'xmlns' && a.qname !== 'xmlns') continue;
    if (prefix === 'xmlns' && a.value === '') throw new Malformed(a.offset, `prefix ${local} cannot be bound to an empty namespace`);
    const reserved = reservedBindingViolation(prefix === null ? null : local, a.value);
    if (reserved) throw new Malformed(a.offset, reserved);
    if (scope === outer) scope = new Map(outer);
    (scope as Map<string, string>).set(prefix === null ? '' : local, a.value);
  }
  return scope;
}

/**
 * Namespaces of the attributes (unprefixed ones have none; `xmlns` and `xmlns:p` are in the xmlns
 * namespace), in place. Two prefixes bound to one URI can make two attributes one expanded name
 * (Namespaces 1.0, 6.3): refused when any attribute is prefixed.
 */
function resolveAttributes(attributes: XmlAttribute[], scope: Scope, prefixed: boolean) {
  const expanded = prefixed ? new Set<string>() : null;
  for (const a of attributes) {
    const colon = a.qname.indexOf(':');
    if (a.qname === 'xmlns') a.ns = XMLNS_NS;
    else if (colon >= 0) {
      const prefix = a.qname.slice(0, colon);
      a.local = a.qname.slice(colon + 1);
      a.ns = prefix === 'xmlns' ? XMLNS_NS : namespaceOf(scope, prefix, a.offset);
    }
    if (expanded === null) continue;
    const key = `${a.ns}\u0000${a.local}`;
    if (expanded.has(key)) throw new Malformed(a.offset, `attribute ${a.qname} is repeated (same namespace and name)`);
    expanded.add(key);
  }
}

function namespaceOf(scope: Scope, prefix: string, offset: number): string {
  const ns = scope.get(prefix);
  if (ns === undefined) throw new Malformed(offset, `namespace prefix ${prefix} is not bound`);
  return ns;
}
