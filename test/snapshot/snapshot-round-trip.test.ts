import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { readHost } from '../../src/core/host/read-host';
import type { HostModel } from '../../src/core/host/host-model';
import { type HostSnapshot, snapshotJson } from '../../src/core/snapshot/model';
import { readSnapshot } from '../../src/core/snapshot/read';
import { writeSnapshot } from '../../src/core/snapshot/write';
import { withoutNonXmlChars } from '../../src/core/xml/characters';
import { RealSysfs } from '../../src/shell/real-sysfs';
import { REPO } from '../helpers/golden';
import { relaxng } from '../helpers/xmllint';

const HOST_RNG = join(REPO, 'schemas/host.rng');
const HOSTS = readdirSync(join(REPO, 'fixtures/hosts'));
const VALID_SNAPSHOTS = readdirSync(join(REPO, 'fixtures/snapshots')).filter((f) => f.endsWith('.xml') && !f.endsWith('-invalid.xml'));

describe('snapshot: HostModel -> XML -> HostModel', () => {
  test.each(HOSTS)('GIVEN the fixture host %s WHEN its model is written and read back THEN the model is the same and the XML is valid', (name) => {
    const host = readHost(new RealSysfs(join(REPO, 'fixtures/hosts', name)));
    const snapshot: HostSnapshot = { name: `hv-${name}`, generated: '2026-11-20T09:14:03Z', host };
    const text = writeSnapshot(snapshot);
    expect(readSnapshot(text, 'snapshot.xml')).toEqual({ snapshot, diagnostics: [] });
    const check = relaxng(HOST_RNG, text);
    expect(check.output.trim()).toBe('- validates');
  });

  test.each(VALID_SNAPSHOTS)('GIVEN the example snapshot %s WHEN read and written again THEN the bytes are the same', (file) => {
    const text = readFileSync(join(REPO, 'fixtures/snapshots', file), 'utf8');
    const read = readSnapshot(text, file);
    expect(read.diagnostics).toEqual([]);
    expect(writeSnapshot(read.snapshot!)).toBe(text);
  });

  // Values inside the schema's domain: what readHost produces and the format promises to carry.
  const xmlText = fc.string({ unit: 'binary', maxLength: 40 }).map(withoutNonXmlChars);
  const line = xmlText.map((s) => s.replace(/[\r\n]/g, '')).filter((s) => s.length > 0);
  const sysfsName = fc.stringMatching(/^[A-Za-z0-9_.:+-]{1,24}$/).filter((s) => s !== '.' && s !== '..');
  const count = fc.integer({ min: 0, max: 0xffffffff });
  const hex4 = fc.stringMatching(/^[0-9a-f]{4}$/);
  const nullable = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null });
  const type = fc.record({
    id: sysfsName,
    name: nullable(line),
    description: nullable(xmlText),
    deviceApi: nullable(sysfsName),
    availableInstances: nullable(count),
    dialect: fc.constantFrom('create-option' as const, 'attribute' as const, 'none' as const),
    maxAggregation: nullable(count),
    migrationVersion: nullable(line),
  });
  const parent = fc.record({
    name: sysfsName,
    driver: nullable(sysfsName),
    driverVersion: nullable(line),
    vendorId: nullable(hex4),
    deviceId: nullable(hex4),
    types: fc.uniqueArray(type, { selector: (t) => t.id, maxLength: 4 }),
  });
  const device = fc.record({
    uuid: fc.uuid().map((u) => u.toLowerCase()),
    parent: sysfsName,
    type: sysfsName,
    instances: fc.integer({ min: 1, max: 2147483647 }),
    maxAggregation: nullable(count),
  });
  const sorted = <T>(items: T[], key: (t: T) => string) => [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const model: fc.Arbitrary<HostModel> = fc
    .record({
      parents: fc.uniqueArray(parent, { selector: (p) => p.name, maxLength: 3 }),
      devices: fc.uniqueArray(device, { selector: (d) => d.uuid, maxLength: 3 }),
      problems: fc.array(fc.record({ path: line, message: xmlText }), { maxLength: 2 }),
    })
    .map((m) => ({
      parents: sorted(m.parents, (p) => p.name).map((p) => ({ ...p, types: sorted(p.types, (t) => t.id) })),
      devices: sorted(m.devices, (d) => d.uuid),
      problems: m.problems,
    }));

  test('GIVEN any host model the schema can carry WHEN written and read back THEN it is the same', () => {
    fc.assert(
      fc.property(model, nullable(line), (host, name) => {
        const snapshot: HostSnapshot = { name, generated: null, host };
        expect(readSnapshot(writeSnapshot(snapshot), 's.xml')).toEqual({ snapshot, diagnostics: [] });
      }),
      { numRuns: 300 },
    );
  });

  test('GIVEN any host model WHEN written as JSON (snapshot --json) and read back THEN it is the same as from XML', () => {
    fc.assert(
      fc.property(model, nullable(line), (host, name) => {
        const snapshot: HostSnapshot = { name, generated: '2026-11-20T09:14:03Z', host };
        const fromJson = readSnapshot(JSON.stringify(snapshotJson(snapshot), null, 2), 's.json');
        expect(fromJson).toEqual({ snapshot, diagnostics: [] });
        expect(fromJson).toEqual(readSnapshot(writeSnapshot(snapshot), 's.xml'));
      }),
      { numRuns: 300 },
    );
  });

  test.each(HOSTS)('GIVEN the fixture host %s WHEN its JSON snapshot is read back THEN the model is the same, problems included', (name) => {
    const host = readHost(new RealSysfs(join(REPO, 'fixtures/hosts', name)));
    const snapshot: HostSnapshot = { name: null, generated: null, host };
    expect(readSnapshot(Buffer.from(`\ufeff${JSON.stringify(snapshotJson(snapshot))}\n`), 'snapshot.json')).toEqual({ snapshot, diagnostics: [] });
  });

  test('GIVEN values the schema cannot carry WHEN written THEN they are left out, a problem says so, and the XML is valid', () => {
    const host: HostModel = {
      parents: [
        { name: 'bad/name', driver: null, driverVersion: null, vendorId: null, deviceId: null, types: [] },
        {
          name: 'p0',
          driver: 'drv',
          driverVersion: 'two\nlines',
          vendorId: '0x10de',
          deviceId: null,
          types: [{ id: 't1', name: 'a\nb', description: 'ok\u0001', deviceApi: 'vfio-pci', availableInstances: 1, dialect: 'none', maxAggregation: 1, migrationVersion: null }],
        },
      ],
      devices: [{ uuid: '0b5a8b1e-7c55-4d0c-9a3e-51f0c1a6d2f4', parent: 'p0', type: 't1', instances: 2147483648, maxAggregation: null }],
      problems: [],
    };
    const text = writeSnapshot({ name: null, generated: null, host });
    expect(relaxng(HOST_RNG, text).ok).toBe(true);
    const back = readSnapshot(text, 's.xml').snapshot!;
    expect(back.host.parents.map((p) => p.name)).toEqual(['p0']);
    expect(back.host.parents[0]).toMatchObject({ driverVersion: null, vendorId: null });
    expect(back.host.parents[0]!.types[0]).toMatchObject({ name: null, description: 'ok' });
    expect(back.host.devices).toEqual([]);
    expect(back.host.problems.map((p) => p.path)).toEqual([
      '/sys/class/mdev_bus/bad/name',
      '/sys/class/mdev_bus/p0/driver',
      '/sys/class/mdev_bus/p0/vendor',
      '/sys/class/mdev_bus/p0/mdev_supported_types/t1/name',
      '/sys/bus/mdev/devices/0b5a8b1e-7c55-4d0c-9a3e-51f0c1a6d2f4',
    ]);
  });
});
