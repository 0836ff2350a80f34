import { DEFAULT_CONFIG, parseConfig } from '../../../src/core/reading/config';
import { EMPTY_POLICY, policyAllows } from '../../../src/core/migration/policy';

const F = '/etc/mdev-agg/config.json';
const errors = (text: string) => parseConfig(text, F).diagnostics.map((d) => `${d.code} ${d.line}:${d.column} ${d.message}`);

describe('GIVEN a configuration text', () => {
  test('WHEN it sets every key THEN they are read', () => {
    const text = JSON.stringify({ lockTimeoutMs: 5000, allowUnknownDriver: true, migrationParent: 'require', driverPolicy: { drivers: { nvidia: { compatible: [['535.104.05', '535.129.03']] } } } }, null, 2);
    expect(parseConfig(text, F)).toEqual({
      config: { lockTimeoutMs: 5000, allowUnknownDriver: true, migrationParent: 'require', driverPolicy: { drivers: new Map([['nvidia', [new Set(['535.104.05', '535.129.03'])]]]) } },
      diagnostics: [],
    });
  });

  test('WHEN it is an empty object THEN the defaults', () => {
    expect(parseConfig('{}', F)).toEqual({ config: DEFAULT_CONFIG, diagnostics: [] });
    expect(DEFAULT_CONFIG).toEqual({ lockTimeoutMs: 30000, allowUnknownDriver: false, driverPolicy: EMPTY_POLICY, migrationParent: 'prefer' });
  });

  test.each([
    ['{\n  "lockTimeoutMs": 1,\n  "x" 2\n}', 'E_CONFIG_INVALID 3:7 not valid JSON: Unexpected number in JSON at position 30'],
    ['{"lockTimeoutMs": 1', 'E_CONFIG_INVALID 1:20 not valid JSON: Expected \',\' or \'}\' after property value in JSON at position 19'],
    ['{"lockTimeoutMs": ', 'E_CONFIG_INVALID 1:19 not valid JSON: Unexpected end of JSON input'],
    ['', 'E_CONFIG_INVALID 1:1 not valid JSON: Unexpected end of JSON input'],
    ['[1]', 'E_CONFIG_INVALID 1:1 the configuration must be a JSON object'],
    ['null', 'E_CONFIG_INVALID 1:1 the configuration must be a JSON object'],
  ])('WHEN it is %j THEN %s', (text, expected) => {
    const result = parseConfig(text, F);
    expect(result.config).toBeNull();
    expect(errors(text)).toEqual([expected]);
    expect(result.diagnostics[0]!.file).toBe(F);
  });

  test.each([
    ['{\n  "lockTimeoutMs": "30s"\n}', 'E_CONFIG_INVALID 2:3 lockTimeoutMs must be an integer 0..600000 (milliseconds), not "30s"'],
    ['{"lockTimeoutMs": -1}', 'E_CONFIG_INVALID 1:2 lockTimeoutMs must be an integer 0..600000 (milliseconds), not -1'],
    ['{"lockTimeoutMs": 1.5}', 'E_CONFIG_INVALID 1:2 lockTimeoutMs must be an integer 0..600000 (milliseconds), not 1.5'],
    ['{"lockTimeoutMs": 600001}', 'E_CONFIG_INVALID 1:2 lockTimeoutMs must be an integer 0..600000 (milliseconds), not 600001'],
    ['{"allowUnknownDriver": "yes"}', 'E_CONFIG_INVALID 1:2 allowUnknownDriver must be true or false, not "yes"'],
    ['{"allowUnknownDriver": 1}', 'E_CONFIG_INVALID 1:2 allowUnknownDriver must be true or false, not 1'],
    ['{"migrationParent": "keep"}', 'E_CONFIG_INVALID 1:2 migrationParent must be "prefer" or "require", not "keep"'],
    ['{"driverPolicy": []}', 'E_CONFIG_INVALID 1:2 driverPolicy: the file must hold an object: {"drivers": {...}}'],
    [
      '{"driverPolicy": {"drivers": {"i915": {"compatible": [["1"]]}}}}',
      'E_CONFIG_INVALID 1:2 driverPolicy: drivers.i915.compatible[0]: a group is a list of at least two versions',
    ],
  ])('WHEN a value is of the wrong kind (%j) THEN E_CONFIG_INVALID at its key', (text, expected) => {
    expect(parseConfig(text, F).config).toBeNull();
    expect(errors(text)).toEqual([expected]);
  });

  test('WHEN a key is unknown THEN a warning at the key, and the rest is read', () => {
    const result = parseConfig('{"lockTimeoutMS": 5, "lockTimeoutMs": 7}', F);
    expect(result.config?.lockTimeoutMs).toBe(7);
    expect(result.diagnostics.map((d) => `${d.code} ${d.severity} ${d.line}:${d.column}`)).toEqual(['W_CONFIG_UNKNOWN_KEY warning 1:2']);
  });

  test('WHEN a key also appears escaped inside another key THEN the position is the key itself', () => {
    const text = '{"note": {"\\"lockTimeoutMs\\"": 1},\n "lockTimeoutMs": true}';
    expect(errors(text)).toEqual([
      'W_CONFIG_UNKNOWN_KEY 1:2 unknown key "note" is ignored (known: lockTimeoutMs, allowUnknownDriver, driverPolicy, migrationParent)',
      'E_CONFIG_INVALID 2:2 lockTimeoutMs must be an integer 0..600000 (milliseconds), not true',
    ]);
  });
});

describe('GIVEN a driver policy in the configuration', () => {
  const { config } = parseConfig('{"driverPolicy": {"drivers": {"nvidia": {"compatible": [["535.104.05", "535.129.03"]]}}}}', F);
  test.each([
    ['nvidia', '535.104.05', '535.129.03', true],
    ['nvidia', '535.129.03', '535.104.05', true],
    ['nvidia', '535.104.05', '550.54.14', false],
    ['i915', '1', '2', false],
  ])('WHEN %s moves from %s to %s THEN the policy allows it: %s', (driver, from, to, allowed) => {
    expect(policyAllows(config!.driverPolicy, driver, from, to)).toBe(allowed);
  });
});
