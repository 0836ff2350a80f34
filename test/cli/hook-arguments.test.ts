/**
 * One grammar for `hook run`: the executable's early exit reads the raw arguments, the command
 * reads what the command-line parser leaves; wherever the early exit takes a call for libvirt's,
 * the command reads the same guest, operation, subop and extra, and the early exit never takes
 * a call the command would refuse.
 */
import fc from 'fast-check';
import { COMMANDS } from '../../src/cli/command-table';
import { UsageError } from '../../src/cli/context';
import { parseCommandLine } from '../../src/cli/run';
import { hookArguments } from '../../src/core/hook/hook-operation';
import { settings } from '../property/settings';

const HOOK = COMMANDS.get('hook')!;
const word = fc.constantFrom('guest', 'prepare', 'start', 'begin', '-', '--', '-h', '--root', '--help', '-x', 'a b', '', 'we\nird', '=');

/** The command's reading: the parser's operands after `run`, or null when it refuses the line. */
function commandReading(operands: string[]) {
  let parsed;
  try {
    parsed = parseCommandLine(HOOK, ['run', ...operands]);
  } catch (e) {
    if (e instanceof UsageError) return null;
    throw e;
  }
  if (parsed.values.help || parsed.values.version || Object.keys(parsed.values).length > 0) return null;
  return hookArguments(parsed.positionals.slice(1), true);
}

test('GIVEN any arguments after hook run WHEN the early exit takes them for libvirt\'s THEN the command reads the same four', () => {
  let taken = 0;
  fc.assert(
    fc.property(fc.boolean(), fc.array(word, { minLength: 0, maxLength: 6 }), (separated, rest) => {
      const operands = separated ? ['--', ...rest] : rest;
      const early = hookArguments(operands, false);
      if (early === null) return;
      taken++;
      expect(commandReading(operands)).toEqual(early);
    }),
    settings(2000),
  );
  expect(taken).toBeGreaterThan(100);
});

test('GIVEN libvirt\'s own calls WHEN read THEN guest, op, subop and extra come out as passed', () => {
  expect(hookArguments(['--', 'web-1', 'prepare', 'begin', '-'], false)).toEqual({ guest: 'web-1', op: 'prepare', subop: 'begin', extra: '-' });
  expect(hookArguments(['web-1', 'release', 'end', '-'], false)).toEqual({ guest: 'web-1', op: 'release', subop: 'end', extra: '-' });
  expect(hookArguments(['--root', '/r', 'web-1', 'prepare'], false)).toBeNull();
  expect(hookArguments(['web-1', 'prepare', 'begin'], false)).toBeNull();
});
