import {
  buildCallbackRequestUrl,
  checkCallbackUrl,
  HostResolver,
  isForbiddenCallbackAddress,
} from './callback-url';

const resolverFor =
  (answers: Record<string, string[]>): HostResolver =>
  async (host) => {
    if (!(host in answers)) throw new Error(`ENOTFOUND ${host}`);
    return answers[host];
  };

describe(isForbiddenCallbackAddress.name, () => {
  const sut = isForbiddenCallbackAddress;

  it.each([
    '10.0.0.1',
    '10.255.255.255',
    '127.0.0.1',
    '127.1.2.3',
    '100.64.0.1',
    '100.127.255.255',
    '169.254.169.254',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '0.0.0.0',
    '::1',
    '0:0:0:0:0:0:0:1',
    '::',
    'fc00::1',
    'fdff:ffff::1',
    'fe80::1%eth0',
    '::ffff:10.0.0.1',
    '::ffff:7f00:1',
    'not-an-ip',
    '1.2.3',
    '1:2:3:4:5:6:7:8:9',
    '0x7f.1',
  ])('forbids %p', (address) => {
    expect(sut(address)).toBe(true);
  });

  it.each([
    ['64:ff9b::7f00:1', 'NAT64 (RFC 6052) form of loopback'],
    ['64:ff9b::a9fe:a9fe', 'NAT64 form of the link-local metadata address'],
    ['64:ff9b::808:808', 'NAT64 form of a public address (embedded, so not judged)'],
    ['64:ff9b:1::1', 'local-use NAT64 (RFC 8215)'],
    ['2002:7f00:1::1', '6to4 (RFC 3056)'],
    ['2001:0:4136:e378::1', 'Teredo (RFC 4380)'],
    ['::7f00:1', 'IPv4-compatible (deprecated, RFC 4291 §2.5.5.1)'],
    ['fec0::1', 'site-local (deprecated, RFC 3879)'],
    ['fbff::1', 'outside the global unicast space 2000::/3'],
    ['2001:db8::1', 'documentation (RFC 3849)'],
    ['100::1', 'discard-only (RFC 6666)'],
    ['ff02::1', 'IPv6 multicast'],
    ['198.18.0.1', 'benchmarking (RFC 2544)'],
    ['198.19.255.255', 'benchmarking (RFC 2544)'],
    ['224.0.0.1', 'IPv4 multicast'],
    ['239.255.255.250', 'IPv4 multicast'],
    ['255.255.255.255', 'limited broadcast'],
    ['240.0.0.1', 'reserved (class E)'],
    ['192.0.2.1', 'documentation (TEST-NET-1)'],
    ['192.0.0.8', 'IETF protocol assignments'],
  ])('forbids %p: %s', (address) => {
    expect(sut(address)).toBe(true);
  });

  it.each([
    '8.8.8.8',
    '100.63.255.255',
    '100.128.0.0',
    '172.15.255.255',
    '172.32.0.0',
    '192.169.0.1',
    '::ffff:8.8.8.8',
    '2a00:1450:4001:81a::200e',
  ])('allows %p', (address) => {
    expect(sut(address)).toBe(false);
  });
});

describe(checkCallbackUrl.name, () => {
  const sut = checkCallbackUrl;
  const resolve = resolverFor({
    'efgs.example.no': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'],
    'internal.example.no': ['10.1.2.3'],
    'mixed.example.no': ['93.184.216.34', '192.168.0.10'],
    'empty.example.no': [],
  });

  it('accepts a public https URL and returns its host and addresses', async () => {
    await expect(sut('https://EFGS.example.no/version/v1/callback', resolve)).resolves.toEqual({
      ok: true,
      url: 'https://efgs.example.no/version/v1/callback',
      host: 'efgs.example.no',
      addresses: ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'],
    });
  });

  it('accepts a public IP literal without asking the resolver', async () => {
    const resolver = jest.fn<ReturnType<HostResolver>, Parameters<HostResolver>>();

    await expect(sut('https://93.184.216.34/cb', resolver)).resolves.toMatchObject({
      ok: true,
      addresses: ['93.184.216.34'],
    });
    expect(resolver).not.toHaveBeenCalled();
  });

  it.each([
    ['not a url', 'Could not parse URL'],
    ['http://efgs.example.no/cb', 'Callback URL must use https'],
    ['ftp://efgs.example.no/cb', 'Callback URL must use https'],
    ['https://efgs.example.no/cb?x=1', 'URL must not contain any parameters'],
    ['https://efgs.example.no/cb?', 'URL must not contain any parameters'],
    ['https://efgs.example.no/cb#frag', 'URL must not contain a fragment'],
    ['https://user:pw@efgs.example.no/cb', 'URL must not contain credentials'],
    ['https://unknown.example.no/cb', 'Could not resolve host for callback'],
    ['https://empty.example.no/cb', 'Could not resolve host for callback'],
    ['https://internal.example.no/cb', 'IP Address of callback host is from private IP range.'],
    ['https://mixed.example.no/cb', 'IP Address of callback host is from private IP range.'],
    ['https://127.0.0.1/cb', 'IP Address of callback host is from private IP range.'],
    ['https://0x7f.1/cb', 'IP Address of callback host is from private IP range.'],
    ['https://[::1]/cb', 'IP Address of callback host is from private IP range.'],
    ['https://[::ffff:192.168.0.1]/cb', 'IP Address of callback host is from private IP range.'],
  ])('refuses %p', async (url, reason) => {
    await expect(sut(url, resolve)).resolves.toEqual({ ok: false, reason });
  });
});

describe(buildCallbackRequestUrl.name, () => {
  const sut = buildCallbackRequestUrl;

  it('appends batchTag and the ISO date', () => {
    expect(
      sut('https://efgs.example.no/version/v1/callback', '20201019-3', new Date('2020-10-19T23:59:00Z')),
    ).toBe('https://efgs.example.no/version/v1/callback?batchTag=20201019-3&date=2020-10-19');
  });

  it('encodes a free-text batch tag', () => {
    expect(sut('https://efgs.example.no/cb', 'a b&c', '2020-10-19')).toBe(
      'https://efgs.example.no/cb?batchTag=a+b%26c&date=2020-10-19',
    );
  });

  it('refuses a date that is not yyyy-MM-dd', () => {
    expect(() => sut('https://efgs.example.no/cb', '20201019-3', '19-10-2020')).toThrow(RangeError);
  });
});
