/** migrate-check takes the driver policy and the unknown-driver rule from the configuration file when no flag gives them. */
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, json } from '../helpers/cli';
import { REPO } from '../helpers/golden';
import { type HookDevice, libvirtDomain } from '../helpers/hook';
import { tempDir } from '../helpers/temp-dir';

const U = 'a2f70942-9a95-48c8-bb01-9d4c04b538ae';

/** A copy of the nvidia host (driver 535.161.05) with `config` as its configuration, and a domain file. */
function setup(config: string | null, device: HookDevice) {
  const dir = tempDir('mdev-agg-mc-');
  const root = join(dir, 'root');
  cpSync(join(REPO, 'fixtures/hosts/nvidia'), root, { recursive: true, verbatimSymlinks: true });
  if (config !== null) {
    mkdirSync(join(root, 'etc/mdev-agg'), { recursive: true });
    writeFileSync(join(root, 'etc/mdev-agg/config.json'), config);
  }
  const file = join(dir, 'guest.xml');
  writeFileSync(file, libvirtDomain('guest', [device]));
  return { root, file };
}

const older: HookDevice = { uuid: U, type: 'nvidia-256', instances: 1, source: { driver: 'nvidia', driverVersion: '535.104.05' } };
const driverCheck = (r: Awaited<ReturnType<typeof cli>>) => json(r).devices[0].checks.driver;

describe('GIVEN migrate-check of a live target (--simulate) without --policy or --allow-unknown-driver', () => {
  test('WHEN the configuration groups the two driver versions THEN compatible by policy; without it THEN incompatible', async () => {
    const without = setup(null, older);
    const refused = await cli(['migrate-check', without.file, '--simulate', '--root', without.root, '--json']);
    expect(refused.code).toBe(1);
    expect(driverCheck(refused)).toMatchObject({ ok: false, code: 'C_DRIVER_INCOMPATIBLE' });

    const withPolicy = setup('{"driverPolicy": {"drivers": {"nvidia": {"compatible": [["535.104.05", "535.161.05"]]}}}}', older);
    const allowed = await cli(['migrate-check', withPolicy.file, '--simulate', '--root', withPolicy.root, '--json']);
    expect(allowed.code).toBe(0);
    expect(driverCheck(allowed)).toMatchObject({ ok: true, method: 'policy' });
  });

  test('WHEN the configuration allows unknown drivers THEN an unstamped domain passes the driver check as unknown', async () => {
    const unstamped: HookDevice = { uuid: U, type: 'nvidia-256', instances: 1 };
    const strict = setup(null, unstamped);
    expect((await cli(['migrate-check', strict.file, '--simulate', '--root', strict.root])).code).toBe(1);
    const lenient = setup('{"allowUnknownDriver": true}', unstamped);
    const r = await cli(['migrate-check', lenient.file, '--simulate', '--root', lenient.root, '--json']);
    expect(r.code).toBe(0);
    expect(driverCheck(r)).toMatchObject({ ok: true, result: 'unknown' });
  });

  test('WHEN the configuration is broken THEN exit 2 with E_CONFIG_INVALID', async () => {
    const broken = setup('{"allowUnknownDriver": 1}', older);
    const r = await cli(['migrate-check', broken.file, '--simulate', '--root', broken.root]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/config\.json:1:2: error E_CONFIG_INVALID: allowUnknownDriver must be true or false, not 1/);
  });
});
