import { cli, json } from '../helpers/cli';

const M = 'fixtures/migration';
const single = (...extra: string[]) => ['migrate-check', `${M}/domains/nv-one.xml`, '--source', `${M}/snapshots/nv-src.xml`, ...extra];

describe('mdev-agg migrate-check: inputs and output', () => {
  test('GIVEN --json WHEN checked THEN the shape of DESIGN 6: ok, compatible, devices with the three checks, diagnostics', async () => {
    const r = json(await cli(single('--target', `${M}/snapshots/nv-tgt-129.xml`, '--json')));
    expect(Object.keys(r)).toEqual(['ok', 'compatible', 'domain', 'source', 'target', 'devices', 'diagnostics']);
    expect(r.devices[0]).toMatchObject({
      uuid: 'b7e4d2c1-3a5f-4e8b-9c0d-2f6a8b1c3d5e',
      checks: { type: { ok: true }, count: { ok: true }, driver: { ok: false, method: 'driver-version', code: 'C_DRIVER_INCOMPATIBLE' } },
    });
    expect(r.diagnostics).toEqual([expect.objectContaining({ code: 'C_DRIVER_INCOMPATIBLE', severity: 'error', file: `${M}/domains/nv-one.xml`, line: 6, column: 7 })]);
  });

  test('GIVEN text output WHEN checked THEN one line per check with its code and reason, the verdict last', async () => {
    const r = await cli(single('--target', `${M}/snapshots/nv-tgt-short.xml`));
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n')).toEqual([
      `migration of nv-one: source hv-nv-src (${M}/snapshots/nv-src.xml), target hv-nv-short (${M}/snapshots/nv-tgt-short.xml)`,
      'b7e4d2c1-3a5f-4e8b-9c0d-2f6a8b1c3d5e  nvidia-256 x2  (source facts: from the snapshot)',
      '  type    pass     the target offers nvidia-256 on 0000:41:00.0',
      '  count   fail     C_COUNT_UNSUPPORTED: the target cannot create nvidia-256 x2: 0000:41:00.0: nvidia-256 has 1 available instance left, 2 needed (E_CAPACITY)',
      '  driver  pass     nvidia 535.104.05 on both sides [driver-version]',
      'compatible: no (1 of 1 device fails)',
      '',
    ]);
  });

  test.each([
    ['an invalid policy', single('--target', `${M}/snapshots/nv-tgt-129.xml`, '--policy', `${M}/snapshots/nv-tgt-129.xml`), 1, /E_POLICY_INVALID: not valid JSON/],
    ['an unreadable policy', single('--target', `${M}/snapshots/nv-tgt-129.xml`, '--policy', 'no-such.json'), 2, /cannot read no-such\.json: ENOENT/],
    ['a target that is not a snapshot', single('--target', `${M}/domains/nv-one.xml`), 1, /E_SNAPSHOT_INVALID: the root element is <domain>/],
    ['an invalid snapshot', single('--target', 'fixtures/snapshots/path-in-type-invalid.xml'), 1, /E_SNAPSHOT_INVALID/],
    ['an unreadable source', ['migrate-check', `${M}/domains/nv-one.xml`, '--source', 'no-such.xml', '--target', `${M}/snapshots/nv-tgt-129.xml`], 2, /cannot read no-such\.xml/],
    ['an invalid domain', ['migrate-check', 'fixtures/domains/orphan-error.xml', '--target', `${M}/snapshots/nv-tgt-129.xml`], 1, /E_AGG_ORPHAN/],
    ['--simulate with --target', single('--target', `${M}/snapshots/nv-tgt-129.xml`, '--simulate'), 2, /--simulate applies to the live target only/],
  ])('GIVEN %s WHEN checked THEN the exit code and reason say so', async (_what, argv, code, message) => {
    const r = await cli(argv);
    expect(r.code).toBe(code);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
  });

  test('GIVEN a policy that allows the versions WHEN checked THEN the driver check passes by policy', async () => {
    const r = await cli(single('--target', `${M}/snapshots/nv-tgt-129.xml`, '--policy', `${M}/policies/nvidia-535.json`, '--json'));
    expect(r.code).toBe(0);
    expect(json(r).devices[0].checks.driver).toMatchObject({ ok: true, result: 'pass', method: 'policy' });
  });
});
