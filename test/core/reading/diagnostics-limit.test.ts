/**
 * A file gives at most 1,000 diagnostics, errors first, and shows an error whenever it has one: the
 * rest are counted in one diagnostic whose severity is the worst among them.
 */
import fc from 'fast-check';
import { readDomain } from '../../../src/core/reading/domain';
import { MAX_FILE_DIAGNOSTICS, hasErrors } from '../../../src/core/text/diagnostics';
import { settings } from '../../property/settings';

// Written by hand: the number and order of faults in the bytes is the point.
const uuid = (i: number) => `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
function domain(devices: { unknownAttributes: number; badType: boolean }[]): string {
  const hostdevs = devices.map(({ unknownAttributes, badType }, i) => {
    const extra = Array.from({ length: unknownAttributes }, (_, k) => ` x${k}='1'`).join('');
    return `<hostdev mode='subsystem' type='mdev' model='vfio-pci'><source><address uuid='${uuid(i)}'/></source><aggregation type='${badType ? 'a/b' : 'nvidia-35'}' instances='2'${extra}/></hostdev>`;
  });
  return `<domain type='kvm'><name>g</name><devices>\n${hostdevs.join('\n')}\n</devices></domain>`;
}

const devices = fc.array(fc.record({ unknownAttributes: fc.integer({ min: 0, max: 400 }), badType: fc.boolean() }), { minLength: 1, maxLength: 12 });

test('GIVEN a domain with any number of faults THEN at most 1,000 diagnostics, the rest counted, an error shown when there is one', () => {
  let limited = 0;
  fc.assert(
    fc.property(devices, (list) => {
      const warnings = list.reduce((n, d) => n + d.unknownAttributes, 0);
      const errors = list.filter((d) => d.badType).length;
      const { diagnostics } = readDomain(domain(list), 'g.xml');
      expect(diagnostics.length).toBe(Math.min(warnings + errors, MAX_FILE_DIAGNOSTICS));
      expect(hasErrors(diagnostics)).toBe(errors > 0);
      // Errors are kept first: all of them when they fit.
      if (errors < MAX_FILE_DIAGNOSTICS) expect(diagnostics.filter((d) => d.code === 'E_AGG_TYPE_INVALID')).toHaveLength(errors);
      if (warnings + errors > MAX_FILE_DIAGNOSTICS) {
        limited++;
        const last = diagnostics[diagnostics.length - 1];
        expect(last.code).toMatch(/^[EW]_DIAGNOSTICS_LIMITED$/);
        expect(last.message).toMatch(new RegExp(`^${warnings + errors - (MAX_FILE_DIAGNOSTICS - 1)} more diagnostics`));
      }
    }),
    settings(60),
  );
  expect(limited).toBeGreaterThan(0);
});
