/**
 * The labelled corpus fixtures/migration/: every case through the CLI, and the rule that no
 * verdict is compatible while a check fails or is unknown (unless unknown is allowed).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readDomain } from '../../src/core/reading/domain';
import type { DeviceVerdict } from '../../src/core/migration/compat';
import { checkDomainMigration } from '../../src/core/migration/domain-check';
import { EMPTY_POLICY, parsePolicy } from '../../src/core/migration/policy';
import { snapshotJson } from '../../src/core/snapshot/model';
import { readSnapshot } from '../../src/core/snapshot/read';
import { cli, json } from '../helpers/cli';
import { REPO } from '../helpers/golden';
import { tempDir } from '../helpers/temp-dir';

const CORPUS = 'fixtures/migration';
interface ExpectedDevice {
  uuid: string;
  origin: string;
  type: string;
  count: string;
  driver: string;
  method: string;
  parent?: string;
}
interface Case {
  name: string;
  what: string;
  domain: string;
  source: string | null;
  target: string;
  policy: string | null;
  allowUnknownDriver: boolean;
  migrationParent?: 'prefer' | 'require';
  compatible: boolean;
  devices: ExpectedDevice[];
}
const { cases } = JSON.parse(readFileSync(join(REPO, CORPUS, 'cases.json'), 'utf8')) as { cases: Case[] };

const argvOf = (c: Case) => [
  'migrate-check',
  `${CORPUS}/domains/${c.domain}`,
  ...(c.source ? ['--source', `${CORPUS}/snapshots/${c.source}`] : []),
  '--target',
  `${CORPUS}/snapshots/${c.target}`,
  ...(c.policy ? ['--policy', `${CORPUS}/policies/${c.policy}`] : []),
  ...(c.allowUnknownDriver ? ['--allow-unknown-driver'] : []),
  ...(c.migrationParent ? ['--migration-parent', c.migrationParent] : []),
  '--json',
];
const label = (check: { result: string; code: string | null }) => (check.code === null ? check.result : `${check.result} ${check.code}`);

describe('migration corpus: every labelled case', () => {
  test('the corpus has at least 40 cases with unique names', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });

  test.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const r = await cli(argvOf(c));
    expect(r.stderr).toBe('');
    const report = json(r);
    expect(r.code).toBe(c.compatible ? 0 : 1);
    expect(report.compatible).toBe(c.compatible);
    expect(report.ok).toBe(c.compatible);
    const actual = (report.devices as DeviceVerdict[]).map((d) => ({
      uuid: d.uuid,
      origin: d.origin,
      type: label(d.checks.type),
      count: label(d.checks.count),
      driver: label(d.checks.driver),
      method: d.checks.driver.method,
      ...(c.devices.find((e) => e.uuid === d.uuid)?.parent !== undefined ? { parent: d.checks.count.parent } : {}),
    }));
    expect(actual).toEqual(c.devices);
    // THEN each check that is not ok is a diagnostic with its code, and nothing else is
    const notOk = (report.devices as DeviceVerdict[]).flatMap((d) => Object.values(d.checks).filter((k) => !k.ok).map((k) => k.code));
    expect(report.diagnostics.map((x: { code: string }) => x.code).filter((code: string) => code.startsWith('C_')).sort()).toEqual(notOk.sort());
  });

  test('the corpus covers each check failing alone, failing together, and every code', () => {
    const failing = (d: ExpectedDevice) => (['type', 'count', 'driver'] as const).filter((k) => d[k] !== 'pass');
    const devices = cases.flatMap((c) => c.devices);
    for (const check of ['type', 'count', 'driver'] as const) {
      expect(devices.some((d) => failing(d).length === 1 && failing(d)[0] === check && d[check].startsWith('fail'))).toBe(true);
    }
    expect(devices.some((d) => failing(d).length === 2)).toBe(true);
    expect(devices.some((d) => failing(d).length === 3 && d.driver.startsWith('fail'))).toBe(true);
    const codes = new Set(devices.flatMap((d) => [d.type, d.count, d.driver]).map((l) => l.split(' ')[1]).filter(Boolean));
    expect([...codes].sort()).toEqual(['C_COUNT_MISMATCH', 'C_COUNT_UNSUPPORTED', 'C_DRIVER_INCOMPATIBLE', 'C_DRIVER_UNKNOWN', 'C_TYPE_MISMATCH', 'C_TYPE_UNAVAILABLE']);
    const gvtFields = cases.filter((c) => /^gvt-mv-(vendor|device|type|version)-differs$/.test(c.name));
    expect(gvtFields).toHaveLength(4);
  });
});

describe('migration corpus: the JSON form of the snapshots gives the same verdicts', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir('mdev-agg-corpus-json-');
    for (const f of readdirSync(join(REPO, CORPUS, 'snapshots'))) {
      const snapshot = readSnapshot(readFileSync(join(REPO, CORPUS, 'snapshots', f)), f).snapshot!;
      writeFileSync(join(dir, f.replace(/\.xml$/, '.json')), JSON.stringify(snapshotJson(snapshot), null, 2));
    }
  });

  test.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const fromXml = await cli(argvOf(c));
    const inJson = (file: string) => join(dir, file.replace(/\.xml$/, '.json'));
    const argv = argvOf(c).map((arg) => (arg.startsWith(`${CORPUS}/snapshots/`) ? inJson(arg.slice(CORPUS.length + 11)) : arg));
    const fromJson = await cli(argv);
    expect(fromJson.code).toBe(fromXml.code);
    const { source, target, ...report } = json(fromJson);
    const { source: xmlSource, target: xmlTarget, ...xmlReport } = json(fromXml);
    expect(report).toEqual(xmlReport);
    expect([source, target]).toEqual([c.source ? inJson(c.source) : xmlSource, inJson(c.target)]);
  });
});

describe('migration corpus: no verdict is compatible while a check fails or is unknown', () => {
  const files = (dir: string) => readdirSync(join(REPO, CORPUS, dir)).sort();
  const domains = files('domains').map((f) => readDomain(readFileSync(join(REPO, CORPUS, 'domains', f)), f).model!);
  const snapshots = files('snapshots').map((f) => readSnapshot(readFileSync(join(REPO, CORPUS, 'snapshots', f)), f).snapshot!);
  const policies = [EMPTY_POLICY, ...files('policies').map((f) => parsePolicy(readFileSync(join(REPO, CORPUS, 'policies', f), 'utf8'), f).policy!)];

  test('GIVEN every domain x source x target x policy x flag of the corpus WHEN judged THEN compatible exactly when every check is ok, and ok means pass (or unknown when allowed)', () => {
    let judged = 0;
    let compatible = 0;
    for (const domain of domains) {
      for (const source of [null, ...snapshots]) {
        for (const target of snapshots) {
          for (const policy of policies) {
            for (const allowUnknownDriver of [false, true]) {
              const report = checkDomainMigration(domain, source, target.host, { policy, allowUnknownDriver, parentRule: 'prefer' });
              judged++;
              const checks = report.devices.flatMap((d) => [d.checks.type, d.checks.count, d.checks.driver]);
              for (const check of checks) {
                expect(check.ok).toBe(check.result === 'pass' || (check.result === 'unknown' && allowUnknownDriver));
                expect(check.code === null).toBe(check.result === 'pass');
              }
              for (const device of report.devices) expect(device.compatible).toBe(Object.values(device.checks).every((k) => k.ok));
              expect(report.compatible).toBe(checks.every((k) => k.ok));
              if (!allowUnknownDriver && report.compatible) expect(checks.every((k) => k.result === 'pass')).toBe(true);
              if (report.compatible) compatible++;
            }
          }
        }
      }
    }
    // THEN the sweep saw both verdicts in number (it is not vacuous)
    expect(judged).toBeGreaterThan(10000);
    expect(compatible).toBeGreaterThan(100);
    expect(judged - compatible).toBeGreaterThan(100);
  });
});
