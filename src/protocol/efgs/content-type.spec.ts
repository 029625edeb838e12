import {
  EFGS_OPTIONS_ACCEPT,
  efgsContentType,
  negotiateRequestContentType,
  negotiateResponseAccept,
  parseFormatVersion,
} from './content-type';

describe(negotiateRequestContentType.name, () => {
  const sut = negotiateRequestContentType;

  it.each([
    ['application/protobuf; version=1.0', 'protobuf'],
    ['application/json; version=1.0', 'json'],
    ['application/json;version=1.0', 'json'],
    ['Application/JSON; Version="1.0"; charset=utf-8', 'json'],
  ])('accepts %p', (header, format) => {
    expect(sut(header)).toEqual({ ok: true, format, version: { major: 1, minor: 0 } });
  });

  it.each([
    [undefined, 400, 'Content Type must not be null!'],
    ['', 400, 'Content Type must not be null!'],
    ['application', 400, 'Unknown Content-Type!'],
    ['text/plain; version=1.0', 400, 'Unknown Content-Type!'],
    ['application/x-protobuf; version=1.0', 400, 'Unknown Content-Type!'],
    ['application/protobuf', 400, 'Version parameter of Content-Type is required!'],
    ['application/json; charset=utf-8', 400, 'Version parameter of Content-Type is required!'],
    [
      'application/json; version=1',
      400,
      'Version can just contain a major and minor version splitted by a dot!',
    ],
    [
      'application/json; version=1.0.0',
      400,
      'Version can just contain a major and minor version splitted by a dot!',
    ],
    ['application/json; version=1.x', 400, 'Given version string has an invalid number format!'],
    ['application/json; version=+1.0', 400, 'Given version string has an invalid number format!'],
    ['application/protobuf; version=2.0', 406, 'Protocol version is not compatible!'],
    // The minor must be equal, not merely lower (EFGS code, despite its Javadoc).
    ['application/protobuf; version=1.1', 406, 'Protocol version is not compatible!'],
    ['application/json; version=0.9', 406, 'Protocol version is not compatible!'],
  ])('refuses %p with %i', (header, status, message) => {
    expect(sut(header)).toEqual({ ok: false, status, message });
  });

  it('follows the supported versions it is given', () => {
    const supported = { protobuf: { major: 1, minor: 1 }, json: { major: 1, minor: 0 } };

    expect(sut('application/protobuf; version=1.1', supported)).toMatchObject({ ok: true });
    expect(sut('application/protobuf; version=1.0', supported)).toMatchObject({ ok: false, status: 406 });
  });
});

describe(negotiateResponseAccept.name, () => {
  const sut = negotiateResponseAccept;

  it.each([
    ['application/protobuf; version=1.0', 'protobuf'],
    ['application/json; version=1.0', 'json'],
    [EFGS_OPTIONS_ACCEPT, 'json'],
    ['application/json; version=1.0; q=0.5, application/protobuf; version=1.0', 'protobuf'],
    ['text/html, application/protobuf; version=1.0', 'protobuf'],
    ['application/protobuf; version=1.0; q=0, application/json; version=1.0', 'json'],
  ])('chooses from %p', (header, format) => {
    expect(sut(header)).toMatchObject({ ok: true, format });
  });

  it.each([
    [undefined, 'Version parameter of Content-Type is required!'],
    ['*/*', 'Version parameter of Content-Type is required!'],
    ['text/plain', 'Content-Type is not compatible'],
    ['application/json', 'Version parameter of Content-Type is required!'],
    ['application/json; version=2.0', 'Protocol version is not compatible!'],
    ['application/json; version=1.1', 'Protocol version is not compatible!'],
    [
      'application/json; version=one',
      'Version can just contain a major and minor version splitted by a dot!',
    ],
    // The first known type decides; a wrong version there is not rescued by a later entry.
    [
      'application/json; version=2.0, application/protobuf; version=1.0',
      'Protocol version is not compatible!',
    ],
  ])('refuses %p with 415', (header, message) => {
    expect(sut(header)).toEqual({ ok: false, status: 415, message });
  });
});

describe(parseFormatVersion.name, () => {
  const sut = parseFormatVersion;

  it('parses MAJOR.MINOR', () => {
    expect(sut('10.02')).toEqual({ major: 10, minor: 2 });
  });

  it.each(['', '1', '1.', '.1', '1.0.', '1.0.0', ' 1.0', '1.-1'])('refuses %p', (text) => {
    expect(sut(text)).toHaveProperty('error');
  });
});

describe(efgsContentType.name, () => {
  const sut = efgsContentType;

  it('writes the versioned media type', () => {
    expect(sut('protobuf')).toBe('application/protobuf; version=1.0');
    expect(sut('json')).toBe('application/json; version=1.0');
  });

  it('round-trips through the request negotiation', () => {
    expect(negotiateRequestContentType(sut('protobuf'))).toMatchObject({ ok: true, format: 'protobuf' });
  });
});
