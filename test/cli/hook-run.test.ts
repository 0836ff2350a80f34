/** The hook per operation: exit codes, stdout and stderr as libvirt reads them (README "libvirt integration"). */
import { readDomain } from '../../src/core/reading/domain';
import { readHost } from '../../src/core/host/read-host';
import { domainStatus } from '../../src/core/plan/status';
import type { Sysfs } from '../../src/core/host/sysfs';
import { SimKernel } from '../../src/shell/sim/kernel';
import { MemoryStateStore } from '../../src/shell/state-store';
import { compatibleVersions, configRoot } from '../helpers/config-builder';
import { libvirtDomain } from '../helpers/domain-builder';
import { hook } from '../helpers/hook';
import { GVT_PARENT, attributeHost, plainHost, withMigrationVersion } from '../helpers/host-builder';
import { copyHost, treePicture } from '../helpers/tree';

const U1 = '53764d0e-85a0-42b4-af5c-2046b460b1dc';
const U2 = '53764d0e-85a0-42b4-af5c-2046b460b1dd';

/** A host any access to which fails the test: the hook must not look at it. */
const untouchable: Sysfs = new Proxy({} as Sysfs, {
  get: (_, name) => () => {
    throw new Error(`the host was accessed (${String(name)})`);
  },
});
const noHost = { sysfs: untouchable, store: new MemoryStateStore() };

const simHost = (spec = attributeHost()) => ({ sysfs: SimKernel.build(spec), store: new MemoryStateStore() });
const statesOf = (xml: string, sysfs: Sysfs) => domainStatus(readDomain(xml, 'x').model!, readHost(sysfs)).map((s) => s.state);
const aggregated = libvirtDomain('g', [{ uuid: U1, type: 'i915-GVTg_V5_8', instances: 3, parent: GVT_PARENT }]);

describe('GIVEN a guest without aggregated mdevs', () => {
  const plain = libvirtDomain('plain', []);
  test.each(['prepare', 'release', 'migrate', 'restore', 'reconnect', 'start'])('WHEN %s THEN exit 0, no output, the host untouched', async (op) => {
    const r = await hook(['plain', op, op === 'release' ? 'end' : 'begin', '-'], plain, noHost);
    expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  test('WHEN its text is not even XML but names no aggregation THEN prepare exits 0 without parsing it', async () => {
    expect(await hook(['x', 'prepare', 'begin', '-'], '<<<not xml', noHost)).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  test('WHEN it declares the namespace but no entry THEN the host is not read either', async () => {
    const empty = libvirtDomain('g', []).replace('<devices>', '<devices>\n').replace('<metadata>', '');
    const xml = empty.replace('<memory', `<metadata><agg:aggregation xmlns:agg='urn:mdev-agg:aggregation:1'/></metadata>\n  <memory`);
    expect(await hook(['g', 'prepare', 'begin', '-'], xml, noHost)).toEqual({ code: 0, stdout: '', stderr: '' });
  });
});

describe('GIVEN a guest with an aggregated mdev', () => {
  test.each([
    ['start', 'begin', '-'],
    ['started', 'begin', '-'],
    ['stopped', 'end', '-'],
    ['attach', 'begin', '-'],
    ['some-future-op', 'begin', '-'],
  ])('WHEN %s THEN nothing happens: exit 0, no output, the host untouched', async (op, subop, extra) => {
    expect(await hook(['g', op, subop, extra], aggregated, noHost)).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  test('WHEN prepare THEN the device exists, exit 0, nothing printed', async () => {
    const host = simHost();
    expect(await hook(['g', 'prepare', 'begin', '-'], aggregated, host)).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(statesOf(aggregated, host.sysfs)).toEqual(['present']);
  });

  test('WHEN restore THEN the device is created and stdout stays empty (libvirt would read it as XML)', async () => {
    const host = simHost();
    expect(await hook(['g', 'restore', 'begin', '-'], aggregated, host)).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(statesOf(aggregated, host.sysfs)).toEqual(['present']);
  });

  test('WHEN prepare cannot create it THEN exit 1 and exactly one line on stderr naming guest, code and cause', async () => {
    const host = simHost();
    const tooMany = libvirtDomain('g', [{ uuid: U1, type: 'i915-GVTg_V5_8', instances: 3, parent: GVT_PARENT }, { uuid: U2, type: 'i915-GVTg_V5_4', instances: 1, parent: '0000:00:09.0' }]);
    const r = await hook(['g', 'prepare', 'begin', '-'], tooMany, host);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')).toEqual([expect.stringMatching(/^mdev-agg: prepare of guest 'g' failed: E_PARENT_NOT_FOUND: parent 0000:00:09\.0 .* \(domain XML line \d+\)$/), '']);
    expect(statesOf(tooMany, host.sysfs)).toEqual(['absent', 'absent']);
  });

  test('WHEN the kernel refuses mid-way THEN exit 1, one line with the first error, and what this run made is rolled back', async () => {
    const host = simHost();
    (host.sysfs as SimKernel).failWriteWhere((path) => path.endsWith('/mdev/aggregated_instances'), 'ENOSPC');
    const r = await hook(['g', 'prepare', 'begin', '-'], aggregated, host);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^mdev-agg: prepare of guest 'g' failed: E_SYSFS_WRITE: .*ENOSPC.*\n$/);
    expect(statesOf(aggregated, host.sysfs)).toEqual(['absent']);
  });

  test('WHEN the domain XML is broken THEN prepare exits 1 with one line, migrate too', async () => {
    const broken = aggregated.replace('instances="3"', 'instances="03"');
    for (const op of ['prepare', 'migrate']) {
      const r = await hook(['g', op, 'begin', '-'], broken, noHost);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`^mdev-agg: ${op} of guest 'g' failed: E_AGG_INSTANCES_INVALID: [^\\n]*\\n$`));
    }
  });

  test('WHEN release after prepare THEN the device is gone, exit 0, nothing printed', async () => {
    const host = simHost();
    await hook(['g', 'prepare', 'begin', '-'], aggregated, host);
    expect(await hook(['g', 'release', 'end', 'shutdown'], aggregated, host)).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(statesOf(aggregated, host.sysfs)).toEqual(['absent']);
  });

  test('WHEN release finds the device busy THEN exit 1 (libvirt logs it; the shutdown goes on) with one line, the device kept', async () => {
    const host = simHost();
    await hook(['g', 'prepare', 'begin', '-'], aggregated, host);
    (host.sysfs as SimKernel).open(U1);
    const r = await hook(['g', 'release', 'end', 'destroyed'], aggregated, host);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^mdev-agg: release of guest 'g' failed: E_DEVICE_BUSY: [^\n]*\n$/);
    expect(statesOf(aggregated, host.sysfs)).toEqual(['present']);
  });

  test('WHEN release of devices that do not exist THEN exit 0 (nothing to remove)', async () => {
    expect(await hook(['g', 'release', 'end', '-'], aggregated, simHost())).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  test('WHEN reconnect with the device present THEN exit 0 and silence; absent or broken THEN still exit 0, one line', async () => {
    const host = simHost();
    await hook(['g', 'prepare', 'begin', '-'], aggregated, host);
    expect(await hook(['g', 'reconnect', 'begin', '-'], aggregated, host)).toEqual({ code: 0, stdout: '', stderr: '' });

    const absent = await hook(['g', 'reconnect', 'begin', '-'], aggregated, simHost());
    expect(absent.code).toBe(0);
    expect(absent.stderr).toBe(`mdev-agg: reconnect of guest 'g': 1 of 1 aggregated mdevs not as declared: ${U1} is absent\n`);

    const broken = await hook(['g', 'reconnect', 'begin', '-'], aggregated.replace('instances="3"', 'instances="x"'), host);
    expect(broken.code).toBe(0);
    expect(broken.stderr).toMatch(/^mdev-agg: reconnect of guest 'g' cannot check the devices: E_AGG_INSTANCES_INVALID/);

    const failing = await hook(['g', 'reconnect', 'begin', '-'], aggregated, undefined, { MDEV_AGG_ROOT: '/nonexistent/root' });
    expect(failing.code).toBe(0);
    expect(failing.stderr).toMatch(/^mdev-agg: reconnect of guest 'g': the check failed: the root \/nonexistent\/root does not exist/);
  });

  test('WHEN the guest name looks like an option THEN it is still the guest name', async () => {
    expect(await hook(['--json', 'prepare', 'begin', '-'], aggregated, simHost())).toEqual({ code: 0, stdout: '', stderr: '' });
  });
});

describe('GIVEN the configuration file', () => {

  test('WHEN it is broken THEN prepare refuses to start the guest, naming the file, line and column', async () => {
    const root = configRoot('{\n  "lockTimeoutMs": 100,\n}\n');
    const r = await hook(['g', 'prepare', 'begin', '-'], aggregated, simHost(), { MDEV_AGG_ROOT: root });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`mdev-agg: prepare of guest 'g' failed: E_CONFIG_INVALID: not valid JSON: Expected double-quoted property name in JSON at position 26 (${root}/etc/mdev-agg/config.json:3:1)\n`);
  });

  test('WHEN it is broken THEN release still releases, with the defaults, and says so', async () => {
    const root = configRoot('[]');
    const host = simHost();
    await hook(['g', 'prepare', 'begin', '-'], aggregated, host);
    const r = await hook(['g', 'release', 'end', '-'], aggregated, host, { MDEV_AGG_ROOT: root });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^mdev-agg: release of guest 'g' goes on with the default configuration: E_CONFIG_INVALID: the configuration must be a JSON object/);
    expect(statesOf(aggregated, host.sysfs)).toEqual(['absent']);
  });

  test('WHEN it sets lockTimeoutMs THEN a held lock makes prepare give up after that time', async () => {
    const root = configRoot({ lockTimeoutMs: 0 });
    const store = new MemoryStateStore();
    store.tryLock();
    const r = await hook(['g', 'prepare', 'begin', '-'], aggregated, { sysfs: SimKernel.build(attributeHost()), store }, { MDEV_AGG_ROOT: root });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/E_LOCK_TIMEOUT: .*gave up after 0 ms/);
  });
});

describe('GIVEN an incoming migration (migrate on the destination)', () => {
  test.each([
    ['an NVIDIA string on a GVT type', 'nvidia-535.104.05-256', 1],
    ['the GVT type\'s own string', '8086-591d-i915-GVTg_V5_8-00000001', 0],
  ])('WHEN the root is a tree copy, not sysfs, and the stamp carries %s THEN the strings are compared and nothing is written', async (_what, version, code) => {
    const copy = copyHost('gvt-attribute');
    const before = treePicture(copy.root);
    const xml = libvirtDomain('g', [{ uuid: 'c2177883-f1bb-47f0-914d-32a22e3a8804', type: 'i915-GVTg_V5_8', instances: 1, parent: GVT_PARENT, source: { host: 'hv-a', driver: 'i915', migrationVersion: version } }]);
    const r = await hook(['g', 'migrate', 'begin', '-'], xml, undefined, { MDEV_AGG_ROOT: copy.root });
    expect(r.code).toBe(code);
    if (code !== 0) expect(r.stderr).toMatch(/C_DRIVER_INCOMPATIBLE: .*the strings differ \(not written: .* is not on sysfs\)/);
    expect(treePicture(copy.root)).toEqual(before);
  });

  const nvidia = { host: 'hv-b', driver: 'nvidia', driverVersion: '535.104.05' };
  const GVT_8 = '8086-591d-i915-GVTg_V5_8-00000001';
  const gvtHost = () => simHost(withMigrationVersion(attributeHost(), 'i915-GVTg_V5_8', GVT_8));
  const stamped = libvirtDomain('g', [{ uuid: U1, type: 'i915-GVTg_V5_8', instances: 3, parent: GVT_PARENT, source: { driver: 'i915', migrationVersion: GVT_8 } }]);

  test('WHEN every device names a parent this host has, with room, and the driver check passes THEN exit 0 and stdout empty (XML unchanged)', async () => {
    const host = gvtHost();
    expect(await hook(['g', 'migrate', 'begin', '-'], stamped, host)).toEqual({ code: 0, stdout: '', stderr: '' });
    // The live protocol: the source's migration_version was written to this host's type, and accepted.
    expect((host.sysfs as SimKernel).writes.map((w) => `${w.path}=${w.data.trim()} ${w.errno ?? 'OK'}`)).toEqual([
      `/sys/class/mdev_bus/${GVT_PARENT}/mdev_supported_types/i915-GVTg_V5_8/migration_version=${GVT_8} OK`,
    ]);
  });

  test('WHEN this host refuses the source migration_version THEN C_DRIVER_INCOMPATIBLE aborts the migration', async () => {
    const other = stamped.replace(GVT_8, '8086-3e92-i915-GVTg_V5_8-00000001');
    const r = await hook(['g', 'migrate', 'begin', '-'], other, gvtHost());
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^mdev-agg: migrate of guest 'g' failed: C_DRIVER_INCOMPATIBLE: mdev 53764d0e-[^\n]*refused 8086-3e92-i915-GVTg_V5_8-00000001[^\n]*\n$/);
  });

  test('WHEN the domain carries no stamp THEN the driver is unknown: refused, unless the configuration allows unknown drivers', async () => {
    const r = await hook(['g', 'migrate', 'begin', '-'], aggregated, simHost());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^mdev-agg: migrate of guest 'g' failed: C_DRIVER_UNKNOWN: /);
    const root = configRoot({ allowUnknownDriver: true });
    expect(await hook(['g', 'migrate', 'begin', '-'], aggregated, simHost(), { MDEV_AGG_ROOT: root })).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  test('WHEN the driver versions differ THEN refused, unless the configuration\'s driver policy groups them', async () => {
    const newer = libvirtDomain('g', [{ uuid: U1, type: 'nvidia-256', instances: 1, parent: '0000:41:00.0', source: { ...nvidia, driverVersion: '535.129.03' } }]);
    const r = await hook(['g', 'migrate', 'begin', '-'], newer, simHost(plainHost()));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/C_DRIVER_INCOMPATIBLE: .*nvidia 535\.129\.03 on the source, 535\.104\.05 on 0000:41:00\.0, and no policy allows it/);
    const root = configRoot({ driverPolicy: compatibleVersions('nvidia', '535.104.05', '535.129.03') });
    expect(await hook(['g', 'migrate', 'begin', '-'], newer, simHost(plainHost()), { MDEV_AGG_ROOT: root })).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  test('WHEN a device names no parent THEN the XML comes back with the parent placement chose, nothing else changed', async () => {
    const xml = libvirtDomain('g', [{ uuid: U1, type: 'nvidia-256', instances: 1, source: nvidia }]);
    const r = await hook(['g', 'migrate', 'begin', '-'], xml, simHost(plainHost()));
    expect(r.code).toBe(0);
    // 0000:42:00.0 offers 5 of nvidia-256, 0000:41:00.0 only 4: the most room wins.
    expect(r.stdout).toBe(xml.replace(`instances="1">`, `instances="1" parent="0000:42:00.0">`));
  });

  test('WHEN a device names a parent this host lacks but another offers the type THEN that parent is written', async () => {
    const xml = libvirtDomain('g', [
      { uuid: U1, type: 'nvidia-256', instances: 1, parent: '0000:81:00.0', source: nvidia },
      { uuid: U2, type: 'nvidia-259', instances: 1, parent: '0000:41:00.0', source: nvidia },
    ]);
    const r = await hook(['g', 'migrate', 'begin', '-'], xml, simHost(plainHost()));
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(xml.replace('parent="0000:81:00.0"', 'parent="0000:42:00.0"'));
  });

  test('WHEN the named parent exists but is full THEN the device is placed on a parent with room and that parent is written', async () => {
    const xml = libvirtDomain('g', [
      { uuid: U1, type: 'nvidia-259', instances: 1, parent: '0000:41:00.0', source: nvidia },
      { uuid: U2, type: 'nvidia-259', instances: 1, parent: '0000:41:00.0', source: nvidia },
    ]);
    const r = await hook(['g', 'migrate', 'begin', '-'], xml, simHost(plainHost()));
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const second = xml.lastIndexOf('parent="0000:41:00.0"');
    expect(r.stdout).toBe(`${xml.slice(0, second)}parent="0000:42:00.0"${xml.slice(second + 'parent="0000:41:00.0"'.length)}`);
  });

  test('WHEN the named parent exists but is full and the configuration says migrationParent require THEN the migration is refused rather than moved', async () => {
    const xml = libvirtDomain('g', [
      { uuid: U1, type: 'nvidia-259', instances: 1, parent: '0000:41:00.0', source: nvidia },
      { uuid: U2, type: 'nvidia-259', instances: 1, parent: '0000:41:00.0', source: nvidia },
    ]);
    const r = await hook(['g', 'migrate', 'begin', '-'], xml, simHost(plainHost()), { MDEV_AGG_ROOT: configRoot({ migrationParent: 'require' }) });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^mdev-agg: migrate of guest 'g' failed: C_COUNT_UNSUPPORTED: mdev 53764d0e-85a0-42b4-af5c-2046b460b1dd: the target cannot create nvidia-259 x1: 0000:41:00\.0: [^\n]*\n$/);
  });

  test('WHEN the named parent exists here without the type THEN the device is placed on a parent offering it and that parent is written', async () => {
    const xml = libvirtDomain('g', [{ uuid: U1, type: 'nvidia-256', instances: 1, parent: '0000:41:00.0', source: nvidia }]);
    const host = plainHost();
    host.parents[0]!.types = host.parents[0]!.types.filter((t) => t.id !== 'nvidia-256');
    const r = await hook(['g', 'migrate', 'begin', '-'], xml, simHost(host));
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toBe(xml.replace('parent="0000:41:00.0"', 'parent="0000:42:00.0"'));
  });

  test('WHEN the type cannot take the count here THEN the migration is refused', async () => {
    const xml = libvirtDomain('g', [{ uuid: U1, type: 'nvidia-256', instances: 2, source: nvidia }]);
    const r = await hook(['g', 'migrate', 'begin', '-'], xml, simHost(plainHost()));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/C_COUNT_UNSUPPORTED: .*cannot create nvidia-256 x2/);
  });

  test('WHEN migrate runs THEN no device is created yet (prepare does that)', async () => {
    const host = simHost(plainHost());
    const xml = libvirtDomain('g', [{ uuid: U1, type: 'nvidia-256', instances: 1, source: nvidia }]);
    expect((await hook(['g', 'migrate', 'begin', '-'], xml, host)).code).toBe(0);
    expect((host.sysfs as SimKernel).writes).toEqual([]);
    expect(readHost(host.sysfs).devices).toEqual([]);
  });
});

describe('the command line of hook', () => {
  test.each([
    [['hook'], /missing run\|install\|uninstall/],
    [['hook', 'run', 'g', 'prepare', 'begin'], /expected GUEST OP SUBOP EXTRA/],
    [['hook', 'bogus'], /unknown subcommand 'bogus'/],
    [['hook', 'run', 'g', 'prepare', 'begin', '-', '--hooks-dir', '/tmp'], /--hooks-dir belongs to install/],
  ])('%j is a usage error (exit 2)', async (argv, message) => {
    const { run } = await import('../../src/cli/run');
    const r = await run(argv, '', {});
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});
