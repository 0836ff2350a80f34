/**
 * Fleet mode equals the single check, whatever the files are called or in what order they sort:
 * generated target hosts (host-arbitrary.ts) are written as snapshots in either form under random
 * names, some with problems that hide facts (a type's capacity, a parent's type listing, the device
 * listing, a domain's device directory), or many targets that are one host with other rooms (so that
 * the fleet's classes and shared outcomes hold several targets); generated domains are checked in fleet mode and each
 * (domain, target) pair with `migrate-check FILE --target SNAP`. Then the files are renamed and the
 * fleet checked again: every pair keeps the single check's verdict.
 */
import { mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { run } from '../../src/cli/run';
import { SimKernel } from '../../src/shell/sim/kernel';
import { MemoryStateStore } from '../../src/shell/state-store';
import { REPO } from '../helpers/golden';
import { removeTempDir, tempDir } from '../helpers/temp-dir';
import { Figures } from '../hostile/figures';
import { type DeviceDraw, type HostDraw, PARENTS, TYPES, UUIDS, domainDraw, domainXml, hostDraw, hostSpec } from './host-arbitrary';
import { settings } from './settings';

const figures = new Figures();
figures.printAfterAll((n) => [
  `fleet properties: ${n('fleets')} fleets (each checked twice under other file names), ${n('pairs')} (domain, target) pairs, ${n('accepted')} accepted, ${n('problems')} snapshot problems planted; pairs differing from the single check: ${n('differing')}`,
]);

/** Problems a snapshot may carry; each hides a fact placement reads, or (the last) one it does not. */
const problemPaths = [
  ...PARENTS.flatMap((p) => TYPES.map((t) => `/sys/class/mdev_bus/${p}/mdev_supported_types/${t}/available_instances`)),
  ...PARENTS.map((p) => `/sys/class/mdev_bus/${p}/mdev_supported_types`),
  '/sys/bus/mdev/devices',
  ...UUIDS.map((u) => `/sys/bus/mdev/devices/${u}/mdev_type`),
  '/sys/module/i915/version',
];

const targetDraw = fc.record({
  host: hostDraw,
  problems: fc.uniqueArray(fc.constantFrom(...problemPaths), { maxLength: 2 }),
  json: fc.boolean(),
});

/** Rooms drawn again for one host: per parent its pool's capacity, per type its own room (or the pool). */
const roomsDraw = fc.record({
  pools: fc.array(fc.integer({ min: 0, max: 8 }), { minLength: PARENTS.length, maxLength: PARENTS.length }),
  available: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: PARENTS.length * TYPES.length, maxLength: PARENTS.length * TYPES.length }),
  shared: fc.array(fc.boolean(), { minLength: PARENTS.length * TYPES.length, maxLength: PARENTS.length * TYPES.length }),
});

/**
 * Targets that are one host with other rooms: the same parents offering the same (several) types
 * with the same facts, so that the fleet's classes and the outcomes it shares between targets
 * hold many targets each; some keep devices with the domains' UUIDs and some carry problems.
 */
const sameHostTargets = fc.tuple(hostDraw, fc.array(fc.record({ rooms: roomsDraw, problems: targetDraw.map((t) => t.problems), json: fc.boolean(), keepDevices: fc.boolean() }), { minLength: 2, maxLength: 10 })).map(([base, variants]) =>
  variants.map(({ rooms, problems, json, keepDevices }) => ({
    host: {
      ...base,
      existing: keepDevices ? base.existing : [],
      parents: base.parents.map((p, pi) => ({
        ...p,
        pool: rooms.pools[pi]!,
        types: p.types.map((t, ti) => ({ ...t, available: rooms.available[pi * TYPES.length + ti]!, shared: rooms.shared[pi * TYPES.length + ti]! })),
      })),
    },
    problems,
    json,
  })),
);

const targetsDraw = fc.oneof(fc.array(targetDraw, { minLength: 1, maxLength: 4 }), sameHostTargets);

/**
 * A target that already runs one of a domain's devices, as declared, on a parent whose room for the
 * type it used up: the domain's own check there can differ from its group's (which creates it).
 */
const adoptionDraw = fc.option(fc.record({ domain: fc.nat(), device: fc.nat(), target: fc.nat(), parent: fc.nat({ max: PARENTS.length - 1 }) }), { freq: 2 });

function adopt(domains: DeviceDraw[][], targets: { host: HostDraw }[], adoption: { domain: number; device: number; target: number; parent: number }): void {
  const devices = domains[adoption.domain % domains.length]!;
  const device = devices[adoption.device % devices.length]!;
  const target = targets[adoption.target % targets.length]!;
  const instances = Math.min(device.instances, 3);
  const parents = target.host.parents.map((p, pi) =>
    pi !== adoption.parent ? p : { ...p, present: true, types: p.types.map((t, ti) => (ti === device.type ? { ...t, present: true, shared: false, available: instances } : t)) },
  );
  target.host = { ...target.host, parents, existing: [{ uuid: device.uuid, parent: adoption.parent, type: device.type, instances }, ...target.host.existing] };
}

let scratch: string;
beforeAll(() => {
  scratch = tempDir('mdev-agg-fleet-verdicts-');
  // The root of the commands run without a host of their own: it holds sys/, as a root must.
  mkdirSync(join(scratch, 'sys'));
});

const cli = (argv: string[], stdin = '', host?: SimKernel) =>
  run(argv, stdin, { MDEV_AGG_ROOT: scratch }, { cwd: REPO, ...(host ? { host: { sysfs: host, store: new MemoryStateStore() } } : {}) });

/** A snapshot of the host with problems added (in the XML form, or the JSON form's list). */
async function snapshotText(target: { host: HostDraw; problems: string[]; json: boolean }): Promise<string> {
  const r = await cli(['snapshot', ...(target.json ? ['--json'] : [])], '', SimKernel.build(hostSpec(target.host)));
  expect(r.code).toBe(0);
  if (target.json) {
    const doc = JSON.parse(r.stdout) as { problems: { path: string; message: string }[] };
    doc.problems.push(...target.problems.map((path) => ({ path, message: 'read failed: EIO' })));
    return JSON.stringify(doc);
  }
  const lines = target.problems.map((path) => `  <problem path="${path}">read failed: EIO</problem>\n`).join('');
  return r.stdout.includes('</host>') ? r.stdout.replace('</host>', `${lines}</host>`) : r.stdout.replace(/\/>\n?$/, `>\n${lines}</host>\n`);
}

describe('fleet mode equals the single check', () => {
  test('GIVEN generated domains and targets under any file names WHEN checked in fleet mode THEN every pair has the single check\'s verdict', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(domainDraw, { minLength: 1, maxLength: 4 }),
        targetsDraw,
        fc.array(fc.integer({ min: 0, max: 999 }), { minLength: 14, maxLength: 14 }),
        fc.constantFrom('prefer', 'require'),
        adoptionDraw,
        async (domains, targets, names, rule, adoption) => {
          figures.add('fleets');
          if (adoption) adopt(domains, targets, adoption);
          const dir = tempDir('fleet-', scratch);
          const [domainsDir, sourcesDir, targetsDir] = ['domains', 'sources', 'targets'].map((d) => join(dir, d));
          for (const d of [domainsDir!, sourcesDir!, targetsDir!]) mkdirSync(d);
          const specs = targets.map((t) => hostSpec(t.host));
          const domainFiles = domains.map((devices, i) => {
            const file = join(domainsDir!, `d${names[i]}-${i}.xml`);
            writeFileSync(file, domainXml(devices, specs[0]!, `guest-${i}`));
            return file;
          });
          const targetFiles: string[] = [];
          for (const [i, target] of targets.entries()) {
            figures.add('problems', target.problems.length);
            const file = join(targetsDir!, `t${names[4 + i]}-${i}.${target.json ? 'json' : 'xml'}`);
            writeFileSync(file, await snapshotText(target));
            targetFiles.push(file);
          }
          const single = new Map<string, boolean>();
          for (const domain of domainFiles) {
            for (const [t, target] of targetFiles.entries()) {
              const r = await cli(['migrate-check', domain, '--target', target, '--migration-parent', rule, '--allow-unknown-driver', '--json']);
              expect([0, 1]).toContain(r.code);
              single.set(`${domain}\0${t}`, JSON.parse(r.stdout).compatible);
              figures.add('pairs');
            }
          }
          const fleet = async () => {
            const argv = ['migrate-check', '--domains', domainsDir!, '--source-dir', sourcesDir!, '--targets', targetsDir!, '--migration-parent', rule, '--allow-unknown-driver'];
            const rows = JSON.parse((await cli([...argv, '--json'])).stdout).domains as { file: string; targets: string[] }[];
            // The table lists, for every domain, the targets the JSON form lists, in the same order.
            const table = (await cli(argv)).stdout;
            for (const row of rows) {
              const line = table.split('\n').find((l) => l.includes(`(${row.file})`))!;
              const listed = /\d+\/\d+(?:: (.*))?$/.exec(line)!;
              expect({ file: row.file, listed: listed[1]?.split(', ') ?? [] }).toEqual({ file: row.file, listed: row.targets });
            }
            return { rows, files: readdirSync(targetsDir!).sort() };
          };
          const compare = async () => {
            const { rows, files } = await fleet();
            for (const row of rows) {
              const i = Number(row.file.replace(/^.*-(\d+)\.xml$/, '$1'));
              for (const file of files) {
                const t = Number(file.replace(/^.*-(\d+)\.(xml|json)$/, '$1'));
                const expected = single.get(`${domainFiles[i]}\0${t}`)!;
                const got = row.targets.includes(file.replace(/\.(xml|json)$/, ''));
                if (got !== expected) figures.add('differing');
                if (got) figures.add('accepted');
                expect({ domain: i, target: t, accepted: got }).toEqual({ domain: i, target: t, accepted: expected });
              }
            }
          };
          await compare();
          // WHEN the files are renamed so that they sort in another order THEN the same verdicts
          for (const [i, file] of targetFiles.entries()) renameSync(file, join(targetsDir!, `t${999 - names[4 + i]!}-${i}.${targets[i]!.json ? 'json' : 'xml'}`));
          for (const [i, file] of domainFiles.entries()) renameSync(file, join(domainsDir!, `d${999 - names[i]!}-${i}.xml`));
          await compare();
          removeTempDir(dir);
        },
      ),
      settings(200),
    );
    expect(figures.get('differing')).toBe(0);
    expect(figures.get('accepted')).toBeGreaterThan(0);
  });
});
