/**
 * The dashboard's KPI row under a page filter shows the Stats API's numbers (issue 15): the row is
 * one query of the page's batch (dashboard/src/stats.ts `kpiQuery`), so its bounce rate follows
 * Plausible's rule (the visits that entered on the page) and its duration the visits that saw it.
 * Checked in headless Chromium against the real stack, by hand and against `POST /api/v2/query`.
 *
 * Needs the built dashboard in public/ (`npm run build`, which `npm test` runs first).
 */
import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../scripts/lib/chromium';
import { signUpAndAddSite } from '../../scripts/lib/dashboard-owner';
import { clickhouse, workerUrl } from './helpers';

const DOMAIN = `entry-${randomBytes(4).toString('hex')}.test`;

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium(['--disable-quic']);
});

afterAll(async () => {
  await browser?.close();
});

function poll<T>(read: () => Promise<T> | T) {
  return expect.poll(read, { timeout: 20_000, interval: 200 });
}

async function kpi(page: Page, metric: string): Promise<string> {
  await page.locator('.kpis[aria-busy="false"]').waitFor();
  return (await page.locator(`[data-kpi="${metric}"] .kpi-value`).textContent()) ?? '';
}

/**
 * Today (UTC), seconds after midnight so that durations never depend on the hour the test runs:
 * A views / then /pricing (100 s); C only /pricing (a bounce); D /pricing then /blog (60 s); B /blog.
 * Under "page is /pricing": visits A, C, D, duration (100 + 0 + 60) / 3 = 53 s; entered on
 * /pricing: C and D, one bounce → 50 % (33 % if every visit that saw the page counted).
 */
function dataset(siteId: number): Record<string, unknown>[] {
  const midnight = Math.floor(Date.now() / 1000 / 86_400) * 86_400;
  const visit = (n: number) => ({
    site_id: siteId,
    visitor_id: String(5_000_000 + n),
    session_id: String(6_000_000 + n),
    hostname: DOMAIN,
    channel: 'Direct',
    country: 'DE',
    device: 'Desktop',
  });
  const view = (n: number, second: number, pathname: string) => ({
    ...visit(n),
    timestamp: midnight + second,
    kind: 'pageview',
    name: 'pageview',
    pathname,
  });
  return [
    view(1, 10, '/'),
    view(1, 110, '/pricing'),
    view(2, 20, '/blog'),
    view(3, 200, '/pricing'),
    view(4, 300, '/pricing'),
    view(4, 360, '/blog'),
  ];
}

describe('KPI row under a page filter', () => {
  it('shows the bounce rate of the visits that entered on the page and the API’s numbers', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: 'UTC' });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    try {
      const siteId = await signUpAndAddSite(page, workerUrl(), {
        email: `entry-${randomBytes(4).toString('hex')}@example.com`,
        password: 'correct horse battery staple',
        domain: DOMAIN,
        timezone: 'UTC',
      });
      await clickhouse.insert({ table: 'events', values: dataset(siteId), format: 'JSONEachRow' });
      await page.goto(`${workerUrl()}/sites/${siteId}?period=day&f=event:page~/pricing`);
      await page.getByRole('heading', { name: DOMAIN }).waitFor();
      await poll(() => kpi(page, 'visits')).toBe('3');
      expect(await kpi(page, 'bounce_rate')).toBe('50%');
      expect(await kpi(page, 'visit_duration')).toBe('53s');

      // The same numbers from the API, asked as an integrator would.
      const answer = await page.evaluate(async (domain) => {
        const res = await fetch('/api/v2/query', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            site_id: domain,
            metrics: ['visits', 'bounce_rate', 'visit_duration'],
            date_range: 'day',
            filters: [['is', 'event:page', ['/pricing']]],
          }),
        });
        return (await res.json()) as { results: { metrics: number[] }[] };
      }, DOMAIN);
      expect(answer.results[0]?.metrics).toEqual([3, 50, 53]);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
