/**
 * One strict pass over a document: well-formedness (XML 1.0 and Namespaces 1.0, as far as a
 * document without a DTD can break them), nesting depth, and the namespace-resolved tree with
 * the offset of every element and attribute. Markup is found with sticky regular expressions,
 * so each character is looked at a bounded number of times whatever the input.
 */
import type { XmlAttribute, XmlElement } from './reader';

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
const START_NAME = /<([^ \t\r\n/>]+)/y;
const ATTRIBUTE = /([ \t\r\n]+)([^ \t\r\n=/>]+)[ \t\r\n]*=[ \t\r\n]*(?:"([^"]*)"|'([^']*)')/y;
const START_END = /[ \t\r\n]*(\/?)>/y;
const END_TAG = /<\/([^ \t\r\n>]+)[ \t\r\n]*>/y;
const PI_TARGET = /<\?([^ \t\r\n?]+)/y;
const NOT_WHITE_SPACE = /[^ \t\r\n]/;
const REFERENCE = /&(#x[0-9a-fA-F]+|#[0-9]+|[A-Za-z_][\w.-]*)?(;)?/g;
const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

const isXmlChar = (c: number) =>
  c === 0x9 || c === 0xa || c === 0xd || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);

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
      if (!isXmlChar(code)) throw new Malformed(offset + m.index, `character reference ${whole.slice(0, 40)} is not an XML character`);
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

function checkName(name: string, offset: number, what: string) {
  if (!QNAME.test(name)) throw new Malformed(offset, `${what} name ${JSON.stringify(name.slice(0, 40))} is not a valid XML name`);
  if (RESERVED_NAMES.has(name)) throw new Malformed(offset, `the name ${name} is refused`);
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
  }
}

function scan(text: string, maxDepth: number): XmlElement {
  const stack: Open[] = [];
  // Well-formedness is judged first: a document both too deep and broken is reported broken.
  const depth = { max: maxDepth, first: null as Malformed | null };
  let root: XmlElement | null = null;
  let at = 0;
  while (at < text.length) {
    const lt = text.indexOf('<', at);
    const end = lt < 0 ? text.length : lt;
    if (end > at) characterData(text, at, end, stack);
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

function characterData(text: string, from: number, to: number, stack: Open[]) {
  const raw = text.slice(from, to);
  if (stack.length === 0) {
    const stray = raw.search(NOT_WHITE_SPACE);
    if (stray >= 0) throw new Malformed(from + stray, 'text outside the root element');
    return;
  }
  const close = raw.indexOf(']]>');
  if (close >= 0) throw new Malformed(from + close, "']]>' is not allowed in character data");
  stack[stack.length - 1].element.text += decodeReferences(raw, from);
}

function endTag(text: string, lt: number, stack: Open[]): number {
  END_TAG.lastIndex = lt;
  const m = END_TAG.exec(text);
  if (!m) throw new Malformed(lt, 'malformed end tag');
  const open = stack.pop();
  if (!open) throw new Malformed(lt, `end tag </${m[1].slice(0, 40)}> without a start tag`);
  if (open.element.qname !== m[1]) {
    throw new Malformed(lt, `end tag </${m[1].slice(0, 40)}> does not close <${open.element.qname}>`);
  }
  open.element.end = END_TAG.lastIndex;
  return END_TAG.lastIndex;
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

function startTag(text: string, lt: number, stack: Open[], depth: { max: number; first: Malformed | null }): XmlElement {
  START_NAME.lastIndex = lt;
  const qname = START_NAME.exec(text)?.[1];
  if (qname === undefined) throw new Malformed(lt, "'<' must start a tag");
  checkName(qname, lt + 1, 'element');
  let at = START_NAME.lastIndex;
  const raw: { qname: string; value: string; offset: number }[] = [];
  for (;;) {
    ATTRIBUTE.lastIndex = at;
    const m = ATTRIBUTE.exec(text);
    if (!m) break;
    const name = m[2];
    const offset = m.index + m[1].length;
    checkName(name, offset, 'attribute');
    const value = m[3] ?? m[4];
    const valueOffset = ATTRIBUTE.lastIndex - 1 - value.length;
    if (value.includes('<')) throw new Malformed(offset, `'<' inside the value of attribute ${name}`);
    if (raw.some((a) => a.qname === name)) throw new Malformed(offset, `attribute ${name} is repeated`);
    // Attribute-value normalisation: each line break or tab is a space; CRLF is one line break.
    const normalised = value.replace(/\r\n?|[\t\n]/g, ' ');
    raw.push({ qname: name, value: decodeReferences(normalised, valueOffset), offset });
    at = ATTRIBUTE.lastIndex;
  }
  START_END.lastIndex = at;
  const close = START_END.exec(text);
  if (!close) throw new Malformed(at, `malformed start tag <${qname}> (an attribute without a quoted value, or stray characters)`);

  const parent = stack.length ? stack[stack.length - 1] : null;
  const outer = parent ? parent.scope : DEFAULT_SCOPE;
  let scope = outer;
  for (const a of raw) {
    const [prefix, local] = splitName(a.qname);
    if (prefix !== 'xmlns' && a.qname !== 'xmlns') continue;
    if (prefix === 'xmlns' && a.value === '') throw new Malformed(a.offset, `prefix ${local} cannot be bound to an empty namespace`);
    const reserved = reservedBindingViolation(prefix === null ? null : local, a.value);
    if (reserved) throw new Malformed(a.offset, reserved);
    if (scope === outer) scope = new Map(outer);
    (scope as Map<string, string>).set(prefix === null ? '' : local, a.value);
  }
  const resolve = (name: string, offset: number, isElement: boolean): [string, string | null] => {
    const [prefix, local] = splitName(name);
    if (prefix === null) return [local, isElement ? scope.get('') || null : null];
    if (prefix === 'xmlns') return [local, XMLNS_NS];
    const ns = scope.get(prefix);
    if (ns === undefined) throw new Malformed(offset, `namespace prefix ${prefix} is not bound`);
    return [local, ns];
  };
  const [local, ns] = resolve(qname, lt + 1, true);
  const attributes: XmlAttribute[] = [];
  const seen = new Set<string>();
  for (const a of raw) {
    const [aLocal, aNs] = a.qname === 'xmlns' ? ['xmlns', XMLNS_NS] : resolve(a.qname, a.offset, false);
    const key = `${aNs}\u0000${aLocal}`;
    if (seen.has(key)) throw new Malformed(a.offset, `attribute ${a.qname} is repeated (same namespace and name)`);
    seen.add(key);
    attributes.push({ qname: a.qname, local: aLocal, ns: aNs, value: a.value, offset: a.offset });
  }

  const tagEnd = START_END.lastIndex;
  const selfClosing = close[1] === '/';
  const element: XmlElement = {
    qname,
    local,
    ns,
    attributes,
    children: [],
    text: '',
    start: lt,
    end: tagEnd,
    startTagEnd: tagEnd,
    selfClosing,
    parent: parent ? parent.element : null,
  };
  if (parent) parent.element.children.push(element);
  if (!selfClosing) {
    if (stack.length >= depth.max) depth.first ??= new Malformed(lt, `elements nested deeper than ${depth.max} levels`, 'E_XML_TOO_DEEP');
    stack.push({ element, scope });
  }
  return element;
}
