/**
 * Anything at all as input: random bytes, XML-ish token soup, and valid domains mutated at random.
 * Reading always returns diagnostics (never throws), the CLI exits 0 or 1 with no stack trace,
 * whatever is accepted obeys every rule a path or a write depends on, and planning it on a host
 * returns a plan.
 */
import fc from 'fast-check';
import { CODES, type Diagnostic, hasErrors } from '../../src/core/text/diagnostics';
import { readDomain } from '../../src/core/reading/domain';
import { readHost } from '../../src/core/host/read-host';
import { isSafeSysfsName, normaliseUuid } from '../../src/core/reading/names';
import { planApply, planRelease } from '../../src/core/plan/plan';
import { SimKernel } from '../../src/shell/sim/kernel';
import { cli } from '../helpers/cli';
import { attributeHost } from '../helpers/host-builder';
import { validDomain } from './domain-arbitrary';
import { settings } from './settings';

const host = readHost(SimKernel.build(attributeHost()));

/** The reader's contract on any input. */
function checkReading(input: string | Uint8Array) {
  const { model, diagnostics } = readDomain(input, 'any.xml');
  for (const d of diagnostics as Diagnostic[]) {
    expect(d.code in CODES).toBe(true);
    expect(d.line >= 1 && d.column >= 1).toBe(true);
    expect(d.message.length).toBeLessThan(1000);
  }
  if (model && !hasErrors(diagnostics)) {
    for (const d of model.devices) {
      expect(normaliseUuid(d.uuid)).toBe(d.uuid);
      expect(isSafeSysfsName(d.type)).toBe(true);
      if (d.parent !== null) expect(isSafeSysfsName(d.parent)).toBe(true);
      expect(Number.isInteger(d.instances) && d.instances >= 1 && d.instances <= 2147483647).toBe(true);
    }
    expect(Array.isArray(planApply(model, host).devices)).toBe(true);
    expect(Array.isArray(planRelease(model, host).devices)).toBe(true);
  }
}

async function checkCli(input: string | Uint8Array) {
  for (const args of [['validate', '-'], ['validate', '--json', '-']]) {
    const result = await cli(args, input);
    expect([0, 1]).toContain(result.code);
    expect(result.stdout + result.stderr).not.toMatch(/\n\s+at |internal error/);
  }
}

// Hand-written: fragments that random garbage is assembled from.
const TOKENS = [
  '<', '>', '</', '/>', '<domain>', '</domain>', '<devices>', '</devices>', '<metadata>', '</metadata>',
  "<hostdev mode='subsystem' type='mdev' model='vfio-pci'>", '</hostdev>', '<source>', '</source>',
  "<address uuid='53764d0e-85a0-42b4-af5c-2046b460b1dc'/>", "<aggregation type='t' instances='2'/>",
  "<agg:aggregation xmlns:agg='urn:mdev-agg:aggregation:1'>", '</agg:aggregation>', "<agg:device uuid='53764d0e85a042b4af5c2046b460b1dc' type='t' instances='1'/>",
  ' ', '\n', '\t', "'", '"', '=', '&', ';', '&amp;', '&#0;', '&#x10FFFF;', '&lt;', '<!--', '-->', '<![CDATA[', ']]>', '<?', '?>',
  '<!DOCTYPE', '<!ENTITY', 'xmlns:', 'xmlns', 'xml:', 'agg:', 'uuid', 'type', 'instances', 'parent', 'method',
  '__proto__', 'constructor', '..', '/', ',aggregate=9', '\u0000', '\u202e', '\ufeff', '\ud800', '\u00e9', '9999999999',
];

test('random bytes: diagnostics only, exit 0 or 1', async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 600 }), async (bytes) => {
      checkReading(bytes);
      await checkCli(bytes);
    }),
    settings(400),
  );
});

test('XML-ish token soup: diagnostics only, exit 0 or 1', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.constantFrom(...TOKENS), { maxLength: 80 }).map((t) => t.join('')), async (text) => {
      checkReading(text);
      checkReading(Buffer.from(text));
      await checkCli(text);
    }),
    settings(800),
  );
});

type Mutation = { kind: 'delete' | 'insert' | 'replace' | 'duplicate'; at: number; length: number; token: string };
const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('delete', 'insert', 'replace', 'duplicate'),
  at: fc.double({ min: 0, max: 1, noNaN: true }),
  length: fc.integer({ min: 1, max: 40 }),
  token: fc.oneof(fc.constantFrom(...TOKENS), fc.string({ maxLength: 4 })),
});

function mutate(text: string, m: Mutation): string {
  const at = Math.floor(m.at * text.length);
  switch (m.kind) {
    case 'delete':
      return text.slice(0, at) + text.slice(at + m.length);
    case 'insert':
      return text.slice(0, at) + m.token + text.slice(at);
    case 'replace':
      return text.slice(0, at) + m.token + text.slice(at + m.token.length);
    case 'duplicate':
      return text.slice(0, at + m.length) + text.slice(at, at + m.length) + text.slice(at + m.length);
  }
}

test('valid domains mutated at random: diagnostics only, and what is accepted is safe', async () => {
  await fc.assert(
    fc.asyncProperty(validDomain, fc.array(mutation, { minLength: 1, maxLength: 6 }), async (g, mutations) => {
      const text = mutations.reduce(mutate, g.text);
      checkReading(text);
      await checkCli(text);
    }),
    settings(800),
  );
});
