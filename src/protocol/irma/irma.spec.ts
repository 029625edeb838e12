import { acceptedAttributes, disclosureRequest, telReturnUrl } from './disclosure';
import { IrmaError, IrmaRequestorClient, readEventStream } from './requestor-client';
import { IrmaServerSimulator } from './simulator';

const BSN = 'pbdf.gemeente.personalData.bsn';
const FIRST = 'pbdf.gemeente.personalData.firstnames';
const SUR = 'pbdf.gemeente.personalData.surname';

describe('disclosure request', () => {
  it('groups attributes of one credential into one option (condiscon)', () => {
    const r = disclosureRequest(
      [BSN, FIRST, 'pbdf.sidn-pbdf.email.email'],
      telReturnUrl('+31 24 329 99 99', '0123456789'),
    );
    expect(r.disclose).toEqual([[[BSN, FIRST]], [['pbdf.sidn-pbdf.email.email']]]);
    expect(r.clientReturnUrl).toBe('tel:+31243299999,0123456789');
    expect(() => disclosureRequest(['bsn'])).toThrow();
  });

  it('accepts only DONE + VALID and keeps only requested attributes', () => {
    const disclosed = [
      [
        { id: BSN, rawvalue: '999999990', status: 'PRESENT' as const },
        { id: 'pbdf.gemeente.personalData.dateofbirth', rawvalue: '1-1-1980', status: 'EXTRA' as const },
      ],
    ];
    const base = { token: 't', type: 'disclosing' as const, disclosed };
    expect(acceptedAttributes({ ...base, status: 'DONE', proofStatus: 'VALID' }, [BSN])).toEqual({
      ok: true,
      attributes: { [BSN]: '999999990' },
    });
    expect(acceptedAttributes({ ...base, status: 'DONE', proofStatus: 'EXPIRED' }, [BSN])).toEqual({
      ok: false,
      reason: 'proof-not-valid',
    });
    expect(acceptedAttributes({ ...base, status: 'CANCELLED' }, [BSN])).toEqual({
      ok: false,
      reason: 'not-done',
    });
    expect(acceptedAttributes({ ...base, status: 'DONE', proofStatus: 'VALID' }, [BSN, FIRST])).toEqual({
      ok: false,
      reason: 'missing-attributes',
    });
  });
});

describe('requestor client against the simulator', () => {
  const base = 'http://irma.test';

  it.each([
    ['token', { kind: 'token' as const, token: 'requestor-token' }],
    ['hmac', { kind: 'hmac' as const, requestor: 'veilig', key: new Uint8Array(32).fill(7) }],
  ])('runs a session with %s auth: start, status, disclose, result', async (_label, auth) => {
    const sim = new IrmaServerSimulator({ publicUrl: 'https://public.test/irma', requestor: auth });
    const sut = new IrmaRequestorClient(base, auth, sim.fetchFor(base));
    const pkg = await sut.startSession({
      timeout: 60,
      request: disclosureRequest([BSN, FIRST, SUR], 'tel:+3124,123'),
    });
    expect(pkg.sessionPtr.u).toMatch(/^https:\/\/public\.test\/irma\/irma\/session\/.+/);
    expect(pkg.frontendRequest.maxProtocolVersion).toBe('1.1');
    await expect(sut.status(pkg.token)).resolves.toBe('INITIALIZED');
    sim.disclose(pkg.sessionPtr.u.split('/').pop()!);
    await expect(sut.status(pkg.token)).resolves.toBe('DONE');
    const result = await sut.result(pkg.token);
    expect(acceptedAttributes(result, [BSN, FIRST, SUR])).toMatchObject({
      ok: true,
      attributes: { [BSN]: '999999990' },
    });
  });

  it('refuses a wrong requestor token and unknown sessions', async () => {
    const sim = new IrmaServerSimulator({ publicUrl: base, requestor: { kind: 'token', token: 'right' } });
    const wrong = new IrmaRequestorClient(base, { kind: 'token', token: 'wrong' }, sim.fetchFor(base));
    await expect(wrong.startSession({ request: disclosureRequest([BSN]) })).rejects.toMatchObject({
      status: 403,
      error: 'UNAUTHORIZED',
    });
    await expect(wrong.status('nope')).rejects.toBeInstanceOf(IrmaError);
    const badKey = new IrmaRequestorClient(
      base,
      { kind: 'hmac', requestor: 'x', key: new Uint8Array(32) },
      new IrmaServerSimulator({
        publicUrl: base,
        requestor: { kind: 'hmac', requestor: 'x', key: new Uint8Array(32).fill(1) },
      }).fetchFor(base),
    );
    await expect(badKey.startSession({ request: disclosureRequest([BSN]) })).rejects.toMatchObject({
      status: 401,
    });
  });

  it('serves the frontend endpoints with the frontend authorization and times sessions out', async () => {
    let now = 1_000_000;
    const sim = new IrmaServerSimulator({ publicUrl: base, requestor: { kind: 'none' }, now: () => now });
    const sut = new IrmaRequestorClient(base, { kind: 'none' }, sim.fetchFor(base));
    const pkg = await sut.startSession({ timeout: 10, request: disclosureRequest([BSN]) });
    const path = new URL(pkg.sessionPtr.u).pathname;
    const denied = await sim.handle({
      method: 'GET',
      path: `${path}/frontend/status`,
      headers: {},
      body: '',
    });
    expect(denied.status).toBe(403);
    const ok = await sim.handle({
      method: 'GET',
      path: `${path}/frontend/status`,
      headers: { authorization: pkg.frontendRequest.authorization },
      body: '',
    });
    expect(JSON.parse(ok.body as string)).toEqual({ status: 'INITIALIZED', nextSession: null });
    now += 11_000;
    await expect(sut.status(pkg.token)).resolves.toBe('TIMEOUT');
    now += 6 * 60_000;
    await expect(sut.status(pkg.token)).rejects.toMatchObject({ error: 'SESSION_UNKNOWN' });
  });
});

describe('IRMA status updates without polling', () => {
  const request = () => ({ request: disclosureRequest([BSN]), timeout: 60 });

  it('streams status events like `irma server --sse`, and refuses them without it', async () => {
    const sim = new IrmaServerSimulator({
      publicUrl: 'https://irma.test',
      requestor: { kind: 'none' },
      sse: true,
    });
    const sut = new IrmaRequestorClient(
      'https://irma.test',
      { kind: 'none' },
      sim.fetchFor('https://irma.test'),
    );
    const pkg = await sut.startSession(request());
    const seen: string[] = [];
    const following = (async () => {
      for await (const status of sut.statusEvents(pkg.token)) seen.push(status);
    })();
    await new Promise((r) => setTimeout(r, 10));
    sim.connect(pkg.token);
    sim.disclose(pkg.token, { [BSN]: '999999990' });
    await following;
    expect(seen).toEqual(['CONNECTED', 'DONE']);
    // A finished session cannot be subscribed to (irmago: UNEXPECTED_REQUEST).
    const again = sut.statusEvents(pkg.token);
    await expect(again.next()).rejects.toMatchObject({ status: 403, error: 'UNEXPECTED_REQUEST' });

    const plain = new IrmaServerSimulator({ publicUrl: 'https://irma.test', requestor: { kind: 'none' } });
    const client = new IrmaRequestorClient(
      'https://irma.test',
      { kind: 'none' },
      plain.fetchFor('https://irma.test'),
    );
    const other = await client.startSession(request());
    await expect(client.statusEvents(other.token).next()).rejects.toMatchObject({
      status: 500,
      error: 'SSE_DISABLED',
    });
  });

  it('posts the result to callbackUrl when allowed, and refuses callbackUrl otherwise (as irmago)', async () => {
    const posted: { url: string; status: string }[] = [];
    const sim = new IrmaServerSimulator({
      publicUrl: 'https://irma.test',
      requestor: { kind: 'none' },
      postCallback: async (url, result) => void posted.push({ url, status: result.status }),
    });
    const sut = new IrmaRequestorClient(
      'https://irma.test',
      { kind: 'none' },
      sim.fetchFor('https://irma.test'),
    );
    const pkg = await sut.startSession({ ...request(), callbackUrl: 'https://backend.test/cb/1' });
    expect(posted).toEqual([]);
    sim.disclose(pkg.token, { [BSN]: '999999990' });
    expect(posted).toEqual([{ url: 'https://backend.test/cb/1', status: 'DONE' }]);

    const strict = new IrmaServerSimulator({ publicUrl: 'https://irma.test', requestor: { kind: 'none' } });
    const client = new IrmaRequestorClient(
      'https://irma.test',
      { kind: 'none' },
      strict.fetchFor('https://irma.test'),
    );
    await expect(
      client.startSession({ ...request(), callbackUrl: 'https://backend.test/cb/2' }),
    ).rejects.toMatchObject({
      status: 501,
      error: 'UNSUPPORTED',
    });
  });

  it('reads event streams split anywhere, with CRLF, comments and multi-line data', async () => {
    const text = ': hello\r\nevent: open\r\ndata: \r\n\r\ndata: "CONN\ndata: ECTED"\n\ndata: "DONE"\n\n';
    const bytes = new TextEncoder().encode(text);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 7) controller.enqueue(bytes.subarray(i, i + 7));
        controller.close();
      },
    });
    const events = [];
    for await (const e of readEventStream(body)) events.push(e);
    expect(events).toEqual([
      { event: 'open', data: '' },
      { event: 'message', data: '"CONN\nECTED"' },
      { event: 'message', data: '"DONE"' },
    ]);
  });
});
