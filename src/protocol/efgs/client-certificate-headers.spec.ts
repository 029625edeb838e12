import {
  normaliseThumbprint,
  parseClientThumbprintHeader,
  parseDistinguishedName,
  readClientCertificateHeaders,
} from './client-certificate-headers';

const hash = 'a1b2c3d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccddeeff00';
const hashBase64 = Buffer.from(hash, 'hex').toString('base64');

describe(parseClientThumbprintHeader.name, () => {
  const sut = parseClientThumbprintHeader;

  it('accepts 64 hex characters, normalised to lower case', () => {
    expect(sut(hash.toUpperCase())).toBe(hash);
  });

  it('accepts base64 of the 32 raw bytes, also URL-encoded', () => {
    expect(sut(hashBase64)).toBe(hash);
    expect(sut(encodeURIComponent(hashBase64))).toBe(hash);
  });

  it('keeps leading zero bytes that EFGS’s BigInteger conversion drops', () => {
    const zeroLed = `0000${hash.slice(4)}`;

    expect(sut(Buffer.from(zeroLed, 'hex').toString('base64'))).toBe(zeroLed);
  });

  it.each([
    undefined,
    null,
    '',
    hash.slice(2),
    `${hash}00`,
    Buffer.alloc(31).toString('base64'),
    'zz%',
    '%E0%A4%A',
  ])('refuses %p', (value) => {
    expect(sut(value)).toBeUndefined();
  });
});

describe(normaliseThumbprint.name, () => {
  const sut = normaliseThumbprint;

  it('restores the leading zeros of a 62-character EFGS value', () => {
    expect(sut(hash.slice(2))).toBe(`00${hash.slice(2)}`);
  });

  it('accepts colon-separated upper-case fingerprints', () => {
    expect(sut(hash.toUpperCase().match(/../g)!.join(':'))).toBe(hash);
  });

  it.each(['', 'xyz', `${hash}0`])('refuses %p', (value) => {
    expect(sut(value)).toBeUndefined();
  });
});

describe(parseDistinguishedName.name, () => {
  const sut = parseDistinguishedName;

  it('parses the EFGS example form', () => {
    expect(sut('C=DE,OU=Test Unit,O=Test Company')).toEqual({
      C: ['DE'],
      OU: ['Test Unit'],
      O: ['Test Company'],
    });
  });

  it('upper-cases and trims types and trims values, as EFGS does', () => {
    expect(sut(' cn = efgs-nl , c = NL ')).toEqual({ CN: ['efgs-nl'], C: ['NL'] });
  });

  it('keeps escaped and quoted commas and equals signs inside values', () => {
    expect(sut('CN=Ministry\\, Health,O="Foo, Inc. = Bar",C=FR')).toEqual({
      CN: ['Ministry, Health'],
      O: ['Foo, Inc. = Bar'],
      C: ['FR'],
    });
  });

  it('decodes \\XX escapes as UTF-8', () => {
    expect(sut('O=Sant\\C3\\A9,C=FR')).toEqual({ O: ['Santé'], C: ['FR'] });
  });

  it('keeps repeated attributes and splits multi-valued RDNs', () => {
    expect(sut('CN=a+OU=x,OU=y,C=NO')).toEqual({ CN: ['a'], OU: ['x', 'y'], C: ['NO'] });
  });

  it('reads the OpenSSL one-line form and the country OID', () => {
    expect(sut('/C=DE/O=RKI/CN=efgs')).toEqual({ C: ['DE'], O: ['RKI'], CN: ['efgs'] });
    expect(sut('2.5.4.6=IE,CN=x')).toEqual({ C: ['IE'], CN: ['x'] });
  });

  it('skips pieces without a type/value pair instead of failing', () => {
    expect(sut('garbage,C=DE,')).toEqual({ C: ['DE'] });
  });
});

describe(readClientCertificateHeaders.name, () => {
  const sut = readClientCertificateHeaders;

  it('returns thumbprint, country and DN', () => {
    expect(sut(hash, 'CN=efgs-no,O=FHI,C=NO')).toEqual({
      ok: true,
      thumbprint: hash,
      country: 'NO',
      dn: { CN: ['efgs-no'], O: ['FHI'], C: ['NO'] },
    });
  });

  it('URL-decodes a DN that contains %, with + as space like Java’s URLDecoder', () => {
    const result = sut(hashBase64, 'CN%3Defgs+gateway%2CO%3DFHI%2CC%3DNO');

    expect(result).toMatchObject({ ok: true, country: 'NO', dn: { CN: ['efgs gateway'] } });
  });

  it('keeps a literal + in a DN that is not URL-encoded', () => {
    expect(sut(hash, 'CN=a+OU=b,C=NO')).toMatchObject({ ok: true, dn: { CN: ['a'], OU: ['b'] } });
  });

  it('accepts the NL form (.NET subject with spaces removed)', () => {
    expect(sut(hash, 'CN=nl-efgs-test,O=RIVM,L=Bilthoven,C=NL')).toMatchObject({ ok: true, country: 'NL' });
  });

  it.each([
    [undefined, 'C=DE'],
    [hash, undefined],
    [hash, ''],
    ['not-a-hash', 'C=DE'],
  ])('answers 403 for thumbprint %p and DN %p', (thumbprint, dn) => {
    expect(sut(thumbprint, dn)).toMatchObject({ ok: false, status: 403 });
  });

  it.each([
    ['CN=x,O=y', 'Client Certificate must contain country property'],
    ['CN=x,C=', 'Client Certificate must contain exactly one valid country property'],
    ['C=DE,C=FR', 'Client Certificate must contain exactly one valid country property'],
    ['C=DEU', 'Client Certificate must contain exactly one valid country property'],
    ['%E0%A4%A', 'Client Certificate must contain country property'],
  ])('answers 400 for DN %p', (dn, message) => {
    expect(sut(hash, dn)).toEqual({ ok: false, status: 400, message });
  });

  it('upper-cases the country and tolerates a repeated identical C', () => {
    expect(sut(hash, 'C=de,C=DE')).toMatchObject({ ok: true, country: 'DE' });
  });
});
