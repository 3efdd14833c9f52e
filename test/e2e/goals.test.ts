/**
 * Goals in headless Chromium against the real stack: a new site with custom events and blog
 * pageviews; on the dashboard, "Make goal" on a custom event's row makes it a goal (the panel then
 * lists goals); in Site settings → Goals, add a page goal on `/blog/**` and delete the event goal;
 * back on the dashboard the goals panel shows the page goal's converting visitors. No error may
 * reach the console.
 *
 * Needs the built dashboard in public/ (`npm run build`, which `npm test` runs first).
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../scripts/lib/chromium';
import { signUpAndAddSite } from '../../scripts/lib/dashboard-owner';
import { clickhouse, workerUrl } from './helpers';

const DOMAIN = `goals-${randomBytes(4).toString('hex')}.test`;

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
  return expect.poll(read, { timeout: 20_000, interval: 200, message });
}

/** Row labels of the goals panel's first tab as shown now. */
function goalRows(page: Page): Promise<string[]> {
  return page
    .locator('[data-panel="goals"] [role="tabpanel"][aria-busy="false"]')
    .first()
    .locator('.rows:not(.stale) .label')
    .allTextContents();
}

/** Today: visitor 1 reads two blog posts and signs up; visitor 2 signs up; visitor 3 reads /about. */
function dataset(siteId: number): Record<string, unknown>[] {
  const now = Math.floor(Date.now() / 1000);
  const startOfToday = Math.floor(now / 86_400) * 86_400;
  const at = (secondsAgo: number) => Math.max(startOfToday + 1, now - secondsAgo);
  const row = (visitor: number, secondsAgo: number, pathname: string, name = 'pageview') => ({
    site_id: siteId,
    visitor_id: String(3_000_000 + visitor),
    session_id: String(4_000_000 + visitor),
    timestamp: at(secondsAgo),
    kind: name === 'pageview' ? 'pageview' : 'custom',
    name,
    hostname: DOMAIN,
    pathname,
    channel: 'Direct',
  });
  return [
    row(1, 600, '/blog/first'),
    row(1, 590, '/blog/second'),
    row(1, 580, '/blog/second', 'Signup'),
    row(2, 500, '/'),
    row(2, 490, '/', 'Signup'),
    row(3, 400, '/about'),
  ];
}

describe('goals', () => {
  it('makes a custom event a goal in one click, adds a page goal and removes a goal in settings', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: 'UTC' });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    // The settings page confirms a deletion.
    page.on('dialog', (dialog) => void dialog.accept());
    try {
      const siteId = await signUpAndAddSite(page, workerUrl(), {
        email: `goals-${randomBytes(4).toString('hex')}@example.com`,
        password: 'correct horse battery staple',
        domain: DOMAIN,
        timezone: 'UTC',
      });
      await clickhouse.insert({ table: 'events', values: dataset(siteId), format: 'JSONEachRow' });

      // No goals yet: the panel lists custom events, each with "Make goal".
      await page.goto(`${workerUrl()}/sites/${siteId}?period=day`);
      const panel = page.locator('[data-panel="goals"]');
      await panel.getByRole('tab', { name: 'Custom events' }).waitFor();
      await poll(() => goalRows(page)).toEqual(['Signup']);
      await panel.getByRole('button', { name: 'Make goal Signup' }).click();
      await panel.getByRole('tab', { name: 'Goals' }).waitFor();
      await poll(() => goalRows(page)).toEqual(['Signup']);
      expect(await panel.getByRole('button', { name: /Make goal/ }).count()).toBe(0);

      // Settings: the goal is listed; add a page goal, delete the event goal.
      await page.goto(`${workerUrl()}/sites/${siteId}/settings`);
      const section = page.getByTestId('goals-settings');
      await poll(() => section.locator('tbody tr td:first-child').allTextContents()).toEqual(['Signup']);
      await section.locator('select[name="kind"]').selectOption('page');
      await section.locator('input[name="page_path"]').fill('/blog/**');
      await section.getByRole('button', { name: 'Add goal' }).click();
      await poll(() => section.locator('tbody tr td:first-child').allTextContents()).toEqual([
        'Signup',
        'Visit /blog/**',
      ]);
      await section.getByRole('button', { name: 'Delete Signup' }).click();
      await poll(() => section.locator('tbody tr td:first-child').allTextContents()).toEqual([
        'Visit /blog/**',
      ]);

      // A bad pattern is refused with the API's message, and nothing is added.
      await section.locator('select[name="kind"]').selectOption('page');
      await section.locator('input[name="page_path"]').fill('blog');
      await section.getByRole('button', { name: 'Add goal' }).click();
      await section.getByText(/page_path must start with \//).waitFor();
      expect(await section.locator('tbody tr').count()).toBe(1);

      // The dashboard's goals panel now counts the page goal: one visitor of three, 33.33 %.
      await page.goto(`${workerUrl()}/sites/${siteId}?period=day`);
      await panel.getByRole('tab', { name: 'Goals' }).waitFor();
      await poll(() => goalRows(page)).toEqual(['Visit /blog/**']);
      const values = await panel.locator('.rows .values span').allTextContents();
      expect(values).toEqual(['1', '2', '33%']);
      // The refused pattern's 400 is the one error the browser may log.
      expect(problems.filter((p) => !/status of 400/.test(p))).toEqual([]);
      expect(problems.length).toBeLessThanOrEqual(1);
    } finally {
      await context.close();
    }
  });
});
