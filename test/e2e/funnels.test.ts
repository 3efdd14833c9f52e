/**
 * Funnels in headless Chromium against the real stack: a new site; in Site settings add a pageview
 * goal on /demo/pricing and a revenue goal Signup (EUR), then a funnel of the two; the Worker's demo page,
 * served under the site's domain with its snippet pointed at the site, sends real traffic through
 * the tracker (a visitor opens
 * Pricing and signs up; a second one only opens Pricing); the dashboard's funnel panel then shows
 * 2 visitors at step 1 and 1 at step 2 (50 %, drop-off 1), and the goals panel the 9.99 EUR the
 * demo page's Signup sent. Then the owner makes a password-protected shared link, and a visitor
 * without an account opens it and sees the same funnel, read-only. No error may reach the console.
 *
 * Needs the built dashboard in public/ (`npm run build`, which `npm test` runs first).
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../scripts/lib/chromium';
import { signUpAndAddSite } from '../../scripts/lib/dashboard-owner';
import { waitForRows, workerUrl } from './helpers';

const DOMAIN = `funnels-${randomBytes(4).toString('hex')}.test`;

let browser: Browser;

beforeAll(async () => {
  if (!existsSync(join(import.meta.dirname, '../../public/index.html'))) {
    throw new Error('public/index.html is missing: run `npm run build` before the e2e tests');
  }
  browser = await launchChromium(['--disable-quic']);
});

afterAll(async () => {
  await browser?.close();
});

function poll<T>(read: () => Promise<T> | T, message?: string) {
  return expect.poll(read, { timeout: 30_000, interval: 250, message });
}

/**
 * One visitor on the Worker's demo page, its snippet's data-domain swapped for this test's site.
 * A context per visitor, each with its own user agent, so the two are two visitors.
 */
async function visitDemo(visitor: number, signUp: boolean): Promise<void> {
  const context: BrowserContext = await browser.newContext({
    userAgent: `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 funnel-e2e-${visitor}`,
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  // The browser asks https://<site>/…; the Worker answers (the demo page, the script, /api/event),
  // so the page's hostname is the site's own, as on a customer's site.
  await page.route(`https://${DOMAIN}/**`, async (route) => {
    const url = new URL(route.request().url());
    const response = await route.fetch({ url: `${workerUrl()}${url.pathname}${url.search}` });
    if (url.pathname !== '/demo/') return route.fulfill({ response });
    const html = (await response.text()).replace('data-domain="demo.test"', `data-domain="${DOMAIN}"`);
    return route.fulfill({ response, body: html });
  });
  const sent = (name: string) =>
    page.waitForRequest(
      (r) => r.url().endsWith('/api/event') && (r.postData() ?? '').includes(`"n":"${name}"`),
    );
  const first = sent('pageview');
  await page.goto(`https://${DOMAIN}/demo/`);
  await first;
  const pricing = page.waitForRequest(
    (r) => r.url().endsWith('/api/event') && (r.postData() ?? '').includes('/demo/pricing'),
  );
  await page.getByRole('button', { name: 'Pricing', exact: true }).click();
  await pricing;
  if (signUp) {
    // Steps are seconds apart in real life; events are stored to the second, so leave one between.
    await page.waitForTimeout(1_100);
    const signup = sent('Signup');
    await page.locator('#signup').click();
    await signup;
  }
  expect(errors).toEqual([]);
  // Leaving sends an engagement event that the funnel does not need; the route stops serving first.
  await page.unrouteAll({ behavior: 'ignoreErrors' });
  await context.close();
}

/** [label, values…] of each step the funnel panel shows now. */
async function funnelSteps(page: Page): Promise<string[][]> {
  const steps = page.locator('[data-panel="funnel"] [aria-busy="false"] .funnel-step');
  const out: string[][] = [];
  for (const step of await steps.all()) {
    const label = (await step.locator('.label').textContent()) ?? '';
    const values = await step.locator('.values span').allTextContents();
    const drop =
      (await step.locator('.funnel-dropoff').count()) > 0
        ? await step.locator('.funnel-dropoff').textContent()
        : null;
    out.push([label.trim(), ...values, ...(drop ? [drop.trim()] : [])]);
  }
  return out;
}

const SHARE_PASSWORD = 'funnel viewers only';

/**
 * A visitor without an account opens `shareUrl`, types the link's password, and sees the funnel
 * panel with the owner's figures, listed through `GET /api/v2/funnels` with the link's headers.
 */
async function openSharedLink(shareUrl: string): Promise<void> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: 'UTC' });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`response: ${response.status()} ${response.url()}`);
  });
  const listed = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v2/funnels');
  try {
    await page.goto(`${shareUrl}&period=day`);
    await page.getByLabel('Password').fill(SHARE_PASSWORD);
    await page.getByRole('button', { name: 'View dashboard' }).click();
    await page.getByRole('heading', { name: DOMAIN }).waitFor();
    const list = await listed;
    expect(list.status()).toBe(200);
    expect(list.request().headers()['x-shared-link-password']).toBe(SHARE_PASSWORD);
    expect(await list.json()).toMatchObject({
      funnels: [{ name: 'Pricing to signup', steps: ['Visit /demo/pricing', 'Signup'] }],
    });
    const panel = page.locator('[data-panel="funnel"]');
    await panel.waitFor();
    await poll(() => funnelSteps(page)).toEqual([
      ['1. Visit /demo/pricing', '2', '100%'],
      ['2. Signup', '1', '50%', 'Drop-off: 1 (50%)'],
    ]);
    // Read-only: nothing that leads to creating or editing a funnel.
    expect(await page.getByRole('link', { name: 'Settings' }).count()).toBe(0);
    expect(await page.getByText(/create|add funnel/i).count()).toBe(0);
    // The first, password-less probe is refused (401) before the password form shows; nothing else may fail.
    expect(problems.filter((p) => !/status of 401|401 .*\/api\/v2\/query$/.test(p))).toEqual([]);
  } finally {
    await context.close();
  }
}

describe('funnels', () => {
  it('builds a funnel from goals in settings and shows real tracker traffic through it on the dashboard', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: 'UTC' });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`response: ${response.status()} ${response.url()}`);
    });
    try {
      const siteId = await signUpAndAddSite(page, workerUrl(), {
        email: `funnels-${randomBytes(4).toString('hex')}@example.com`,
        password: 'correct horse battery staple',
        domain: DOMAIN,
        timezone: 'UTC',
      });

      // No goals yet: no funnel panel on the dashboard.
      await page.goto(`${workerUrl()}/sites/${siteId}?period=day`);
      await page.locator('[data-panel="goals"]').waitFor();
      expect(await page.locator('[data-panel="funnel"]').count()).toBe(0);

      // Settings: a pageview goal and an event goal, then a funnel of both.
      await page.goto(`${workerUrl()}/sites/${siteId}/settings`);
      const goals = page.getByTestId('goals-settings');
      await goals.locator('select[name="kind"]').selectOption('page');
      await goals.locator('input[name="page_path"]').fill('/demo/pricing');
      await goals.getByRole('button', { name: 'Add goal' }).click();
      await goals.getByText('Added "Visit /demo/pricing".').waitFor();
      // Signup as a revenue goal in EUR: the demo page's button sends 9.99 EUR with it.
      await goals.locator('select[name="kind"]').selectOption('revenue');
      await goals.locator('input[name="event_name"]').fill('Signup');
      await goals.locator('input[name="currency"]').fill('EUR');
      await goals.getByRole('button', { name: 'Add goal' }).click();
      await goals.getByText('Added "Signup".').waitFor();

      const funnels = page.locator('#funnels');
      await funnels.getByLabel('Funnel name').fill('Pricing to signup');
      await poll(() => funnels.getByLabel('Step 1').locator('option').count()).toBe(3);
      await funnels.getByLabel('Step 1').selectOption({ label: 'Visit /demo/pricing' });
      await funnels.getByLabel('Step 2').selectOption({ label: 'Signup' });
      await funnels.getByRole('button', { name: 'Add funnel' }).click();
      await funnels.getByText('Added "Pricing to signup".').waitFor();
      expect(await funnels.locator('tbody tr td').first().textContent()).toBe('Pricing to signup');
      expect(await funnels.locator('tbody tr td').nth(1).textContent()).toBe('Visit /demo/pricing → Signup');

      // Real traffic through the tracker: visitor 1 opens Pricing and signs up, visitor 2 only opens Pricing.
      await visitDemo(1, true);
      await visitDemo(2, false);
      const stored = await waitForRows<{ kind: string; pathname: string; name: string }>(
        `SELECT kind, name, pathname, session_id, timestamp FROM events WHERE site_id = {site:UInt32} AND kind IN ('pageview', 'custom')`,
        { site: siteId },
        5,
      );
      expect(stored.length, JSON.stringify(stored)).toBe(5);

      await page.goto(`${workerUrl()}/sites/${siteId}?period=day`);
      const panel = page.locator('[data-panel="funnel"]');
      await panel.waitFor();
      expect(await panel.getByLabel('Funnel').inputValue()).not.toBe('');
      await poll(() => funnelSteps(page)).toEqual([
        ['1. Visit /demo/pricing', '2', '100%'],
        ['2. Signup', '1', '50%', 'Drop-off: 1 (50%)'],
      ]);
      // The goals panel: the revenue goal's row carries the money the tracker sent.
      const goalsPanel = page.locator('[data-panel="goals"] [role="tabpanel"][aria-busy="false"]').first();
      await poll(() => goalsPanel.locator('.rows:not(.stale) .label').allTextContents()).toEqual([
        'Visit /demo/pricing',
        'Signup',
      ]);
      const signupRow = goalsPanel.locator('.rows:not(.stale) .row').filter({ hasText: 'Signup' });
      await poll(() => signupRow.locator('.values span').allTextContents()).toContain('€9.99');
      expect(problems).toEqual([]);

      // Under a goal filter the panel leaves the filter out (the API refuses goal filters on funnels).
      // The performance panel's API refuses goal filters too (400, its own area): only those may fail.
      await page.goto(
        `${workerUrl()}/sites/${siteId}?period=day&f=${encodeURIComponent('event:goal~Signup')}`,
      );
      await panel.getByText('Goal filters do not apply to funnels.').waitFor();
      await poll(() => funnelSteps(page).then((steps) => steps.map((s) => s[1]))).toEqual(['2', '1']);
      expect(problems.filter((p) => !/\/api\/stats\/performance|status of 400/.test(p))).toEqual([]);

      // A shared link with a password: a visitor without an account sees the funnel panel too.
      await page.goto(`${workerUrl()}/sites/${siteId}/settings`);
      await page.getByRole('button', { name: 'Create a shared link' }).click();
      await page.getByLabel('Set a password').fill(SHARE_PASSWORD);
      await page.getByRole('button', { name: 'Set password' }).click();
      await page.getByText('Protected by a password.').waitFor();
      const shareUrl = await page.getByTestId('share-url').inputValue();
      await openSharedLink(shareUrl);
    } finally {
      await context.close();
    }
  });
});
