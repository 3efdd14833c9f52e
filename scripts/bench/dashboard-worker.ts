/**
 * The dashboard load measured through the Worker: the real Worker under `wrangler dev` (a private
 * stack, scripts/lib/stack.ts) reading the bench's seeded ClickHouse, the big seeded site in its
 * local D1 owned by an account signed up and verified through the API, and the page's own API
 * requests with that account's session cookie: HTTP, authentication, D1 and the batch endpoint
 * included, as the browser pays for them.
 *
 * The requests are not written down here: headless Chromium opens the site's dashboard once for
 * the bench's 30 days and every `/api/` request it sends is captured (method, path, body, headers)
 * with the order it needs (a request waits for those that had answered before the page sent it:
 * the session and the site come first, then the panels at once). The timed loads replay that
 * capture with `fetch`, in the same order and parallelism; a replay keeps Chromium's own CPU
 * (rendering, the charts) off a small machine's cores while the Worker and ClickHouse work, so the
 * figure is the server side of a load as the browser waits for it. A few loads timed inside
 * Chromium (Resource Timing of the page's own requests) are reported beside it as a check.
 */
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Request } from 'playwright-core';
import { buildDashboard } from '../build-dashboard';
import { launchChromium } from '../lib/chromium';
import { type Stack, startStack } from '../lib/stack';
import { StackOwner } from '../lib/stack-owner';
import { type Timings, timings } from './timings';

/** Ports of this bench's own stack, moved by EDGEBEAR_TEST_PORT_OFFSET so parallel runs do not collide. */
const OFFSET = Number(process.env.EDGEBEAR_TEST_PORT_OFFSET ?? 0);
const WORKER_PORT = 19187 + OFFSET;
/** Loads timed inside Chromium, as a check on the replayed figure (BENCH_DASHBOARD_BROWSER_LOADS). */
const BROWSER_LOADS = Math.max(0, Number(process.env.BENCH_DASHBOARD_BROWSER_LOADS ?? 5));

/** One API request of a dashboard load, as Chromium sent it. */
export interface CapturedRequest {
  method: string;
  /** Path and query, e.g. `/api/v2/query/batch`. */
  path: string;
  body: string | null;
  headers: Record<string, string>;
  /** Indices of the requests that had answered before this one was sent: it waits for them. */
  after: number[];
}

export interface WorkerLoadFigures {
  /** The captured requests of one load, in the order the page sent them. */
  requests: { method: string; path: string; wave: number }[];
  /** Stats API questions in the batch request. */
  batchQueries: number;
  iterations: number;
  /** Every API request of the load, from the first sent to the last answered. */
  whole: Timings;
  /** The panels' requests (the batch and the performance calls, sent at once): the data of a load. */
  data: Timings;
  /** The batch request alone, within the same loads. */
  batch: Timings;
  /**
   * The same questions (the captured batch's and performance bodies) answered in-process: the
   * API's validator, planner and executor called directly against the same ClickHouse, no HTTP,
   * no session, no D1. Timed in turns with the replays, so both see the same machine.
   */
  inProcess: Timings;
  /** Inside Chromium: the panels' requests by Resource Timing, over BROWSER_LOADS page loads. */
  browser: {
    loads: number;
    data: Timings;
    batch: Timings;
    /** The batch from its last byte sent to its first byte back (Resource Timing): the server's part. */
    batchWait: Timings;
    /** The panels' requests sent by the open page's `fetch`, no page load around them. */
    fetched: Timings;
  } | null;
}

/** The bodies of the panels' requests of a captured load. */
export interface CapturedQuestions {
  /** Each Stats API question of the batch (with its `site_id`). */
  stats: Record<string, unknown>[];
  /** Each performance request's body. */
  performance: Record<string, unknown>[];
}

/** The panels' data: the Stats API and the performance endpoint. */
function isPanelRequest(path: string): boolean {
  return path.startsWith('/api/v2/query') || path.startsWith('/api/stats/performance');
}

/** Headers the HTTP client sets itself, or that name the browser's connection. */
const NOT_REPLAYED = new Set(['host', 'content-length', 'connection', 'accept-encoding']);

/** Runs `wrangler d1 execute` on the stack's local D1 (statements built from our own values). */
function d1Execute(persistTo: string, sql: string): void {
  const run = spawnSync(
    'npx',
    ['wrangler', 'd1', 'execute', 'DB', '--local', '--persist-to', persistTo, '--command', sql],
    { encoding: 'utf8', env: { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false' } },
  );
  if (run.status !== 0) throw new Error(`wrangler d1 execute failed:\n${run.stdout}\n${run.stderr}`);
}

/** A browser context signed in with the session `cookie` (`name=value`) of the stack's owner. */
async function signedIn(browser: Browser, workerUrl: string, cookie: string): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const [name, ...value] = cookie.split('=');
  await context.addCookies([{ name: name ?? '', value: value.join('='), url: workerUrl }]);
  return context;
}

/**
 * Opens the site's dashboard in Chromium, signed in with `cookie`, and records every `/api/`
 * request of the load until the network is quiet.
 */
async function captureLoad(
  browser: Browser,
  workerUrl: string,
  pageUrl: string,
  cookie: string,
): Promise<CapturedRequest[]> {
  const context = await signedIn(browser, workerUrl, cookie);
  const page = await context.newPage();
  const seen: { request: Request; headers: Promise<Record<string, string>> }[] = [];
  page.on('request', (request) => {
    if (new URL(request.url()).pathname.startsWith('/api/'))
      seen.push({ request, headers: request.allHeaders() });
  });
  await page.goto(pageUrl, { waitUntil: 'networkidle' });
  const spans: { start: number; end: number }[] = [];
  for (const { request } of seen) {
    const response = await request.response();
    if (!response) throw new Error(`${request.method()} ${request.url()} got no answer`);
    await response.finished();
    const t = request.timing();
    if (response.status() >= 400)
      throw new Error(
        `${request.method()} ${request.url()} answered ${response.status()}: ${await response.text()}`,
      );
    spans.push({ start: t.startTime, end: t.startTime + t.responseEnd });
  }
  const captured: CapturedRequest[] = [];
  for (const [i, { request, headers }] of seen.entries()) {
    const url = new URL(request.url());
    const kept = Object.fromEntries(
      Object.entries(await headers).filter(([k]) => !k.startsWith(':') && !NOT_REPLAYED.has(k.toLowerCase())),
    );
    const start = spans[i]?.start ?? 0;
    captured.push({
      method: request.method(),
      path: `${url.pathname}${url.search}`,
      body: request.postData(),
      headers: kept,
      after: spans.flatMap((s, j) => (j !== i && s.end <= start ? [j] : [])),
    });
  }
  await context.close();
  return captured;
}

/** Which step of the load a request is: 0 needs nothing, n waits for a request of step n − 1. */
export function waves(plan: CapturedRequest[]): number[] {
  const wave: number[] = [];
  plan.forEach((r, i) => {
    wave[i] = r.after.reduce((w, j) => Math.max(w, (wave[j] ?? 0) + 1), 0);
  });
  return wave;
}

/** One replayed load: each request once the ones it waits for have answered. */
export async function replay(
  workerUrl: string,
  plan: CapturedRequest[],
): Promise<{ whole: number; data: number; batch: number }> {
  const spans: Promise<{ start: number; end: number }>[] = [];
  for (const [i, r] of plan.entries()) {
    spans[i] = Promise.all(r.after.map((j) => spans[j])).then(async () => {
      const start = performance.now();
      const response = await fetch(`${workerUrl}${r.path}`, {
        method: r.method,
        headers: r.headers,
        body: r.body ?? undefined,
      });
      const text = await response.text();
      const end = performance.now();
      if (!response.ok)
        throw new Error(`${r.method} ${r.path} answered ${response.status}: ${text.slice(0, 300)}`);
      if (r.path.startsWith('/api/v2/query/batch')) {
        const failed = (JSON.parse(text) as { results: { status: number }[] }).results.find(
          (result) => result.status !== 200,
        );
        if (failed) throw new Error(`a batched query failed: ${JSON.stringify(failed).slice(0, 300)}`);
      }
      return { start, end };
    });
  }
  const done = await Promise.all(spans);
  const data = done.filter((_, i) => isPanelRequest(plan[i]?.path ?? ''));
  const batch = done.find((_, i) => (plan[i]?.path ?? '').startsWith('/api/v2/query/batch'));
  const span = (list: { start: number; end: number }[]) =>
    Math.max(...list.map((s) => s.end)) - Math.min(...list.map((s) => s.start));
  return { whole: span(done), data: span(data), batch: batch ? batch.end - batch.start : 0 };
}

/**
 * Page loads in Chromium, the panels' requests timed by the page's own Resource Timing: from the
 * first panel request sent to the last answered, and the batch request.
 */
async function browserLoads(
  browser: Browser,
  workerUrl: string,
  pageUrl: string,
  cookie: string,
  loads: number,
  plan: CapturedRequest[],
  log: (line: string) => void,
): Promise<{ data: number[]; batch: number[]; batchWait: number[]; fetched: number[] }> {
  const context = await signedIn(browser, workerUrl, cookie);
  const page = await context.newPage();
  const data: number[] = [];
  const batch: number[] = [];
  const batchWait: number[] = [];
  // The first load warms Chromium's cache of the bundle; it is not counted.
  for (let i = 0; i <= loads; i++) {
    await page.goto(pageUrl, { waitUntil: 'networkidle' });
    const entries = await page.evaluate(() =>
      (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).map((e) => ({
        name: new URL(e.name).pathname,
        start: e.startTime,
        sent: e.requestStart,
        firstByte: e.responseStart,
        end: e.responseEnd,
      })),
    );
    const panels = entries.filter((e) => isPanelRequest(e.name));
    const batched = panels.find((e) => e.name === '/api/v2/query/batch');
    if (i === 0) continue;
    if (panels.length === 0 || !batched) throw new Error('the page sent no batch request');
    data.push(Math.max(...panels.map((e) => e.end)) - Math.min(...panels.map((e) => e.start)));
    batch.push(batched.end - batched.start);
    batchWait.push(batched.firstByte - batched.sent);
    log(
      `    Chromium load ${i}: ${panels.map((e) => `${e.name} queued ${(e.sent - e.start).toFixed(0)} + waited ${(e.firstByte - e.sent).toFixed(0)} + read ${(e.end - e.firstByte).toFixed(0)} ms`).join('; ')}`,
    );
  }
  // The same panel requests sent by the open page's own fetch, without a page load around them:
  // what the browser's network path costs apart from loading and rendering the page.
  const panelRequests = plan
    .filter((r) => isPanelRequest(r.path))
    .map((r) => ({
      path: r.path,
      method: r.method,
      body: r.body,
      headers: Object.fromEntries(
        Object.entries(r.headers).filter(([k]) => ['content-type', 'x-csrf-token'].includes(k.toLowerCase())),
      ),
    }));
  const fetched: number[] = [];
  for (let i = 0; i <= loads; i++) {
    const took = await page.evaluate(async (list) => {
      const started = performance.now();
      await Promise.all(
        list.map(async (r) => {
          const response = await fetch(r.path, { method: r.method, body: r.body, headers: r.headers });
          await response.text();
          if (!response.ok) throw new Error(`${r.path} answered ${response.status}`);
        }),
      );
      return performance.now() - started;
    }, panelRequests);
    if (i > 0) fetched.push(took);
  }
  await context.close();
  return { data, batch, batchWait, fetched };
}

export interface WorkerBenchOptions {
  clickhouse: { url: string; password: string };
  site: { id: number; domain: string; timezone: string };
  range: [string, string];
  iterations: number;
  log: (line: string) => void;
  /** Answers the captured questions in-process, as the Worker's handlers would (one load). */
  inProcessLoad: (questions: CapturedQuestions) => Promise<void>;
}

/**
 * Starts the stack on the bench's ClickHouse, gives the seeded site to a new verified account,
 * captures one dashboard load and times `iterations` replays of it after one warm-up load, each
 * followed (or, every other turn, preceded) by the same questions answered in-process.
 */
export async function benchDashboardThroughWorker(options: WorkerBenchOptions): Promise<WorkerLoadFigures> {
  const { log, site } = options;
  // The page the capture opens is built from the current source, so its requests are today's.
  await buildDashboard();
  const logFile = join(tmpdir(), `edgebear-bench-dashboard-wrangler-${WORKER_PORT}.log`);
  log(`  starting wrangler dev on port ${WORKER_PORT} (log: ${logFile})…`);
  let stack: Stack | null = null;
  let browser: Browser | null = null;
  try {
    stack = await startStack({
      clickhousePort: 0,
      externalClickHouse: options.clickhouse,
      workerPort: WORKER_PORT,
      quiet: true,
      logFile,
      // Cron stays off: sealing here would race the bench's own sealing.
      vars: { SEAL_DAYS_PER_RUN: '0' },
    });
    const owner = await StackOwner.signUp(stack.workerUrl);
    // The seeded rows carry the site's id, so the site goes into D1 with it (as `npm run seed --
    // --d1 --owner` does), owned by the new account's billing profile.
    if (!/^[a-z0-9.-]+$/.test(site.domain) || !/^[A-Za-z_/]+$/.test(site.timezone))
      throw new Error('unexpected site values');
    d1Execute(
      stack.persistTo,
      `INSERT OR IGNORE INTO sites (id, domain, public_key, timezone, billing_profile_id)
       SELECT ${Math.trunc(site.id)}, '${site.domain}', 'seed-${Math.trunc(site.id)}', '${site.timezone}', id
       FROM billing_profiles WHERE owner_user_id = ${Math.trunc(owner.userId)}`,
    );
    const [from, to] = options.range;
    const pageUrl = `${stack.workerUrl}/sites/${site.id}?period=custom&from=${from}&to=${to}`;

    browser = await launchChromium(['--disable-quic']);
    const plan = await captureLoad(browser, stack.workerUrl, pageUrl, owner.cookie);
    const wave = waves(plan);
    const batchRequest = plan.find((r) => r.path.startsWith('/api/v2/query/batch'));
    if (!batchRequest?.body) throw new Error('the dashboard sent no batch request');
    const batchQueries = (JSON.parse(batchRequest.body) as { queries: unknown[] }).queries.length;
    log(
      `  captured ${plan.length} API requests: ${plan.map((r, i) => `${r.method} ${r.path} (step ${wave[i]})`).join(', ')}; batch: ${batchRequest.body}`,
    );

    const questions: CapturedQuestions = {
      stats: (JSON.parse(batchRequest.body) as { queries: Record<string, unknown>[] }).queries,
      performance: plan
        .filter((r) => r.path.startsWith('/api/stats/performance') && r.body !== null)
        .map((r) => JSON.parse(r.body ?? '{}') as Record<string, unknown>),
    };
    const workerUrl = stack.workerUrl;
    await replay(workerUrl, plan);
    await options.inProcessLoad(questions);
    const whole: number[] = [];
    const data: number[] = [];
    const batch: number[] = [];
    const inProcess: number[] = [];
    const timeInProcess = async () => {
      const started = performance.now();
      await options.inProcessLoad(questions);
      inProcess.push(performance.now() - started);
    };
    const timeReplay = async () => {
      const load = await replay(workerUrl, plan);
      whole.push(load.whole);
      data.push(load.data);
      batch.push(load.batch);
    };
    for (let i = 0; i < options.iterations; i++) {
      // Turns alternate which goes first, so neither always follows the other's cache effects.
      for (const step of i % 2 === 0 ? [timeReplay, timeInProcess] : [timeInProcess, timeReplay])
        await step();
    }
    const figures: WorkerLoadFigures = {
      requests: plan.map((r, i) => ({ method: r.method, path: r.path, wave: wave[i] ?? 0 })),
      batchQueries,
      iterations: options.iterations,
      whole: timings(whole),
      data: timings(data),
      batch: timings(batch),
      inProcess: timings(inProcess),
      browser: null,
    };
    log(
      `  through the Worker: panels p50 ${figures.data.p50.toFixed(0)} ms, p95 ${figures.data.p95.toFixed(0)} ms; batch request p50 ${figures.batch.p50.toFixed(0)} ms; whole load p50 ${figures.whole.p50.toFixed(0)} ms; the same questions in-process p50 ${figures.inProcess.p50.toFixed(0)} ms (${options.iterations} loads each)`,
    );
    if (BROWSER_LOADS > 0) {
      const inBrowser = await browserLoads(
        browser,
        stack.workerUrl,
        pageUrl,
        owner.cookie,
        BROWSER_LOADS,
        plan,
        log,
      );
      const browserFigures = {
        loads: BROWSER_LOADS,
        data: timings(inBrowser.data),
        batch: timings(inBrowser.batch),
        batchWait: timings(inBrowser.batchWait),
        fetched: timings(inBrowser.fetched),
      };
      figures.browser = browserFigures;
      log(
        `  in Chromium: panels p50 ${browserFigures.data.p50.toFixed(0)} ms, batch request p50 ${browserFigures.batch.p50.toFixed(0)} ms, of which waiting for its first byte ${browserFigures.batchWait.p50.toFixed(0)} ms (${BROWSER_LOADS} page loads); the same requests by the page's fetch, no page load: p50 ${browserFigures.fetched.p50.toFixed(0)} ms`,
      );
    }
    return figures;
  } finally {
    await browser?.close();
    await stack?.close();
  }
}
