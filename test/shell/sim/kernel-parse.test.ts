import { kstrtoul, kstrtouint, parseCreate, parseKernelUuid } from '../../../src/shell/sim/kernel-parse';

const U = '53764d0e-85a0-42b4-af5c-2046b460b1dc';

describe('kstrtouint and kstrtoul', () => {
  test.each([
    ['4', 10, 4],
    ['+4', 10, 4],
    ['4\n', 10, 4],
    ['4095', 10, 4095],
    ['4294967295', 10, 4294967295],
    ['0x10', 0, 16],
    ['0X1f', 0, 31],
    ['010', 0, 8],
    ['0', 0, 0],
    ['10', 0, 10],
  ] as const)('GIVEN %j in base %d THEN %d', (text, base, value) => {
    expect(kstrtouint(text, base)).toEqual({ ok: true, value });
  });

  test.each([
    ['', 10, 'EINVAL'],
    ['-1', 10, 'EINVAL'],
    ['4\n\n', 10, 'EINVAL'],
    [' 4', 10, 'EINVAL'],
    ['4 ', 10, 'EINVAL'],
    ['0x10', 10, 'EINVAL'],
    ['08', 0, 'EINVAL'],
    ['0x', 0, 'EINVAL'],
    ['3,foo', 10, 'EINVAL'],
    ['4294967296', 10, 'ERANGE'],
  ] as const)('GIVEN %j in base %d THEN %s', (text, base, errno) => {
    expect(kstrtouint(text, base)).toEqual({ ok: false, errno });
  });

  test('GIVEN a 64-bit value WHEN kstrtoul reads it THEN it fits; one more overflows', () => {
    expect(kstrtoul('18446744073709551615', 10)).toEqual({ ok: true, value: 18446744073709551615n });
    expect(kstrtoul('18446744073709551616', 10)).toEqual({ ok: false, errno: 'ERANGE' });
  });
});

describe('parseKernelUuid', () => {
  test('GIVEN UUID text THEN the first 36 characters are checked and lower-cased', () => {
    expect(parseKernelUuid(U.toUpperCase())).toBe(U);
    expect(parseKernelUuid(`${U}trailing`)).toBe(U);
    expect(parseKernelUuid(U.replace(/-/g, ''))).toBeNull();
    expect(parseKernelUuid(U.slice(0, 35))).toBeNull();
  });
});

describe('parseCreate', () => {
  const ok = (instances: number, withOption: boolean) => ({ ok: true, value: { uuid: U, instances, withOption } });
  const no = (errno: string) => ({ ok: false, errno });
  test.each([
    ['mainline', U, ok(1, false)],
    ['mainline', `${U}\n`, ok(1, false)],
    ['mainline', `${U},aggregate=2`, no('EINVAL')],
    ['v3', `${U},aggregate=4`, ok(4, true)],
    ['v3', `${U},aggregate=4\n`, ok(4, true)],
    ['v3', `${U},aggregate=0x4`, no('EINVAL')],
    ['v3', `${U},aggregate=3,foo`, no('EINVAL')],
    ['v3', `${U},instances=4`, no('EINVAL')],
    ['v3', `${U}x,aggregate=4`, no('EINVAL')],
    ['v3', `${U}\n\n`, no('EINVAL')],
    ['v3', `${U},aggregate=`, no('EINVAL')],
    ['v3', `${U},aggregate=99999999999`, no('EINVAL')],
    ['v3', U.slice(0, 30) + ',aggregate=4', no('EINVAL')],
    ['refresh', `${U},aggregate=0x10`, ok(16, true)],
    ['refresh', `${U},aggregate=010`, ok(8, true)],
    ['refresh', `${U},aggregate=08`, no('EINVAL')],
    ['refresh', `${U},aggregate=1`, ok(1, true)],
    ['refresh', `${U},aggregate=0`, ok(0, true)],
    ['refresh', `${U},aggregate=${'0'.repeat(4095 - 47)}`, ok(0, true)],
    ['refresh', `${U},aggregate=${'0'.repeat(4096 - 47)}`, no('E2BIG')],
    ['v3', `${U},aggregate=${'0'.repeat(4096 - 47)}`, ok(0, true)],
  ] as const)('GIVEN the %s parser and %j THEN %j', (parser, data, expected) => {
    expect(parseCreate(data, parser)).toEqual(expected);
  });

  test('GIVEN a multi-byte character WHEN measuring THEN bytes count, not characters', () => {
    // 36 characters, 37 bytes: a valid length with an invalid UUID.
    expect(parseCreate(`${U.slice(0, 35)}é`, 'mainline')).toEqual(no('EINVAL'));
    expect(parseCreate(`${U}é`, 'mainline')).toEqual(no('EINVAL'));
  });
});
