/**
 * The tracking script in headless Chromium against the real stack (`wrangler dev` + the test
 * ClickHouse, started by test/setup/stack.global.ts). A customer's site is played by a small
 * server on another origin (127.0.0.1:18900) serving test/e2e/fixtures/*.html, which load the
 * script from the Worker, as `<script src="https://edgebear…/script.full.js">` would.
 *
 * Two things make the browser look like a visitor's:
 * - The ingest drops headless browsers as 'automation' (HeadlessChrome in the user agent or in
 *   the Sec-CH-UA brands). A context with a desktop Chrome user agent fixes both: Chromium then
 *   sends the brands "Not:A-Brand" and "Chromium", without "HeadlessChrome".
 * - `navigator.webdriver` is true under automation, which the tracker treats like localhost:
 *   the fixtures carry `data-local`, except the one that proves the exclusion.
 *
 * Hiding the page: in headless Chromium another tab brought to the front leaves this one
 * "visible", but closing it with `runBeforeUnload` (a visitor closing the tab) fires
 * visibilitychange → hidden, and the keepalive requests sent then still arrive.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page, Response } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../scripts/lib/chromium';
import { CHROME_UA, rows, waitForRows, workerUrl } from './helpers';

const SITE_PORT = 18900 + (Number(process.env.EDGEBEAR_TEST_PORT_OFFSET ?? 0) || 0);
const SITE = `http://127.0.0.1:${SITE_PORT}`;
/** Every path of this run starts with it, so assertions only see this run's rows. */
const RUN = `/t-${randomBytes(4).toString('hex')}`;
const FIXTURES = join(import.meta.dirname, 'fixtures');

/**
 * Serves `/<run>/<fixture>/<anything>` as fixtures/<fixture>.html, with `__WORKER__` replaced by
 * the Worker's URL: SPA routes under a fixture reload as the same page.
 */
function startSite(worker: string): Promise<Server> {
  const server = createServer(async (request, response) => {
    const fixture = new URL(request.url ?? '/', SITE).pathname.split('/')[2] ?? '';
    try {
      if (!/^[a-z-]+$/.test(fixture)) throw new Error('not a fixture');
      const html = await readFile(join(FIXTURES, `${fixture}.html`), 'utf8');
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(html.replaceAll('__WORKER__', worker));
    } catch {
      response.writeHead(404, { 'content-type': 'text/plain' });
      response.end('not found');
    }
  });
  return new Promise((resolve, reject) => {
    // A port in use (another run of this file?) fails the setup at once instead of hanging it.
    server.once('error', reject);
    server.listen(SITE_PORT, '127.0.0.1', () => resolve(server));
  });
}

let site: Server;
let browser: Browser;
let context: BrowserContext;
/** Console errors and uncaught exceptions of every page of the current test. */
let pageErrors: string[];
/** Requests to the event endpoint made by the pages of the current test. */
let eventRequests: string[];

beforeAll(async () => {
  site = await startSite(workerUrl());
  browser = await launchChromium(['--disable-quic']);
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => site?.close(resolve));
});

/** A fresh context (no shared storage) whose pages report errors and event requests. */
async function newPage(initScript?: string): Promise<Page> {
  context = await browser.newContext({ userAgent: CHROME_UA, viewport: { width: 1280, height: 800 } });
  if (initScript) await context.addInitScript(initScript);
  pageErrors = [];
  eventRequests = [];
  context.on('page', watch);
  const page = await context.newPage();
  return page;
}

function watch(page: Page): void {
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(`console: ${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => pageErrors.push(`pageerror: ${error.message}`));
  page.on('request', (request) => {
    if (request.url().endsWith('/api/event')) eventRequests.push(request.postData() ?? '');
  });
}

afterEach(async () => {
  await context?.close();
});

interface EventRow {
  kind: string;
  name: string;
  hostname: string;
  pathname: string;
  referrer: string;
  utm_source: string;
  utm_medium: string;
  utm_campaign: string;
  browser: string;
  device: string;
  props: Record<string, string>;
  revenue_amount: string;
  revenue_currency: string;
  interactive: number;
  scroll_depth: number | null;
  engaged_ms: number | null;
  lcp_ms: number | null;
  fcp_ms: number | null;
  ttfb_ms: number | null;
  dns_ms: number | null;
  connect_ms: number | null;
  dom_interactive_ms: number | null;
  load_ms: number | null;
}

/**
 * This run's rows under `path` (a prefix), oldest second first, once there are at least
 * `expected`. Events are stamped with the second they reach the Worker; the order of events
 * within one second is not defined, so a test that checks an order spaces its steps with
 * `nextSecond`.
 */
function eventsUnder(path: string, expected: number, timeoutMs?: number): Promise<EventRow[]> {
  return waitForRows<EventRow>(
    `SELECT kind, name, hostname, pathname, referrer, utm_source, utm_medium, utm_campaign, browser,
            device, props, toString(revenue_amount) AS revenue_amount, revenue_currency, interactive,
            scroll_depth, engaged_ms, lcp_ms, fcp_ms, ttfb_ms, dns_ms, connect_ms,
            dom_interactive_ms, load_ms
       FROM events
      WHERE startsWith(pathname, {path:String})
      ORDER BY timestamp`,
    { path },
    expected,
    timeoutMs,
  );
}

/** Resolves once the page has had answers to its next `count` event requests. */
function eventAnswers(page: Page, count: number): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const onResponse = (response: Response) => {
      if (!response.url().endsWith('/api/event') || ++seen < count) return;
      page.off('response', onResponse);
      resolve();
    };
    page.on('response', onResponse);
  });
}

/**
 * Waits into the next second of the clock the Worker shares with this process: an event sent
 * after this lands in a later second than every event already answered.
 */
function nextSecond(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 1_050 - (Date.now() % 1_000)));
}

/** Waits until the page's script has sent its first event (the pageview). */
async function loaded(page: Page, url: string): Promise<void> {
  const pageview = page.waitForRequest((request) => request.url().endsWith('/api/event'));
  await page.goto(url);
  await pageview;
}

describe('the tracking script in Chromium, against wrangler dev and ClickHouse', () => {
  it('records a pageview with its referrer, campaign, browser and device', async () => {
    const page = await newPage();
    const path = `${RUN}/full/landing`;
    const pageview = page.waitForRequest((request) => request.url().endsWith('/api/event'));
    await page.goto(`${SITE}${path}?utm_source=newsletter&utm_medium=email&utm_campaign=launch`, {
      referer: 'http://news.example.com/some/article',
    });
    await pageview;

    const [row] = await eventsUnder(path, 1);
    expect(row).toMatchObject({
      kind: 'pageview',
      name: 'pageview',
      hostname: '127.0.0.1',
      pathname: path,
      utm_source: 'newsletter',
      utm_medium: 'email',
      utm_campaign: 'launch',
      browser: 'Chrome',
      device: 'Desktop',
    });
    expect(row?.referrer).toContain('news.example.com');
    expect(pageErrors).toEqual([]);
  });

  it('counts two single-page navigations (pushState, then back with popstate) as pageviews', async () => {
    const page = await newPage();
    const base = `${RUN}/full/spa`;
    // Each step waits for its events' answers, then for the next second, so the stored order is
    // the order of the steps.
    let answered = eventAnswers(page, 1);
    await loaded(page, `${SITE}${base}`);
    await answered;
    await nextSecond();
    answered = eventAnswers(page, 2);
    await page.evaluate((path) => history.pushState({}, '', path), `${base}/pricing`);
    // A replaceState that only changes the query string is the same page: no pageview.
    await page.evaluate((path) => history.replaceState({}, '', path), `${base}/pricing?plan=pro`);
    await answered;
    await nextSecond();
    await page.evaluate(() => history.back());

    // Each navigation also reports the engagement of the page it leaves: 3 pageviews + 2 engagements.
    const stored = await eventsUnder(base, 5);
    expect(stored.filter((row) => row.kind === 'pageview').map((row) => row.pathname)).toEqual([
      base,
      `${base}/pricing`,
      base,
    ]);
    expect(stored.filter((row) => row.kind === 'engagement').map((row) => row.pathname)).toEqual([
      base,
      `${base}/pricing`,
    ]);
    // Nothing more arrives later (the replaceState was de-duplicated).
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await eventsUnder(base, 0)).toHaveLength(5);
    expect(pageErrors).toEqual([]);
  });

  it('counts replaceState to another path as a pageview', async () => {
    const page = await newPage();
    const base = `${RUN}/full/replace`;
    const answered = eventAnswers(page, 1);
    await loaded(page, `${SITE}${base}`);
    await answered;
    await nextSecond();
    await page.evaluate((path) => history.replaceState({}, '', path), `${base}/step-2`);

    const stored = await eventsUnder(base, 3);
    expect(stored.filter((row) => row.kind === 'pageview').map((row) => row.pathname)).toEqual([
      base,
      `${base}/step-2`,
    ]);
    expect(pageErrors).toEqual([]);
  });

  it('records a custom event with props and revenue, including one queued before the script loaded', async () => {
    const page = await newPage();
    const path = `${RUN}/full/checkout`;
    // With ?queue the page calls edgebear() before the deferred script has run: the stub queues it.
    await loaded(page, `${SITE}${path}?queue`);
    await page.evaluate(
      () =>
        new Promise<void>((callback) =>
          window.edgebear?.('Purchase', {
            props: { plan: 'pro', seats: 3 },
            revenue: { currency: 'EUR', amount: 9.99 },
            callback,
          }),
        ),
    );

    const stored = await eventsUnder(path, 3);
    const purchase = stored.find((row) => row.name === 'Purchase');
    expect(purchase).toMatchObject({
      kind: 'custom',
      pathname: path,
      props: { plan: 'pro', seats: '3' },
      revenue_currency: 'EUR',
      revenue_amount: '9.99',
    });
    expect(stored.find((row) => row.name === 'Queued')?.props).toEqual({ early: 'yes' });
    expect(pageErrors).toEqual([]);
  });

  it('records a click on an outbound link with its URL', async () => {
    const page = await newPage();
    const path = `${RUN}/full/outbound`;
    await loaded(page, `${SITE}${path}`);
    // Keep the visitor here: the event is what matters, not example.com.
    await page.route('https://example.com/**', (route) => route.fulfill({ body: 'elsewhere' }));
    const event = page.waitForRequest(
      (request) => request.url().endsWith('/api/event') && (request.postData() ?? '').includes('Outbound'),
    );
    await page.click('#outbound');
    await event;

    const stored = await eventsUnder(path, 2);
    expect(stored.find((row) => row.kind === 'custom')).toMatchObject({
      name: 'Outbound Link: Click',
      pathname: path,
      props: { url: 'https://example.com/elsewhere' },
    });
    expect(pageErrors).toEqual([]);
  });

  it('records a click on a file link as a download, even on the same site', async () => {
    const page = await newPage();
    const path = `${RUN}/full/download`;
    await loaded(page, `${SITE}${path}`);
    // The fixture server has no such file: answer the navigation here.
    await page.route('**/files/report.pdf', (route) => route.fulfill({ body: '%PDF-1.4' }));
    const event = page.waitForRequest(
      (request) =>
        request.url().endsWith('/api/event') && (request.postData() ?? '').includes('File Download'),
    );
    await page.click('#download');
    await event;

    const stored = await eventsUnder(path, 2);
    expect(stored.find((row) => row.kind === 'custom')).toMatchObject({
      name: 'File Download',
      pathname: path,
      props: { url: `${SITE}/files/report.pdf` },
    });
    expect(pageErrors).toEqual([]);
  });

  it('sends engagement and performance when the page is hidden (closed)', async () => {
    const page = await newPage();
    const path = `${RUN}/full/article`;
    await loaded(page, `${SITE}${path}`);
    await page.waitForLoadState('load');
    // The first input ends LCP: wait until the browser has reported a candidate (in headless
    // Chromium that can lag behind the load event), then click, which gives INP an interaction.
    await page.evaluate(
      () =>
        new Promise<void>((resolve) =>
          new PerformanceObserver(() => resolve()).observe({
            type: 'largest-contentful-paint',
            buffered: true,
          }),
        ),
    );
    await page.mouse.click(5, 5);
    // Then read half the page.
    await page.mouse.wheel(0, 1_200);
    await page.waitForFunction(() => scrollY > 1_000);
    await page.waitForTimeout(600);
    expect(pageErrors).toEqual([]);
    await page.close({ runBeforeUnload: true });

    const stored = await eventsUnder(path, 3);
    const engagement = stored.find((row) => row.kind === 'engagement');
    expect(engagement).toMatchObject({ name: 'engagement', pathname: path, interactive: 0 });
    expect(engagement?.engaged_ms).toBeGreaterThan(0);
    expect(engagement?.scroll_depth).toBeGreaterThanOrEqual(50);

    const performance = stored.find((row) => row.kind === 'performance');
    expect(performance).toMatchObject({ name: 'performance', pathname: path, interactive: 0 });
    for (const column of [
      'ttfb_ms',
      'fcp_ms',
      'load_ms',
      'dns_ms',
      'connect_ms',
      'dom_interactive_ms',
    ] as const) {
      expect(performance?.[column], column).not.toBeNull();
    }
    expect(performance?.lcp_ms).toBeGreaterThan(0);
    expect(performance?.fcp_ms).toBeGreaterThan(0);
  });

  it('sends web vitals but no engagement from script.perf.js', async () => {
    const page = await newPage();
    const path = `${RUN}/perf/landing`;
    await loaded(page, `${SITE}${path}`);
    await page.waitForLoadState('load');
    expect(pageErrors).toEqual([]);
    await page.close({ runBeforeUnload: true });

    const stored = await eventsUnder(path, 2);
    expect(stored.map((row) => row.kind).sort()).toEqual(['pageview', 'performance']);
    expect(stored.find((row) => row.kind === 'performance')?.ttfb_ms).not.toBeNull();
  });

  it('loads the demo page from the Worker and records its pageview for demo.test', async () => {
    const page = await newPage();
    const since = Math.floor(Date.now() / 1000) - 5;
    await loaded(page, `${workerUrl()}/demo/`);
    expect(JSON.parse(eventRequests[0] ?? '{}')).toMatchObject({ n: 'pageview', d: 'demo.test' });
    // The demo page is the Worker's own, the same in every run: match its row by time.
    const stored = await waitForRows<{ hostname: string }>(
      `SELECT hostname FROM events
        WHERE kind = 'pageview' AND pathname = '/demo/' AND timestamp >= toDateTime({since:UInt32})`,
      { since },
      1,
    );
    expect(stored[0]?.hostname).toBe('127.0.0.1');
    expect(pageErrors).toEqual([]);
  });
});

describe('what the script must not send', () => {
  /** Loads `url`, gives the script time to act, and proves that nothing was sent or stored. */
  async function expectSilence(page: Page, url: string, path: string): Promise<void> {
    const script = page.waitForResponse((response) => /\/script(\.full)?\.js$/.test(response.url()));
    await page.goto(url);
    await script;
    await page.waitForLoadState('load');
    // Everything that would normally send: a custom event, an SPA navigation.
    await page.evaluate(() => window.edgebear?.('Signup'));
    await page.evaluate((to) => history.pushState({}, '', to), `${path}/next`);
    await page.waitForTimeout(1_500);
    expect(eventRequests).toEqual([]);
    expect(await rows(`SELECT 1 FROM events WHERE startsWith(pathname, {path:String})`, { path })).toEqual(
      [],
    );
    expect(pageErrors).toEqual([]);
  }

  it('sends nothing once the visitor opted out with localStorage.edgebear_ignore', async () => {
    // Init scripts also run in the first about:blank, where storage is off limits.
    const page = await newPage('if (location.protocol === "http:") localStorage.edgebear_ignore = "true";');
    const path = `${RUN}/core/opted-out`;
    await expectSilence(page, `${SITE}${path}`, path);
  });

  it('sends nothing from localhost without data-local', async () => {
    const page = await newPage();
    const path = `${RUN}/no-local/local`;
    await expectSilence(page, `http://localhost:${SITE_PORT}${path}`, path);
  });

  it('sends nothing under Do-Not-Track when the site sets data-respect-dnt', async () => {
    const page = await newPage(
      "Object.defineProperty(Navigator.prototype, 'doNotTrack', { get: () => '1', configurable: true });",
    );
    const path = `${RUN}/dnt/do-not-track`;
    await expectSilence(page, `${SITE}${path}`, path);
  });

  it('sends nothing under Global Privacy Control when the site sets data-respect-dnt', async () => {
    const page = await newPage(
      "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true, configurable: true });",
    );
    const path = `${RUN}/dnt/gpc`;
    await expectSilence(page, `${SITE}${path}`, path);
  });

  it('does send from the same pages without the opt-out, DNT or GPC (the control)', async () => {
    const page = await newPage();
    const path = `${RUN}/dnt/control`;
    await loaded(page, `${SITE}${path}`);
    expect(await eventsUnder(path, 1)).toHaveLength(1);
    expect(pageErrors).toEqual([]);
  });
});
