/**
 * The filter editor and saved segments in headless Chromium against the real stack: add filters
 * with the editor (is not, contains), edit one from its chip, save the view as a site segment,
 * clear, apply the segment with one click, and delete it. Every step is checked on the KPI row,
 * counted by hand from a small set of events written straight into ClickHouse. No dialog may open
 * and nothing may be logged as an error in the console.
 *
 * Needs the built dashboard in public/ (`npm run build`, which `npm test` runs first).
 */
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../scripts/lib/chromium';
import { signUpAndAddSite } from '../../scripts/lib/dashboard-owner';
import { clickhouse, workerUrl } from './helpers';

const DOMAIN = `filters-${randomBytes(4).toString('hex')}.test`;

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium(['--disable-quic']);
});

afterAll(async () => {
  await browser?.close();
});

function poll<T>(read: () => Promise<T> | T, message?: string) {
  return expect.poll(read, { timeout: 20_000, interval: 200, message });
}

async function kpi(page: Page, metric: string): Promise<string> {
  await page.locator('.kpis[aria-busy="false"]').waitFor();
  return (await page.locator(`[data-kpi="${metric}"] .kpi-value`).textContent()) ?? '';
}

/**
 * Today (UTC): A (DE) views / and /pricing; B (US) views /blog; C (DE) views /pricing. So 3
 * visitors; country is not US → A, C; and page does not contain "pric" → A (its view of /).
 */
function dataset(siteId: number): Record<string, unknown>[] {
  const now = Math.floor(Date.now() / 1000);
  const startOfToday = Math.floor(now / 86_400) * 86_400;
  const today = (secondsAgo: number) => Math.max(startOfToday + 1, now - secondsAgo);
  const visit = (n: number, country: string) => ({
    site_id: siteId,
    visitor_id: String(3_000_000 + n),
    session_id: String(4_000_000 + n),
    hostname: DOMAIN,
    channel: 'Direct',
    country,
    device: 'Desktop',
  });
  const view = (v: Record<string, unknown>, at: number, pathname: string) => ({
    ...v,
    timestamp: at,
    kind: 'pageview',
    name: 'pageview',
    pathname,
  });
  const a = visit(1, 'DE');
  const b = visit(2, 'US');
  const c = visit(3, 'DE');
  return [
    view(a, today(3600), '/'),
    view(a, today(3500), '/pricing'),
    view(b, today(1800), '/blog'),
    view(c, today(600), '/pricing'),
  ];
}

describe('filter editor and segments', () => {
  it('adds and edits filters in the editor, saves them as a segment, applies, renames and deletes it', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: 'UTC' });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('dialog', (d) => {
      problems.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    try {
      const siteId = await signUpAndAddSite(page, workerUrl(), {
        email: `filters-${randomBytes(4).toString('hex')}@example.com`,
        password: 'correct horse battery staple',
        domain: DOMAIN,
        timezone: 'UTC',
      });
      await clickhouse.insert({ table: 'events', values: dataset(siteId), format: 'JSONEachRow' });
      await page.goto(`${workerUrl()}/sites/${siteId}?period=day`);
      await page.getByRole('heading', { name: DOMAIN }).waitFor();
      await poll(() => kpi(page, 'visitors')).toBe('3');

      // A new filter from the editor: country is not US.
      await page.getByRole('button', { name: '+ Filter' }).click();
      const editor = page.getByRole('dialog', { name: 'Add a filter' });
      await editor.getByLabel('Filter by').selectOption('visit:country');
      await editor.getByLabel('Operator').selectOption('is_not');
      await editor.getByLabel('Value 1').fill('US');
      await editor.getByRole('button', { name: 'Apply' }).click();
      await page.getByRole('button', { name: 'Country is not United States', exact: true }).waitFor();
      expect(decodeURIComponent(page.url())).toContain('f=visit:country!~US');
      await poll(() => kpi(page, 'visitors')).toBe('2');

      // A second one, then edited from its chip: page contains "pric" → does not contain.
      await page.getByRole('button', { name: '+ Filter' }).click();
      await editor.getByLabel('Filter by').selectOption('event:page');
      await editor.getByLabel('Operator').selectOption('contains');
      await editor.getByLabel('Value 1').fill('pric');
      await editor.getByRole('button', { name: 'Apply' }).click();
      await poll(() => kpi(page, 'visitors')).toBe('2');
      await page.getByRole('button', { name: 'Page contains pric', exact: true }).click();
      const edit = page.getByRole('dialog', { name: 'Edit filter' });
      expect(await edit.getByLabel('Value 1').inputValue()).toBe('pric');
      await edit.getByLabel('Operator').selectOption('contains_not');
      await edit.getByRole('button', { name: 'Apply' }).click();
      await page.getByRole('button', { name: 'Page does not contain pric', exact: true }).waitFor();
      await poll(() => kpi(page, 'visitors')).toBe('1');

      // Saved as a site segment, the view becomes that segment.
      await page.getByRole('button', { name: /^Segments/ }).click();
      await page.getByLabel('Save these filters as').fill('German, not pricing');
      await page.getByLabel('Everyone with access to this site').check();
      await page.getByRole('button', { name: 'Save segment' }).click();
      await page.getByText('Segment: German, not pricing').waitFor();
      await poll(() => kpi(page, 'visitors')).toBe('1');

      // Cleared, then applied again with one click.
      await page.getByRole('button', { name: 'Clear filters' }).click();
      await poll(() => kpi(page, 'visitors')).toBe('3');
      await page.getByRole('button', { name: /^Segments/ }).click();
      await page.getByRole('button', { name: 'German, not pricing', exact: true }).click();
      await page.getByText('Segment: German, not pricing').waitFor();
      expect(decodeURIComponent(page.url())).toMatch(/f=segment~\d+/);
      await poll(() => kpi(page, 'visitors')).toBe('1');

      // Renamed in place: the chip and the list follow, the view stays.
      await page.getByRole('button', { name: /^Segments/ }).click();
      await page.getByRole('button', { name: 'Rename segment German, not pricing' }).click();
      await page.getByLabel('New name for German, not pricing').fill('Germans, no pricing page');
      await page.getByRole('button', { name: 'Rename', exact: true }).click();
      await page.getByText('Segment: Germans, no pricing page').waitFor();
      await page.getByRole('button', { name: 'Germans, no pricing page', exact: true }).waitFor();
      await poll(() => kpi(page, 'visitors')).toBe('1');

      // Deleted (asked twice, in place): the list empties and the view loses the segment.
      await page.getByRole('button', { name: 'Delete segment Germans, no pricing page' }).click();
      await page.getByRole('button', { name: 'Really delete segment Germans, no pricing page' }).click();
      await page.getByText('No saved segments yet.').waitFor();
      await poll(() => kpi(page, 'visitors')).toBe('3');

      // Page loads carry no UTM value: the performance panel answers without that filter, and says so.
      await page.goto(`${workerUrl()}/sites/${siteId}?period=day&f=visit:utm_source!~newsletter`);
      await poll(() => kpi(page, 'visitors')).toBe('3');
      const performance = page.locator('[data-panel=performance]');
      await performance.getByText('Not filtered by UTM source').waitFor();
      expect(await performance.getByRole('alert').count()).toBe(0);
      expect(problems).toEqual([]);
    } catch (error) {
      await mkdir(join(import.meta.dirname, '../../.tmp'), { recursive: true });
      await page
        .screenshot({ path: join(import.meta.dirname, '../../.tmp/e2e-filters.png'), fullPage: true })
        .catch(() => {});
      console.error(`filters e2e: ${page.url()}; problems: ${JSON.stringify(problems)}`);
      throw error;
    } finally {
      await context.close();
    }
  });
});
