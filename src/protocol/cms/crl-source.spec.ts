import { createCrlSource, type FetchLike } from './crl-source';
import { derToPem } from './pem';
import { issueCrl, sharedTestPki, type TestPki } from './testing';

const HOUR = 3600_000;

describe('createCrlSource', () => {
  let pki: TestPki;

  beforeAll(async () => {
    pki = await sharedTestPki();
  }, 120_000);

  function fakeFetch(
    responses: Record<string, () => Uint8Array | Error>,
  ): jest.Mock<ReturnType<FetchLike>, Parameters<FetchLike>> {
    return jest.fn(async (url: string) => {
      const next = responses[url]?.();
      if (next === undefined) return { ok: false, status: 404, arrayBuffer: async () => new ArrayBuffer(0) };
      if (next instanceof Error) throw next;
      return { ok: true, status: 200, arrayBuffer: async () => next.slice().buffer };
    });
  }

  it('loads URLs and files once and serves the cache until nextUpdate', async () => {
    let now = pki.now;
    const fetch = fakeFetch({ 'http://crl.test/int.crl': () => pki.intermediateCrl });
    const readFile = jest.fn(async () => new TextEncoder().encode(derToPem(pki.rootCrl, 'X509 CRL')));
    const sut = createCrlSource({
      locations: ['http://crl.test/int.crl', '/etc/veilig/root.crl'],
      fetch,
      readFile,
      now: () => now,
    });

    const first = await sut.current();
    now = new Date(pki.now.getTime() + HOUR);
    const second = await sut.current();

    expect(first.crls).toHaveLength(2);
    expect(second).toBe(first);
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(readFile).toHaveBeenCalledWith('/etc/veilig/root.crl');
  });

  it('refreshes near nextUpdate and keeps the newer CRL', async () => {
    let now = pki.now;
    const later = await issueCrl({
      issuer: pki.intermediate,
      revoked: [],
      thisUpdate: new Date(pki.now.getTime() + 46 * HOUR),
      nextUpdate: new Date(pki.now.getTime() + 94 * HOUR),
    });
    const served = [pki.intermediateCrl, later];
    const fetch = fakeFetch({ 'https://crl.test/int.crl': () => served.shift() ?? later });
    const sut = createCrlSource({ locations: ['https://crl.test/int.crl'], fetch, now: () => now });

    await sut.current();
    now = new Date(pki.now.getTime() + 47 * HOUR);
    const sut2 = await sut.current();

    expect(fetch).toHaveBeenCalledTimes(2);
    expect(sut2.crls[0].thisUpdate).toEqual(new Date(pki.now.getTime() + 46 * HOUR));
  });

  it('keeps the last good CRL when a refresh fails, reports the error and backs off', async () => {
    let now = pki.now;
    let fail = false;
    const fetch = fakeFetch({
      'http://crl.test/int.crl': () => (fail ? new Error('network down') : pki.intermediateCrl),
    });
    const onError = jest.fn();
    const sut = createCrlSource({
      locations: ['http://crl.test/int.crl'],
      fetch,
      now: () => now,
      onError,
      retryAfterMs: 60_000,
    });

    await sut.current();
    fail = true;
    now = new Date(pki.now.getTime() + 48 * HOUR);
    const afterFailure = await sut.current();
    await sut.current();

    expect(afterFailure.crls).toHaveLength(1);
    expect(onError).toHaveBeenCalledTimes(1);
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it('shares one download between concurrent callers', async () => {
    const fetch = fakeFetch({ 'http://crl.test/int.crl': () => pki.intermediateCrl });
    const sut = createCrlSource({ locations: ['http://crl.test/int.crl'], fetch, now: () => pki.now });

    await Promise.all([sut.current(), sut.current(), sut.current()]);

    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it('reports unparsable CRLs and missing loaders through onError', async () => {
    const onError = jest.fn();
    const sut = createCrlSource({
      locations: ['http://crl.test/x.crl', '/no/reader.crl'],
      fetch: fakeFetch({ 'http://crl.test/x.crl': () => new Uint8Array([1, 2, 3]) }),
      onError,
      now: () => pki.now,
    });

    await expect(sut.current()).resolves.toMatchObject({ crls: [] });
    expect(onError).toHaveBeenCalledTimes(2);
  });
});
