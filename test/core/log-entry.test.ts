/** The system log's line: one line whatever the guest name or message, with operation, guest and code where a reader looks. */
import fc from 'fast-check';
import { type LogEntry, syslogLine } from '../../src/core/log-entry';
import { settings } from '../property/settings';

const entry: fc.Arbitrary<LogEntry> = fc.record({
  severity: fc.constantFrom('error' as const, 'warning' as const, 'info' as const),
  op: fc.constantFrom('prepare', 'release', 'reconnect', 'migrate', 'restore', 'apply'),
  guest: fc.option(fc.string({ unit: 'binary', maxLength: 40 }), { nil: null }),
  code: fc.constantFrom('E_CAPACITY', 'W_DEVICE_NOT_AS_DECLARED', 'I_CREATED'),
  message: fc.string({ unit: 'binary', maxLength: 200 }),
});

test('every entry is one line of printable ASCII: <PRI>op=… guest=… code=…: message, the guest recoverable from its quoting', () => {
  fc.assert(
    fc.property(entry, (e) => {
      const line = syslogLine(e);
      expect(line).toMatch(/^[\x20-\x7e]*$/);
      const m = /^<(\d+)>op=(\S+) guest=("(?:[^"\\]|\\.)*"|-) code=(\w+): /.exec(line)!;
      expect(m).not.toBeNull();
      expect(Number(m[1])).toBe({ error: 27, warning: 28, info: 30 }[e.severity]);
      expect([m[2], m[4]]).toEqual([e.op, e.code]);
      if (e.guest === null) expect(m[3]).toBe('-');
      else expect(JSON.parse(m[3]!.replace(/\\u\{([0-9a-f]+)\}/g, (_, hex) => (Number.parseInt(hex, 16) > 0xffff ? String.fromCodePoint(Number.parseInt(hex, 16)) : `\\u${hex.padStart(4, '0')}`)))).toBe(e.guest);
    }),
    settings(500),
  );
});
