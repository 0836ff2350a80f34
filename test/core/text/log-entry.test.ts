/** The system log's line: one line whatever the guest name or message, with operation, guest and code where a reader looks. */
import fc from 'fast-check';
import { CUT_MARK, type LogEntry, SYSLOG_LINE_CHARS, syslogLine } from '../../../src/core/text/log-entry';
import { printable } from '../../../src/core/text/diagnostics';
import { settings } from '../../property/settings';

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

/** Entries of any length: messages and guest names around and far past one syslog message. */
const longEntry: fc.Arbitrary<LogEntry> = fc.record({
  severity: fc.constantFrom('error' as const, 'warning' as const, 'info' as const),
  op: fc.constantFrom('prepare', 'reconnect'),
  guest: fc.oneof(
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.string({ unit: fc.constantFrom('A', '"', '\\', '\u00e9', '\u{1f600}', '\n'), minLength: 1000, maxLength: 6000 }),
  ),
  code: fc.constantFrom('W_DEVICE_NOT_AS_DECLARED'),
  message: fc.oneof(
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.string({ unit: fc.constantFrom('a', ' ', '\\', '\u00e9', '\u{1f600}', '\u001b'), minLength: 7000, maxLength: 20000 }),
  ),
});

test('a line never exceeds one syslog message: its message, and only past all reason its guest, is cut at a whole character and marked', () => {
  fc.assert(
    fc.property(longEntry, (e) => {
      const line = syslogLine(e).replace(/^<\d+>/, '');
      expect(line.length).toBeLessThanOrEqual(SYSLOG_LINE_CHARS);
      const guest = printable(JSON.stringify(e.guest));
      const message = printable(e.message.replace(/\s*\n\s*/g, ' '));
      const whole = `op=${e.op} guest=${guest} code=${e.code}: ${message}`;
      if (whole.length <= SYSLOG_LINE_CHARS) return expect(line).toBe(whole);
      expect(line.endsWith(CUT_MARK)).toBe(true);
      if (guest.length <= SYSLOG_LINE_CHARS / 2) {
        // the fields whole, the message a prefix of what it would be, cut between two characters
        const head = `op=${e.op} guest=${guest} code=${e.code}: `;
        expect(line.startsWith(head)).toBe(true);
        const kept = line.slice(head.length, -CUT_MARK.length);
        expect(message.startsWith(kept)).toBe(true);
        expect(printable(Array.from(e.message.replace(/\s*\n\s*/g, ' ')).slice(0, Array.from(kept.replace(/\\u\{[0-9a-f]+\}/g, '.')).length).join(''))).toBe(kept);
        expect(line.length).toBeGreaterThan(SYSLOG_LINE_CHARS - 12);
      } else {
        expect(line).toMatch(new RegExp(`^op=${e.op} guest="[^]*\\[cut\\] code=${e.code}: `));
      }
    }),
    settings(100),
  );
});
