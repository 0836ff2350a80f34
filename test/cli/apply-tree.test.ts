/**
 * A fixture tree has no kernel behind it: writing `create` makes no device. apply must write
 * exactly the planned string, notice that no device appeared, roll back, and create no file;
 * the sh plan must make the same writes.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, json } from '../helpers/cli';
import { domainXml } from '../helpers/domain-builder';
import { copyHost, treePicture } from '../helpers/tree';

const UUID = '4b20d080-1b54-4048-85b3-a6a62d165c01';
const TYPE_DIR = 'sys/devices/pci0000:00/0000:00:02.0/mdev_supported_types';

const domain = (type: string, instances: number) => domainXml([{ uuid: UUID, type, instances, parent: '0000:00:02.0' }], { name: 'tree-guest' });

describe.each([
  ['gvt-create-option', 'i915-GVTg_V5_aggregate', 4, `${UUID},aggregate=4`],
  ['gvt-attribute', 'i915-GVTg_V5_8', 1, UUID],
])('GIVEN a copy of the %s tree', (host, type, instances, planned) => {
  test('WHEN applied THEN exactly the planned string reaches create, E_VERIFY_FAILED, rolled back, no file created, and sh does the same', async () => {
    const a = copyHost(host);
    const b = copyHost(host);
    const xml = join(a.parent, 'guest.xml');
    writeFileSync(xml, domain(type, instances));
    const outsideRun = (rel: string) => rel === 'run' || rel.startsWith('run/');
    const before = treePicture(a.root, outsideRun);

    // the plan, as JSON and as sh, from the untouched tree
    const plan = json(await cli(['plan', xml, '--root', a.root, '--json']));
    const createWrite = plan.devices[0].ops.find((op: { op: string; path: string }) => op.op === 'write' && op.path.endsWith('/create'));
    expect(createWrite.data).toBe(planned);
    const script = (await cli(['plan', xml, '--root', a.root, '--format', 'sh'])).stdout;

    const r = await cli(['apply', xml, '--root', a.root, '--json']);
    expect(r.code).toBe(1);
    const report = json(r);
    expect(report.diagnostics[0].code).toBe('E_VERIFY_FAILED');
    expect(report.diagnostics[0].message).toContain(`/sys/bus/mdev/devices/${UUID} did not appear`);
    expect(report.writes).toBe(1);
    expect(report.created).toEqual([]);
    // the create was accepted but no device appeared: nothing was removed, and the note says so
    expect(report.rolledBack).toEqual([]);
    const note = report.diagnostics.find((d: { code: string }) => d.code === 'I_ROLLED_BACK');
    expect(note.message).toBe(`rolled back: ${UUID} never appeared after its create: nothing to remove`);

    const after = treePicture(a.root, outsideRun);
    expect(Object.keys(after)).toEqual(Object.keys(before));
    const changed = Object.keys(after).filter((k) => after[k] !== before[k]);
    expect(changed).toEqual([`${TYPE_DIR}/${type}/create`]);
    expect(readFileSync(join(a.root, TYPE_DIR, type, 'create'), 'utf8')).toBe(planned);
    // the lock is released and no journal is left; nothing was written beside the root
    expect(readdirSync(join(a.root, 'run/mdev-agg'))).toEqual([]);
    expect(readdirSync(a.parent).sort()).toEqual(['guest.xml', 'root']);

    // the sh plan on another copy: same checks, same failure, same writes
    const sh = spawnSync('sh', ['-c', script], { env: { PATH: process.env.PATH, MDEV_AGG_ROOT: b.root }, encoding: 'utf8' });
    expect(sh.status).toBe(1);
    expect(sh.stderr).toContain('does not exist');
    expect(treePicture(b.root, outsideRun)).toEqual(after);
    expect(readdirSync(b.parent)).toEqual(['root']);
  });
});
