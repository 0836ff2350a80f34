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

  test.each([
    ['not JSON', '{"drivers": }', /not JSON/],
    ['a list at the top', '[]', /must hold an object/],
    ['an unknown top-level key', '{"drivers": {}, "allow": true}', /allow: unknown key/],
    ['drivers not an object', '{"drivers": []}', /drivers: must be an object/],
    ['an unsafe driver name', '{"drivers": {"../x": {"compatible": []}}}', /drivers\.\.\.\/x: not a driver name/],
    ['an unknown driver key', '{"drivers": {"nvidia": {"compatible": [], "upgrade": []}}}', /drivers\.nvidia\.upgrade: unknown key/],
    ['compatible not a list', '{"drivers": {"nvidia": {"compatible": "535"}}}', /compatible: must be a list/],
    ['a group of one', '{"drivers": {"nvidia": {"compatible": [["535"]]}}}', /compatible\[0\]: a group is a list of at least two versions/],
    ['a number as version', '{"drivers": {"nvidia": {"compatible": [["535", 536]]}}}', /compatible\[0\]\[1\]: a version is a non-empty string/],
    ['a version twice', '{"drivers": {"nvidia": {"compatible": [["535", "535"]]}}}', /listed twice/],
  ])('GIVEN %s WHEN parsed THEN E_POLICY_INVALID says where', (_what, input, message) => {
    const r = parsePolicy(input, 'policy.json');
    expect(r.policy).toBeNull();
    expect(r.diagnostics[0]).toMatchObject({ code: 'E_POLICY_INVALID', file: 'policy.json' });
    expect(r.diagnostics.map((d) => d.message).join('\n')).toMatch(message);
  });
});
