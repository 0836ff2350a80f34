import { readHost } from '../../../src/core/host/read-host';
import { RemoveWouldBlock, SimKernel } from '../../../src/shell/sim/kernel';
import { errnoOf } from '../errno-of';
import type { SimKernelSpec } from '../../../src/shell/sim/spec';

const U1 = '53764d0e-85a0-42b4-af5c-2046b460b1dc';
const U2 = '83b8f4f2-509f-382f-3c1e-e6bfe0fa1001';
const SAMPLE = '/sys/class/mdev_bus/mbochs/mdev_supported_types';
const devicePath = (uuid: string) => `/sys/bus/mdev/devices/${uuid}`;

/** mbochs: three types sharing a 256 MB pool (64/16/4 instances when empty). */
const mbochs = (): SimKernelSpec => ({
  parents: [
    {
      name: 'mbochs',
      deviceDir: '/sys/devices/virtual/mbochs/mbochs',
      pools: [{ id: 'memory', capacity: { mb: 256 } }],
      types: [
        { id: 'mbochs-small', deviceApi: 'vfio-pci', name: 'mbochs-small', pool: 'memory', cost: { mb: 4 } },
        { id: 'mbochs-medium', deviceApi: 'vfio-pci', name: 'mbochs-medium', pool: 'memory', cost: { mb: 16 } },
        { id: 'mbochs-large', deviceApi: 'vfio-pci', name: 'mbochs-large', pool: 'memory', cost: { mb: 64 } },
      ],
    },
  ],
});

const available = (kernel: SimKernel, type: string) => kernel.read(`${SAMPLE}/${type}/available_instances`);

describe('SimKernel mainline create and remove', () => {
  test('GIVEN an empty pool WHEN a UUID is written to create THEN the device directory and every link appear', () => {
    const kernel = SimKernel.build(mbochs());
    kernel.write(`${SAMPLE}/mbochs-medium/create`, U1);
    expect(kernel.realpath(devicePath(U1))).toBe(`/sys/devices/virtual/mbochs/mbochs/${U1}`);
    expect(kernel.realpath(`${devicePath(U1)}/mdev_type`)).toBe('/sys/devices/virtual/mbochs/mbochs/mdev_supported_types/mbochs-medium');
    expect(kernel.list(`${SAMPLE}/mbochs-medium/devices`)).toEqual([U1]);
    expect(kernel.list('/sys/bus/mdev/devices')).toEqual([U1]);
    expect(kernel.list(devicePath(U1))).toEqual(['mdev_type', 'remove']);
    expect(kernel.read(`${devicePath(U1)}/mdev_type/available_instances`)).toBe('15\n');
  });

  test('GIVEN a shared pool WHEN creating and removing THEN every type sharing it moves and the pool comes back whole', () => {
    const kernel = SimKernel.build(mbochs());
    expect([available(kernel, 'mbochs-small'), available(kernel, 'mbochs-medium'), available(kernel, 'mbochs-large')]).toEqual(['64\n', '16\n', '4\n']);
    kernel.write(`${SAMPLE}/mbochs-large/create`, `${U1}\n`);
    kernel.write(`${SAMPLE}/mbochs-small/create`, U2);
    expect([available(kernel, 'mbochs-small'), available(kernel, 'mbochs-medium'), available(kernel, 'mbochs-large')]).toEqual(['47\n', '11\n', '2\n']);
    kernel.write(`${devicePath(U1)}/remove`, '1');
    kernel.write(`${devicePath(U2)}/remove`, '1\n');
    expect([available(kernel, 'mbochs-small'), available(kernel, 'mbochs-medium'), available(kernel, 'mbochs-large')]).toEqual(['64\n', '16\n', '4\n']);
  });

  test('GIVEN a device WHEN it is removed THEN its directory and both links are gone', () => {
    const kernel = SimKernel.build(mbochs());
    kernel.write(`${SAMPLE}/mbochs-small/create`, U1);
    kernel.write(`${devicePath(U1)}/remove`, '1');
    expect(kernel.exists(devicePath(U1))).toBe(false);
    expect(kernel.exists(`/sys/devices/virtual/mbochs/mbochs/${U1}`)).toBe(false);
    expect(kernel.list(`${SAMPLE}/mbochs-small/devices`)).toEqual([]);
    expect(kernel.list('/sys/bus/mdev/devices')).toEqual([]);
    expect(errnoOf(() => kernel.write(`${devicePath(U1)}/remove`, '1'))).toBe('ENOENT');
  });

  test.each([
    ['too short', U1.slice(0, 35), 'EINVAL'],
    ['38 bytes', `${U1}\n\n`, 'EINVAL'],
    ['not hex', `${U1.slice(0, 35)}g`, 'EINVAL'],
    ['dash misplaced', `${U1.slice(0, 8)}${U1.slice(9)}0`, 'EINVAL'],
    ['a create option on a mainline kernel', `${U1},aggregate=2`, 'EINVAL'],
  ])('GIVEN a write that is %s WHEN creating THEN %s and nothing appears', (_what, data, errno) => {
    const kernel = SimKernel.build(mbochs());
    expect(errnoOf(() => kernel.write(`${SAMPLE}/mbochs-small/create`, data))).toBe(errno);
    expect(kernel.list('/sys/bus/mdev/devices')).toEqual([]);
    expect(available(kernel, 'mbochs-small')).toBe('64\n');
  });

  test('GIVEN an upper-case UUID with any 37th byte WHEN creating THEN the device is named in lower case', () => {
    const kernel = SimKernel.build(mbochs());
    kernel.write(`${SAMPLE}/mbochs-small/create`, `${U1.toUpperCase()}x`);
    expect(kernel.list('/sys/bus/mdev/devices')).toEqual([U1]);
  });

  test('GIVEN an existing UUID WHEN creating it again on any type THEN EEXIST', () => {
    const kernel = SimKernel.build(mbochs());
    kernel.write(`${SAMPLE}/mbochs-small/create`, U1);
    expect(errnoOf(() => kernel.write(`${SAMPLE}/mbochs-large/create`, U1.toUpperCase()))).toBe('EEXIST');
    expect(available(kernel, 'mbochs-large')).toBe('3\n');
  });

  test('GIVEN an exhausted pool WHEN creating THEN ENOSPC, as mbochs answers', () => {
    const kernel = SimKernel.build(mbochs());
    const uuids = ['a', 'b', 'c', 'd'].map((c) => `${c.repeat(8)}-0000-4000-8000-000000000000`);
    for (const uuid of uuids) kernel.write(`${SAMPLE}/mbochs-large/create`, uuid);
    expect(available(kernel, 'mbochs-small')).toBe('0\n');
    expect(errnoOf(() => kernel.write(`${SAMPLE}/mbochs-small/create`, U1))).toBe('ENOSPC');
  });

  test.each([
    ['0', 'no-op'],
    ['0x1', 'removed'],
    ['+1\n', 'removed'],
    ['7', 'removed'],
    ['yes', 'EINVAL'],
    ['1 ', 'EINVAL'],
    ['', 'EINVAL'],
    ['99999999999999999999', 'EINVAL'],
  ])('GIVEN remove receives %j THEN %s (kstrtoul base 0)', (data, outcome) => {
    const kernel = SimKernel.build(mbochs());
    kernel.write(`${SAMPLE}/mbochs-small/create`, U1);
    const errno = errnoOf(() => kernel.write(`${devicePath(U1)}/remove`, data));
    if (outcome === 'EINVAL') expect(errno).toBe('EINVAL');
    else expect(errno).toBe('no error');
    expect(kernel.exists(devicePath(U1))).toBe(outcome !== 'removed');
  });

  test('GIVEN a device in use WHEN removing THEN the write would block, as a real kernel does, and deviceInUse said so', () => {
    const kernel = SimKernel.build(mbochs());
    kernel.write(`${SAMPLE}/mbochs-small/create`, U1);
    expect(kernel.deviceInUse(U1)).toBe(false);
    kernel.open(U1);
    expect(kernel.deviceInUse(U1)).toBe(true);
    expect(() => kernel.write(`${devicePath(U1)}/remove`, '1')).toThrow(RemoveWouldBlock);
    expect(kernel.exists(devicePath(U1))).toBe(true);
    kernel.close(U1);
    kernel.write(`${devicePath(U1)}/remove`, '1');
    expect(kernel.exists(devicePath(U1))).toBe(false);
    expect(() => kernel.open(U1)).toThrow(/no simulated device/);
  });
});

describe('SimKernel attribute files', () => {
  test('GIVEN read-only, write-only, missing files and directories WHEN accessed THEN the kernel errno, and no file is created', () => {
    const kernel = SimKernel.build(mbochs());
    expect(errnoOf(() => kernel.write(`${SAMPLE}/mbochs-small/available_instances`, '9'))).toBe('EACCES');
    expect(errnoOf(() => kernel.write(`${SAMPLE}/mbochs-small/name`, 'x'))).toBe('EACCES');
    expect(errnoOf(() => kernel.read(`${SAMPLE}/mbochs-small/create`))).toBe('EACCES');
    expect(errnoOf(() => kernel.write(`${SAMPLE}/mbochs-small/aggregation`, '2'))).toBe('ENOENT');
    expect(errnoOf(() => kernel.write(`${SAMPLE}/mbochs-small`, '2'))).toBe('EISDIR');
    expect(errnoOf(() => kernel.read(`${SAMPLE}/mbochs-small`))).toBe('EISDIR');
    expect(kernel.exists(`${SAMPLE}/mbochs-small/aggregation`)).toBe(false);
    expect(kernel.read(`${SAMPLE}/mbochs-small/missing`)).toBeNull();
    expect(kernel.list(`${SAMPLE}/mbochs-small`)).toEqual(['available_instances', 'create', 'device_api', 'devices', 'name']);
  });

  test('GIVEN paths with `..` after a link WHEN resolved THEN they climb from the link target', () => {
    const kernel = SimKernel.build(mbochs());
    expect(kernel.realpath('/sys/class/mdev_bus/mbochs/..')).toBe('/sys/devices/virtual/mbochs');
    expect(kernel.realpath('/sys/class/mdev_bus/mbochs/mdev_supported_types/mbochs-small/../mbochs-large')).toBe(
      '/sys/devices/virtual/mbochs/mbochs/mdev_supported_types/mbochs-large',
    );
    expect(kernel.read('/sys/class/mdev_bus/mbochs/mdev_supported_types/mbochs-small/create/x')).toBeNull();
  });

  test('GIVEN a relative path WHEN accessed THEN EINVAL', () => {
    const kernel = SimKernel.build(mbochs());
    expect(errnoOf(() => kernel.read('sys/class'))).toBe('EINVAL');
  });
});

describe('SimKernel failure injection and the write log', () => {
  test('GIVEN failWrite(2, EIO) WHEN writing three times THEN only the second fails, without effect, and the log shows it', () => {
    const kernel = SimKernel.build(mbochs());
    kernel.failWrite(2, 'EIO');
    kernel.write(`${SAMPLE}/mbochs-small/create`, U1);
    expect(errnoOf(() => kernel.write(`${SAMPLE}/mbochs-small/create`, U2))).toBe('EIO');
    expect(kernel.exists(devicePath(U2))).toBe(false);
    kernel.write(`${SAMPLE}/mbochs-small/create`, U2);
    expect(kernel.writes).toEqual([
      { path: `${SAMPLE}/mbochs-small/create`, data: U1, errno: null },
      { path: `${SAMPLE}/mbochs-small/create`, data: U2, errno: 'EIO' },
      { path: `${SAMPLE}/mbochs-small/create`, data: U2, errno: null },
    ]);
  });

  test('GIVEN a predicate injection WHEN the matching write comes THEN it fails once, others pass', () => {
    const kernel = SimKernel.build(mbochs());
    kernel.failWriteWhere((path) => path.endsWith('/remove'), 'EAGAIN');
    kernel.write(`${SAMPLE}/mbochs-small/create`, U1);
    expect(errnoOf(() => kernel.write(`${devicePath(U1)}/remove`, '1'))).toBe('EAGAIN');
    expect(kernel.exists(devicePath(U1))).toBe(true);
    kernel.write(`${devicePath(U1)}/remove`, '1');
    expect(kernel.exists(devicePath(U1))).toBe(false);
  });

  test('GIVEN a refused write WHEN logged THEN the kernel errno is recorded too', () => {
    const kernel = SimKernel.build(mbochs());
    expect(errnoOf(() => kernel.write(`${SAMPLE}/mbochs-small/create`, 'short'))).toBe('EINVAL');
    expect(kernel.writes).toEqual([{ path: `${SAMPLE}/mbochs-small/create`, data: 'short', errno: 'EINVAL' }]);
  });

  test('GIVEN bad injection arguments THEN they are refused', () => {
    const kernel = SimKernel.build(mbochs());
    expect(() => kernel.failWrite(0, 'EIO')).toThrow();
    expect(() => kernel.failWrite(1, 'eio')).toThrow();
    expect(() => kernel.failWriteWhere(() => true, 'nope')).toThrow();
  });
});

describe('SimKernel.build consistency', () => {
  test('GIVEN devices that take more than the pool WHEN building THEN it is refused', () => {
    const spec = mbochs();
    spec.devices = ['a', 'b', 'c', 'd', 'e'].map((c) => ({ uuid: `${c.repeat(8)}-0000-4000-8000-000000000000`, parent: 'mbochs', type: 'mbochs-large' }));
    expect(() => SimKernel.build(spec)).toThrow(/pool memory/);
  });

  test('GIVEN a type naming an unknown pool or resource WHEN building THEN it is refused', () => {
    const spec = mbochs();
    spec.parents[0]!.types[0]!.pool = 'other';
    expect(() => SimKernel.build(spec)).toThrow(/unknown pool/);
    const costly = mbochs();
    costly.parents[0]!.types[0]!.cost = { gb: 1 };
    expect(() => SimKernel.build(costly)).toThrow(/lacks/);
  });

  test('GIVEN existing devices WHEN readHost reads the kernel THEN they are seen with parent and type', () => {
    const spec = mbochs();
    spec.devices = [{ uuid: U1.toUpperCase(), parent: 'mbochs', type: 'mbochs-medium' }];
    const host = readHost(SimKernel.build(spec));
    expect(host.devices).toEqual([{ uuid: U1, parent: 'mbochs', type: 'mbochs-medium', instances: 1, maxAggregation: null }]);
    expect(host.parents[0]!.types.map((t) => t.availableInstances)).toEqual([3, 15, 60]);
    expect(host.problems).toEqual([]);
  });
});
