/**
 * --simulate is a kernel seeded from the tree: where it would read otherwise than the tree (a file
 * the tree cannot give, sim.json's pools disagreeing with available_instances), a verdict or plan
 * on it would not be the tree's, so the command refuses (exit 2) instead of answering for another host.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli } from '../helpers/cli';
import { domainXml } from '../helpers/domain-builder';
import { copyHost } from '../helpers/tree';

const TYPE_DIR = 'sys/devices/pci0000:00/0000:00:02.0/mdev_supported_types/i915-GVTg_V5_8';
const DOMAIN = domainXml([{ uuid: 'c2177883-f1bb-47f0-914d-32a22e3a8804', type: 'i915-GVTg_V5_8', instances: 2, parent: '0000:00:02.0' }]);

describe('--simulate answers only for a tree it can reproduce', () => {
  let copy: { parent: string; root: string };
  beforeEach(() => {
    copy = copyHost('example-gvt');
  });

  test.each([
    ['a garbage available_instances', () => writeFileSync(join(copy.root, TYPE_DIR, 'available_instances'), 'abc\n'), /available_instances: not an unsigned number/],
    ['an empty migration_version', () => writeFileSync(join(copy.root, TYPE_DIR, 'migration_version'), ''), /migration_version: not a one-line/],
    ['available_instances the sim.json pools do not give', () => writeFileSync(join(copy.root, TYPE_DIR, 'available_instances'), '1\n'), /availableInstances reads 1 in the tree, 7 as simulated/],
  ])('GIVEN %s WHEN checked and applied with --simulate THEN exit 2 naming it, and nothing is answered', async (_what, damage, reason) => {
    damage();
    for (const command of [['migrate-check', '-', '--simulate'], ['apply', '-', '--simulate'], ['release', '-', '--simulate']]) {
      const r = await cli([...command, '--root', copy.root], DOMAIN);
      expect({ command: command[0], code: r.code, stdout: r.stdout }).toEqual({ command: command[0], code: 2, stdout: '' });
      expect(r.stderr).toMatch(reason);
    }
  });

  test('GIVEN the tree as it is WHEN applied with --simulate THEN it is simulated', async () => {
    expect(readFileSync(join(copy.root, TYPE_DIR, 'available_instances'), 'utf8')).toBe('7\n');
    const r = await cli(['apply', '-', '--simulate', '--root', copy.root], DOMAIN);
    expect(r.code).toBe(0);
  });
});
