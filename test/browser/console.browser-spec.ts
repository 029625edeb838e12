/**
 * Veilig bellen in Debian's Chromium, end to end: a municipality page on another origin includes the
 * widget; the citizen clicks, sees the Yivi QR, number and code; the (simulated) Yivi app discloses;
 * the (simulated) Twilio call enters the code; two agents see the call appear live in /console with
 * the attributes and the external link; one takes it, the other sees it taken; the caller hangs up,
 * the entry disappears everywhere and nothing of the caller is left in the database.
 * Needs `npm run build:portals` first.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { getExpectedTwilioSignature } from 'twilio';
import { VeiligBellenSimulators } from '../../src/modules/veilig-bellen/veilig-bellen.gateways';
import { startApp, type TestApp } from '../support/app';
import { launchChromium } from '../support/browser';
import { freshEnv, testName } from '../support/profile';
import { ATTRS, dumpDatabase, setUpMunicipality, twilioUrls } from '../support/veilig-bellen';

const CITIZEN = {
  [ATTRS.bsn]: '111222333',
  [ATTRS.firstnames]: 'Anna Sophia',
  [ATTRS.surname]: 'Bakker-de Wit',
};

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

async function agentPage(
  context: BrowserContext,
  user: { email: string; password: string },
  errors: string[],
): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/console');
  await page.waitForURL('**/login**');
  await page.getByTestId('login-email').fill(user.email);
  await page.getByTestId('login-password').fill(user.password);
  await page.getByTestId('login-submit').click();
  await page.waitForURL('**/change-password**');
  const next = `${user.password}-in-browser`;
  await page.getByTestId('current-password').fill(user.password);
  await page.getByTestId('new-password').fill(next);
  await page.getByTestId('new-password-repeat').fill(next);
  await page.getByTestId('change-password-submit').click();
  await page.waitForURL('**/console');
  await page.getByTestId('console-empty').waitFor();
  return page;
}

describe('Veilig bellen: widget on a municipality site and the agent console', () => {
  let t: TestApp;
  let site: Server;
  let browser: Browser;

  beforeAll(async () => {
    const port = await freePort();
    t = await startApp({ env: await freshEnv(testName(), { PUBLIC_URL: `http://127.0.0.1:${port}` }) });
    await t.app.listen(port, '127.0.0.1');
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => (site ? site.close(r) : r(undefined)));
    await t?.close();
  });

  it('button → Yivi → call with the code → live console → take → hang up → no trace', async () => {
    // The municipality's own site, on another origin, with the two lines of HTML.
    site = createServer();
    await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
    const siteOrigin = `http://localhost:${(site.address() as AddressInfo).port}`;
    const m = await setUpMunicipality(t, 'Gemeente Browserdam', { allowedOrigins: [siteOrigin] });
    const api = t.config.http.publicUrl;
    site.on('request', (_req, res) => {
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.end(`<!doctype html><html lang="nl"><body><h1>Gemeente Browserdam</h1>
        <button id="bel" data-testid="site-button">Bel ons veilig</button>
        <script src="${api}/widget/veilig-bellen.js" data-municipality="${m.id}" data-purpose="afval" data-button="#bel"></script>
      </body></html>`);
    });

    const sims = t.app.get(VeiligBellenSimulators);
    sims.twilio!.sign = getExpectedTwilioSignature;
    const citizenErrors: string[] = [];
    const agentErrors: string[] = [];
    const citizen = await (await browser.newContext()).newPage();
    citizen.on('pageerror', (e) => citizenErrors.push(e.message));
    const agents = [await browser.newContext({ baseURL: api }), await browser.newContext({ baseURL: api })];
    const [agent1, agent2] = [
      await agentPage(agents[0], m.agents[0], agentErrors),
      await agentPage(agents[1], m.agents[1], agentErrors),
    ];

    // Citizen: click, see the QR (rendered by yivi-frontend), the number and the code.
    await citizen.goto(siteOrigin);
    await citizen.getByTestId('site-button').click();
    await citizen.locator('[data-testid="vb-state"][data-state="waiting"]').waitFor();
    await citizen
      .locator('[data-testid="vb-qr"] canvas, [data-testid="vb-qr"] img, [data-testid="vb-qr"] svg')
      .first()
      .waitFor();
    const dtmf = (await citizen.getByTestId('vb-code').innerText()).trim();
    expect(dtmf).toMatch(/^[0-9]{10}$/);
    expect(await citizen.getByTestId('vb-number').innerText()).toBe('+31243299999');

    // The Yivi app scans and discloses.
    const [clientToken] = sims.irma!.pending();
    sims.irma!.disclose(clientToken, CITIZEN);
    await citizen.locator('[data-testid="vb-state"][data-state="disclosed"]').waitFor({ timeout: 10_000 });
    // yivi-frontend followed the session by status events across origins, without falling back to polling.
    expect(sims.irma!.requestCounts.get('GET irma/frontend/statusevents')).toBeGreaterThanOrEqual(1);
    expect(sims.irma!.requestCounts.get('GET irma/frontend/status') ?? 0).toBe(0);

    // The app dials tel:<number>,<code>; Twilio gathers the tones and queues the caller.
    const call = await sims.twilio!.placeCall({
      from: '+31687654321',
      to: '+31243299999',
      ...twilioUrls(t, m.id),
    });
    await sims.twilio!.press(call.sid, dtmf);
    expect(call.state).toBe('queued');
    await citizen.locator('[data-testid="vb-state"][data-state="called"]').waitFor({ timeout: 10_000 });

    // Both consoles show the call without a reload, with the attributes and the external link.
    for (const page of [agent1, agent2]) {
      const entry = page.locator('[data-testid^="call-"][data-state="waiting"]');
      await entry.waitFor({ timeout: 10_000 });
      expect(await entry.getByTestId('attribute-bsn').innerText()).toBe('111222333');
      expect(await entry.getByTestId('attribute-firstnames').innerText()).toBe('Anna Sophia');
      expect(await entry.getByTestId('attribute-surname').innerText()).toBe('Bakker-de Wit');
      const link = entry.getByTestId('external-link');
      expect(await link.getAttribute('href')).toBe('https://zaak.example.nl/persoon?bsn=111222333');
      expect(await link.getAttribute('target')).toBe('_blank');
      expect(await link.getAttribute('rel')).toContain('noopener');
    }

    // VEILIG_SCREENSHOTS=<dir> keeps pictures of what the citizen and the agent saw.
    const shots = process.env.VEILIG_SCREENSHOTS;
    if (shots) {
      await citizen.screenshot({ path: `${shots}/widget.png`, fullPage: true });
      await agent1.screenshot({ path: `${shots}/console.png`, fullPage: true });
    }

    // Agent 1 takes it; agent 2 sees it taken; Twilio rings agent 1's client, agent 1 answers.
    await agent1.getByTestId('take-call').click();
    await agent1.getByTestId('end-call').waitFor();
    await agent2.getByTestId('taken-by-other').waitFor({ timeout: 10_000 });
    if (shots) await agent2.screenshot({ path: `${shots}/console-taken.png`, fullPage: true });
    expect(await agent2.getByTestId('take-call').count()).toBe(0);
    await sims.twilio!.settled();
    expect(call.agent).toBe(`client:agent_${m.agents[0].id.replace(/-/g, '')}`);
    await sims.twilio!.agentAnswers(call.sid);
    await citizen.locator('[data-testid="vb-state"][data-state="connected"]').waitFor({ timeout: 10_000 });

    // The call ends: the entry disappears in both consoles, the widget says so, the data is gone.
    await sims.twilio!.hangup(call.sid);
    await agent1.getByTestId('console-empty').waitFor({ timeout: 10_000 });
    await agent2.getByTestId('console-empty').waitFor({ timeout: 10_000 });
    await citizen.locator('[data-testid="vb-state"][data-state="done"]').waitFor({ timeout: 10_000 });
    const everything = await dumpDatabase(t);
    for (const trace of [...Object.values(CITIZEN), dtmf, '+31687654321', call.sid])
      expect(everything).not.toContain(trace);

    expect(agentErrors).toEqual([]);
    expect(citizenErrors).toEqual([]);
  });
});
