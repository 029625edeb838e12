/**
 * The Veilig bellen button for a municipality's web site:
 *   <script src="https://<host>/widget/veilig-bellen.js" data-municipality="<id>" data-purpose="afval"
 *           data-button="#bel-veilig"></script>
 * Without data-button a button is added after the script tag. Clicking starts a session through our
 * backend, shows the Yivi QR (the app button on a phone), then the number and code, and the live state.
 * The status token stays in this page's memory only.
 */
import { newWeb } from '@privacybydesign/yivi-frontend';

type State =
  'starting' | 'waiting' | 'disclosed' | 'called' | 'connected' | 'done' | 'closed' | 'unreachable' | 'error';

const TEXT: Record<State, string> = {
  starting: 'Een ogenblik…',
  waiting: 'Scan de QR-code met de Yivi-app (op uw telefoon: tik op de knop) en deel de gevraagde gegevens.',
  disclosed:
    'Uw gegevens zijn ontvangen. U kunt nu bellen: de Yivi-app start het gesprek. U hoort tonen, daarna komt u in de wachtrij.',
  called: 'U bent in de wachtrij. Een medewerker neemt zo op.',
  connected: 'U bent doorverbonden met een medewerker.',
  done: 'Het gesprek is beëindigd. Uw gegevens zijn verwijderd.',
  closed: 'Wij zijn nu gesloten. Belt u ons tijdens de openingstijden.',
  unreachable: 'Yivi is nu niet bereikbaar. Probeer het later opnieuw.',
  error: 'Er ging iets mis. Probeer het opnieuw.',
};
const FINAL: State[] = ['done', 'closed', 'unreachable', 'error'];

interface Started {
  sessionPtr: unknown;
  frontendRequest: unknown;
  phoneNumber: string;
  dtmf: string;
  statusToken: string;
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string>,
  text?: string,
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function init(script: HTMLScriptElement): void {
  const api = new URL(script.src).origin;
  const municipality = script.dataset.municipality ?? '';
  const purpose = script.dataset.purpose ?? '';
  let button = script.dataset.button ? document.querySelector<HTMLElement>(script.dataset.button) : null;
  if (!button) {
    button = el('button', { type: 'button', 'data-testid': 'vb-button' }, 'Veilig bellen met Yivi');
    script.after(button);
  }
  const panel = el('div', {
    class: 'veilig-bellen',
    'data-testid': 'vb-panel',
    'aria-live': 'polite',
    hidden: '',
  });
  button.after(panel);
  let busy = false;

  button.addEventListener('click', () => {
    if (busy) return;
    busy = true;
    void run().finally(() => (busy = false));
  });

  async function run(): Promise<void> {
    panel.hidden = false;
    panel.replaceChildren();
    const stateLine = el('p', { 'data-testid': 'vb-state' });
    const setState = (s: State) => {
      stateLine.dataset.state = s;
      stateLine.textContent = TEXT[s];
    };
    setState('starting');
    panel.append(stateLine);
    let started: Started;
    try {
      const res = await fetch(
        `${api}/api/veilig-bellen/widget/${encodeURIComponent(municipality)}/sessions`,
        {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ purpose }),
          credentials: 'omit',
        },
      );
      if (!res.ok) {
        const problem = (await res.json().catch(() => ({}))) as { type?: string };
        setState(
          problem.type?.endsWith('/closed')
            ? 'closed'
            : problem.type?.endsWith('/irma-unreachable')
              ? 'unreachable'
              : 'error',
        );
        return;
      }
      started = (await res.json()) as Started;
    } catch {
      setState('error');
      return;
    }
    const qrId = `vb-qr-${Math.random().toString(36).slice(2)}`;
    const call = el('p', { 'data-testid': 'vb-call' });
    call.append(
      'Bel ',
      el('strong', { 'data-testid': 'vb-number' }, started.phoneNumber),
      ' en toets code ',
      el('strong', { 'data-testid': 'vb-code' }, started.dtmf),
      '.',
    );
    panel.prepend(el('div', { id: qrId, 'data-testid': 'vb-qr' }), call);
    setState('waiting');
    const yivi = newWeb({
      element: `#${qrId}`,
      language: 'nl',
      session: {
        start: false,
        mapping: { sessionPtr: () => started.sessionPtr, frontendRequest: () => started.frontendRequest },
        result: false,
      },
    });
    yivi.start().catch(() => undefined);
    await follow(started.statusToken, setState, () => stateLine.dataset.state as State);
  }

  async function follow(token: string, setState: (s: State) => void, current: () => State): Promise<void> {
    for (;;) {
      await new Promise((r) => setTimeout(r, 1500));
      try {
        const res = await fetch(
          `${api}/api/veilig-bellen/widget/${encodeURIComponent(municipality)}/status`,
          {
            headers: { Authorization: `Bearer ${token}` },
            credentials: 'omit',
            cache: 'no-store',
          },
        );
        if (res.status === 404) {
          // The session is gone: after a call that means it ended; before, that it expired.
          setState(['called', 'connected'].includes(current()) ? 'done' : 'error');
        } else if (res.ok) {
          const { state } = (await res.json()) as { state: State };
          setState(state in TEXT ? state : 'error');
        }
      } catch {
        // A network hiccup: keep polling.
      }
      if (FINAL.includes(current())) return;
    }
  }
}

const current = document.currentScript;
if (current instanceof HTMLScriptElement) {
  const start = () => init(current);
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
}
