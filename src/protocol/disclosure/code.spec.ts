import {
  CODE_SPACE,
  codeFromNumber,
  codeToNumber,
  disclosureCodesEqual,
  drawDisclosureCode,
  formatDisclosureCode,
  isReference,
  parseDisclosureCode,
} from './code';
import { DisclosureInputError } from './errors';

describe('drawDisclosureCode', () => {
  it('draws 6 + 4 decimal digits from the CSPRNG', () => {
    const sut = drawDisclosureCode();

    expect(sut.reference).toMatch(/^\d{6}$/);
    expect(sut.secret).toMatch(/^\d{4}$/);
  });

  it('maps 40 random bits to a code, keeping leading zeros', () => {
    const sut = drawDisclosureCode(() => Uint8Array.of(0, 0, 0, 0, 42));

    expect(sut).toEqual({ reference: '000000', secret: '0042' });
  });

  it('redraws values that would bias the digits (rejection sampling)', () => {
    const draws = [
      Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff),
      Uint8Array.of(0xfe, 0, 0, 0, 0),
      Uint8Array.of(0, 0, 0, 0, 7),
    ];
    const random = jest.fn(() => draws.shift()!);

    const sut = drawDisclosureCode(random);

    expect(sut).toEqual({ reference: '000000', secret: '0007' });
    expect(random).toHaveBeenCalledTimes(3);
  });

  it('accepts the largest draw below the bound 109·10^10 (0xFDC9101400) and rejects the bound itself', () => {
    const draws = [Uint8Array.of(0xfd, 0xc9, 0x10, 0x14, 0x00), Uint8Array.of(0xfd, 0xc9, 0x10, 0x13, 0xff)];

    const sut = drawDisclosureCode(() => draws.shift()!);

    expect(codeToNumber(sut)).toBe(0xfdc91013ff % CODE_SPACE);
    expect(formatDisclosureCode(sut)).toBe('999999-9999');
  });
});

describe('code text forms', () => {
  it('formats and parses the canonical form', () => {
    const sut = { reference: '012345', secret: '6789' };

    expect(formatDisclosureCode(sut)).toBe('012345-6789');
    expect(parseDisclosureCode('012345-6789')).toEqual(sut);
  });

  it.each(['012 345 6789', ' 012345 - 6789 ', '012.345.6789', '0123456789', '012345/6789'])(
    'parses typed input %j',
    (input) => {
      expect(parseDisclosureCode(input)).toEqual({ reference: '012345', secret: '6789' });
    },
  );

  it.each(['12345-6789', '0123456-6789', '012345-678a', '', '٠١٢٣٤٥٦٧٨٩'])('refuses %j', (input) => {
    expect(() => parseDisclosureCode(input)).toThrow(DisclosureInputError);
  });

  it('round-trips through the integer form', () => {
    expect(codeFromNumber(codeToNumber({ reference: '999999', secret: '9999' }))).toEqual({
      reference: '999999',
      secret: '9999',
    });
    expect(() => codeFromNumber(CODE_SPACE)).toThrow(DisclosureInputError);
    expect(() => codeFromNumber(-1)).toThrow(DisclosureInputError);
  });

  it('compares codes', () => {
    expect(
      disclosureCodesEqual({ reference: '123456', secret: '7890' }, { reference: '123456', secret: '7890' }),
    ).toBe(true);
    expect(
      disclosureCodesEqual({ reference: '123456', secret: '7890' }, { reference: '123456', secret: '7891' }),
    ).toBe(false);
    expect(isReference('123456')).toBe(true);
    expect(isReference('12345')).toBe(false);
  });
});
