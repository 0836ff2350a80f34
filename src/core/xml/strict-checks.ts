/**
 * Well-formedness rules the XML library does not enforce (it accepts two roots, text after the
 * root, `<` in attribute values, undefined entities and control characters). Each check returns
 * the offset and reason of the first violation, or null.
 */

export interface Violation {
  offset: number;
  reason: string;
}

// XML 1.0 Char production, minus what a JS string can hold anyway; lone surrogates are invalid UTF-16.
const FORBIDDEN_CHAR =
  /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function findForbiddenChar(text: string): Violation | null {
  const m = FORBIDDEN_CHAR.exec(text);
  if (!m) return null;
  const code = m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
  return { offset: m.index, reason: `character U+${code} is not allowed in XML` };
}

const DOCTYPE_OR_ENTITY = /<!DOCTYPE|<!ENTITY/i;

export function findDoctype(text: string): Violation | null {
  const m = DOCTYPE_OR_ENTITY.exec(text);
  return m ? { offset: m.index, reason: `${m[0].slice(2).toUpperCase()} declarations are refused` } : null;
}

const LITERAL_SECTIONS = [
  { open: '<!--', close: '-->', name: 'comment' },
  { open: '<![CDATA[', close: ']]>', name: 'CDATA section' },
  { open: '<?', close: '?>', name: 'processing instruction' },
] as const;

/**
 * The text with comments, CDATA sections and processing instructions blanked (same length,
 * newlines kept), so markup scans skip their content, and the first violation of the rules for
 * literal sections and character data: `--` inside a comment, `]]>` outside a CDATA section.
 * One pass, left to right: a `<!--` or `<?` inside a quoted attribute value is part of the value,
 * not the start of a section (else `a="<!--"` could hide markup up to a later `-->`), and no
 * section is searched for twice, so the scan stays linear on any input.
 */
export function scanLiteralSections(text: string): { masked: string; violation: Violation | null } {
  const pieces: string[] = [];
  let violation: Violation | null = null;
  let copied = 0;
  let at = 0;
  const blank = (from: number, to: number) => {
    pieces.push(text.slice(copied, from), text.slice(from, to).replace(/[^\n]/g, ' '));
    copied = to;
  };
  // The next `]]>` at or after the scan, found by one forward search overall (never rescanned).
  let cdataEnd = text.indexOf(']]>');
  const checkCharacterData = (from: number, to: number) => {
    while (cdataEnd >= 0 && cdataEnd < from) cdataEnd = text.indexOf(']]>', cdataEnd + 1);
    if (violation === null && cdataEnd >= 0 && cdataEnd < to) violation = { offset: cdataEnd, reason: "']]>' is not allowed in character data" };
  };
  while (at < text.length) {
    const lt = text.indexOf('<', at);
    checkCharacterData(at, lt < 0 ? text.length : lt);
    if (lt < 0) break;
    const section = LITERAL_SECTIONS.find((s) => text.startsWith(s.open, lt));
    if (section) {
      const close = text.indexOf(section.close, lt + section.open.length);
      const end = close < 0 ? text.length : close + section.close.length;
      if (section.name === 'comment' && violation === null) {
        const body = text.slice(lt + 4, close < 0 ? text.length : close);
        const hyphens = body.includes('--') ? lt + 4 + body.indexOf('--') : body.endsWith('-') ? lt + 3 + body.length : -1;
        if (hyphens >= 0) violation = { offset: hyphens, reason: "'--' is not allowed inside a comment" };
      }
      blank(lt, end);
      at = end;
      continue;
    }
    at = endOfTag(text, lt + 1);
  }
  pieces.push(text.slice(copied));
  return { masked: pieces.join(''), violation };
}

/** Offset just past the `>` closing the tag that starts before `from`, skipping quoted values. */
function endOfTag(text: string, from: number): number {
  let quote = '';
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '>') return i + 1;
  }
  return text.length;
}

const REFERENCE = /&(#x[0-9a-fA-F]+|#[0-9]+|[A-Za-z_][\w.-]*)?(;)?/g;
const PREDEFINED = new Set(['lt', 'gt', 'amp', 'quot', 'apos']);

const isXmlChar = (c: number) =>
  c === 0x9 || c === 0xa || c === 0xd || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);

/** Every `&` must start one of the five predefined entities or a reference to an XML character. */
export function findBadReference(masked: string): Violation | null {
  REFERENCE.lastIndex = 0;
  for (let m = REFERENCE.exec(masked); m; m = REFERENCE.exec(masked)) {
    const [whole, body, semi] = m;
    if (!body || !semi) return { offset: m.index, reason: `'&' must start an entity or character reference ('${whole}')` };
    if (body.startsWith('#')) {
      const code = body[1] === 'x' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      if (!isXmlChar(code)) return { offset: m.index, reason: `character reference ${whole} is not an XML character` };
    } else if (!PREDEFINED.has(body)) {
      return { offset: m.index, reason: `undefined entity ${whole}` };
    }
  }
  return null;
}

const TAG = /<(\/?)([^\s/>!?]+)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/g;

/**
 * One root element, nothing but white space around it, no `<` in attribute values, nesting at
 * most `maxDepth`. Runs on masked text that already passed the tag-matching validator.
 */
export function findStructureViolation(masked: string, maxDepth: number): Violation | { tooDeep: Violation } | null {
  let depth = 0;
  let roots = 0;
  let last = 0;
  TAG.lastIndex = 0;
  for (let m = TAG.exec(masked); m; m = TAG.exec(masked)) {
    const [, closing, name, attrs, selfClosing] = m;
    if (depth === 0 && masked.slice(last, m.index).trim() !== '') {
      return { offset: last + masked.slice(last).search(/\S/), reason: 'text outside the root element' };
    }
    if (attrs.includes('<')) return { offset: m.index, reason: `'<' inside an attribute value of <${name}>` };
    if (closing) depth--;
    else {
      if (depth === 0 && ++roots > 1) return { offset: m.index, reason: `a second root element <${name}>` };
      if (!selfClosing) {
        depth++;
        if (depth > maxDepth) return { tooDeep: { offset: m.index, reason: `elements nested deeper than ${maxDepth} levels` } };
      }
    }
    last = m.index + m[0].length;
  }
  if (masked.slice(last).trim() !== '') return { offset: last + masked.slice(last).search(/\S/), reason: 'text outside the root element' };
  return null;
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
