/**
 * `npm run screenshots`: regenerates docs/screenshots/*.png, the dashboard's main views, from a
 * private stack (its own ClickHouse and `wrangler dev` on ports of their own, so a running
 * `npm run dev` or test run is left alone) with a month of synthetic traffic for one site, and
 * last the usage page with the account over its free plan's limit.
 *
 *   npx tsx scripts/screenshots.ts
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { isMetered } from '../workers/billing/count';
import { buildDashboard } from './build-dashboard';
import { launchChromium } from './lib/chromium';
import { signUpAndAddSite } from './lib/dashboard-owner';
import { EVERY_15_MINUTES, runCron } from './lib/scheduled';
import { SEED_COLUMNS, SiteTraffic, sharedCatalog } from './lib/seed-traffic';
import { startStack } from './lib/stack';
import { clickhouseRequest } from './seed';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'docs/screenshots');
const PORTS = { clickhousePort: 18624, workerPort: 18687 };
const DOMAIN = 'shop.example.com';
const EMAIL = 'owner@example.com';
const PASSWORD = 'correct horse battery staple';
const EVENTS = 60_000;

function log(message: string): void {
  console.log(`screenshots: ${message}`);
}

/** A month of traffic plus a few visits in the last minutes, so the realtime panel has some. */
async function seedTraffic(
  clickhouse: { url: string; password: string },
  siteId: number,
  timezone: string,
): Promise<number> {
  const now = Math.floor(Date.now() / 1000);
  const opts = { ...clickhouse, user: 'default', database: 'edgebear' };
  const insert = `INSERT INTO events (${SEED_COLUMNS.join(', ')}) FORMAT TabSeparated`;
  let written = 0;
  const runs = [
    { seed: 7, end: now, days: 60, events: EVENTS },
    { seed: 8, end: now, days: 1, events: 3000 },
  ];
  for (const run of runs) {
    const traffic = new SiteTraffic(
      { id: siteId, domain: DOMAIN, timezone, events: run.events },
      { seed: run.seed, end: run.end, days: run.days },
      sharedCatalog(),
    );
    let rows: string[] = [];
    while (traffic.remaining > 0) traffic.nextVisit(rows);
    if (run.days === 1) {
      // Realtime: the day's rows moved to end now, of which only the last half hour is kept.
      const last = Math.max(...rows.map((r) => Number(r.split('\t')[1])));
      rows = rows
        .map((r) => r.split('\t'))
        .map((cols) => [cols[0], String(Number(cols[1]) + now - last), ...cols.slice(2)].join('\t'))
        .filter((r) => Number(r.split('\t')[1]) >= now - 1800);
    }
    const kept = rows;
    if (kept.length === 0) continue;
    await clickhouseRequest(opts, insert, `${kept.join('\n')}\n`);
    written += kept.length;
  }
  return written;
}

/**
 * Takes the account over the free plan's monthly limit, so the usage page shows its grace period:
 * this month's seeded events are metered by the 15-minute cron, and as many more as it takes to
 * reach 124 % are spread over the month so far (the seed alone depends on the day of the month).
 */
async function overTheFreeLimit(
  url: string,
  owner: BrowserContext,
  clickhouse: { url: string; password: string },
  siteId: number,
  timezone: string,
): Promise<void> {
  const opts = { ...clickhouse, user: 'default', database: 'edgebear' };
  const insert = `INSERT INTO events (${SEED_COLUMNS.join(', ')}) FORMAT TabSeparated`;
  for (let attempt = 0; attempt < 4; attempt++) {
    // Each attempt is the next 15-minute slot: a slot's metering runs once (docs/jobs.md).
    await runCron(url, EVERY_15_MINUTES, Date.now() + attempt * 15 * 60_000);
    const billing = (await (await owner.request.get(`${url}/api/billing`)).json()) as {
      usage: { events: number; limit: number };
      state: string;
    };
    const missing = Math.ceil(billing.usage.limit * 1.24) - billing.usage.events;
    if (missing <= 0) {
      log(
        `usage ${billing.usage.events.toLocaleString('en-US')} of ${billing.usage.limit}: ${billing.state}`,
      );
      return;
    }
    const now = Math.floor(Date.now() / 1000);
    // Visits bring engagement and performance events too, which are not metered: generate
    // visits until enough of their rows are pageviews and custom events.
    const traffic = new SiteTraffic(
      { id: siteId, domain: DOMAIN, timezone, events: missing * 10 },
      { seed: 20 + attempt, end: now, days: new Date(now * 1000).getUTCDate() },
      sharedCatalog(),
    );
    const kind = SEED_COLUMNS.indexOf('kind');
    const rows: string[] = [];
    let metered = 0;
    while (metered < missing && traffic.remaining > 0) {
      const from = rows.length;
      traffic.nextVisit(rows);
      for (const row of rows.slice(from)) if (isMetered(row.split('\t')[kind] ?? '')) metered++;
    }
    if (rows.length > 0) await clickhouseRequest(opts, insert, `${rows.join('\n')}\n`);
  }
  throw new Error('could not take the account over its limit for the billing screenshot');
}

/** Waits until no panel shows its loading state (all API calls answered). */
async function settle(page: Page): Promise<void> {
  await page.waitForLoadState('networkidle');
  await page.waitForFunction(
    () => document.querySelectorAll('.state.loading, [aria-busy="true"], .stale').length === 0,
    null,
    {
      timeout: 30_000,
    },
  );
  // uPlot draws on the next frame after a resize.
  await page.waitForTimeout(400);
}

async function shoot(page: Page, name: string, fullPage = true): Promise<void> {
  await settle(page);
  await page.screenshot({ path: join(out, `${name}.png`), fullPage });
  log(`wrote docs/screenshots/${name}.png`);
}

async function main(): Promise<void> {
  await mkdir(out, { recursive: true });
  log('building the dashboard');
  await buildDashboard();
  log('starting a private stack');
  const stack = await startStack({ ...PORTS, quiet: true });
  const browser = await launchChromium(['--hide-scrollbars']);
  const contexts: BrowserContext[] = [];
  const newContext = async (options: Parameters<typeof browser.newContext>[0] = {}) => {
    const context = await browser.newContext({
      deviceScaleFactor: 1,
      timezoneId: 'Europe/Berlin',
      ...options,
    });
    contexts.push(context);
    return context;
  };
  try {
    const url = stack.workerUrl;

    const anonymous = await newContext({ viewport: { width: 1280, height: 800 } });
    const loginPage = await anonymous.newPage();
    await loginPage.goto(`${url}/login`);
    await loginPage.getByLabel('Email').waitFor();
    await shoot(loginPage, 'login', false);

    const owner = await newContext({ viewport: { width: 1280, height: 800 } });
    const page = await owner.newPage();
    const siteId = await signUpAndAddSite(page, url, {
      email: EMAIL,
      password: PASSWORD,
      domain: DOMAIN,
      timezone: 'Europe/Berlin',
    });
    let emptySiteId = 0;
    for (const domain of ['blog.example.org', 'docs.example.net']) {
      const res = await owner.request.post(`${url}/api/sites`, {
        data: { domain, timezone: 'UTC' },
        headers: { 'X-CSRF-Token': await csrf(owner, url) },
      });
      if (!res.ok()) throw new Error(`creating ${domain}: ${res.status()}`);
      emptySiteId ||= ((await res.json()) as { site: { id: number } }).site.id;
    }
    log(`seeding ${EVENTS.toLocaleString('en-US')} events for ${DOMAIN} (site ${siteId})`);
    const rows = await seedTraffic(
      { url: stack.clickhouseUrl, password: stack.password },
      siteId,
      'Europe/Berlin',
    );
    log(`inserted ${rows.toLocaleString('en-US')} rows`);

    await page.goto(`${url}/sites`);
    await shoot(page, 'sites', false);

    await page.goto(`${url}/sites/${siteId}?period=30d`);
    await shoot(page, 'dashboard-light');

    await page.locator('[data-panel="pages"] button.row').nth(1).click();
    await shoot(page, 'dashboard-filtered', false);

    await page.goto(`${url}/sites/${emptySiteId}`);
    await shoot(page, 'dashboard-empty', false);

    await page.goto(`${url}/sites/${siteId}/settings`);
    await page.getByRole('button', { name: 'Create a shared link' }).click();
    await page.getByTestId('share-url').waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Nightly export');
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByTestId('new-key').waitFor();
    await shoot(page, 'settings');

    // Goals, a funnel, revenue and the filter editor: the seeded visits view / and /pricing, sign
    // up and buy in USD (scripts/lib/seed-catalog.ts); a visit has at most one custom event.
    const goalIds: number[] = [];
    for (const goal of [
      { kind: 'page', page_path: '/pricing' },
      { kind: 'page', page_path: '/' },
      { kind: 'event', event_name: 'Signup' },
      { kind: 'revenue', event_name: 'Purchase', currency: 'USD' },
      { kind: 'scroll', page_path: '/blog/**', scroll_threshold: 75 },
    ]) {
      const res = await owner.request.post(`${url}/api/sites/${siteId}/goals`, {
        data: goal,
        headers: { 'X-CSRF-Token': await csrf(owner, url) },
      });
      if (!res.ok()) throw new Error(`creating a goal: ${res.status()} ${await res.text()}`);
      goalIds.push(((await res.json()) as { goal: { id: number } }).goal.id);
    }
    const funnel = await owner.request.post(`${url}/api/sites/${siteId}/funnels`, {
      data: { name: 'Home to signup', steps: [goalIds[1], goalIds[0], goalIds[2]] },
      headers: { 'X-CSRF-Token': await csrf(owner, url) },
    });
    if (!funnel.ok()) throw new Error(`creating a funnel: ${funnel.status()} ${await funnel.text()}`);
    await page.goto(`${url}/sites/${siteId}/settings`);
    await page.getByTestId('goals-settings').locator('tbody tr').first().waitFor();
    await settle(page);
    await page.getByTestId('goals-settings').screenshot({ path: join(out, 'goals-settings.png') });
    log('wrote docs/screenshots/goals-settings.png');
    await page.goto(`${url}/sites/${siteId}?period=30d`);
    await settle(page);
    await page.locator('[data-panel="goals"]').screenshot({ path: join(out, 'goals-revenue.png') });
    log('wrote docs/screenshots/goals-revenue.png');
    await page.locator('[data-panel="funnel"] .funnel-step').first().waitFor();
    await settle(page);
    await page.locator('[data-panel="funnel"]').screenshot({ path: join(out, 'funnel.png') });
    log('wrote docs/screenshots/funnel.png');
    await page.getByRole('button', { name: '+ Filter' }).click();
    const editor = page.getByRole('dialog', { name: 'Add a filter' });
    await editor.getByLabel('Filter by').selectOption('visit:country');
    await editor.getByLabel('Operator').selectOption('is_not');
    await editor.getByLabel('Value 1').fill('US');
    await shoot(page, 'filter-editor', false);
    await page.keyboard.press('Escape');

    const dark = await newContext({
      viewport: { width: 1280, height: 800 },
      colorScheme: 'dark',
      storageState: await owner.storageState(),
    });
    const darkPage = await dark.newPage();
    await darkPage.goto(`${url}/sites/${siteId}?period=30d`);
    await shoot(darkPage, 'dashboard-dark');

    const phone = await newContext({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 1,
      isMobile: true,
      hasTouch: true,
      storageState: await owner.storageState(),
    });
    const phonePage = await phone.newPage();
    await phonePage.goto(`${url}/sites/${siteId}?period=7d`);
    await shoot(phonePage, 'dashboard-mobile');

    // Usage and billing, last: going over the limit adds events the shots above must not show.
    await overTheFreeLimit(
      url,
      owner,
      { url: stack.clickhouseUrl, password: stack.password },
      siteId,
      'Europe/Berlin',
    );
    await page.goto(`${url}/billing`);
    await page.getByTestId('usage-state').waitFor();
    await shoot(page, 'billing');
  } finally {
    for (const context of contexts) await context.close();
    await browser.close();
    await stack.close();
  }
}

async function csrf(context: BrowserContext, url: string): Promise<string> {
  const me = await context.request.get(`${url}/api/auth/me`);
  return ((await me.json()) as { csrf_token: string }).csrf_token;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
