/** apply and release read the lock timeout from <root>/etc/mdev-agg/config.json. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, json } from '../helpers/cli';
import { TestClock } from '../helpers/clock';
import { copyHost } from '../helpers/tree';
import { ConfinedTree } from '../../src/shell/files/guarded-fs';
import { processStartTime } from '../../src/shell/state-store';

const domain = `<domain type='kvm'><name>g</name><devices>
<hostdev mode='subsystem' type='mdev' model='vfio-pci'><source><address uuid='4b20d080-1b54-4048-85b3-a6a62d165c01'/></source>
<aggregation type='i915-GVTg_V5_8' instances='1' parent='0000:00:02.0'/></hostdev></devices></domain>`;

function hostWithConfig(config: string | null) {
  const { parent, root } = copyHost('gvt-attribute');
  if (config !== null) {
    mkdirSync(join(root, 'etc/mdev-agg'), { recursive: true });
    writeFileSync(join(root, 'etc/mdev-agg/config.json'), config);
  }
  const file = join(parent, 'g.xml');
  writeFileSync(file, domain);
  return { root, file };
}

describe('GIVEN apply and release on a tree', () => {
  test.each(['apply', 'release'])('WHEN the configuration is broken THEN %s exits 2 with E_CONFIG_INVALID at its position, before touching the host', async (command) => {
    const { root, file } = hostWithConfig('{"lockTimeoutMs": 10,,}');
    const r = await cli([command, file, '--root', root]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`${root}/etc/mdev-agg/config.json:1:22: error E_CONFIG_INVALID: not valid JSON: Expected double-quoted property name in JSON at position 21\n`);
  });

  test('WHEN the lock is held by a live process THEN apply waits lockTimeoutMs from the configuration, then E_LOCK_TIMEOUT', async () => {
    const { root, file } = hostWithConfig('{"lockTimeoutMs": 300}');
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

  test('WHEN the configuration has an unknown key THEN the warning is reported and the command runs', async () => {
    const { root, file } = hostWithConfig('{"lockTimeout": 5}');
    const r = await cli(['release', file, '--root', root, '--json']);
    expect(r.code).toBe(0);
    expect(json(r).diagnostics.map((d: { code: string }) => d.code)).toEqual(['W_CONFIG_UNKNOWN_KEY']);
  });
});
