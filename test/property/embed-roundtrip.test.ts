/**
 * Generated valid domains read as generated, and survive `embed`: the metadata form reads back to
 * the same model, holds no inline entry, and a second embed changes nothing.
 */
import fc from 'fast-check';
import { modelSummary, readDomain } from '../../src/core/domain';
import { embed } from '../../src/core/edit/embed';
import { cli } from '../helpers/cli';
import { expectedSummary, validDomain } from './domain-arbitrary';
import { settings } from './settings';

const codes = (diagnostics: { code: string }[]) => diagnostics.map((d) => d.code);

test('a generated domain reads back as generated, and embed keeps its model', () => {
  fc.assert(
    fc.property(validDomain, (g) => {
      const first = readDomain(g.text, 'g.xml');
      const unmanaged = g.devices.filter((d) => d.where === 'none').map(() => 'I_UNMANAGED_HOSTDEV');
      expect(codes(first.diagnostics)).toEqual(unmanaged);
      expect(modelSummary(first.model!)).toEqual(expectedSummary(g));

      const { text, moved } = embed(first.model!);
      expect(moved).toBe(g.devices.filter((d) => d.where === 'inline').length);
      const second = readDomain(text, 'g.xml');
      expect(codes(second.diagnostics)).toEqual(unmanaged);
      expect(modelSummary(second.model!)).toEqual(modelSummary(first.model!));
      expect(second.model!.hostdevs.every((h) => h.inline === null)).toBe(true);
      expect(embed(second.model!)).toEqual({ text, moved: 0 });
    }),
    settings(1000),
  );
});

test('the embed command agrees with the library on generated domains', async () => {
  await fc.assert(
    fc.asyncProperty(validDomain, async (g) => {
      const result = await cli(['embed', '-'], g.text);
      expect(result.code).toBe(0);
      expect(result.stdout).toBe(embed(readDomain(g.text, 'g.xml').model!).text);
    }),
    settings(150),
  );
});
