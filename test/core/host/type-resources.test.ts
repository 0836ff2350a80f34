/**
 * What N gives: GVT-g's description read into numbers (as the kernel prints it, one `key: value`
 * per line, or comma-separated on one line), N times the memory and fences, the weight and the
 * resolution unchanged; any other description kept as it is.
 */
import fc from 'fast-check';
import type { HostType } from '../../../src/core/host/host-model';
import { type GvtResources, aggregateResources, givesText, largestAggregate, readTypeResources } from '../../../src/core/host/type-resources';
import { settings } from '../../property/settings';

const resources: fc.Arbitrary<GvtResources> = fc.record({
  lowGmSizeMB: fc.integer({ min: 0, max: 999999 }),
  highGmSizeMB: fc.integer({ min: 0, max: 999999 }),
  fence: fc.integer({ min: 0, max: 999999 }),
  weight: fc.integer({ min: 0, max: 999999 }),
  resolution: fc.tuple(fc.integer({ min: 1, max: 99999 }), fc.integer({ min: 1, max: 99999 })).map(([w, h]) => `${w}x${h}`),
});

/** As i915's description_show prints it, with the aggregation proposals' last line when given. */
const kernelText = (r: GvtResources, aggregation: string | null, separator: string) =>
  [`low_gm_size: ${r.lowGmSizeMB}MB`, `high_gm_size: ${r.highGmSizeMB}MB`, `fence: ${r.fence}`, `resolution: ${r.resolution}`, `weight: ${r.weight}`, ...(aggregation ? [`aggregation: ${aggregation}`] : [])].join(separator) +
  (separator === '\n' ? '\n' : '');

test('a GVT-g description reads back to its numbers, in either layout, with or without the aggregation line', () => {
  fc.assert(
    fc.property(resources, fc.constantFrom(null, 'gm', 'none', 'yes', 'no'), fc.constantFrom('\n', ', '), (r, aggregation, separator) => {
      expect(readTypeResources(kernelText(r, aggregation, separator))).toEqual({ format: 'gvt-g', perInstance: r });
    }),
    settings(500),
  );
});

test('N instances give N times the graphics memory and fences; the weight and resolution stay; N = a x b is a of b', () => {
  fc.assert(
    fc.property(resources, fc.integer({ min: 1, max: 2147483647 }), fc.integer({ min: 1, max: 64 }), (r, n, b) => {
      const total = aggregateResources(r, n);
      expect(total).toEqual({ lowGmSizeMB: r.lowGmSizeMB * n, highGmSizeMB: r.highGmSizeMB * n, fence: r.fence * n, weight: r.weight, resolution: r.resolution });
      expect(Number.isSafeInteger(total.lowGmSizeMB) && Number.isSafeInteger(total.highGmSizeMB) && Number.isSafeInteger(total.fence)).toBe(true);
      const a = Math.max(1, Math.floor(n / b / 1000));
      expect(aggregateResources(aggregateResources(r, a), b)).toEqual(aggregateResources(r, a * b));
    }),
    settings(500),
  );
});

test('a description in another format, or a GVT-g one with a line missing, repeated, unknown or malformed, is kept as it is', () => {
  const damaged = fc.tuple(resources, fc.integer({ min: 0, max: 4 }), fc.constantFrom('drop', 'repeat', 'unknown', 'malformed')).map(([r, i, how]) => {
    const lines = kernelText(r, null, '\n').trim().split('\n');
    if (how === 'drop') lines.splice(i, 1);
    else if (how === 'repeat') lines.push(lines[i]!);
    else if (how === 'unknown') lines.push('framebuffer: 1024M');
    else lines[i] = lines[i]!.replace(/: .*/, ': 12 MB');
    return lines.join('\n');
  });
  const other = fc.oneof(damaged, fc.string({ minLength: 1 }).filter((t) => t.trim() !== ''), fc.constantFrom('virtual display, 16 MB video memory', 'num_heads=4, frl_config=60, framebuffer=1024M, max_resolution=5120x2880, max_instance=24'));
  fc.assert(
    fc.property(other, (text) => {
      const read = readTypeResources(text);
      if (read?.format === 'gvt-g') {
        // a random string can only read as GVT-g by being one: then it names all five
        for (const key of ['low_gm_size', 'high_gm_size', 'fence', 'resolution', 'weight']) expect(text).toContain(key);
        return;
      }
      expect(read).toEqual({ format: 'unknown', description: text.trim() });
      expect(givesText(read!, 3)).toBe(`x3 of: ${text.trim().replace(/\s*\n\s*/g, '; ')} (not a format mdev-agg reads)`);
    }),
    settings(500),
  );
  expect(readTypeResources(null)).toBeNull();
  expect(readTypeResources(' \n')).toBeNull();
});

test('the largest aggregate one new device could have: the create-option maximum within what is available, the available count for the attribute generation, 1 without aggregation', () => {
  const type = (dialect: HostType['dialect'], availableInstances: number | null, maxAggregation: number | null): HostType =>
    ({ id: 't', name: null, description: null, deviceApi: 'vfio-pci', availableInstances, dialect, maxAggregation, migrationVersion: null });
  fc.assert(
    fc.property(fc.option(fc.nat(100), { nil: null }), fc.option(fc.nat(100), { nil: null }), (available, max) => {
      expect(largestAggregate(type('attribute', available, null))).toBe(available);
      expect(largestAggregate(type('none', available, 1))).toBe(available === null ? 1 : Math.min(1, available));
      const createOption = largestAggregate(type('create-option', available, max));
      expect(createOption).toBe(max === null ? available : available === null ? max : Math.min(max, available));
    }),
    settings(300),
  );
});
