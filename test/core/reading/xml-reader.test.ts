import { MAX_XML_BYTES, type XmlElement, confirmElement, readXml } from '../../../src/core/xml/reader';

const codeOf = (input: string | Uint8Array) => {
  const r = readXml(input, 'f.xml');
  return r.ok ? 'ok' : r.diagnostics.map((d) => `${d.code}@${d.line}:${d.column}`).join(',');
};

describe('readXml refuses before it parses', () => {
  test.each([
    ['internal entity', '<!DOCTYPE d [<!ENTITY x "y">]><domain>&x;</domain>', 'E_XML_DOCTYPE@1:1'],
    ['external entity', '<?xml version="1.0"?>\n<!DOCTYPE d SYSTEM "file:///etc/passwd"><domain/>', 'E_XML_DOCTYPE@2:1'],
    ['parameter entity', '<!DOCTYPE d [<!ENTITY % p "x"> %p;]><domain/>', 'E_XML_DOCTYPE@1:1'],
    ['lower-case doctype', '<!doctype d><domain/>', 'E_XML_DOCTYPE@1:1'],
    ['unclosed tag', '<domain><devices></domain>', 'E_XML_MALFORMED@1:18'],
    ['two roots', '<domain/>\n<domain/>', 'E_XML_MALFORMED@2:1'],
    ['text after root', '<domain/>\ntrailing', 'E_XML_MALFORMED@2:1'],
    ['< in attribute', "<domain type='<'/>", 'E_XML_MALFORMED@1:9'],
    ['undefined entity', '<domain>&nbsp;</domain>', 'E_XML_MALFORMED@1:9'],
    ['bare ampersand', '<domain>a & b</domain>', 'E_XML_MALFORMED@1:11'],
    ['reference to NUL', '<domain>&#0;</domain>', 'E_XML_MALFORMED@1:9'],
    ['raw NUL', '<domain>\u0000</domain>', 'E_XML_MALFORMED@1:9'],
    ['unbound prefix', '<domain><x:y/></domain>', 'E_XML_MALFORMED@1:10'],
    ['empty prefix binding', "<domain xmlns:x=''/>", 'E_XML_MALFORMED@1:9'],
    ['duplicate attribute', "<domain a='1' a='2'/>", 'E_XML_MALFORMED@1:15'],
    ['same attribute through two prefixes', "<domain xmlns:p='u' xmlns:q='u' p:a='1' q:a='2'/>", 'E_XML_MALFORMED@1:41'],
    ['__proto__ element', '<domain><__proto__/></domain>', 'E_XML_MALFORMED@1:10'],
    ['constructor attribute', "<domain constructor='x'/>", 'E_XML_MALFORMED@1:9'],
    ['declared UTF-16', '<?xml version="1.0" encoding="UTF-16"?><domain/>', 'E_XML_ENCODING@1:1'],
    ['empty input', '', 'E_XML_MALFORMED@1:1'],
    ['plain text', 'hello', 'E_XML_MALFORMED@1:1'],
    ['NBSP is not XML white space', "<domain\u00a0type='kvm'/>", 'E_XML_MALFORMED@1:2'],
    ['attributes without white space between them', "<domain a='1'b='2'/>", 'E_XML_MALFORMED@1:14'],
    ['an unquoted attribute', '<domain a=1/>', 'E_XML_MALFORMED@1:8'],
    ['CDATA outside the root', '<![CDATA[x]]><domain/>', 'E_XML_MALFORMED@1:1'],
    ['an XML declaration after the start', "\n<?xml version='1.0'?><domain/>", 'E_XML_MALFORMED@2:1'],
    ['an end tag without a start tag', '<domain/></x>', 'E_XML_MALFORMED@1:10'],
    ["']]>' in text", '<domain>a]]>b</domain>', 'E_XML_MALFORMED@1:10'],
    ["'--' in a comment", '<domain><!-- a -- b --></domain>', 'E_XML_MALFORMED@1:16'],
    ['a name starting with a digit', '<domain><1a/></domain>', 'E_XML_MALFORMED@1:10'],
    ['a markup declaration', '<domain><!ELEMENT x ANY></domain>', 'E_XML_MALFORMED@1:9'],
  ])('%s', (_, input, expected) => {
    expect(codeOf(input)).toBe(expected);
  });

  test('10,000-deep nesting is E_XML_TOO_DEEP without recursion trouble', () => {
    expect(codeOf('<a>'.repeat(10000) + '</a>'.repeat(10000))).toMatch(/^E_XML_TOO_DEEP@1:/);
  });

  test('a document both too deep and unclosed is reported unclosed: well-formedness first', () => {
    expect(codeOf('<a>'.repeat(100))).toMatch(/^E_XML_MALFORMED@/);
  });

  test('a 50 MB input is refused on size alone', () => {
    const big = Buffer.alloc(50 * 1024 * 1024, 0x20);
    expect(codeOf(big)).toBe('E_XML_TOO_LARGE@1:1');
    expect(codeOf(' '.repeat(MAX_XML_BYTES + 1))).toBe('E_XML_TOO_LARGE@1:1');
  });

  test.each([
    ['UTF-16 LE BOM', Buffer.from([0xff, 0xfe, 0x3c, 0x00]), 'E_XML_ENCODING@1:1'],
    ['UTF-16 BE BOM', Buffer.from([0xfe, 0xff, 0x00, 0x3c]), 'E_XML_ENCODING@1:1'],
    ['invalid UTF-8', Buffer.from('<domain>\n  \xff</domain>', 'latin1'), 'E_XML_ENCODING@2:3'],
    ['overlong UTF-8', Buffer.from([0x3c, 0x61, 0x3e, 0xc0, 0xaf, 0x3c, 0x2f, 0x61, 0x3e]), 'E_XML_ENCODING@1:4'],
    ['UTF-8 BOM is accepted', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('<domain/>')]), 'ok'],
  ])('%s', (_, input, expected) => {
    expect(codeOf(input)).toBe(expected);
  });
});

describe('the second reading', () => {
  // Hand-written: the test walks the parsed tree by position (children[0].children[0]).
  const text = "<domain><devices><hostdev type='mdev' model='vfio-pci'><source><address uuid='u'/></source></hostdev></devices></domain>";
  const read = () => {
    const r = readXml(text, 'f.xml');
    if (!r.ok) throw new Error('must read');
    return { doc: r.doc, hostdev: r.doc.root.children[0].children[0] };
  };

  test('agrees with the scanner on a well-formed element', () => {
    const { doc, hostdev } = read();
    expect(confirmElement(doc, hostdev)).toBeNull();
  });

  test.each([
    ['an attribute value', (h: XmlElement) => void (h.attributes[1].value = 'vfio-ccw')],
    ['an element name', (h: XmlElement) => void (h.children[0].qname = 'target')],
    ['a missing child', (h: XmlElement) => void h.children.pop()],
    ['an extra attribute', (h: XmlElement) => void h.attributes.push({ ...h.attributes[0], qname: 'x' })],
  ])('refuses a tree that differs from the text in %s', (_, change) => {
    const { doc, hostdev } = read();
    change(hostdev);
    expect(confirmElement(doc, hostdev)).toMatch(/./);
  });
});

describe('readXml keeps what diagnostics need', () => {
  const text = "<?xml version='1.0'?>\r\n<domain xmlns:a='urn:one'>\r\n  <a:x  k='v&amp;&#65;&#x42;'\tother=\"2\"/>\r\n  <!-- a & b <c> --><y><![CDATA[ & < ]]>t</y>\r\n</domain>";
  const r = readXml(text, 'f.xml');
  if (!r.ok) throw new Error('fixture must read');
  const { root, lines } = r.doc;

  test('namespaces resolve to URIs; prefixes are only spelling', () => {
    expect(root.children.map((c) => [c.local, c.ns])).toEqual([['x', 'urn:one'], ['y', null]]);
  });

  test('attribute values are decoded once, positions point at names (CRLF counted as in the file)', () => {
    const x = root.children[0];
    expect(x.attributes.map((a) => [a.qname, a.value, lines.at(a.offset)])).toEqual([
      ['k', 'v&AB', { line: 3, column: 9 }],
      ['other', '2', { line: 3, column: 31 }],
    ]);
    expect(lines.at(x.start)).toEqual({ line: 3, column: 3 });
    expect(text.slice(x.start, x.end)).toBe("<a:x  k='v&amp;&#65;&#x42;'\tother=\"2\"/>");
  });

  test('no number coercion: text stays text', () => {
    const t = readXml('<domain><uuid>0123</uuid><n>1e3</n><h>0x10</h></domain>', 'f');
    if (!t.ok) throw new Error('must read');
    expect(t.doc.root.children.map((c) => c.text)).toEqual(['0123', '1e3', '0x10']);
  });

  test('comments and CDATA may hold & and <', () => {
    expect(root.children[1].text).toContain('t');
  });
});
