/**
 * Golden plans for every domain fixture on every host fixture (libvirt's xml2argv habit):
 * a change in what mdev-agg would write shows up as a diff of these files.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readDomain } from '../../../src/core/reading/domain';
import { readHost } from '../../../src/core/host/read-host';
import { planApply } from '../../../src/core/plan/plan';
import { planJson } from '../../../src/core/plan/plan-format';
import { RealSysfs } from '../../../src/shell/real-sysfs';
import { REPO, expectGolden } from '../../helpers/golden';

const domains = readdirSync(join(REPO, 'fixtures/domains')).filter((f) => f.endsWith('.xml') && !/-(invalid|error)\.xml$/.test(f)).sort();
const hosts = readdirSync(join(REPO, 'fixtures/hosts')).sort();

describe.each(hosts)('on host fixture %s', (hostName) => {
  const host = readHost(new RealSysfs(join(REPO, 'fixtures/hosts', hostName)));
  test.each(domains)('%s', (file) => {
    const { model } = readDomain(readFileSync(join(REPO, 'fixtures/domains', file)), `fixtures/domains/${file}`);
    const plan = planJson(planApply(model!, host));
    expectGolden(`test/golden/plans/${hostName}/${file.replace(/\.xml$/, '.json')}`, `${JSON.stringify(plan, null, 2)}\n`);
  });
});
