/**
 * A verdict equals the outcome it predicts, over generated hosts and domains (host-arbitrary.ts):
 * - with named parents required, `migrate-check --simulate` passes type and count for every device
 *   exactly when `apply --simulate` of the same domain on the same host succeeds;
 * - the offline check against that host's snapshot (XML or JSON form) gives the same verdict and
 *   the same per-check results as the live one, whose driver check the simulated kernel answers
 *   (it models the vendor drivers' migration_version store; it never calls the checker);
 * - the migrate hook accepts exactly when the live check (named parents preferred) says compatible,
 *   and after it accepts, prepare with the XML it printed (or the original, when it printed nothing)
 *   succeeds on the same host, each device on the parent the check named.
 * Every command runs in-process through the CLI, each on a fresh kernel built from the same spec.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { run } from '../../src/cli/run';
import type { Env } from '../../src/cli/context';
import { readHost } from '../../src/core/host/read-host';
import { SimKernel } from '../../src/shell/sim/kernel';
import type { SimKernelSpec } from '../../src/shell/sim/spec';
import { MemoryStateStore } from '../../src/shell/state-store';
import { writeConfig } from '../helpers/config-builder';
import { REPO } from '../helpers/golden';
import { Figures } from '../hostile/figures';
import { type DeviceDraw, type HostDraw, UUIDS, domainDraw, domainXml, hostDraw, hostSpec } from './host-arbitrary';
import { settings } from './settings';
import { tempDir } from '../helpers/temp-dir';

const figures = new Figures();
figures.printAfterAll((n) => [
  `verdict properties: ${n('runs')} runs (host x domain x flags), ${n('devices')} devices`,
  `  live check with parents required: ${n('compatible')} compatible, ${n('incompatible')} incompatible; apply agreed on type and count ${n('agreed')} times, disagreed ${n('disagreed')}`,
  `  offline check from the host's snapshot: ${n('offline same')} runs with the live verdict and per-check results, ${n('offline differs')} differing`,
  `  checks failing, by code: ${['C_TYPE_UNAVAILABLE', 'C_COUNT_UNSUPPORTED', 'C_DRIVER_INCOMPATIBLE', 'C_DRIVER_UNKNOWN'].map((c) => `${c} ${n(`refused ${c}`)}`).join(', ')}`,
  `  migrate hook: ${n('hook accepted')} accepted (${n('hook rewrote')} with a rewritten XML), ${n('hook refused')} refused; prepare after an accepting hook failed ${n('prepare failed')} times`,
]);

interface Check {
  ok: boolean;
  result: string;
  code: string | null;
  parent?: string | null;
}
interface Verdict {
  compatible: boolean;
  devices: { uuid: string; checks: { type: Check; count: Check; driver: Check } }[];
}

let scratch: string;
/** Roots whose etc/mdev-agg/config.json holds the given settings (the hook reads only those). */
const roots = new Map<string, string>();
const rootFor = (allowUnknownDriver: boolean, migrationParent: 'prefer' | 'require') => roots.get(`${allowUnknownDriver}/${migrationParent}`)!;

beforeAll(() => {
  scratch = tempDir('mdev-agg-verdicts-');
  for (const allowUnknownDriver of [false, true]) {
    for (const migrationParent of ['prefer', 'require'] as const) {
      const root = join(scratch, `root-${allowUnknownDriver}-${migrationParent}`);
      writeConfig(root, { allowUnknownDriver, migrationParent });
      mkdirSync(join(root, 'sys'));
      roots.set(`${allowUnknownDriver}/${migrationParent}`, root);
    }
  }
});

const fresh = (spec: SimKernelSpec) => ({ sysfs: SimKernel.build(spec), store: new MemoryStateStore() });
const cli = (argv: string[], stdin: string, env: Env, host = undefined as ReturnType<typeof fresh> | undefined) =>
  run(argv, stdin, env, { cwd: REPO, ...(host ? { host } : {}) });

/** The per-check results of a report, as compared between the live and offline checks. */
const results = (v: Verdict) => ({
  compatible: v.compatible,
  devices: v.devices.map((d) => ({
    uuid: d.uuid,
    type: [d.checks.type.result, d.checks.type.code],
    count: [d.checks.count.result, d.checks.count.code, d.checks.count.parent],
    driver: [d.checks.driver.result, d.checks.driver.code],
  })),
});

const flags = fc.record({ allowUnknownDriver: fc.constantFrom(true, true, false), json: fc.boolean() });

async function judge(draw: HostDraw, devices: DeviceDraw[], f: { allowUnknownDriver: boolean; json: boolean }): Promise<void> {
  const spec = hostSpec(draw);
  const xml = domainXml(devices, spec);
  figures.add('runs');
  figures.add('devices', devices.length);
  const unknown = f.allowUnknownDriver ? ['--allow-unknown-driver'] : [];
  const env = { MDEV_AGG_ROOT: rootFor(false, 'prefer') };

  // GIVEN the live check with named parents required, and apply, each on the same host
  const live = await cli(['migrate-check', '-', '--simulate', '--json', '--migration-parent', 'require', ...unknown], xml, env, fresh(spec));
  expect(live.stderr).toBe('');
  const verdict = JSON.parse(live.stdout) as Verdict;
  expect(live.code).toBe(verdict.compatible ? 0 : 1);
  figures.add(verdict.compatible ? 'compatible' : 'incompatible');
  for (const d of verdict.devices) for (const c of Object.values(d.checks)) if (!c.ok) figures.add(`refused ${c.code}`);
  const applied = await cli(['apply', '-', '--json'], xml, env, fresh(spec));
  expect([0, 1]).toContain(applied.code);
  const placeable = verdict.devices.every((d) => d.checks.type.ok && d.checks.count.ok);
  // THEN type and count pass for every device exactly when apply succeeds
  figures.add(placeable === (applied.code === 0) ? 'agreed' : 'disagreed');
  expect({ placeable, applied: applied.code === 0, apply: applied.stdout }).toEqual({ placeable: applied.code === 0, applied: applied.code === 0, apply: applied.stdout });
  expect(verdict.compatible).toBe(applied.code === 0 && verdict.devices.every((d) => d.checks.driver.ok));

  // THEN the offline check against the host's snapshot says the same, check by check, for both rules
  const snapshot = await cli(['snapshot', ...(f.json ? ['--json'] : [])], '', env, fresh(spec));
  expect(snapshot.code).toBe(0);
  const file = join(scratch, `target.${f.json ? 'json' : 'xml'}`);
  writeFileSync(file, snapshot.stdout);
  for (const rule of ['require', 'prefer']) {
    const offline = await cli(['migrate-check', '-', '--target', file, '--json', '--migration-parent', rule, ...unknown], xml, env);
    const liveRule = rule === 'require' ? live : await cli(['migrate-check', '-', '--simulate', '--json', '--migration-parent', rule, ...unknown], xml, env, fresh(spec));
    const same = JSON.stringify(results(JSON.parse(offline.stdout))) === JSON.stringify(results(JSON.parse(liveRule.stdout)));
    figures.add(same ? 'offline same' : 'offline differs');
    expect(results(JSON.parse(offline.stdout))).toEqual(results(JSON.parse(liveRule.stdout)));
    expect(offline.code).toBe(liveRule.code);
  }

  // THEN the migrate hook accepts exactly when the live check (parents preferred) does, and prepare follows it
  const hookEnv = { MDEV_AGG_ROOT: rootFor(f.allowUnknownDriver, 'prefer') };
  const host = fresh(spec);
  const migrated = await cli(['hook', 'run', '--', 'guest', 'migrate', 'begin', '-'], xml, hookEnv, host);
  const preferred = JSON.parse((await cli(['migrate-check', '-', '--simulate', '--json', ...unknown], xml, env, fresh(spec))).stdout) as Verdict;
  expect(migrated.code).toBe(preferred.compatible ? 0 : 1);
  if (migrated.code !== 0) {
    figures.add('hook refused');
    expect(migrated.stdout).toBe('');
    return;
  }
  figures.add('hook accepted');
  if (migrated.stdout !== '') figures.add('hook rewrote');
  const prepared = await cli(['hook', 'run', '--', 'guest', 'prepare', 'begin', '-'], migrated.stdout || xml, hookEnv, host);
  if (prepared.code !== 0) figures.add('prepare failed');
  expect(prepared).toMatchObject({ code: 0, stderr: '' });
  const after = readHost(host.sysfs);
  for (const d of preferred.devices) {
    expect(after.devices.find((x) => x.uuid === d.uuid)?.parent).toBe(d.checks.count.parent);
  }
}

describe('verdicts equal outcomes on generated hosts and domains', () => {
  test('GIVEN any host and domain WHEN checked live, offline and by the hook THEN each verdict equals what apply and prepare do', async () => {
    await fc.assert(
      fc.asyncProperty(hostDraw, domainDraw, flags, (draw, devices, f) => judge(draw, devices, f)),
      settings(1500),
    );
    expect(figures.get('disagreed')).toBe(0);
    // The generator reaches both answers and the hook's rewrite often enough to mean something.
    const runs = figures.get('runs');
    expect(figures.get('compatible')).toBeGreaterThan(runs / 40);
    expect(figures.get('incompatible')).toBeGreaterThan(runs / 20);
    expect(figures.get('hook rewrote')).toBeGreaterThan(runs / 50);
  });

  test('GIVEN hosts whose devices carry the domain\'s UUIDs WHEN checked THEN present and conflicting devices are judged as apply judges them', async () => {
    const withExisting = hostDraw.filter((d) => d.existing.length > 0);
    const overlapping = fc.tuple(withExisting, domainDraw).filter(([draw, devices]) => {
      const spec = hostSpec(draw);
      return devices.some((d) => spec.devices!.some((e) => e.uuid === UUIDS[d.uuid]));
    });
    await fc.assert(
      fc.asyncProperty(overlapping, flags, ([draw, devices], f) => judge(draw, devices, f)),
      settings(300),
    );
  });
});
