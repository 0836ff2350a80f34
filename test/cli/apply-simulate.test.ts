import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, json } from '../helpers/cli';
import { domainXml } from '../helpers/domain-builder';
import { copyHost, treePicture } from '../helpers/tree';

describe('GIVEN the bundled example domain and host', () => {
  test('WHEN apply --simulate THEN the simulated host shows every device, and nothing is written to the tree', async () => {
    const { root } = copyHost('example-gvt');
    const before = treePicture(root);
    const r = await cli(['apply', 'fixtures/domains/example-gvt.xml', '--simulate', '--root', root, '--json']);
    expect(r.code).toBe(0);
    const report = json(r);
    expect(report.simulated).toBe(true);
    expect(report.created).toHaveLength(3);
    expect(report.status.map((s: { state: string }) => s.state)).toEqual(['present', 'present', 'present']);
    expect(report.writes).toBe(6); // per device: create, then mdev/aggregated_instances
    expect(treePicture(root)).toEqual(before);
  });

  test('WHEN status runs on the tree THEN the devices are absent (the simulation wrote nothing) and the exit is 1', async () => {
    const r = await cli(['status', 'fixtures/domains/example-gvt.xml', '--root', 'fixtures/hosts/example-gvt', '--json']);
    expect(r.code).toBe(1);
    expect(json(r).devices.map((d: { state: string }) => d.state)).toEqual(['absent', 'absent', 'absent']);
  });

  test('WHEN the tree already has the device as declared THEN status is present and apply writes nothing', async () => {
    const { parent, root } = copyHost('gvt-attribute');
    const xml = join(parent, 'existing.xml');
    writeFileSync(xml, domainXml([{ uuid: '53764d0e-85a0-42b4-af5c-2046b460b1dc', type: 'i915-GVTg_V5_8', instances: 4, parent: '0000:00:02.0' }], { name: 'existing' }));
    const status = await cli(['status', xml, '--root', root, '--json']);
    expect(status.code).toBe(0);
    expect(json(status).devices[0]).toMatchObject({ state: 'present', actual: { type: 'i915-GVTg_V5_8', instances: 4, parent: '0000:00:02.0' } });
    const before = treePicture(root, (rel) => rel.startsWith('run'));
    const apply = await cli(['apply', xml, '--root', root, '--json']);
    expect(apply.code).toBe(0);
    expect(json(apply)).toMatchObject({ writes: 0, created: [], present: ['53764d0e-85a0-42b4-af5c-2046b460b1dc'] });
    expect(treePicture(root, (rel) => rel.startsWith('run'))).toEqual(before);
  });
});
