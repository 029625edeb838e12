/**
 * The portal end to end in Debian's Chromium: an admin signs in, creates a user and signs out; the
 * new user signs in with the temporary password, is made to change it, and lands on the start page.
 * Runs against the real server (embedded SQLite profile, built portals) from `test/support/app.ts`,
 * so `npm run build:portals` must have run first.
 */
import { type Page } from 'playwright-core';

import { explainFailure, waitForText, withServerAndBrowser } from '../support/browser';

type Credentials = { email: string; password: string };

describe('portal: admin creates a user who must change the temporary password', () => {
  const env = withServerAndBrowser();

  it('admin creates a user; the user signs in, changes the password and lands home', async () => {
    const admin = await env.server.createAdmin();
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
      await adminCreatesUserWhoChangesPassword(page, admin);
    } catch (error) {
      await explainFailure(page, error, log);
    } finally {
      await context.close();
    }
    expect(pageErrors).toEqual([]);
  });
});

async function adminCreatesUserWhoChangesPassword(page: Page, admin: Credentials): Promise<void> {
  // Signed out, every page leads to the login form.
  await page.goto('/');
  await page.waitForURL('**/login**');

  await signIn(page, admin.email, admin.password);
  await page.waitForURL((url) => !url.pathname.startsWith('/login'));
  if (new URL(page.url()).pathname === '/change-password') {
    // The first admin holds a one-time password too.
    await changePassword(page, admin.password, 'admin passphrase for the browser test');
  }
  // An admin has one area, so the start page sends them straight to it.
  await page.waitForURL('**/admin/users');

  // The test server's admin is a platform admin: add a GP practice and open its users (the roles an
  // organisation offers depend on its kind; a GP practice has admins and clinicians).
  const practice = `Huisartsenpraktijk ${Date.now()}`;
  await page.getByTestId('nav-organisations').click();
  await page.getByTestId('new-organisation-name').fill(practice);
  await page.getByTestId('new-organisation-kind').selectOption('gp-practice');
  await page.getByTestId('create-organisation-submit').click();
  await page.getByTestId(`organisation-row-${practice}`).getByTestId('organisation-users').click();
  await page.waitForURL('**/admin/users?organisationId=*');
  await waitForText(page.getByTestId('users-organisation'), practice);

  // Two roles, so that after the password change the user gets the start page with both areas.
  const email = `gp-${Date.now()}@example.org`;
  const displayName = 'Dr. Browser Test';
  await page.getByTestId('new-user').click();
  await page.getByTestId('new-user-email').fill(email);
  await page.getByTestId('new-user-display-name').fill(displayName);
  await page.getByTestId('new-user-role-admin').check();
  await page.getByTestId('new-user-role-clinician').check();
  await page.getByTestId('create-user-submit').click();

  await waitForText(page.getByTestId('temporary-password-email'), email);
  const temporaryPassword = await page.getByTestId('temporary-password').inputValue();
  expect(temporaryPassword.length).toBeGreaterThanOrEqual(8);

  await page.getByTestId('back-to-users').click();
  await waitForText(page.getByTestId(`user-row-${email}`), 'Must change password');

  await page.getByTestId('logout-button').click();
  await page.waitForURL('**/login**');

  // The new user must choose a password before anything else.
  await signIn(page, email, temporaryPassword);
  await page.waitForURL('**/change-password**');
  await page.getByTestId('must-change-password-notice').waitFor();

  // The repeat must match: the form says so next to the field (linked for screen readers).
  const newPassword = 'a calm and long passphrase';
  await page.getByTestId('current-password').fill(temporaryPassword);
  await page.getByTestId('new-password').fill(newPassword);
  await page.getByTestId('new-password-repeat').fill(`${newPassword}!`);
  await page.getByTestId('change-password-submit').click();
  await waitForText(page.locator('#cp-repeat-error'), 'not the same');
  await expect(page.getByTestId('new-password-repeat').getAttribute('aria-describedby')).resolves.toBe(
    'cp-repeat-error',
  );

  await changePassword(page, temporaryPassword, newPassword);
  await page.waitForURL((url) => url.pathname === '/');
  await page.getByTestId('home').waitFor();
  await waitForText(page.getByTestId('current-user'), displayName);
  await waitForText(page.getByTestId('current-organisation'), practice);
  await page.getByTestId('area-admin').waitFor();
  await page.getByTestId('area-backoffice').waitFor();

  // The session survives a reload; the temporary password no longer works, the new one does.
  await page.reload();
  await page.getByTestId('home').waitFor();
  await page.getByTestId('logout-button').click();
  await page.waitForURL('**/login**');
  await signIn(page, email, temporaryPassword);
  await page.getByTestId('problem-alert').waitFor();
  expect(new URL(page.url()).pathname).toBe('/login');
  await signIn(page, email, newPassword);
  await page.getByTestId('home').waitFor();
}

async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.getByTestId('login-email').fill(email);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
}

async function changePassword(page: Page, current: string, next: string): Promise<void> {
  await page.getByTestId('current-password').fill(current);
  await page.getByTestId('new-password').fill(next);
  await page.getByTestId('new-password-repeat').fill(next);
  await page.getByTestId('change-password-submit').click();
}
