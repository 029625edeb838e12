/**
 * Debian's Chromium for the browser tests (never a downloaded browser): the flags keep it from reaching
 * out to the closed network and let it run as root in CI.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { startTestServer } from './app';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** Waits until the element shows `text` (playwright-core has no auto-retrying expect). */
export async function waitForText(locator: Locator, text: string): Promise<void> {
  await locator.filter({ hasText: text }).waitFor();
}

/** On failure: where the browser was, what it showed and a screenshot, so CI logs explain themselves. */
export async function explainFailure(page: Page, error: unknown, log: string[]): Promise<never> {
  const screenshot = join(mkdtempSync(join(tmpdir(), 'veilig-browser-')), 'failure.png');
  await page.screenshot({ path: screenshot, fullPage: true }).catch(() => undefined);
  const text = await page
    .locator('body')
    .innerText()
    .catch(() => '(no page text)');
  const message = error instanceof Error ? error.message : String(error);
  throw new Error(
    `${message}\n\nat ${page.url()}\nscreenshot: ${screenshot}\n--- page text ---\n${text}\n--- browser log ---\n${log.join('\n')}`,
  );
}

export type TestServer = Awaited<ReturnType<typeof startTestServer>>;

/** A test server and Chromium for the tests of one describe block: started before them, closed after. */
export function withServerAndBrowser(): { server: TestServer; browser: Browser } {
  const env = {} as { server: TestServer; browser: Browser };
  beforeAll(async () => {
    env.server = await startTestServer();
    env.browser = await launchChromium();
  });
  afterAll(async () => {
    await env.browser?.close();
    await env.server?.close();
  });
  return env;
}
