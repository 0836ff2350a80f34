/**
 * The library gives the answers the CLI gives: on every labelled migration case the offline check
 * agrees with `migrate-check`, and the edits with `stamp`, `embed` and `plan` on the fixtures.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as api from '../../src/api';
import { readHost } from '../../src/core/host/read-host';
import { RealSysfs } from '../../src/shell/real-sysfs';
import { cli, json } from '../helpers/cli';
import { REPO } from '../helpers/golden';

const MIGRATION = join(REPO, 'fixtures/migration');
const read = (path: string) => readFileSync(path);

interface Case {
  name: string;
  domain: string;
  source: string | null;
  target: string;
  policy: string | null;
  allowUnknownDriver: boolean;
}

const cases: Case[] = JSON.parse(readFileSync(join(MIGRATION, 'cases.json'), 'utf8')).cases;

test.each(cases.map((c) => [c.name, c] as const))('checkMigration agrees with migrate-check: %s', async (_, c) => {
  const args = ['migrate-check', join(MIGRATION, 'domains', c.domain), '--target', join(MIGRATION, 'snapshots', c.target), '--json'];
  if (c.source) args.push('--source', join(MIGRATION, 'snapshots', c.source));
  if (c.policy) args.push('--policy', join(MIGRATION, 'policies', c.policy));
  if (c.allowUnknownDriver) args.push('--allow-unknown-driver');
  const byCli = json(await cli(args));

  const { model } = api.readDomain(read(join(MIGRATION, 'domains', c.domain)), join(MIGRATION, 'domains', c.domain));
  const snapshot = (name: string) => api.readHostSnapshot(read(join(MIGRATION, 'snapshots', name)), name).snapshot!;
  const policy = c.policy ? api.parsePolicy(readFileSync(join(MIGRATION, 'policies', c.policy), 'utf8'), c.policy).policy! : undefined;
  const report = api.checkMigration(model!, c.source ? snapshot(c.source) : null, snapshot(c.target), { policy, allowUnknownDriver: c.allowUnknownDriver });
  expect(report.compatible).toBe(byCli.compatible);
  expect(report.devices.map((d) => d.checks)).toEqual(byCli.devices.map((d: { checks: unknown }) => d.checks));
});

const DOMAINS = join(REPO, 'fixtures/domains');
const valid = readdirSync(DOMAINS).filter((f) => f.endsWith('.xml') && !/-(error|invalid)\.xml$/.test(f));

test.each(valid)('embed, stampDomain and planText agree with embed, stamp and plan: %s', async (file) => {
  const path = join(DOMAINS, file);
  const { model, diagnostics } = api.readDomain(read(path), path);
  if (!model || api.hasErrors(diagnostics)) return expect((await cli(['validate', path])).code).toBe(1);
  const root = join(REPO, 'fixtures/hosts/example-gvt');
  const host = readHost(new RealSysfs(root));

  expect(api.embed(model).text).toBe((await cli(['embed', path])).stdout);
  const stamped = await cli(['stamp', path, '--name', 'hv-a', '--root', root]);
  const byApi = api.stampDomain(model, host, 'hv-a');
  expect(byApi.text ?? '').toBe(stamped.stdout);
  expect(api.hasErrors(byApi.diagnostics)).toBe(stamped.code !== 0);
  const planned = await cli(['plan', path, '--root', root]);
  if (planned.code === 0) expect(`${api.planText(api.planApply(model, host), host)}\n`).toBe(planned.stdout);
});
