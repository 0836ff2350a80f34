/**
 * The commands' side of the configuration: apply, release and migrate-check read
 * <root>/etc/mdev-agg/config.json, a broken file exits 2 naming its position, its settings take
 * effect, and flags win over it. What the file may hold is test/core/reading/config.test.ts; the
 * hook's side (prepare refuses, release goes on) is test/cli/hook-run.test.ts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, json } from '../helpers/cli';
import { TestClock } from '../helpers/clock';
import { type ConfigSettings, compatibleVersions, writeConfig } from '../helpers/config-builder';
import { type MdevDevice, domainXml, libvirtDomain } from '../helpers/domain-builder';
import { copyHost } from '../helpers/tree';
import { ConfinedTree } from '../../src/shell/files/guarded-fs';
import { processStartTime } from '../../src/shell/state-store';

const GVT_DOMAIN = domainXml([{ uuid: '4b20d080-1b54-4048-85b3-a6a62d165c01', type: 'i915-GVTg_V5_8', instances: 1, parent: '0000:00:02.0' }]);

/** A copy of fixture host `host` with `config` as its configuration (none when null), and a domain file beside the root. */
function hostWith(host: string, config: ConfigSettings | string | null, xml: string) {
  const { parent, root } = copyHost(host);
  if (config !== null) writeConfig(root, config);
  const file = join(parent, 'guest.xml');
  writeFileSync(file, xml);
  return { parent, root, file };
}

describe('GIVEN apply, release and migrate-check on a tree', () => {
  test.each([['apply'], ['release'], ['migrate-check', '--simulate']])('WHEN the configuration is broken THEN %s exits 2 with E_CONFIG_INVALID at its position, before touching the host', async (...command) => {
    const { root, file } = hostWith('gvt-attribute', '{"lockTimeoutMs": 10,,}', GVT_DOMAIN);
    const r = await cli([...command, file, '--root', root]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`${root}/etc/mdev-agg/config.json:1:22: error E_CONFIG_INVALID: not valid JSON: Expected double-quoted property name in JSON at position 21\n`);
  });

  test('WHEN the configuration has an unknown key THEN the warning is reported and the command runs', async () => {
    const { root, file } = hostWith('gvt-attribute', '{"lockTimeout": 5}', GVT_DOMAIN);
    const r = await cli(['release', file, '--root', root, '--json']);
    expect(r.code).toBe(0);
    expect(json(r).diagnostics.map((d: { code: string }) => d.code)).toEqual(['W_CONFIG_UNKNOWN_KEY']);
  });

  test('WHEN the lock is held by a live process THEN apply waits lockTimeoutMs from the configuration, then E_LOCK_TIMEOUT', async () => {
    const { root, file } = hostWith('gvt-attribute', { lockTimeoutMs: 300 }, GVT_DOMAIN);
    mkdirSync(join(root, 'run/mdev-agg'), { recursive: true });
    // As a live run writes it: its pid and start time (a lock naming no start time is respected only for the lock timeout).
    writeFileSync(join(root, 'run/mdev-agg/lock'), `${process.pid} ${processStartTime(new ConfinedTree('/'), process.pid)}\n`);
    const clock = new TestClock();
    const r = await cli(['apply', file, '--root', root, '--json'], '', {}, { clock });
    expect(r.code).toBe(1);
    expect(json(r).diagnostics.map((d: { code: string; message: string }) => `${d.code} ${d.message}`)).toEqual([
      'E_LOCK_TIMEOUT the host lock (/run/mdev-agg/lock) is held by a live process; gave up after 300 ms',
    ]);
    // Waited on the injected clock, in the executor's steps of 50 ms, until the timeout.
    expect(clock.slept).toBe(300);
  });
});

describe('GIVEN migrate-check of a live target (--simulate), the nvidia host with driver 535.161.05', () => {
  const U = 'a2f70942-9a95-48c8-bb01-9d4c04b538ae';
  const older: MdevDevice = { uuid: U, type: 'nvidia-256', instances: 1, source: { driver: 'nvidia', driverVersion: '535.104.05' } };
  const unstamped: MdevDevice = { uuid: U, type: 'nvidia-256', instances: 1 };
  /** Stamped by this driver, naming a parent the host lacks: placed elsewhere unless named parents are required. */
  const elsewhere: MdevDevice = { uuid: U, type: 'nvidia-256', instances: 1, parent: '0000:81:00.0', source: { driver: 'nvidia', driverVersion: '535.161.05' } };
  const nvidia = (config: ConfigSettings | null, device: MdevDevice) => hostWith('nvidia', config, libvirtDomain('guest', [device]));
  const check = (host: { root: string; file: string }, ...flags: string[]) => cli(['migrate-check', host.file, '--simulate', '--root', host.root, '--json', ...flags]);
  const driverCheck = (r: Awaited<ReturnType<typeof cli>>) => json(r).devices[0].checks.driver;

  test('WHEN the configuration groups the two driver versions THEN compatible by policy; without it THEN incompatible', async () => {
    const refused = await check(nvidia(null, older));
    expect(refused.code).toBe(1);
    expect(driverCheck(refused)).toMatchObject({ ok: false, code: 'C_DRIVER_INCOMPATIBLE' });

    const allowed = await check(nvidia({ driverPolicy: compatibleVersions('nvidia', '535.104.05', '535.161.05') }, older));
    expect(allowed.code).toBe(0);
    expect(driverCheck(allowed)).toMatchObject({ ok: true, method: 'policy' });
  });

  test('WHEN --policy is given THEN it replaces the configuration\'s driver policy', async () => {
    const host = nvidia({ driverPolicy: compatibleVersions('nvidia', '535.104.05', '535.161.05') }, older);
    const policy = join(host.parent, 'policy.json');
    writeFileSync(policy, '{"drivers": {}}');
    const r = await check(host, '--policy', policy);
    expect(r.code).toBe(1);
    expect(driverCheck(r)).toMatchObject({ ok: false, code: 'C_DRIVER_INCOMPATIBLE' });
  });

  test('WHEN the configuration allows unknown drivers THEN an unstamped domain passes the driver check as unknown', async () => {
    expect((await check(nvidia(null, unstamped))).code).toBe(1);
    const r = await check(nvidia({ allowUnknownDriver: true }, unstamped));
    expect(r.code).toBe(0);
    expect(driverCheck(r)).toMatchObject({ ok: true, result: 'unknown' });
  });

  test('WHEN the configuration says migrationParent require THEN a named parent the host lacks is refused, unless --migration-parent prefer is given', async () => {
    expect((await check(nvidia(null, elsewhere))).code).toBe(0);
    const host = nvidia({ migrationParent: 'require' }, elsewhere);
    expect((await check(host)).code).toBe(1);
    expect((await check(host, '--migration-parent', 'prefer')).code).toBe(0);
  });
});
