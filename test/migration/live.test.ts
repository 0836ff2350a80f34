/**
 * Live mode: this host is the target and its kernel answers the migration_version protocol. On a
 * kernel simulated from a copy of a fixture tree the written string is accepted or refused as the
 * reference says; a tree copy is not sysfs, so there nothing is written and the strings are compared.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readDomain } from '../../src/core/reading/domain';
import { readHost } from '../../src/core/host/read-host';
import { checkDomainMigration } from '../../src/core/migration/domain-check';
import { EMPTY_POLICY } from '../../src/core/migration/policy';
import { migrationVersionWriter } from '../../src/shell/migration-version-writer';
import { RealSysfs } from '../../src/shell/real-sysfs';
import { SimKernel } from '../../src/shell/sim/kernel';
import { cli, json } from '../helpers/cli';
import { REPO } from '../helpers/golden';
import { attributeHost } from '../helpers/host-builder';
import { copyHost, treePicture } from '../helpers/tree';

const DOMAIN = 'fixtures/migration/domains/gvt-one.xml';
const ACCEPTED = '8086-591d-i915-GVTg_V5_8-00000001';
const TYPE_DIR = '/sys/class/mdev_bus/0000:00:02.0/mdev_supported_types/i915-GVTg_V5_8';
const domainText = readFileSync(join(REPO, DOMAIN), 'utf8');
/** gvt-one with another migration_version in its stamp, asking for 1 instance: the fixture host has 1 left. */
const stampedWith = (version: string) => domainText.replace(ACCEPTED, version).replace("instances='4'", "instances='1'");

describe('migrate-check live: the target kernel decides', () => {
  let copy: { parent: string; root: string };
  beforeEach(() => {
    copy = copyHost('gvt-attribute');
  });

  test.each([
    ['the same string', ACCEPTED, 'pass', null],
    ['hex digits in another case', '8086-591D-i915-GVTg_V5_8-00000001', 'pass', null],
    ['another software version', '8086-591d-i915-GVTg_V5_8-00000002', 'fail', 'EINVAL'],
    ['another device id', '8086-3e92-i915-GVTg_V5_8-00000001', 'fail', 'EINVAL'],
    ['a string of another format', 'acme-4-r2', 'fail', 'EINVAL'],
  ])('GIVEN a kernel seeded from a copy of gvt-attribute WHEN %s (%s) is written THEN the check is %s', (_what, version, result, errno) => {
    const kernel = SimKernel.seed(new RealSysfs(copy.root));
    const domain = readDomain(stampedWith(version), 'guest.xml').model!;
    const report = checkDomainMigration(domain, null, readHost(kernel), {
      policy: EMPTY_POLICY,
      allowUnknownDriver: false,
      parentRule: 'prefer',
      writeMigrationVersion: migrationVersionWriter(kernel),
    });
    const driver = report.devices[0]!.checks.driver;
    expect(driver).toMatchObject({ method: 'migration-version-write', result, code: result === 'pass' ? null : 'C_DRIVER_INCOMPATIBLE' });
    if (errno) expect(driver.reason).toMatch(new RegExp(`: ${errno}$`));
    expect(report.compatible).toBe(result === 'pass');
    // THEN the one write is the source string to the type's migration_version, and the kernel answered it
    expect(kernel.writes).toEqual([{ path: `${TYPE_DIR}/migration_version`, data: `${version}\n`, errno }]);
  });

  test('GIVEN a target type whose migration_version answers ENODEV WHEN checked live THEN nothing is written and driver facts decide', () => {
    const spec = attributeHost();
    spec.parents[0]!.types[0]!.migration = 'unsupported';
    const kernel = SimKernel.build(spec);
    const domain = readDomain(domainText, 'guest.xml').model!;
    const report = checkDomainMigration(domain, null, readHost(kernel), { policy: EMPTY_POLICY, allowUnknownDriver: false, parentRule: 'prefer', writeMigrationVersion: migrationVersionWriter(kernel) });
    expect(report.devices[0]!.checks.driver).toMatchObject({ method: 'driver-version', result: 'unknown', code: 'C_DRIVER_UNKNOWN' });
    expect(kernel.writes).toEqual([]);
  });

  test('GIVEN --simulate WHEN the refused string is checked through the CLI THEN exit 1 with the errno and the tree is untouched', async () => {
    const before = treePicture(copy.root);
    const r = await cli(['migrate-check', '-', '--root', copy.root, '--simulate', '--json'], stampedWith('8086-591d-i915-GVTg_V5_8-00000002'));
    expect(r.code).toBe(1);
    expect(json(r).devices[0].checks.driver.reason).toMatch(/refused 8086-591d-i915-GVTg_V5_8-00000002 written to i915-GVTg_V5_8\/migration_version: EINVAL$/);
    expect(treePicture(copy.root)).toEqual(before);
  });

  test.each([
    ['another GVT software version', '8086-591d-i915-GVTg_V5_8-00000002', 1, 'fail'],
    ['an NVIDIA driver\'s string', 'nvidia-535.104.05-256', 1, 'fail'],
    ['the type\'s own string', '8086-591d-i915-GVTg_V5_8-00000001', 0, 'pass'],
  ])('GIVEN a tree copy (not sysfs) as this host WHEN %s is checked live THEN it is compared as offline, and nothing is written', async (_what, written, code, result) => {
    const before = treePicture(copy.root);
    const r = await cli(['migrate-check', '-', '--root', copy.root, '--json'], stampedWith(written));
    expect(r.code).toBe(code);
    const driver = json(r).devices[0].checks.driver;
    expect(driver).toMatchObject({ method: 'migration-version', result });
    expect(driver.reason).toMatch(/\(not written: \/sys\/\S+\/i915-GVTg_V5_8 is not on sysfs\)$/);
    expect(treePicture(copy.root)).toEqual(before);
  });

  test('GIVEN a --target snapshot WHEN checked THEN nothing on the host is written', async () => {
    const before = treePicture(copy.root);
    const r = await cli(['migrate-check', DOMAIN, '--root', copy.root, '--target', 'fixtures/migration/snapshots/gvt-tgt-mv-version.xml']);
    expect(r.code).toBe(1);
    expect(treePicture(copy.root)).toEqual(before);
  });
});
