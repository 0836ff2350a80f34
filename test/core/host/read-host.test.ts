import * as fs from 'node:fs';
import * as path from 'node:path';
import { MAX_HOST_FILE_BYTES, readHost } from '../../../src/core/host/read-host';
import type { HostModel } from '../../../src/core/host/host-model';
import type { SysfsView } from '../../../src/core/host/sysfs';
import { RealSysfs } from '../../../src/shell/real-sysfs';
import { expectGolden, REPO } from '../../helpers/golden';
import { removeTempDir, tempDir } from '../../helpers/temp-dir';
import { copyHost } from '../../helpers/tree';

const HOSTS = ['gvt-create-option', 'gvt-attribute', 'nvidia', 'vfio-ap', 'sample'];
const fixture = (name: string) => new RealSysfs(path.join(REPO, 'fixtures/hosts', name));

describe('readHost with aliases of a parent', () => {
  /** A view that counts the files read and directories listed. */
  const counting = (view: SysfsView) => {
    const counts = { reads: 0, lists: 0 };
    const counted: SysfsView = {
      read: (p) => (counts.reads++, view.read(p)),
      list: (p) => (counts.lists++, view.list(p)),
      exists: (p) => view.exists(p),
      realpath: (p) => view.realpath(p),
    };
    return { counted, counts };
  };

  test('GIVEN thousands of class links to one parent device under other names WHEN read THEN each is skipped with a problem, and what is read does not grow with them', () => {
    const { root } = copyHost('gvt-attribute');
    const plain = counting(new RealSysfs(root));
    const expected = readHost(plain.counted);
    const classDir = path.join(root, 'sys/class/mdev_bus');
    for (let i = 0; i < 2000; i++) fs.symlinkSync(fs.readlinkSync(path.join(classDir, '0000:00:02.0')), path.join(classDir, `alias${String(i).padStart(4, '0')}`));
    const aliased = counting(new RealSysfs(root));
    const host = readHost(aliased.counted);
    expect(host.parents).toEqual(expected.parents);
    expect(host.problems).toHaveLength(2000);
    expect(host.problems[0]).toEqual({ path: '/sys/class/mdev_bus/alias0000', message: 'links to a device named "0000:00:02.0"; skipped' });
    expect(aliased.counts).toEqual(plain.counts);
  });
});

describe('readHost on the fixture hosts', () => {
  test.each(HOSTS)('GIVEN the %s tree WHEN read THEN the model matches its golden file and has no problems', (name) => {
    const host = readHost(fixture(name));
    expectGolden(`test/golden/host/${name}.json`, JSON.stringify(host, null, 2) + '\n');
    expect(host.problems).toEqual([]);
  });

  test('GIVEN generation A WHEN read THEN every type is create-option with its maximum, and the device counts 4', () => {
    const host = readHost(fixture('gvt-create-option'));
    const types = host.parents[0]!.types;
    expect(types.map((t) => [t.id, t.dialect, t.maxAggregation, t.availableInstances])).toEqual([
      ['i915-GVTg_V5_1', 'create-option', 1, 0],
      ['i915-GVTg_V5_2', 'create-option', 1, 1],
      ['i915-GVTg_V5_4', 'create-option', 1, 3],
      ['i915-GVTg_V5_8', 'create-option', 1, 5],
      ['i915-GVTg_V5_aggregate', 'create-option', 10, 10],
    ]);
    expect(types[3]!.migrationVersion).toBe('8086-591d-i915-GVTg_V5_8-00000001');
    expect(types[3]!.name).toBeNull();
    expect(host.parents[0]).toMatchObject({ name: '0000:00:02.0', driver: 'i915', driverVersion: null, vendorId: '8086', deviceId: '591d' });
    expect(host.devices).toEqual([
      { uuid: '53764d0e-85a0-42b4-af5c-2046b460b1dc', parent: '0000:00:02.0', type: 'i915-GVTg_V5_aggregate', instances: 4, maxAggregation: null },
    ]);
  });

  test('GIVEN generation B WHEN read THEN only _8 is attribute, and devices carry count and maximum', () => {
    const host = readHost(fixture('gvt-attribute'));
    expect(host.parents[0]!.types.map((t) => [t.id, t.dialect, t.maxAggregation])).toEqual([
      ['i915-GVTg_V5_1', 'none', 1],
      ['i915-GVTg_V5_2', 'none', 1],
      ['i915-GVTg_V5_4', 'none', 1],
      ['i915-GVTg_V5_8', 'attribute', null],
    ]);
    expect(host.devices.map((d) => [d.type, d.instances, d.maxAggregation])).toEqual([
      ['i915-GVTg_V5_4', 1, 0],
      ['i915-GVTg_V5_8', 4, 5],
    ]);
  });

  test('GIVEN NVIDIA and s390 hosts WHEN read THEN driver versions, PCI ids and non-PCI parents come out as they are', () => {
    const nvidia = readHost(fixture('nvidia'));
    expect(nvidia.parents.map((p) => [p.name, p.driver, p.driverVersion, p.vendorId, p.deviceId])).toEqual([
      ['0000:41:00.0', 'nvidia', '535.161.05', '10de', '1e30'],
      ['0000:42:00.0', 'nvidia', '535.161.05', '10de', '1e30'],
    ]);
    expect(nvidia.devices.map((d) => [d.parent, d.type])).toEqual([['0000:41:00.0', 'nvidia-259']]);
    const ap = readHost(fixture('vfio-ap'));
    expect(ap.parents[0]).toMatchObject({ name: 'matrix', driver: 'vfio_ap', driverVersion: null, vendorId: null, deviceId: null });
    expect(ap.parents[0]!.types[0]).toMatchObject({ id: 'vfio_ap-passthrough', deviceApi: 'vfio-ap', dialect: 'none', description: null });
    const sample = readHost(fixture('sample'));
    expect(sample.parents[0]).toMatchObject({ name: 'mbochs', driver: null, vendorId: null });
    expect(sample.parents[0]!.types[1]).toMatchObject({ id: 'mbochs-medium', description: 'virtual display, 16 MB video memory', availableInstances: 15 });
  });
});

describe('readHost on hostile trees', () => {
  let scratch: string;
  let root: string;
  const parentDir = () => path.join(root, 'sys/devices/pci0000:00/0000:00:02.0');
  const typeDir = (type = 'good-1') => path.join(parentDir(), 'mdev_supported_types', type);
  const write = (file: string, data: string | Buffer) => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, data);
  };
  const link = (at: string, target: string) => {
    fs.mkdirSync(path.dirname(at), { recursive: true });
    fs.symlinkSync(target, at);
  };
  const addDevice = (uuid: string, type = 'good-1') => {
    write(path.join(parentDir(), uuid, 'remove'), '');
    link(path.join(parentDir(), uuid, 'mdev_type'), `../mdev_supported_types/${type}`);
    link(path.join(root, 'sys/bus/mdev/devices', uuid), `../../../devices/pci0000:00/0000:00:02.0/${uuid}`);
  };
  const read = (): HostModel => readHost(new RealSysfs(root));
  const problemAt = (host: HostModel, fragment: string) => host.problems.filter((p) => p.path.includes(fragment));

  beforeEach(() => {
    scratch = fs.realpathSync(tempDir('mdev-agg-host-'));
    root = path.join(scratch, 'root');
    link(path.join(root, 'sys/class/mdev_bus/0000:00:02.0'), '../../devices/pci0000:00/0000:00:02.0');
    write(path.join(typeDir(), 'create'), '');
    write(path.join(typeDir(), 'available_instances'), '3\n');
    write(path.join(typeDir(), 'device_api'), 'vfio-pci\n');
    write(path.join(scratch, 'outside/secret'), '42\n');
  });
  afterEach(() => removeTempDir(scratch));

  test('GIVEN a tree without mdev at all WHEN read THEN an empty model without problems', () => {
    fs.rmSync(path.join(root, 'sys'), { recursive: true });
    fs.mkdirSync(path.join(root, 'sys'));
    expect(read()).toEqual({ parents: [], devices: [], problems: [] });
  });

  test('GIVEN garbage in numeric and id files WHEN read THEN null fields and one problem each, no throw', () => {
    write(path.join(typeDir(), 'available_instances'), 'lots\n');
    write(path.join(typeDir(), 'aggregation'), '-1\n');
    write(path.join(typeDir(), 'device_api'), 'vfio pci; rm -rf\n');
    write(path.join(parentDir(), 'vendor'), '8086\n');
    write(path.join(parentDir(), 'device'), '0x591d\n');
    const host = read();
    const type = host.parents[0]!.types[0]!;
    expect(type).toMatchObject({ availableInstances: null, dialect: 'create-option', maxAggregation: null, deviceApi: null });
    expect(host.parents[0]).toMatchObject({ vendorId: null, deviceId: '591d' });
    expect(host.problems.map((p) => path.basename(p.path)).sort()).toEqual(['aggregation', 'available_instances', 'device_api', 'vendor']);
  });

  test('GIVEN missing mandatory files WHEN read THEN problems name them and the fields are null', () => {
    fs.rmSync(path.join(typeDir(), 'available_instances'));
    fs.rmSync(path.join(typeDir(), 'device_api'));
    const host = read();
    expect(host.parents[0]!.types[0]).toMatchObject({ availableInstances: null, deviceApi: null });
    expect(host.problems).toEqual([
      { path: '/sys/class/mdev_bus/0000:00:02.0/mdev_supported_types/good-1/device_api', message: 'missing' },
      { path: '/sys/class/mdev_bus/0000:00:02.0/mdev_supported_types/good-1/available_instances', message: 'missing' },
    ]);
  });

  test('GIVEN a parent without mdev_supported_types WHEN read THEN the parent has no types and a problem says so', () => {
    fs.rmSync(path.join(parentDir(), 'mdev_supported_types'), { recursive: true });
    const host = read();
    expect(host.parents[0]!.types).toEqual([]);
    expect(problemAt(host, 'mdev_supported_types')).toHaveLength(1);
  });

  test('GIVEN a huge description and control bytes or broken UTF-8 in text WHEN read THEN refused as problems', () => {
    write(path.join(typeDir(), 'description'), 'x'.repeat(MAX_HOST_FILE_BYTES + 10));
    write(path.join(typeDir(), 'name'), Buffer.from([0x41, 0xff, 0x42, 0x0a]));
    write(path.join(typeDir('good-2'), 'description'), 'ok\u001b[31m\n');
    write(path.join(typeDir('good-2'), 'available_instances'), '1\n');
    write(path.join(typeDir('good-2'), 'device_api'), 'vfio-pci\n');
    const host = read();
    expect(host.parents[0]!.types.map((t) => [t.name, t.description])).toEqual([
      [null, null],
      [null, null],
    ]);
    expect(host.problems).toHaveLength(3);
  });

  test('GIVEN a huge file behind a view that does not cap WHEN read THEN readHost refuses it itself', () => {
    write(path.join(typeDir(), 'description'), 'short\n');
    const view = new RealSysfs(root);
    const uncapped: SysfsView = {
      list: (p) => view.list(p),
      exists: (p) => view.exists(p),
      realpath: (p) => view.realpath(p),
      read: (p) => (p.endsWith('/description') ? 'y'.repeat(MAX_HOST_FILE_BYTES + 1) : view.read(p)),
    };
    const host = readHost(uncapped);
    expect(host.parents[0]!.types[0]!.description).toBeNull();
    expect(host.problems).toEqual([
      { path: '/sys/class/mdev_bus/0000:00:02.0/mdev_supported_types/good-1/description', message: `larger than ${MAX_HOST_FILE_BYTES} bytes` },
    ]);
  });

  test('GIVEN links leaving the root WHEN read THEN nothing outside is reported as host data', () => {
    fs.rmSync(path.join(typeDir(), 'available_instances'));
    link(path.join(typeDir(), 'available_instances'), path.join(scratch, 'outside/secret'));
    link(path.join(root, 'sys/class/mdev_bus/evil'), path.join(scratch, 'outside'));
    link(path.join(parentDir(), 'driver'), path.join(scratch, 'outside'));
    const host = read();
    expect(host.parents.map((p) => p.name)).toEqual(['0000:00:02.0', 'evil']);
    expect(host.parents[0]!.types[0]!.availableInstances).toBeNull();
    expect(host.parents[0]!.driver).toBeNull();
    expect(host.parents[1]!.types).toEqual([]);
    expect(host.problems.filter((p) => p.message.startsWith('resolves outside the root')).map((p) => p.path)).toEqual([
      '/sys/class/mdev_bus/0000:00:02.0/driver',
      '/sys/class/mdev_bus/0000:00:02.0/mdev_supported_types/good-1/available_instances',
      '/sys/class/mdev_bus/evil/driver',
      '/sys/class/mdev_bus/evil/vendor',
      '/sys/class/mdev_bus/evil/device',
      '/sys/class/mdev_bus/evil/mdev_supported_types',
    ]);
  });

  test('GIVEN unsafe names in the tree WHEN read THEN they are skipped with a problem each', () => {
    link(path.join(root, 'sys/class/mdev_bus/bad name'), '../../devices/pci0000:00/0000:00:02.0');
    fs.mkdirSync(path.join(parentDir(), 'mdev_supported_types', 'type;reboot'));
    fs.mkdirSync(path.join(parentDir(), 'mdev_supported_types', 'x'.repeat(129)));
    const host = read();
    expect(host.parents.map((p) => p.name)).toEqual(['0000:00:02.0']);
    expect(host.parents[0]!.types.map((t) => t.id)).toEqual(['good-1']);
    expect(host.problems.map((p) => p.message)).toEqual(['unsafe parent name; skipped', 'unsafe type name; skipped', 'unsafe type name; skipped']);
  });

  test('GIVEN odd device entries WHEN read THEN only well-formed devices are kept, each odd one a problem', () => {
    addDevice('53764d0e-85a0-42b4-af5c-2046b460b1dc');
    addDevice('83B8F4F2-509F-382F-3C1E-E6BFE0FA1001');
    addDevice('not-a-uuid');
    link(path.join(root, 'sys/bus/mdev/devices/0f4e2c1a-7b3d-4e5f-9a8b-1c2d3e4f5a6b'), 'nowhere');
    addDevice('c5f2b8a4-3e1d-4b7a-9f6c-2d8e5a1b4c7f');
    write(path.join(parentDir(), 'c5f2b8a4-3e1d-4b7a-9f6c-2d8e5a1b4c7f', 'aggregated_instances'), 'four\n');
    addDevice('4f0c5e2a-9b7d-4c1e-8a3f-6d2b5e8c1a4f');
    fs.rmSync(path.join(parentDir(), '4f0c5e2a-9b7d-4c1e-8a3f-6d2b5e8c1a4f', 'mdev_type'));
    addDevice('9d8e7f6a-5b4c-4d3e-8f2a-1b0c9d8e7f6a');
    write(path.join(parentDir(), '9d8e7f6a-5b4c-4d3e-8f2a-1b0c9d8e7f6a', 'mdev/aggregated_instances'), '2\n');
    write(path.join(parentDir(), '9d8e7f6a-5b4c-4d3e-8f2a-1b0c9d8e7f6a', 'mdev/max_aggregation'), 'many\n');
    const host = read();
    expect(host.devices).toEqual([
      { uuid: '53764d0e-85a0-42b4-af5c-2046b460b1dc', parent: '0000:00:02.0', type: 'good-1', instances: 1, maxAggregation: null },
      { uuid: '9d8e7f6a-5b4c-4d3e-8f2a-1b0c9d8e7f6a', parent: '0000:00:02.0', type: 'good-1', instances: 2, maxAggregation: null },
    ]);
    expect(host.problems.map((p) => path.basename(p.path))).toEqual([
      '0f4e2c1a-7b3d-4e5f-9a8b-1c2d3e4f5a6b',
      'mdev_type',
      '"83B8F4F2-509F-382F-3C1E-E6BFE0FA1001"',
      'max_aggregation',
      'aggregated_instances',
      'aggregated_instances',
      '"not-a-uuid"',
    ]);
  });

  test('GIVEN a migration_version that answers ENODEV or holds garbage WHEN read THEN null; only garbage is a problem', () => {
    const view = new RealSysfs(root);
    write(path.join(typeDir(), 'migration_version'), 'two\nlines\n');
    const host = readHost(view);
    expect(host.parents[0]!.types[0]!.migrationVersion).toBeNull();
    expect(host.problems.map((p) => path.basename(p.path))).toEqual(['migration_version']);
  });
});
