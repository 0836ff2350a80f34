import { readHost } from '../../../src/core/host/read-host';
import type { CreateParser } from '../../../src/shell/sim/kernel-parse';
import { SimKernel } from '../../../src/shell/sim/kernel';
import type { SimTypeSpec } from '../../../src/shell/sim/spec';
import { GVT_POOL, gvtHost } from '../../helpers/host-builder';
import { errnoOf } from '../errno-of';

const U1 = '53764d0e-85a0-42b4-af5c-2046b460b1dc';
const U2 = '83b8f4f2-509f-382f-3c1e-e6bfe0fa1001';
const TYPES = '/sys/class/mdev_bus/0000:00:02.0/mdev_supported_types';
const dev = (uuid: string) => `/sys/bus/mdev/devices/${uuid}`;

// GVT gen9 resources per instance (reference §6, §2), and a pool giving the counts seen on hosts:
// _1 1, _2 2, _4 5, _8 7; the aggregate unit 14 (fences (32 - 4) / 2).
const GVT_RESOURCES = { low_gm_mb: 640, high_gm_mb: 2688, fences: 28 };
const fixed = (suffix: string, low: number, high: number): Omit<SimTypeSpec, 'aggregation'> => ({
  id: `i915-GVTg_V5_${suffix}`,
  deviceApi: 'vfio-pci',
  pool: GVT_POOL,
  cost: { low_gm_mb: low, high_gm_mb: high, fences: 4 },
  migration: { version: `8086-591d-i915-GVTg_V5_${suffix}-00000001` },
});
const FIXED = [fixed('1', 512, 2048), fixed('2', 256, 1024), fixed('4', 128, 512), fixed('8', 64, 384)];

const gvt = (types: SimTypeSpec[]) => gvtHost(GVT_RESOURCES, types);

/** Generation A: every GVT type has `aggregation` (fixed types 1), plus the aggregate type. */
function generationA(parser: CreateParser = 'refresh', aggregateMax: number | 'available' = 'available'): SimKernel {
  return SimKernel.build(
    gvt([
      ...FIXED.map((t) => ({ ...t, aggregation: { kind: 'create-option' as const, max: 1 }, createParser: parser })),
      {
        id: 'i915-GVTg_V5_aggregate',
        deviceApi: 'vfio-pci',
        pool: GVT_POOL,
        cost: { low_gm_mb: 32, high_gm_mb: 192, fences: 2 },
        aggregation: { kind: 'create-option', max: aggregateMax },
        createParser: parser,
      },
    ]),
  );
}

/** Generation B: only `_8` aggregates; every device carries the `mdev/` group. */
const generationB = () =>
  SimKernel.build(
    gvt(FIXED.map((t) => ({ ...t, aggregation: { kind: t.id.endsWith('_8') ? 'attribute' : 'none' }, attributeGroup: true }))),
  );

const counts = (kernel: SimKernel) =>
  Object.fromEntries(readHost(kernel).parents[0]!.types.map((t) => [t.id.replace('i915-GVTg_V5_', ''), t.availableInstances]));

describe('generation A: the create option', () => {
  test('GIVEN the aggregate type WHEN `<uuid>,aggregate=4` is written THEN one device holds 4 units and every type shares the loss', () => {
    const kernel = generationA();
    expect(counts(kernel)).toEqual({ '1': 1, '2': 2, '4': 5, '8': 7, aggregate: 14 });
    expect(kernel.read(`${TYPES}/i915-GVTg_V5_aggregate/aggregation`)).toBe('14\n');
    expect(kernel.read(`${TYPES}/i915-GVTg_V5_8/aggregation`)).toBe('1\n');
    kernel.write(`${TYPES}/i915-GVTg_V5_aggregate/create`, `${U1},aggregate=4`);
    expect(kernel.read(`${dev(U1)}/aggregated_instances`)).toBe('4\n');
    expect(errnoOf(() => kernel.write(`${dev(U1)}/aggregated_instances`, '5'))).toBe('EACCES');
    expect(counts(kernel)).toEqual({ '1': 0, '2': 1, '4': 3, '8': 5, aggregate: 10 });
    expect(kernel.read(`${TYPES}/i915-GVTg_V5_aggregate/aggregation`)).toBe('10\n');
    expect(readHost(kernel).devices).toEqual([
      { uuid: U1, parent: '0000:00:02.0', type: 'i915-GVTg_V5_aggregate', instances: 4, maxAggregation: null },
    ]);
    kernel.write(`${dev(U1)}/remove`, '1');
    expect(counts(kernel)).toEqual({ '1': 1, '2': 2, '4': 5, '8': 7, aggregate: 14 });
  });

  test('GIVEN a plain create or aggregate=1 WHEN creating THEN one instance and no aggregated_instances file', () => {
    const kernel = generationA();
    kernel.write(`${TYPES}/i915-GVTg_V5_aggregate/create`, U1);
    kernel.write(`${TYPES}/i915-GVTg_V5_8/create`, `${U2},aggregate=1\n`);
    expect(kernel.exists(`${dev(U1)}/aggregated_instances`)).toBe(false);
    expect(kernel.exists(`${dev(U2)}/aggregated_instances`)).toBe(false);
    expect(counts(kernel).aggregate).toBe(11);
  });

  test.each([
    ['a fixed type asked for 2 (above its aggregation of 1)', 'i915-GVTg_V5_8', `${U1},aggregate=2`],
    ['more than the aggregation maximum', 'i915-GVTg_V5_aggregate', `${U1},aggregate=15`],
    ['aggregate=0 (unconfirmed upstream; refused)', 'i915-GVTg_V5_aggregate', `${U1},aggregate=0`],
    ['an option other than aggregate=', 'i915-GVTg_V5_aggregate', `${U1},instances=2`],
    ['two options', 'i915-GVTg_V5_aggregate', `${U1},aggregate=2,foo`],
    ['a comma not at offset 36', 'i915-GVTg_V5_aggregate', `${U1}0,aggregate=2`],
    ['base 0 octal with an 8', 'i915-GVTg_V5_aggregate', `${U1},aggregate=08`],
  ])('GIVEN %s WHEN creating THEN EINVAL and the pool is untouched', (_what, type, data) => {
    const kernel = generationA();
    expect(errnoOf(() => kernel.write(`${TYPES}/${type}/create`, data))).toBe('EINVAL');
    expect(kernel.list('/sys/bus/mdev/devices')).toEqual([]);
    expect(counts(kernel).aggregate).toBe(14);
  });

  test('GIVEN a maximum above what is available WHEN N exceeds the available count THEN EINVAL, as GVT answers', () => {
    const kernel = generationA('refresh', 16);
    expect(kernel.read(`${TYPES}/i915-GVTg_V5_aggregate/aggregation`)).toBe('16\n');
    expect(errnoOf(() => kernel.write(`${TYPES}/i915-GVTg_V5_aggregate/create`, `${U1},aggregate=15`))).toBe('EINVAL');
    kernel.write(`${TYPES}/i915-GVTg_V5_aggregate/create`, `${U1},aggregate=14`);
    expect(counts(kernel)).toEqual({ '1': 0, '2': 0, '4': 0, '8': 0, aggregate: 0 });
  });

  test('GIVEN the 2019-10 refresh WHEN N is written in hex or octal THEN base 0 applies; v3 reads base 10 only', () => {
    const refresh = generationA('refresh');
    refresh.write(`${TYPES}/i915-GVTg_V5_aggregate/create`, `${U1},aggregate=0x3`);
    refresh.write(`${TYPES}/i915-GVTg_V5_aggregate/create`, `${U2},aggregate=010`);
    expect(refresh.read(`${dev(U1)}/aggregated_instances`)).toBe('3\n');
    expect(refresh.read(`${dev(U2)}/aggregated_instances`)).toBe('8\n');
    const v3 = generationA('v3');
    expect(errnoOf(() => v3.write(`${TYPES}/i915-GVTg_V5_aggregate/create`, `${U1},aggregate=0x3`))).toBe('EINVAL');
    v3.write(`${TYPES}/i915-GVTg_V5_aggregate/create`, `${U1},aggregate=010`);
    expect(v3.read(`${dev(U1)}/aggregated_instances`)).toBe('10\n');
  });

  test('GIVEN the refresh WHEN a write is over 4095 bytes THEN E2BIG; at 4095 bytes it is parsed', () => {
    const kernel = generationA('refresh');
    const atLimit = `${U1},aggregate=${'0'.repeat(4047)}2`;
    expect(Buffer.byteLength(atLimit)).toBe(4095);
    expect(errnoOf(() => kernel.write(`${TYPES}/i915-GVTg_V5_aggregate/create`, `${atLimit}\n`))).toBe('E2BIG');
    expect(kernel.list('/sys/bus/mdev/devices')).toEqual([]);
    kernel.write(`${TYPES}/i915-GVTg_V5_aggregate/create`, atLimit);
    expect(kernel.read(`${dev(U1)}/aggregated_instances`)).toBe('2\n');
  });

  test('GIVEN an exhausted pool WHEN a plain UUID is written THEN v3 answers ENOSPC (plain create), the refresh EINVAL (hook)', () => {
    for (const [parser, errno] of [['v3', 'ENOSPC'], ['refresh', 'EINVAL']] as const) {
      const kernel = generationA(parser);
      kernel.write(`${TYPES}/i915-GVTg_V5_aggregate/create`, `${U1},aggregate=14`);
      expect(errnoOf(() => kernel.write(`${TYPES}/i915-GVTg_V5_8/create`, U2))).toBe(errno);
    }
  });

  test('GIVEN a type without the hook on a patched core WHEN N > 1 THEN EINVAL; N = 1 creates', () => {
    const kernel = SimKernel.build(gvt([{ ...FIXED[3]!, createParser: 'refresh' }]));
    expect(errnoOf(() => kernel.write(`${TYPES}/i915-GVTg_V5_8/create`, `${U1},aggregate=2`))).toBe('EINVAL');
    kernel.write(`${TYPES}/i915-GVTg_V5_8/create`, `${U1},aggregate=1`);
    expect(kernel.exists(dev(U1))).toBe(true);
  });

  test('GIVEN an existing UUID WHEN created again with the option THEN EEXIST', () => {
    const kernel = generationA();
    kernel.write(`${TYPES}/i915-GVTg_V5_aggregate/create`, `${U1},aggregate=2`);
    expect(errnoOf(() => kernel.write(`${TYPES}/i915-GVTg_V5_aggregate/create`, `${U1},aggregate=2`))).toBe('EEXIST');
  });

  test('GIVEN a create-option type with the mainline parser WHEN building THEN it is refused as inconsistent', () => {
    expect(() => SimKernel.build(gvt([{ ...FIXED[0]!, aggregation: { kind: 'create-option' }, createParser: 'mainline' }]))).toThrow(/parser/);
  });
});

describe('generation B: the mdev/ attribute group', () => {
  const group = (uuid: string) => `${dev(uuid)}/mdev`;

  test('GIVEN a fresh _8 device WHEN aggregated_instances is set to 4 THEN the count and every type move at once', () => {
    const kernel = generationB();
    kernel.write(`${TYPES}/i915-GVTg_V5_8/create`, U1);
    expect(kernel.read(`${group(U1)}/aggregated_instances`)).toBe('1\n');
    expect(kernel.read(`${group(U1)}/max_aggregation`)).toBe('7\n');
    kernel.write(`${group(U1)}/aggregated_instances`, '4');
    expect(kernel.read(`${group(U1)}/aggregated_instances`)).toBe('4\n');
    expect(kernel.read(`${group(U1)}/max_aggregation`)).toBe('7\n');
    expect(counts(kernel)).toEqual({ '1': 0, '2': 1, '4': 2, '8': 3 });
    expect(readHost(kernel).devices).toEqual([
      { uuid: U1, parent: '0000:00:02.0', type: 'i915-GVTg_V5_8', instances: 4, maxAggregation: 7 },
    ]);
    kernel.write(`${group(U1)}/aggregated_instances`, '0x2\n');
    expect(counts(kernel)['8']).toBe(5);
    kernel.write(`${dev(U1)}/remove`, '1');
    expect(counts(kernel)).toEqual({ '1': 1, '2': 2, '4': 5, '8': 7 });
  });

  test.each([
    ['not a number', 'four'],
    ['zero', '0'],
    ['above max_aggregation', '8'],
    ['a negative number', '-1'],
  ])('GIVEN %s WHEN written to aggregated_instances THEN EINVAL and nothing moves', (_what, data) => {
    const kernel = generationB();
    kernel.write(`${TYPES}/i915-GVTg_V5_8/create`, U1);
    expect(errnoOf(() => kernel.write(`${group(U1)}/aggregated_instances`, data))).toBe('EINVAL');
    expect(kernel.read(`${group(U1)}/aggregated_instances`)).toBe('1\n');
    expect(counts(kernel)['8']).toBe(6);
  });

  test('GIVEN the current value WHEN written again THEN success without change', () => {
    const kernel = generationB();
    kernel.write(`${TYPES}/i915-GVTg_V5_8/create`, U1);
    kernel.write(`${group(U1)}/aggregated_instances`, '3');
    kernel.write(`${group(U1)}/aggregated_instances`, '3\n');
    expect(kernel.writes.map((w) => w.errno)).toEqual([null, null, null]);
    expect(kernel.read(`${group(U1)}/aggregated_instances`)).toBe('3\n');
  });

  test('GIVEN an opened device WHEN aggregated_instances is written THEN EINVAL (not EBUSY, as the patch answers)', () => {
    const kernel = generationB();
    kernel.write(`${TYPES}/i915-GVTg_V5_8/create`, U1);
    kernel.open(U1);
    expect(errnoOf(() => kernel.write(`${group(U1)}/aggregated_instances`, '2'))).toBe('EINVAL');
    kernel.close(U1);
    kernel.write(`${group(U1)}/aggregated_instances`, '2');
    expect(kernel.read(`${group(U1)}/aggregated_instances`)).toBe('2\n');
  });

  test('GIVEN a type that does not aggregate WHEN its device group is read and written THEN 0 and EINVAL', () => {
    const kernel = generationB();
    kernel.write(`${TYPES}/i915-GVTg_V5_4/create`, U1);
    expect(kernel.read(`${group(U1)}/aggregated_instances`)).toBe('0\n');
    expect(kernel.read(`${group(U1)}/max_aggregation`)).toBe('0\n');
    expect(errnoOf(() => kernel.write(`${group(U1)}/aggregated_instances`, '2'))).toBe('EINVAL');
    expect(errnoOf(() => kernel.write(`${group(U1)}/max_aggregation`, '2'))).toBe('EACCES');
    expect(readHost(kernel).devices[0]).toMatchObject({ instances: 1, maxAggregation: 0 });
  });

  test('GIVEN generation B WHEN creating with the option THEN EINVAL: the core is mainline', () => {
    const kernel = generationB();
    expect(errnoOf(() => kernel.write(`${TYPES}/i915-GVTg_V5_8/create`, `${U1},aggregate=2`))).toBe('EINVAL');
  });
});

describe('migration_version', () => {
  const path = `${TYPES}/i915-GVTg_V5_8/migration_version`;

  test('GIVEN a GVT type WHEN read THEN the vendor string', () => {
    expect(generationB().read(path)).toBe('8086-591d-i915-GVTg_V5_8-00000001\n');
  });

  test.each([
    ['the same string', '8086-591d-i915-GVTg_V5_8-00000001', 'no error'],
    ['the same string with a newline', '8086-591d-i915-GVTg_V5_8-00000001\n', 'no error'],
    ['the same ids in upper case', '8086-591D-i915-GVTg_V5_8-00000001', 'no error'],
    ['another software version', '8086-591d-i915-GVTg_V5_8-00000002', 'EINVAL'],
    ['another device id', '8086-5912-i915-GVTg_V5_8-00000001', 'EINVAL'],
    ['another type', '8086-591d-i915-GVTg_V5_4-00000001', 'EINVAL'],
    ['garbage', 'hello', 'EINVAL'],
  ])('GIVEN %s WHEN written THEN %s', (_what, data, errno) => {
    expect(errnoOf(() => generationB().write(path, data))).toBe(errno);
  });

  test('GIVEN a type whose vendor does not support migration WHEN read or written THEN ENODEV; a type without the file: ENOENT', () => {
    const kernel = SimKernel.build(
      gvt([
        { ...FIXED[3]!, migration: 'unsupported' },
        { ...FIXED[2]!, migration: null },
      ]),
    );
    expect(errnoOf(() => kernel.read(path))).toBe('ENODEV');
    expect(errnoOf(() => kernel.write(path, '8086-591d-i915-GVTg_V5_8-00000001'))).toBe('ENODEV');
    expect(errnoOf(() => kernel.write(`${TYPES}/i915-GVTg_V5_4/migration_version`, 'x'))).toBe('ENOENT');
    expect(readHost(kernel).parents[0]!.types.map((t) => t.migrationVersion)).toEqual([null, null]);
    expect(readHost(kernel).problems).toEqual([]);
  });

  test('GIVEN a string not in the GVT format WHEN written THEN only the exact string is compatible', () => {
    const kernel = SimKernel.build(gvt([{ ...FIXED[3]!, migration: { version: 'vendor-v1' } }]));
    expect(errnoOf(() => kernel.write(path, 'vendor-v1\n'))).toBe('no error');
    expect(errnoOf(() => kernel.write(path, 'vendor-v2'))).toBe('EINVAL');
  });
});
