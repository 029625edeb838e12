/**
 * A small TwiML builder: each verb returns its XML, `twiml()` wraps them in `<Response>`. Text and attributes
 * are escaped; nothing caller-supplied ends up unescaped in what Twilio executes. The output matches what the
 * `twilio` library's `VoiceResponse` renders for the same verbs (a test checks it). Spec:
 * docs/protocols/twilio.md §T3–§T8 (twilio.com/docs/voice/twiml).
 */
export type Verb = string & { readonly __twiml: unique symbol };

export function escapeXml(s: string): string {
  return s.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!,
  );
}

function el(name: string, attrs: Record<string, string | number | undefined>, inner?: string): Verb {
  const a = Object.entries(attrs)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${escapeXml(String(v))}"`)
    .join('');
  return (inner === undefined ? `<${name}${a}/>` : `<${name}${a}>${inner}</${name}>`) as Verb;
}

/** The whole TwiML document. */
export function twiml(...verbs: Verb[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Response>${verbs.join('')}</Response>`;
}

/**
 * `<Say>` with an explicit voice and language: without them Twilio uses the account's default voice,
 * and a voice that does not speak the language fails (twilio.com/docs/voice/twiml/say/text-speech).
 */
export function say(text: string, speech: { voice: string; language: string }): Verb {
  return el('Say', { voice: speech.voice, language: speech.language }, escapeXml(text));
}

/** `<Play>`: a recorded prompt (MP3 or WAV at an https URL). */
export function play(url: string): Verb {
  return el('Play', {}, escapeXml(url));
}

/** `<Gather input="dtmf">` around a prompt; Twilio posts `Digits` to `action`, or goes on with the next verb without input. */
export function gatherDtmf(
  opts: { action: string; numDigits: number; timeoutSeconds: number },
  ...prompt: Verb[]
): Verb {
  return el(
    'Gather',
    {
      input: 'dtmf',
      numDigits: opts.numDigits,
      timeout: opts.timeoutSeconds,
      action: opts.action,
      method: 'POST',
      actionOnEmptyResult: 'false',
    },
    prompt.join(''),
  );
}

/** Puts the caller in the named queue; `action` gets `QueueResult` when the caller leaves it. */
export function enqueue(queue: string, opts: { action: string; waitUrl: string }): Verb {
  return el(
    'Enqueue',
    { action: opts.action, method: 'POST', waitUrl: opts.waitUrl, waitUrlMethod: 'POST' },
    escapeXml(queue),
  );
}

/**
 * `<Dial>` to a Twilio Client identity (`<Client>`) or a SIP URI (`<Sip>`) for at most `timeoutSeconds`
 * of ringing; `action` gets `DialCallStatus` when the dialled leg ends, `statusCallback` the agent
 * leg's progress (initiated, ringing, answered, completed).
 */
export function dialAgent(
  target: { kind: 'client'; identity: string } | { kind: 'sip'; uri: string },
  opts: { action: string; timeoutSeconds: number; statusCallback: string },
): Verb {
  const events = {
    statusCallbackEvent: 'initiated ringing answered completed',
    statusCallback: opts.statusCallback,
    statusCallbackMethod: 'POST',
  };
  const inner =
    target.kind === 'client'
      ? el('Client', events, escapeXml(target.identity))
      : el('Sip', events, escapeXml(target.uri));
  return el('Dial', { action: opts.action, method: 'POST', timeout: opts.timeoutSeconds }, inner);
}

export function pause(seconds: number): Verb {
  return el('Pause', { length: seconds });
}

export function redirect(url: string): Verb {
  return el('Redirect', { method: 'POST' }, escapeXml(url));
}

/** In a queue's wait TwiML: the caller leaves the queue (Enqueue `action` then gets `QueueResult=leave`). */
export function leave(): Verb {
  return el('Leave', {});
}

export function hangup(): Verb {
  return el('Hangup', {});
}
