import * as fs from 'node:fs';
import * as path from 'node:path';
import { readHost } from '../../../src/core/host/read-host';
import { RealSysfs } from '../../../src/shell/real-sysfs';
import { SimKernel } from '../../../src/shell/sim/kernel';
import { parseSimSeedOptions, SimSeedOptions } from '../../../src/shell/sim/seed';
import { REPO } from '../../helpers/golden';
import { errnoOf } from '../errno-of';

const HOSTS = ['gvt-create-option', 'gvt-attribute', 'nvidia', 'vfio-ap', 'sample'];
const hostDir = (name: string) => path.join(REPO, 'fixtures/hosts', name);
const sidecar = (name: string): SimSeedOptions | undefined => {
  const file = path.join(hostDir(name), 'sim.json');
  return fs.existsSync(file) ? parseSimSeedOptions(JSON.parse(fs.readFileSync(file, 'utf8'))) : undefined;
};
const seeded = (name: string) => SimKernel.seed(new RealSysfs(hostDir(name)), sidecar(name));
const counts = (kernel: SimKernel, parent = 0) =>
  readHost(kernel).parents[parent]!.types.map((t) => t.availableInstances);

const NEW = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';
const GVT_TYPES = '/sys/class/mdev_bus/0000:00:02.0/mdev_supported_types';

describe('SimKernel.seed from the fixture hosts', () => {
  test.each(HOSTS)('GIVEN the %s tree and its sidecar WHEN seeded THEN the kernel reads exactly as the tree does', (name) => {
    const real = readHost(new RealSysfs(hostDir(name)));
    expect(readHost(seeded(name))).toEqual(real);
  });

  test('GIVEN generation A seeded WHEN creating with the option and removing the existing device THEN the shared pool moves every type', () => {
    const kernel = seeded('gvt-create-option');
    expect(counts(kernel)).toEqual([0, 1, 3, 5, 10]);
    kernel.write(`${GVT_TYPES}/i915-GVTg_V5_aggregate/create`, `${NEW},aggregate=2`);
    expect(counts(kernel)).toEqual([0, 1, 3, 4, 8]);
    kernel.write('/sys/bus/mdev/devices/53764d0e-85a0-42b4-af5c-2046b460b1dc/remove', '1');
    kernel.write(`/sys/bus/mdev/devices/${NEW}/remove`, '1');
    expect(counts(kernel)).toEqual([1, 2, 5, 7, 14]);
    // The tree on disk is only the seed: nothing was written there.
    expect(fs.readFileSync(path.join(hostDir('gvt-create-option'), 'sys/devices/pci0000:00/0000:00:02.0/mdev_supported_types/i915-GVTg_V5_aggregate/create'), 'utf8')).toBe('');
  });

  test('GIVEN generation B seeded WHEN the existing device grows to its maximum and beyond THEN the kernel follows the reference', () => {
    const kernel = seeded('gvt-attribute');
    const attr = '/sys/bus/mdev/devices/53764d0e-85a0-42b4-af5c-2046b460b1dc/mdev/aggregated_instances';
    expect(errnoOf(() => kernel.write(attr, '6'))).toBe('EINVAL');
    kernel.write(attr, '5');
    expect(counts(kernel)).toEqual([0, 0, 0, 0]);
    expect(errnoOf(() => kernel.write(`${GVT_TYPES}/i915-GVTg_V5_8/create`, NEW))).toBe('ENOSPC');
    expect(errnoOf(() => kernel.write('/sys/bus/mdev/devices/0f4e2c1a-7b3d-4e5f-9a8b-1c2d3e4f5a6b/mdev/aggregated_instances', '2'))).toBe('EINVAL');
  });

  test('GIVEN two NVIDIA GPUs WHEN creating on one THEN only its pool moves', () => {
    const kernel = seeded('nvidia');
    kernel.write('/sys/class/mdev_bus/0000:42:00.0/mdev_supported_types/nvidia-257/create', NEW);
    expect(counts(kernel, 0)).toEqual([20, 10, 6, 5]);
    expect(counts(kernel, 1)).toEqual([22, 11, 7, 5]);
    expect(kernel.realpath(`/sys/bus/mdev/devices/${NEW}`)).toBe(`/sys/devices/pci0000:40/0000:40:03.1/0000:42:00.0/${NEW}`);
  });

  test('GIVEN a host without a sidecar WHEN seeded THEN the type counts alone from its available_instances and devices', () => {
    const kernel = seeded('vfio-ap');
    kernel.write('/sys/class/mdev_bus/matrix/mdev_supported_types/vfio_ap-passthrough/create', NEW);
    expect(counts(kernel)).toEqual([254]);
    kernel.write('/sys/bus/mdev/devices/4f0c5e2a-9b7d-4c1e-8a3f-6d2b5e8c1a4f/remove', '1');
    expect(counts(kernel)).toEqual([255]);
  });

  test('GIVEN a shared-pool host seeded without its sidecar WHEN creating THEN the other types do not move', () => {
    const kernel = SimKernel.seed(new RealSysfs(hostDir('sample')));
    kernel.write('/sys/class/mdev_bus/mbochs/mdev_supported_types/mbochs-large/create', NEW);
    expect(counts(kernel)).toEqual([2, 15, 60]);
  });

  test('GIVEN the sample seeded WHEN the pool runs out THEN ENOSPC', () => {
    const kernel = seeded('sample');
    const create = '/sys/class/mdev_bus/mbochs/mdev_supported_types/mbochs-large/create';
    for (const n of [1, 2, 3]) kernel.write(create, `0000000${n}-0000-4000-8000-000000000000`);
    expect(counts(kernel)).toEqual([0, 3, 12]);
    expect(errnoOf(() => kernel.write(create, NEW))).toBe('ENOSPC');
  });
});

describe('parseSimSeedOptions', () => {
  test.each([
    [[], /expected an object/],
    [{ pools: {} }, /unknown key pools/],
    [{ parents: { p: { pools: { a: { mb: -1 } } } } }, /non-negative integer/],
    [{ parents: { p: { pools: { a: { mb: 1.5 } } } } }, /non-negative integer/],
    [{ parents: { p: { types: { t: { pool: 'a', colour: 'red' } } } } }, /colour/],
    [{ parents: { p: { types: { t: { createParser: 'v9' } } } } }, /createParser/],
    [{ parents: { p: { extra: 1 } } }, /unknown key/],
  ])('GIVEN %j THEN it is refused', (json, message) => {
    expect(() => parseSimSeedOptions(json)).toThrow(message);
  });

  test('GIVEN a sidecar naming a parent or type the host lacks, or an unknown pool WHEN seeding THEN it is refused', () => {
    const view = new RealSysfs(hostDir('sample'));
    expect(() => SimKernel.seed(view, { parents: { other: {} } })).toThrow(/parent other/);
    expect(() => SimKernel.seed(view, { parents: { mbochs: { types: { 'mbochs-huge': {} } } } })).toThrow(/type mbochs-huge/);
    expect(() => SimKernel.seed(view, { parents: { mbochs: { types: { 'mbochs-small': { pool: 'nope', cost: { mb: 4 } } } } } })).toThrow(/unknown pool/);
  });

  test('GIVEN a sidecar whose pool is too small for the existing devices WHEN seeding THEN it is refused', () => {
    const options = sidecar('sample')!;
    options.parents!.mbochs!.pools!.memory = { mb: 8 };
    expect(() => SimKernel.seed(new RealSysfs(hostDir('sample')), options)).toThrow(/more mb than pool memory/);
  });
});
