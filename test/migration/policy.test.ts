import { parsePolicy, policyAllows } from '../../src/core/migration/policy';

describe('driver policy file', () => {
  const text = JSON.stringify({ drivers: { nvidia: { compatible: [['535.104.05', '535.129.03', '535.161.05'], ['550.54.14', '550.90.07']] } } });

  test('GIVEN groups of versions WHEN asked THEN versions in one group may migrate either way, across groups not', () => {
    const { policy } = parsePolicy(text, 'policy.json');
    expect(policyAllows(policy!, 'nvidia', '535.104.05', '535.161.05')).toBe(true);
    expect(policyAllows(policy!, 'nvidia', '535.161.05', '535.104.05')).toBe(true);
    expect(policyAllows(policy!, 'nvidia', '535.104.05', '550.54.14')).toBe(false);
    expect(policyAllows(policy!, 'i915', '535.104.05', '535.161.05')).toBe(false);
  });

  // `at` is the text the diagnostic points to: its first character gives the column (all on line 1).
  test.each([
    ['not JSON', '{"drivers": }', /^not valid JSON: Unexpected token '}'$/, '}'],
    ['a bad literal', '{"drivers": {"nvidia": tru}}', /^not valid JSON: /, 'tru'],
    ['a list at the top', '[]', /must hold an object/, '['],
    ['an unknown top-level key', '{"drivers": {}, "allow": true}', /allow: unknown key/, '"allow"'],
    ['drivers not an object', '{"drivers": []}', /drivers: must be an object/, '[]'],
    ['an unsafe driver name', '{"drivers": {"../x": {"compatible": []}}}', /drivers\["\.\.\/x"\]: not a driver name/, '"../x"'],
    ['an unknown driver key', '{"drivers": {"nvidia": {"compatible": [], "upgrade": []}}}', /drivers\.nvidia\.upgrade: unknown key/, '"upgrade"'],
    ['compatible not a list', '{"drivers": {"nvidia": {"compatible": "535"}}}', /compatible: must be a list/, '"535"'],
    ['a group of one', '{"drivers": {"nvidia": {"compatible": [["535"]]}}}', /compatible\[0\]: a group is a list of at least two versions/, '["535"]'],
    ['a number as version', '{"drivers": {"nvidia": {"compatible": [["535", 536]]}}}', /compatible\[0\]\[1\]: a version is a non-empty string/, '536'],
    ['a version twice', '{"drivers": {"nvidia": {"compatible": [["535", "535"]]}}}', /listed twice/, '["535", "535"]'],
  ])('GIVEN %s WHEN parsed THEN E_POLICY_INVALID says what and where', (_what, input, message, at) => {
    const r = parsePolicy(input, 'policy.json');
    expect(r.policy).toBeNull();
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]).toMatchObject({ code: 'E_POLICY_INVALID', file: 'policy.json', line: 1, column: input.indexOf(at) + 1 });
    expect(r.diagnostics[0]!.message).toMatch(message);
  });

  test('GIVEN a policy over several lines WHEN a version is bad THEN the line and column are the version\'s', () => {
    const input = '{\n  "drivers": {\n    "nvidia": {\n      "compatible": [\n        ["535", ""]\n      ]\n    }\n  }\n}\n';
    expect(parsePolicy(input, 'p.json').diagnostics).toEqual([expect.objectContaining({ line: 5, column: 17 })]);
  });
});
