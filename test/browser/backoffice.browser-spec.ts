/**
 * The GP backoffice in Debian's Chromium: a clinician signs in, types the patient's code, loads
 * a PKCS#12 file with its password, signs in the browser (pkijs + WebCrypto), and the phone in this test
 * process fetches and verifies the approval against its built-in root. The server runs the embedded
 * default, so it generates the development PKI under DATA_DIR/pki itself; the test takes the `.p12` and
 * the root from there. Needs `npm run build:portals`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Page } from 'playwright-core';

import { ManualClock } from '../../mobile/clock';
import { DisclosureFlow, type PendingDisclosure } from '../../mobile/disclosure-flow';
import { Phone } from '../../mobile/phone';
import { ApprovalVerifier } from '../../src/modules/disclosure/approval-verifier.service';
import { pemToDer } from '../../src/protocol/cms';
import { DAY_MS } from '../../src/protocol/gaen';
import { createUser, signedInAgent } from '../support/app';
import { explainFailure, waitForText, withServerAndBrowser, type TestServer } from '../support/browser';

describe('GP backoffice: look up a code, sign with a PKCS#12 file in the browser, the phone verifies', () => {
  const env = withServerAndBrowser();

  it('a clinician signs the patient code with huisarts.p12; the phone sees a valid approval and uploads', async () => {
    // Under NODE_ENV=test the server makes its development PKI on first use; ask for it now.
    await env.server.app.app.get(ApprovalVerifier).ready();
    const pkiDir = join(env.server.app.config.dataDir, 'pki');
    const flow = new DisclosureFlow({
      baseUrl: env.server.baseUrl,
      trustedRoots: [pemToDer(readFileSync(join(pkiDir, 'root.pem'), 'utf8'), 'CERTIFICATE')],
    });
    const phone = twoWeekPhone();
    const started = await flow.start(phone, { disclose: true });
    if (started.status !== 'awaiting-signature')
      throw new Error(`phone could not start: ${JSON.stringify(started)}`);
    const { pending } = started;

    const gp = await clinician(env.server);
    const context = await env.browser.newContext({ baseURL: env.server.baseUrl });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    const log: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => log.push(`console.${message.type()}: ${message.text()}`));
    page.on('response', (response) => {
      if (response.status() >= 400)
        log.push(`${response.status()} ${response.request().method()} ${response.url()}`);
    });

    try {
      await gpSigns(page, gp, pending, join(pkiDir, 'huisarts.p12'));
    } catch (error) {
      await explainFailure(page, error, log);
    } finally {
      await context.close();
    }
    expect(pageErrors).toEqual([]);

    const approved = await flow.poll(pending);
    expect(approved).toMatchObject({ status: 'approved', signer: { name: 'Anna de Vries', role: '01.015' } });
    if (approved.status !== 'approved') return;
    expect(await flow.upload(phone, approved)).toMatchObject({
      status: 'uploaded',
      insertedKeys: pending.keys.length,
    });
  });
});

async function gpSigns(
  page: Page,
  gp: { email: string; password: string },
  pending: PendingDisclosure,
  p12Path: string,
): Promise<void> {
  await page.goto('/');
  await page.waitForURL('**/login**');
  await page.getByTestId('login-email').fill(gp.email);
  await page.getByTestId('login-password').fill(gp.password);
  await page.getByTestId('login-submit').click();
  // A clinician has one area: the start page leads straight to the backoffice.
  await page.waitForURL('**/backoffice');

  // Words that are not a code are explained next to the field, before anything is sent.
  await page.getByTestId('disclosure-code').fill('appel banaan');
  await page.getByTestId('lookup-submit').click();
  await page.getByTestId('disclosure-code-error').waitFor();

  // The patient reads out the five Dutch words; the portal turns them into the code.
  await page.getByTestId('disclosure-code').fill(pending.trustwords.nl.join(' '));
  await page.getByTestId('lookup-submit').click();
  await page.getByTestId('disclosure-request').waitFor();
  const fingerprint = (await page.getByTestId('request-fingerprint').innerText()).trim();
  expect(fingerprint).toMatch(/^([0-9a-f]{4} ){3}[0-9a-f]{4}$/);

  // A wrong password is explained calmly; nothing was sent.
  await page.getByTestId('method-soft-token').check();
  await page.getByTestId('p12-file').setInputFiles(p12Path);
  await page.getByTestId('p12-password').fill('not the password');
  await page.getByTestId('sign-submit').click();
  await waitForText(page.getByTestId('problem-alert'), 'The password does not open this file');

  await page.getByTestId('p12-password').fill('veilig-dev');
  await page.getByTestId('sign-submit').click();
  await waitForText(page.getByTestId('signed-by'), 'Anna de Vries');
  await waitForText(page.getByTestId('signed-by'), 'huisarts');
}

/** A clinician of a GP practice who has already chosen their own password. */
async function clinician(server: TestServer): Promise<{ email: string; password: string }> {
  const user = await createUser(server.app, {
    email: `gp-${Date.now()}@praktijk.test`,
    roles: ['clinician'],
    organisation: { name: 'Huisartsenpraktijk Browser', kind: 'gp-practice' },
  });
  const s = await signedInAgent(server.app, user.email, user.password);
  const password = 'a calm clinician passphrase';
  await s.agent
    .post('/api/auth/change-password')
    .set('X-XSRF-TOKEN', s.csrf)
    .send({ currentPassword: user.password, newPassword: password })
    .expect(204);
  return { email: user.email, password };
}

/** A phone that has been on for two weeks (a key for every day). */
function twoWeekPhone(): Phone {
  const now = Date.now();
  const phone = Phone.create({ id: 'patient', clock: new ManualClock(now) });
  for (let day = 14; day >= 0; day--) phone.tekAt(now - day * DAY_MS);
  return phone;
}
