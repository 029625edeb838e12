import { getExpectedTwilioSignature, validateRequest } from 'twilio';
import { drawDtmfCode, isDtmfCode } from './dtmf';
import { isOpen, openingHoursProblems } from './opening-hours';
import { twilioSignature, verifyTwilioSignature } from './twilio-signature';
import { parseTwiml } from './twilio-simulator';
import { dialAgent, enqueue, gatherDtmf, say, twiml } from './twiml';

describe('Twilio request signature', () => {
  // Twilio's published example (security docs / api-snippets).
  const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
  const params = {
    CallSid: 'CA1234567890ABCDE',
    Caller: '+14158675309',
    Digits: '1234',
    From: '+14158675309',
    To: '+18005551212',
  };

  it('matches the published example', () => {
    expect(twilioSignature('12345', url, params)).toBe('RSOYDt4T1cUTdK1PDd93/VVr8B8=');
    expect(verifyTwilioSignature('12345', 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', url, params)).toBe(true);
  });

  it('refuses a wrong token, changed params, changed URL or no signature', () => {
    const sig = twilioSignature('12345', url, params);
    expect(verifyTwilioSignature('54321', sig, url, params)).toBe(false);
    expect(verifyTwilioSignature('12345', sig, url, { ...params, Digits: '1235' })).toBe(false);
    expect(verifyTwilioSignature('12345', sig, url.replace('foo=1', 'foo=2'), params)).toBe(false);
    expect(verifyTwilioSignature('12345', undefined, url, params)).toBe(false);
  });

  it('agrees with the official twilio library, both ways', () => {
    const cases: [string, Record<string, string>][] = [
      [url, params],
      [
        'https://veilig.example.nl/api/veilig-bellen/exchange/twilio/m/gather?attempt=2',
        { Digits: '0123456789' },
      ],
      ['https://veilig.example.nl/hook', { Body: 'ë ü & = + %20', Empty: '', 'A[]': '1' }],
      ['https://veilig.example.nl/agent-status?call=CA1&x=%2F', {}],
    ];
    for (const [u, p] of cases) {
      const theirs = getExpectedTwilioSignature('secret-token', u, p);
      expect(twilioSignature('secret-token', u, p)).toBe(theirs);
      expect(verifyTwilioSignature('secret-token', theirs, u, p)).toBe(true);
      expect(validateRequest('secret-token', twilioSignature('secret-token', u, p), u, p)).toBe(true);
    }
  });

  it('accepts the URL with or without the default port', () => {
    const withPort = twilioSignature('t', 'https://example.nl:443/hook?a=1', { A: '1' });
    expect(verifyTwilioSignature('t', withPort, 'https://example.nl/hook?a=1', { A: '1' })).toBe(true);
    const withoutPort = twilioSignature('t', 'https://example.nl/hook', { A: '1' });
    expect(verifyTwilioSignature('t', withoutPort, 'https://example.nl:443/hook', { A: '1' })).toBe(true);
  });
});

describe('TwiML', () => {
  it('builds escaped TwiML that the simulator parses back', () => {
    const xml = twiml(
      gatherDtmf(
        { action: 'https://x/g?a=1&b=2', numDigits: 10, timeoutSeconds: 15 },
        say('Toets <code> & "enter"', { voice: 'Polly.Lotte', language: 'nl-NL' }),
      ),
      enqueue('vb-1', { action: 'https://x/q', waitUrl: 'https://x/w' }),
      dialAgent(
        { kind: 'client', identity: 'agent_1' },
        { action: 'https://x/d', timeoutSeconds: 20, statusCallback: 'https://x/s' },
      ),
    );
    expect(xml).toContain(
      '<Gather input="dtmf" numDigits="10" timeout="15" action="https://x/g?a=1&amp;b=2"',
    );
    const verbs = parseTwiml(xml);
    expect(verbs.map((v) => v.name)).toEqual(['Gather', 'Enqueue', 'Dial']);
    expect(verbs[0].attrs.action).toBe('https://x/g?a=1&b=2');
    expect(verbs[0].children[0].text).toBe('Toets <code> & "enter"');
    expect(verbs[2].children[0]).toMatchObject({
      name: 'Client',
      text: 'agent_1',
      attrs: { statusCallback: 'https://x/s' },
    });
  });
});

describe('DTMF codes', () => {
  it('are 10 digits, zero-padded, and spread over the range', () => {
    const codes = Array.from({ length: 2000 }, drawDtmfCode);
    expect(codes.every(isDtmfCode)).toBe(true);
    expect(new Set(codes).size).toBe(codes.length);
    expect(new Set(codes.map((c) => c[0])).size).toBe(10);
    expect(isDtmfCode('123456789')).toBe(false);
    expect(isDtmfCode('12345678901')).toBe(false);
    expect(isDtmfCode('12345a7890')).toBe(false);
  });
});

describe('opening hours', () => {
  const hours = { timeZone: 'Europe/Amsterdam', days: { mon: ['08:30-12:00', '13:00-17:00'] } };
  it('evaluates in the municipality time zone', () => {
    // Monday 2025-01-06: 08:00 UTC = 09:00 Amsterdam (open); 11:30 UTC = 12:30 (lunch).
    expect(isOpen(hours, new Date('2025-01-06T08:00:00Z'))).toBe(true);
    expect(isOpen(hours, new Date('2025-01-06T11:30:00Z'))).toBe(false);
    expect(isOpen(hours, new Date('2025-01-07T08:00:00Z'))).toBe(false);
  });
  it('names bad ranges and zones', () => {
    expect(
      openingHoursProblems({ timeZone: 'Mars/Base', days: { mon: ['17:00-08:00'], xyz: [] } as never }),
    ).toHaveLength(3);
    expect(openingHoursProblems(hours)).toEqual([]);
  });
});
