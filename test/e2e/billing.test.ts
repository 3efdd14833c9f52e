/**
 * Usage and billing in headless Chromium against the real stack (`wrangler dev`, the test
 * ClickHouse and the stack's local Stripe, test/setup/stack.global.ts): a new account adds a
 * site, goes over the free plan's limit (events written straight into ClickHouse, then the
 * 15-minute cron run once), sees the banner on its sites and the grace period on /billing,
 * upgrades through the local Stripe Checkout ("Pay (test)") and is back on /billing with the paid
 * plan applied by the webhook, then opens the Billing Portal and returns. No dialog may open and
 * nothing may be logged as an error in the console.
 *
 * Needs the built dashboard in public/ (`npm run build`, which `npm test` runs first).
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../scripts/lib/chromium';
import { signUpAndAddSite } from '../../scripts/lib/dashboard-owner';
import { EVERY_15_MINUTES, runCron } from '../../scripts/lib/scheduled';
import { clickhouse, workerUrl } from './helpers';

const DOMAIN = `billing-${randomBytes(4).toString('hex')}.test`;
const EMAIL = `payer-${randomBytes(4).toString('hex')}@example.com`;
const PASSWORD = 'correct horse battery staple';
/** The free plan's monthly events (functions/billing/plans.ts), and a little more. */
const FREE_LIMIT = 10_000;
const SENT = FREE_LIMIT + 50;

let browser: Browser;
let context: BrowserContext | undefined;
/** Console errors, uncaught exceptions and dialogs of the test's page. */
let problems: string[] = [];

beforeAll(async () => {
  if (!existsSync(join(import.meta.dirname, '../../public/index.html'))) {
    throw new Error('public/index.html is missing: run `npm run build` before the e2e tests');
  }
  browser = await launchChromium(['--disable-quic']);
});

afterAll(async () => {
  await browser?.close();
});

async function newPage(): Promise<Page> {
  context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: 'UTC' });
  problems = [];
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('dialog', (dialog) => {
    problems.push(`dialog: ${dialog.type()} ${dialog.message()}`);
    void dialog.dismiss();
  });
  return page;
}

afterEach(async (test) => {
  // A failed test leaves what its page showed in .tmp/ (git-ignored), for diagnosis.
  if (test.task.result?.state === 'fail' && context) {
    await mkdir(join(import.meta.dirname, '../../.tmp'), { recursive: true });
    for (const [n, p] of context.pages().entries()) {
      const file = join(import.meta.dirname, `../../.tmp/e2e-billing-${n}.png`);
      await p.screenshot({ path: file, fullPage: true }).catch(() => {});
      console.error(`billing e2e: ${p.url()} → ${file}; problems: ${JSON.stringify(problems)}`);
    }
  }
  await context?.close();
  context = undefined;
});

/** `count` pageviews of the site in this UTC month so far (the free plan's billing period). */
async function sendPageviews(siteId: number, count: number): Promise<void> {
  const now = Math.floor(Date.now() / 1000);
  const today = new Date(now * 1000);
  const monthStart = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), 1) / 1000;
  // The last two days, or the month so far when it is younger.
  const from = Math.max(monthStart, now - 2 * 86_400);
  const rows = Array.from({ length: count }, (_, i) => ({
    site_id: siteId,
    timestamp: from + Math.floor(((now - from) * i) / count),
    kind: 'pageview',
    name: 'pageview',
    hostname: DOMAIN,
    pathname: `/page-${i % 20}`,
    visitor_id: String(3_000_000 + (i % 900)),
    session_id: String(4_000_000 + (i % 1_200)),
  }));
  await clickhouse.insert({ table: 'events', values: rows, format: 'JSONEachRow' });
}

function poll<T>(read: () => Promise<T> | T, message?: string) {
  return expect.poll(read, { timeout: 20_000, interval: 200, message });
}

describe('usage and billing', () => {
  it('shows the limit, warns over it, upgrades through Checkout and opens the Billing Portal', async () => {
    const page = await newPage();
    const siteId = await signUpAndAddSite(page, workerUrl(), {
      email: EMAIL,
      password: PASSWORD,
      domain: DOMAIN,
      timezone: 'UTC',
    });

    // A new account: the free plan, nothing used yet.
    await page.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Billing' }).click();
    await page.getByRole('heading', { name: 'Usage and billing' }).waitFor();
    await expect.poll(() => page.getByTestId('plan-name').textContent()).toContain('Free');
    expect(await page.getByTestId('usage-events').textContent()).toBe('0');
    expect(await page.getByTestId('usage-state').textContent()).toBe('Within the limit');
    expect(await page.getByRole('button', { name: 'Manage billing' }).count()).toBe(0);

    // Over the limit: the cron meters it, and the sites list says why and what to do.
    await sendPageviews(siteId, SENT);
    // The 15-minute cron, run once as Cloudflare would: the metering job counts the period's events.
    await runCron(workerUrl(), EVERY_15_MINUTES);
    await page.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Sites' }).click();
    const banner = page.locator('.billing-banner');
    await banner.waitFor();
    expect(await banner.textContent()).toContain('over this month’s event limit');
    expect(await banner.textContent()).toContain(`${SENT.toLocaleString('en-US')} events`);
    // The site dashboard says it too.
    await page.goto(`${workerUrl()}/sites/${siteId}`);
    await page.getByRole('heading', { name: DOMAIN }).waitFor();
    await banner.waitFor();
    await banner.getByRole('link', { name: 'Upgrade your plan' }).click();

    await page.getByRole('heading', { name: 'Usage and billing' }).waitFor();
    await poll(() => page.getByTestId('usage-state').textContent()).toBe('Over the limit: grace period');
    expect(await page.getByTestId('usage-events').textContent()).toBe(SENT.toLocaleString('en-US'));
    expect(await page.getByTestId('grace-ends').textContent()).toMatch(/\d{4}/);
    // The chart by day counts the same events, from the Stats API.
    await page.locator('.chart-card canvas').first().waitFor();
    expect(await page.locator('.chart-card [role="img"]').getAttribute('aria-label')).toContain(
      `${SENT.toLocaleString('en-US')} in all`,
    );

    // Upgrade: the local Stripe's Checkout page, then back to /billing with the plan applied.
    await page.getByRole('button', { name: 'Upgrade to Growth, Monthly, $9' }).click();
    await page.waitForURL(/^http:\/\/127\.0\.0\.1:\d+\/checkout\/cs_/);
    expect(page.url().startsWith(workerUrl())).toBe(false);
    await page.getByRole('heading', { name: /Subscribe/ }).waitFor();
    await page.getByRole('button', { name: 'Pay (test)' }).click();
    // The page drops ?checkout=success from the address once it has read it.
    await page.waitForURL(`${workerUrl()}/billing`);
    await poll(() => page.getByTestId('checkout-note').textContent()).toBe(
      'Thanks! You are now on the Growth plan.',
    );
    expect(await page.getByTestId('plan-name').textContent()).toContain('Growth');
    expect(await page.getByTestId('plan-name').textContent()).toContain('billed monthly');
    expect(await page.getByTestId('plan-status').textContent()).toBe('Active');
    // The upgrade covers the usage: no more grace period, and no banner on the sites list.
    expect(await page.getByTestId('usage-state').textContent()).toBe('Within the limit');
    expect(await page.getByRole('button', { name: /Upgrade to/ }).count()).toBe(0);
    const billing = (await (await page.request.get(`${workerUrl()}/api/billing`)).json()) as {
      plan: string;
      interval: string;
      status: string;
      state: string;
    };
    expect(billing).toMatchObject({ plan: 'growth', interval: 'month', status: 'active', state: 'ok' });
    const asked = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/billing');
    await page.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Sites' }).click();
    await page.locator('.site-domain', { hasText: DOMAIN }).waitFor();
    await asked;
    expect(await banner.count()).toBe(0);

    // Manage billing: the local Stripe's Billing Portal for this customer, and back.
    await page.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Billing' }).click();
    await page.getByRole('button', { name: 'Manage billing' }).click();
    await page.waitForURL(/^http:\/\/127\.0\.0\.1:\d+\/portal\/bps_/);
    await page.getByRole('heading', { name: /Manage billing/ }).waitFor();
    await page.getByText(EMAIL).waitFor();
    await page.getByText(/Growth \(monthly\)/).waitFor();
    await page.getByRole('link', { name: /Return to the app/ }).click();
    await page.waitForURL(`${workerUrl()}/billing`);
    await page.getByTestId('plan-name').waitFor();

    expect(problems).toEqual([]);
  });
});
