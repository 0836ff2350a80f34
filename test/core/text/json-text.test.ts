import { parseConfig } from '../../../src/core/reading/config';
import { JsonTree, MAX_JSON_DEPTH, formatJsonPath, parseJsonDocument } from '../../../src/core/text/json-text';
import { parsePolicy } from '../../../src/core/migration/policy';
import { readSnapshot } from '../../../src/core/snapshot/read';

const RAW_CONTROL_OR_BIDI = /[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/;

describe('JSON documents from users and other hosts', () => {
  test('GIVEN nesting at the limit WHEN parsed THEN read; one level more THEN refused where it opens', () => {
    const nested = (levels: number) => `{"a": ${'['.repeat(levels - 1)}${']'.repeat(levels - 1)}}`;
    expect(parseJsonDocument(nested(MAX_JSON_DEPTH))).toMatchObject({ ok: true });
    expect(parseJsonDocument(nested(MAX_JSON_DEPTH + 1))).toEqual({ ok: false, message: `nesting deeper than ${MAX_JSON_DEPTH} levels`, position: { line: 1, column: 7 + MAX_JSON_DEPTH - 1 } });
    // brackets inside strings, escaped quotes included, are not nesting
    expect(parseJsonDocument(`{"a": "${'[\\"'.repeat(200)}"}`)).toMatchObject({ ok: true });
  });

  // Recursive readers (the syntax tree, the repeated-key walk) would overflow the stack on these.
  const deep = (inner: string) => `{"name": ${'['.repeat(20_000)}${inner}`;
  test.each([
    ['a snapshot nested 20,000 deep', () => readSnapshot(`${deep(']'.repeat(20_000))}, "parents": [], "devices": [], "problems": []}`, 's.json').diagnostics, 'E_SNAPSHOT_INVALID'],
    ['a snapshot cut off 20,000 deep', () => readSnapshot(deep(''), 's.json').diagnostics, 'E_SNAPSHOT_INVALID'],
    ['a policy nested 20,000 deep', () => parsePolicy(`{"drivers": {"i915": {"compatible": ${'['.repeat(20_000)}${']'.repeat(20_000)}}}}`, 'p.json').diagnostics, 'E_POLICY_INVALID'],
    ['a configuration cut off 20,000 deep', () => parseConfig(`{"bogus": ${'['.repeat(20_000)}`, 'config.json').diagnostics, 'E_CONFIG_INVALID'],
  ])('GIVEN %s WHEN read THEN one diagnostic at the level past the limit, no throw', (_what, read, code) => {
    const diagnostics = read();
    expect(diagnostics).toEqual([expect.objectContaining({ code, line: 1, message: `nesting deeper than ${MAX_JSON_DEPTH} levels` })]);
  });

  test('GIVEN untrusted text in a syntax error or a key WHEN reported THEN it is not echoed raw: no excerpt, escapes shown', () => {
    const secret = parseJsonDocument('{"name": xyz_secret_text_here}');
    expect(secret).toMatchObject({ ok: false });
    expect(!secret.ok && secret.message).not.toMatch(/secret/);
    const escape = parseJsonDocument('{"aaaaaaaaaaaaaaaaaaaaaaaaaa": \u001b]0;pwned\u0007 more}');
    expect(!escape.ok && escape.message).toMatch(/^not valid JSON: Unexpected token '\\u\{1b\}'$/);
    const keyed = readSnapshot('{"\\u001b[31mRED\\n\\u202e": 1, "parents": [], "devices": [], "problems": []}', 's.json').diagnostics;
    expect(keyed[0]!.message).toBe('["\\u001b[31mRED\\n\\u{202e}"]: is not a member of a snapshot');
    expect(keyed[0]!.message).not.toMatch(RAW_CONTROL_OR_BIDI);
    expect(formatJsonPath(['drivers', 'x'.repeat(500)]).length).toBeLessThan(100);
  });

  test('GIVEN 20,000 findings in one object WHEN placed THEN each is on its own line (placing is linear, not per finding)', () => {
    const keys = Array.from({ length: 20_000 }, (_, i) => `  "k${i}": 0`);
    const text = `{\n  "parents": [], "devices": [], "problems": [],\n${keys.join(',\n')}\n}`;
    const { diagnostics } = readSnapshot(text, 's.json');
    expect(diagnostics).toHaveLength(20_000);
    expect(diagnostics.every((d, i) => d.line === i + 3 && d.column === 3 && d.message === `k${i}: is not a member of a snapshot`)).toBe(true);
  });

  test('GIVEN a key written twice WHEN read THEN refused at the second one, with its path', () => {
    expect(parseJsonDocument('{"a": {"b": 1},\n "a": {"b": 2}}')).toEqual({ ok: false, message: 'a: this key is written twice in its object', position: { line: 2, column: 2 } });
    expect(parseJsonDocument('{"x": [{"k": 1}, {"k": 2, "\\u006b": 3}]}')).toMatchObject({ ok: false, message: 'x[1].k: this key is written twice in its object' });
    expect(parseJsonDocument('{"x": [{"k": 1}, {"k": 2}]}')).toMatchObject({ ok: true });
    const tree = new JsonTree('{"a": {"b": 1},\n "c": {"b": 2}}');
    expect(tree.at(['c', 'b'])).toEqual({ line: 2, column: 13 });
    expect(tree.at(['c', 'b'], true)).toEqual({ line: 2, column: 8 });
    expect(tree.at(['c', 'missing'])).toEqual({ line: 2, column: 7 });
  });
});
