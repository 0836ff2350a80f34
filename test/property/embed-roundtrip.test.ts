/**
 * Generated valid domains read as generated, and survive `embed`: the metadata form reads back to
 * the same model, holds no inline entry, and a second embed changes nothing.
 */
import fc from 'fast-check';
import { modelSummary, readDomain } from '../../src/core/reading/domain';
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

      const { text, moved, dropped } = embed(first.model!);
      expect(moved).toBe(g.devices.filter((d) => d.where === 'inline').length);
      expect(dropped).toBe(g.devices.filter((d) => d.where === 'both').length);
      const second = readDomain(text, 'g.xml');
      expect(codes(second.diagnostics)).toEqual(unmanaged);
      expect(modelSummary(second.model!)).toEqual(modelSummary(first.model!));
      expect(second.model!.hostdevs.every((h) => h.inline === null)).toBe(true);
      expect(embed(second.model!)).toEqual({ text, moved: 0, dropped: 0 });
    }),
    settings(1000),
  );
});

test('the embed command agrees with the library on generated domains', async () => {
  await fc.assert(
    fc.asyncProperty(validDomain, async (g) => {
      const result = await cli(['embed', '-'], g.text);
      expect(result.code).toBe(0);
      const { text, moved, dropped } = embed(readDomain(g.text, 'g.xml').model!);
      expect(result.stdout).toBe(text);
      // the summary counts what happened: entries moved, inline copies of entries <metadata> held
      const said = result.stderr.match(/(?:moved (\d+) aggregation entr(?:y|ies) into <metadata>)?(?:; )?(?:removed (\d+) aggregation entr(?:y|ies) written inline that <metadata> already held)?\n$/)!;
      expect([Number(said[1] ?? 0), Number(said[2] ?? 0)]).toEqual([moved, dropped]);
      expect(said[0].length).toBeGreaterThan(1);
    }),
    settings(150),
  );
});
