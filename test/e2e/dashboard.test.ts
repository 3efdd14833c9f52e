/**
 * The dashboard in headless Chromium against the real stack (`wrangler dev` + the test
 * ClickHouse, test/setup/stack.global.ts): sign up through the pages, add a site, give it a
 * small, hand-made set of events straight in ClickHouse (one row for every panel, and a page
 * path that is an HTML injection attempt), then read, filter, change the range, export a CSV,
 * and open a password-protected shared link. No dialog may open and nothing may be logged as
 * an error in the console.
 *
 * Needs the built dashboard in public/ (`npm run build`, which `npm test` runs first).
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { base32Decode, totpCode } from '../../functions/auth/totp';
import { launchChromium } from '../../scripts/lib/chromium';
import { signUpAndAddSite as signUpAsOwner } from '../../scripts/lib/dashboard-owner';
import { clickhouse, workerUrl } from './helpers';

const XSS_PATH = '<img src=x onerror=alert(1)>';
const DOMAIN = `dash-${randomBytes(4).toString('hex')}.test`;
const PASSWORD = 'correct horse battery staple';
const EMAIL = `owner-${randomBytes(4).toString('hex')}@example.com`;
const SHARE_PASSWORD = 'shared secret 42';

let browser: Browser;
/** The current test's first context (the signed-in owner). */
let context: BrowserContext;
let contexts: BrowserContext[] = [];
/** Console errors, uncaught exceptions and dialogs of the current test's pages. */
let problems: string[];
/** Console errors that a test expects (e.g. the 401 a password-protected link answers first). */
let tolerated: RegExp[];

beforeAll(async () => {
  if (!existsSync(join(import.meta.dirname, '../../public/index.html'))) {
    throw new Error('public/index.html is missing: run `npm run build` before the e2e tests');
  }
  browser = await launchChromium(['--disable-quic']);
});

afterAll(async () => {
  await browser?.close();
});

/** A page in a fresh context (no cookies) whose problems are recorded. */
async function newPage(storageState?: Awaited<ReturnType<BrowserContext['storageState']>>): Promise<Page> {
  const fresh = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    acceptDownloads: true,
    timezoneId: 'UTC',
    storageState,
  });
  if (contexts.length === 0) {
    context = fresh;
    problems = [];
    tolerated = [];
  }
  contexts.push(fresh);
  const page = await fresh.newPage();
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const text = `console: ${message.text()} (${message.location().url})`;
    if (!tolerated.some((t) => t.test(text))) problems.push(text);
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('dialog', (dialog) => {
    problems.push(`dialog: ${dialog.type()} ${dialog.message()}`);
    void dialog.dismiss();
  });
  return page;
}

afterEach(async (test) => {
  // A failed test leaves what its pages showed in .tmp/ (git-ignored), for diagnosis.
  if (test.task.result?.state === 'fail') {
    await mkdir(join(import.meta.dirname, '../../.tmp'), { recursive: true });
    let n = 0;
    for (const c of contexts) {
      for (const p of c.pages()) {
        const file = join(
          import.meta.dirname,
          `../../.tmp/e2e-dashboard-${test.task.name.slice(0, 20)}-${n++}.png`,
        );
        await p.screenshot({ path: file, fullPage: true }).catch(() => {});
        console.error(`dashboard e2e: ${p.url()} → ${file}; problems: ${JSON.stringify(problems)}`);
      }
    }
  }
  for (const c of contexts) await c.close();
  contexts = [];
});

/** Stats answers take a moment on wrangler dev with every panel asking at once. */
function poll<T>(read: () => Promise<T> | T, message?: string) {
  return expect.poll(read, { timeout: 20_000, interval: 200, message });
}

/** One event row for ClickHouse; visit-level fields come from `visit`. */
function event(
  visit: Record<string, unknown>,
  at: number,
  kind: 'pageview' | 'custom' | 'performance' | 'engagement',
  pathname: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    timestamp: at,
    kind,
    name: kind === 'custom' ? String(extra.name) : kind,
    hostname: DOMAIN,
    pathname,
    ...visit,
    ...extra,
  };
}

/**
 * Four visitors: three today (one of them within the last few minutes, for realtime), one three
 * days ago. Hand-countable: 7 days → 4 visitors; today → 3; page /pricing → 2 (A and C).
 */
function dataset(siteId: number): { rows: Record<string, unknown>[]; visitorsNow: number } {
  const now = Math.floor(Date.now() / 1000);
  const startOfToday = Math.floor(now / 86_400) * 86_400;
  // Today's events stay today even right after midnight.
  const today = (secondsAgo: number) => Math.max(startOfToday + 1, now - secondsAgo);
  const threeDaysAgo = startOfToday - 3 * 86_400 + 12 * 3600;
  const base = (visitor: number, session: number) => ({
    site_id: siteId,
    visitor_id: String(1_000_000 + visitor),
    session_id: String(2_000_000 + session),
  });
  const a = {
    ...base(1, 1),
    referrer: 'https://www.google.com/',
    referrer_source: 'Google',
    channel: 'Organic Search',
    utm_source: 'newsletter',
    utm_medium: 'email',
    utm_campaign: 'winter-sale',
    utm_content: 'hero-link',
    utm_term: 'analytics',
    country: 'DE',
    region: 'Berlin',
    city: 'Berlin',
    device: 'Desktop',
    browser: 'Chrome',
    browser_version: '131.0',
    os: 'Windows',
    os_version: '10',
  };
  const b = {
    ...base(2, 2),
    referrer: 'https://news.ycombinator.com/',
    referrer_source: 'Hacker News',
    channel: 'Organic Social',
    country: 'US',
    region: 'California',
    city: 'San Francisco',
    device: 'Mobile',
    browser: 'Safari',
    browser_version: '18.1',
    os: 'iOS',
    os_version: '18.1',
  };
  const c = {
    ...base(3, 3),
    channel: 'Direct',
    country: 'FR',
    region: 'Île-de-France',
    city: 'Paris',
    device: 'Desktop',
    browser: 'Firefox',
    browser_version: '133.0',
    os: 'macOS',
    os_version: '14',
  };
  const d = {
    ...base(4, 4),
    referrer: 'https://www.bing.com/',
    referrer_source: 'Bing',
    channel: 'Organic Search',
    country: 'JP',
    region: 'Tokyo',
    city: 'Tokyo',
    device: 'Tablet',
    browser: 'Chrome',
    browser_version: '130.0',
    os: 'Android',
    os_version: '14',
  };
  const vitals = (lcp: number) => ({
    lcp_ms: lcp,
    inp_ms: 120,
    cls: 0.02,
    fcp_ms: 900,
    ttfb_ms: 300,
    dns_ms: 20,
    connect_ms: 40,
    dom_interactive_ms: 1100,
    load_ms: 1900,
  });
  const rows = [
    event(a, today(3600), 'pageview', '/'),
    event(a, today(3590), 'performance', '/', vitals(1800)),
    event(a, today(3500), 'pageview', '/pricing'),
    event(a, today(3490), 'custom', '/pricing', { name: 'Signup', props: { plan: 'pro' }, interactive: 1 }),
    event(a, today(3400), 'engagement', '/pricing', { engaged_ms: 20_000, scroll_depth: 80 }),
    event(b, today(1800), 'pageview', XSS_PATH),
    event(b, today(1790), 'performance', XSS_PATH, vitals(4500)),
    event(c, today(120), 'pageview', '/pricing'),
    event(c, today(110), 'performance', '/pricing', vitals(2600)),
    event(d, threeDaysAgo, 'pageview', '/blog'),
  ];
  // Realtime is the last 5 minutes: visitor C, and A and B too in the first minutes of a UTC
  // day, when their times are moved up to midnight.
  const recent = rows.filter((r) => r.kind === 'pageview' && Number(r.timestamp) >= now - 290);
  return { rows, visitorsNow: new Set(recent.map((r) => r.visitor_id)).size };
}

async function kpi(page: Page, metric: string): Promise<string> {
  const locator = page.locator(`[data-kpi="${metric}"] .kpi-value`);
  await page.locator('.kpis[aria-busy="false"]').waitFor();
  return (await locator.textContent()) ?? '';
}

/** Row labels of a panel's active tab as shown now (poll: a new tab or filter loads a moment later). */
function panelRows(page: Page, panel: string): Promise<string[]> {
  return page
    .locator(`[data-panel="${panel}"] [role="tabpanel"][aria-busy="false"]`)
    .first()
    .locator('.rows:not(.stale) .label')
    .allTextContents();
}

async function signUpAndAddSite(page: Page): Promise<{ siteId: number; visitorsNow: number }> {
  await signUpAsOwner(page, workerUrl(), {
    email: EMAIL,
    password: PASSWORD,
    domain: DOMAIN,
    timezone: 'UTC',
  });
  await poll(() => page.locator('.snippet textarea').inputValue()).toContain(`data-domain="${DOMAIN}"`);

  const listed = await context.request.get(`${workerUrl()}/api/sites`);
  const { sites } = (await listed.json()) as { sites: { id: number; domain: string }[] };
  const site = sites.find((s) => s.domain === DOMAIN);
  if (!site) throw new Error(`${DOMAIN} is not among the account's sites`);
  const { rows, visitorsNow } = dataset(site.id);
  await clickhouse.insert({ table: 'events', values: rows, format: 'JSONEachRow' });
  return { siteId: site.id, visitorsNow };
}

describe('dashboard', () => {
  let siteId = 0;
  /** The owner's session cookie, for the second test. */
  let ownerState: Awaited<ReturnType<BrowserContext['storageState']>> | undefined;

  it('signs up, adds a site, and shows every panel, filters, ranges and CSV export', async () => {
    const page = await newPage();
    const added = await signUpAndAddSite(page);
    siteId = added.siteId;
    const statsCalls: string[] = [];
    page.on('request', (request) => {
      const path = new URL(request.url()).pathname;
      if (path.startsWith('/api/v2/query')) statsCalls.push(path);
    });
    await page.getByRole('link', { name: 'Open the dashboard' }).click();
    await page.getByRole('heading', { name: DOMAIN }).waitFor();

    // KPI row, 7 days: four visitors.
    expect(await kpi(page, 'visitors')).toBe('4');
    expect(await kpi(page, 'pageviews')).toBe('5');
    await poll(() => page.locator('.chart-card canvas').count()).toBeGreaterThan(0);
    // The panels ask together: their queries travel in a batch, not one request each.
    expect(statsCalls).toContain('/api/v2/query/batch');
    expect(statsCalls.length).toBeLessThan(6);

    // Every tab of every breakdown panel has rows.
    const expected: Record<string, Record<string, string>> = {
      pages: { 'Top pages': '/pricing', 'Entry pages': XSS_PATH, 'Exit pages': '/pricing' },
      sources: {
        Sources: 'Hacker News',
        Referrers: 'https://www.google.com/',
        Channels: 'Organic Search',
        'UTM source': 'newsletter',
        'UTM medium': 'email',
        'UTM campaign': 'winter-sale',
        'UTM content': 'hero-link',
        'UTM term': 'analytics',
      },
      locations: { Countries: 'Germany', Regions: 'California', Cities: 'Paris' },
      devices: { Devices: 'Mobile', Browsers: 'Firefox', OS: 'iOS' },
      goals: { 'Custom events': 'Signup' },
    };
    for (const [panel, tabs] of Object.entries(expected)) {
      for (const [tab, label] of Object.entries(tabs)) {
        await page.locator(`[data-panel="${panel}"]`).getByRole('tab', { name: tab, exact: true }).click();
        await poll(() => panelRows(page, panel), `${panel} / ${tab}`).toContain(label);
      }
    }
    // Visits without a UTM tag (B, C, D) are Plausible's "(not set)" row, not a blank one.
    await page
      .locator('[data-panel="sources"]')
      .getByRole('tab', { name: 'UTM source', exact: true })
      .click();
    await poll(() => panelRows(page, 'sources')).toEqual(['(not set)', 'newsletter']);
    // Tabs work from the keyboard: arrows move between them.
    await page.locator('[data-panel="devices"]').getByRole('tab', { name: 'Devices' }).click();
    await page.keyboard.press('ArrowRight');
    await poll(() => page.locator('[data-panel="devices"] [aria-selected="true"]').textContent()).toBe(
      'Browsers',
    );
    await poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Browsers');

    // Properties need a property name.
    await page.locator('[data-panel="goals"]').getByRole('tab', { name: 'Properties' }).click();
    await page.getByLabel('Property').fill('plan');
    await page.getByRole('button', { name: 'Show' }).click();
    await poll(() => panelRows(page, 'goals')).toContain('pro');
    expect(page.url()).toContain('prop=plan');

    // Realtime: visitor C arrived two minutes ago.
    const now = added.visitorsNow;
    await poll(() => page.getByTestId('visitors-now').first().textContent()).toBe(
      `${now} current visitor${now === 1 ? '' : 's'}`,
    );
    await poll(() => page.locator('[data-panel="realtime"] canvas').count()).toBeGreaterThan(0);

    // Performance: vitals at p75 and timings per page.
    const lcp = page.locator('[data-vital="lcp"] .vital-value');
    await poll(() => lcp.textContent()).toMatch(/s$/);
    await poll(() => page.locator('[data-panel="performance"] canvas').count()).toBeGreaterThan(0);
    await page.locator('[data-panel="performance"]').getByRole('tab', { name: 'By page' }).click();
    await poll(() => page.locator('[data-panel="performance"] .rows .label').allTextContents()).toEqual(
      expect.arrayContaining(['/', '/pricing', XSS_PATH]),
    );

    // The injection attempt is text, never markup.
    await page.locator('[data-panel="pages"]').getByRole('tab', { name: 'Top pages' }).click();
    await poll(() => panelRows(page, 'pages')).toContain(XSS_PATH);
    expect(await page.locator('main img').count()).toBe(0);

    // CSV export of the top pages.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('[data-panel="pages"]').getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`${DOMAIN}-pages-7d.csv`);
    const csv = await readFile((await download.path()) ?? '', 'utf8');
    const lines = csv.trimEnd().split('\r\n');
    // Scroll depth and time on page (%, s): only /pricing has engagement pings in this dataset; the
    // other pages have no value (empty cells, "—" on screen), as Plausible answers null.
    expect(lines[0]).toBe('Top pages,Visitors,Pageviews,Scroll depth,Time on page');
    expect(lines.slice(1).sort()).toEqual(
      ['/,1,1,,', '/blog,1,1,,', '/pricing,2,2,80,20', `${XSS_PATH},1,1,,`].sort(),
    );

    // Filter by a page: a click on its row adds a chip, and the KPIs follow.
    await page.locator('[data-panel="pages"] button.row', { hasText: '/pricing' }).click();
    await page.getByText('Page is /pricing').waitFor();
    expect(page.url()).toContain('f=event%3Apage%7E%2Fpricing');
    await poll(() => kpi(page, 'visitors')).toBe('2');
    await page.getByRole('button', { name: 'Remove filter: Page is /pricing' }).click();
    await poll(() => kpi(page, 'visitors')).toBe('4');

    // Change the range: today has three of the four visitors.
    await page.getByLabel('Date range').selectOption('day');
    await poll(() => kpi(page, 'visitors')).toBe('3');
    expect(page.url()).toContain('period=day');
    await poll(() => panelRows(page, 'pages')).not.toContain('/blog');

    // A reload keeps range and view (the URL is the state).
    await page.reload();
    await poll(() => kpi(page, 'visitors')).toBe('3');

    ownerState = await context.storageState();
    expect(problems).toEqual([]);
  });

  it('opens a password-protected shared link read-only', async () => {
    expect(siteId).toBeGreaterThan(0);
    const owner = await newPage(ownerState);
    await owner.goto(`${workerUrl()}/sites/${siteId}/settings`);
    await owner.getByRole('button', { name: 'Create a shared link' }).click();
    await owner.getByLabel('Set a password').fill(SHARE_PASSWORD);
    await owner.getByRole('button', { name: 'Set password' }).click();
    await owner.getByText('Protected by a password.').waitFor();
    const shareUrl = await owner.getByTestId('share-url').inputValue();
    expect(shareUrl).toContain('/share/');

    // A visitor without an account: the link asks for its password first. The API's 401 to the
    // first, password-less request is expected, and the browser logs it.
    tolerated.push(/status of 401/);
    const visitor = await newPage();
    await visitor.goto(shareUrl);
    await visitor.getByLabel('Password').fill('not the password');
    await visitor.getByRole('button', { name: 'View dashboard' }).click();
    await visitor.getByText('That password is not right.').waitFor();
    await visitor.getByLabel('Password').fill(SHARE_PASSWORD);
    await visitor.getByRole('button', { name: 'View dashboard' }).click();
    await visitor.getByRole('heading', { name: DOMAIN }).waitFor();
    expect(await kpi(visitor, 'visitors')).toBe('4');
    await poll(() => panelRows(visitor, 'pages')).toContain('/pricing');
    // Read-only: no settings, no account navigation.
    expect(await visitor.getByRole('link', { name: 'Settings' }).count()).toBe(0);
    expect(await visitor.getByRole('button', { name: 'Sign out' }).count()).toBe(0);
    expect(problems).toEqual([]);
  });

  it('turns on two-factor authentication, then signs in through the second step', async () => {
    const page = await newPage(ownerState);
    await page.goto(`${workerUrl()}/settings/sessions`);
    await page.getByRole('button', { name: 'Set up two-factor authentication' }).click();
    const secret = ((await page.locator('.secret').textContent()) ?? '').replaceAll(' ', '');
    expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
    const code = await totpCode(base32Decode(secret), Math.floor(Date.now() / 1000));
    await page.getByLabel('Code from the app').fill(code);
    await page.getByRole('button', { name: 'Turn on' }).click();
    await page.getByText(/Keep these recovery codes/).waitFor();
    const recovery = await page.locator('.codes code').allTextContents();
    expect(recovery).toHaveLength(10);

    await page.getByRole('navigation', { name: 'Account' }).getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Two-factor authentication' }).waitFor();
    // The app's code of this 30-second step was spent turning 2FA on; a recovery code works now.
    await page.getByRole('button', { name: 'Use a recovery code instead' }).click();
    await page.getByLabel('Recovery code').fill(recovery[0] ?? '');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: 'Your sites' }).waitFor();
    await page.locator('.site-domain', { hasText: DOMAIN }).waitFor();
    expect(problems).toEqual([]);
  });
});
