import { fromHex, utf8 } from '../cms/bytes';
import { APPROVAL_LABEL, encodeApproval, parseApproval, type DisclosureApproval } from './approval';

const hash = fromHex('377eb184f0644cadb040ccf7064cc7c9fa7e79016f6416d6eab48c3a3aedcd9b');
const approval: DisclosureApproval = { uploadHash: hash, code: { reference: '012345', secret: '6789' } };
const canonical = `${APPROVAL_LABEL}\nupload-sha256: 377eb184f0644cadb040ccf7064cc7c9fa7e79016f6416d6eab48c3a3aedcd9b\ncode: 012345-6789\n`;

describe('approval content', () => {
  it('encodes exactly the documented text', () => {
    expect(new TextDecoder().decode(encodeApproval(approval))).toBe(canonical);
  });

  it('parses its own encoding', () => {
    expect(parseApproval(encodeApproval(approval))).toEqual(approval);
  });

  it.each([
    ['CRLF line ends', canonical.replace(/\n/g, '\r\n')],
    ['upper-case hex', canonical.replace('377eb184', '377EB184')],
    ['a missing final newline', canonical.slice(0, -1)],
    ['an extra line', `${canonical}note: x\n`],
    ['a BOM', `\ufeff${canonical}`],
    ['another label', canonical.replace('approval/1', 'approval/2')],
    ['a trailing space', canonical.replace('6789\n', '6789 \n')],
    ['a short hash', canonical.replace('377eb184', '377eb18')],
    ['a code without dash', canonical.replace('012345-6789', '0123456789 ')],
    [
      'reordered lines',
      `${APPROVAL_LABEL}\ncode: 012345-6789\nupload-sha256: 377eb184f0644cadb040ccf7064cc7c9fa7e79016f6416d6eab48c3a3aedcd9b\n`,
    ],
    ['non-ASCII digits', canonical.replace('012345', '01234٥')],
    ['nothing', ''],
  ])('refuses %s with MALFORMED_APPROVAL', (_label, text) => {
    expect(() => parseApproval(utf8(text))).toThrow(
      expect.objectContaining({ name: 'RefusalError', reason: 'MALFORMED_APPROVAL' }),
    );
  });

  it('refuses to encode a hash that is not 32 bytes', () => {
    expect(() => encodeApproval({ ...approval, uploadHash: hash.subarray(1) })).toThrow(RangeError);
  });
});
