import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { snapshotJson } from '../../src/core/snapshot/model';
import { readSnapshot } from '../../src/core/snapshot/read';
import { cli, json } from '../helpers/cli';
import { REPO, expectGolden } from '../helpers/golden';
import { copyHost } from '../helpers/tree';
import { relaxng } from '../helpers/xmllint';
import { TestClock } from '../helpers/clock';

const HOSTS = readdirSync(join(REPO, 'fixtures/hosts'));
const FIXED_TIME = { SOURCE_DATE_EPOCH: '1795000000' };

describe('mdev-agg snapshot', () => {
  test.each(HOSTS)('GIVEN the host tree %s WHEN snapshot runs THEN the XML is valid, golden, and --json carries the same content', async (name) => {
    const root = `fixtures/hosts/${name}`;
    const xml = await cli(['snapshot', '--root', root, '--name', `hv-${name}`], '', FIXED_TIME);
    expect(xml.code).toBe(0);
    expect(relaxng(join(REPO, 'schemas/host.rng'), xml.stdout).ok).toBe(true);
    expectGolden(`test/golden/snapshot/${name}.xml`, xml.stdout);

    const asJson = await cli(['snapshot', '--root', root, '--name', `hv-${name}`, '--json'], '', FIXED_TIME);
    const parsed = readSnapshot(xml.stdout, 'snapshot.xml');
    expect(json(asJson)).toEqual(JSON.parse(JSON.stringify(snapshotJson(parsed.snapshot!))));
  });

  test('GIVEN SOURCE_DATE_EPOCH WHEN snapshot runs THEN generated is that time', async () => {
    const r = await cli(['snapshot', '--root', 'fixtures/hosts/sample'], '', FIXED_TIME);
    expect(r.stdout).toContain('generated="2026-11-18T11:06:40Z"');
  });

  test('GIVEN no SOURCE_DATE_EPOCH WHEN snapshot runs THEN generated is the clock\'s time, to the second', async () => {
    const r = await cli(['snapshot', '--root', 'fixtures/hosts/sample'], '', {}, { clock: new TestClock(Date.UTC(2030, 0, 2, 3, 4, 5, 678)) });
    expect(r.stdout).toContain('generated="2030-01-02T03:04:05Z"');
  });

  test('GIVEN a tree with etc/hostname and no --name WHEN snapshot runs THEN the name is the tree\'s host name', async () => {
    const { root } = copyHost('sample');
    mkdirSync(join(root, 'etc'));
    writeFileSync(join(root, 'etc/hostname'), 'hv-sample.example.net\n');
    const r = await cli(['snapshot', '--root', root], '', FIXED_TIME);
    expect(readSnapshot(r.stdout, 's.xml').snapshot!.name).toBe('hv-sample.example.net');
  });

  test('GIVEN a tree without a host name WHEN snapshot runs THEN the name is left out', async () => {
    const r = await cli(['snapshot', '--root', 'fixtures/hosts/sample'], '', FIXED_TIME);
    expect(readSnapshot(r.stdout, 's.xml').snapshot!.name).toBeNull();
  });

  test.each([
    [['snapshot', '--root', 'fixtures/hosts/sample', '--name', 'a\nb'], {}, /--name must be one non-empty line/],
    [['snapshot', '--root', 'fixtures/hosts/sample'], { SOURCE_DATE_EPOCH: 'soon' }, /SOURCE_DATE_EPOCH/],
    [['snapshot', 'extra'], {}, /unexpected argument/],
  ])('GIVEN bad usage %j WHEN snapshot runs THEN exit 2 with the reason', async (argv, env, message) => {
    const r = await cli(argv, '', env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});
