/**
 * Dashboard benchmark: the wall time of one full dashboard load (every panel's query, run
 * concurrently as the browser fires them) for 30 days of the 3 M-event seeded site, among 10 M
 * events in all; first answered from the hourly rollups, then the same questions from the raw
 * `events` table only. Also ClickHouse's bytes per stored event.
 *
 * The queries are the real ones: each panel is a Stats API v2 body run through the API's own
 * validator and planner (`parseQuery` + `runStatsQuery`, functions/stats) and executor, and the
 * performance panel goes through `planPerformance` (functions/performance). Only the HTTP layer,
 * authentication and D1 are left out. The raw run asks the same 30 days as date-times
 * (`[first 00:00:00, last 23:59:59]`), which both planners answer from `events` alone.
 *
 * Runs against its own chDB bridge on a private port and data directory (kept between runs in
 * BENCH_CLICKHOUSE_DIR, default $TMPDIR/edgebear-bench-clickhouse, so the 10 M events are seeded
 * once), or against `--url` / BENCH_CLICKHOUSE_URL. `npx tsx scripts/bench/dashboard.ts` runs it
 * alone; `npm run bench` includes it unless BENCH_SKIP_DASHBOARD=1.
 */
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createClient } from '@clickhouse/client-web';
import { answerPerformance } from '../../functions/performance';
import { parsePerformanceQuery } from '../../functions/performance/query';
import { resolveRange as resolvePerformanceRange } from '../../functions/performance/range';
import type { ReadableSite } from '../../functions/stats/access';
import { runBatch } from '../../functions/stats/batch';
import { type Executor, runStatsQuery } from '../../functions/stats/run';
import type { SealedDay } from '../../functions/stats/seal';
import { cachedSealedDays, sealDays } from '../../functions/stats/seal';
import { parseQuery } from '../../functions/stats/validate';
import { startClickHouseServer } from '../../tools/clickhouse/server';
import { SESSION_SETTINGS } from '../../workers/clickhouse/settings';
import { BIG_SITE_DOMAIN, FIRST_SEED_SITE_ID } from '../lib/seed-catalog';
import { migrateClickHouse } from '../migrate';
import { clickhouseRequest, progressLine, seedClickHouse, seededRows } from '../seed';
import { type AgreementFigures, checkAgreement, ESTIMATE_TOLERANCE } from './agreement';
import { benchDashboardThroughWorker, type WorkerLoadFigures } from './dashboard-worker';
import { benchFunnel, type FunnelFigures, funnelLines } from './funnel';
import { percentile } from './timings';

export interface TableBytes {
  table: string;
  rows: number;
  parts: number;
  compressedBytes: number;
  uncompressedBytes: number;
}

export interface LoadTimings {
  p50: number;
  p95: number;
  min: number;
  max: number;
  iterations: number;
  /** Each panel's queries run alone, one panel after another (median of 3). */
  panels: { name: string; alone: number }[];
  /** Sum of the panels run alone: the load's total work without overlap. */
  sequential: number;
}

export interface DashboardFigures {
  events: number;
  siteEvents: number;
  range: [string, string];
  queriesPerLoad: number;
  /**
   * What the dashboard sends: one batch of the Stats API panels plus the performance calls, in an
   * isolate that remembers the site's sealed days (SEALED_CACHE_SECONDS, as the Worker does).
   */
  rollups: LoadTimings;
  /** The same, in a fresh isolate: the sealed days are looked up first on every load. */
  cold: LoadTimings;
  /** The same panels as one request each (no batch), from the same tables. */
  unbatched: LoadTimings;
  raw: LoadTimings;
  /**
   * The same load through the Worker (`wrangler dev`: HTTP, session, D1, the batch endpoint), as
   * the dashboard page sends it; null when BENCH_DASHBOARD_WORKER=0.
   */
  worker: WorkerLoadFigures | { error: string } | null;
  /** Statements one batched load sends to ClickHouse. */
  statementsPerLoad: number;
  /** `POST /api/v2/funnel`'s answer for a 3-step funnel over the same 30 days (./funnel.ts). */
  funnel?: FunnelFigures;
  events_table: TableBytes;
  bytesPerEvent: number;
  uncompressedBytesPerEvent: number;
  rollupTables: TableBytes[];
  rollupBytesPerEvent: number;
  /** Biggest columns of `events`, compressed bytes per event. */
  columns: { name: string; bytesPerEvent: number }[];
  seedSeconds: number | null;
  /** Rollup and sealed answers against the raw table's, question by question (./agreement.ts). */
  agreement: AgreementFigures;
  /** Sealing the ended days before the timed loads (functions/stats/seal.ts), when any were due. */
  seal: { days: number; siteDays: number; seconds: number } | null;
  /** 1-minute load average before and after the timed loads: other work on the machine. */
  loadAverage: [number, number];
}

/** Events to seed (BENCH_EVENTS, default 10 M; a smaller seed for trying the bench out). */
export const TOTAL_EVENTS = Number((process.env.BENCH_EVENTS ?? '10000000').replaceAll('_', ''));
if (!Number.isInteger(TOTAL_EVENTS) || TOTAL_EVENTS < 1000)
  throw new Error('BENCH_EVENTS must be a whole number ≥ 1,000');

const ITERATIONS = Number(process.env.BENCH_DASHBOARD_ITERATIONS ?? 20);
/** Raw loads take seconds each on two cores, so fewer of them. */
const RAW_ITERATIONS = Number(process.env.BENCH_DASHBOARD_RAW_ITERATIONS ?? 5);
const DATABASE = 'edgebear';

type Body = Record<string, unknown>;

/** Every panel of the site page, as the dashboard asks (dashboard/src/stats.ts). */
export function panels(range: unknown): { name: string; body: Body; kind: 'stats' | 'performance' }[] {
  const breakdown = (name: string, dimension: string, metrics: string[]) => ({
    name,
    kind: 'stats' as const,
    body: {
      metrics,
      date_range: range,
      dimensions: [dimension],
      order_by: [[metrics[0], 'desc']],
      include: { total_rows: true },
      pagination: { limit: 10 },
    },
  });
  const visitors = ['visitors'];
  return [
    {
      name: 'top chart (visitors by day, previous period)',
      kind: 'stats',
      body: {
        metrics: ['visitors'],
        date_range: range,
        dimensions: ['time:day'],
        include: { time_labels: true, comparisons: { mode: 'previous_period' } },
      },
    },
    {
      name: 'KPI row (previous period)',
      kind: 'stats',
      body: {
        metrics: ['visitors', 'visits', 'pageviews', 'views_per_visit', 'bounce_rate', 'visit_duration'],
        date_range: range,
        include: { comparisons: { mode: 'previous_period' } },
      },
    },
    breakdown('top pages', 'event:page', ['visitors', 'pageviews']),
    breakdown('entry pages', 'visit:entry_page', visitors),
    breakdown('exit pages', 'visit:exit_page', visitors),
    breakdown('sources', 'visit:source', visitors),
    breakdown('referrers', 'visit:referrer', visitors),
    breakdown('channels', 'visit:channel', visitors),
    breakdown('UTM sources', 'visit:utm_source', visitors),
    breakdown('countries', 'visit:country', visitors),
    breakdown('regions', 'visit:region', visitors),
    breakdown('cities', 'visit:city', visitors),
    breakdown('devices', 'visit:device', visitors),
    breakdown('browsers', 'visit:browser', visitors),
    breakdown('OS', 'visit:os', visitors),
    breakdown('custom events (goals)', 'event:goal', ['visitors', 'events', 'conversion_rate']),
    {
      // The vitals of the whole range come as the total of the browser timings by day.
      name: 'performance overall and by day',
      kind: 'performance',
      body: { date_range: range, dimension: 'time:day', total: true },
    },
    {
      name: 'performance by page',
      kind: 'performance',
      body: { date_range: range, dimension: 'event:page', limit: 10 },
    },
    { name: 'visitors now', kind: 'stats', body: { metrics: ['visitors'], date_range: 'realtime' } },
    {
      name: 'realtime (30 min)',
      kind: 'stats',
      body: {
        metrics: ['visitors', 'pageviews'],
        date_range: '30m',
        dimensions: ['time:minute'],
        include: { time_labels: true },
      },
    },
  ];
}

async function tableBytes(conn: Connection, tables: string[]): Promise<TableBytes[]> {
  const text = await clickhouseRequest(
    conn,
    `SELECT table, sum(rows), count(), sum(data_compressed_bytes), sum(data_uncompressed_bytes)
     FROM system.parts WHERE database = '${DATABASE}' AND active AND table IN (${tables.map((t) => `'${t}'`).join(', ')})
     GROUP BY table ORDER BY table FORMAT TabSeparated`,
  );
  return text
    .trim()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [table, rows, parts, compressed, uncompressed] = line.split('\t');
      return {
        table: table ?? '',
        rows: Number(rows),
        parts: Number(parts),
        compressedBytes: Number(compressed),
        uncompressedBytes: Number(uncompressed),
      };
    });
}

interface Connection {
  url: string;
  user: string;
  password: string;
  database: string;
}

export async function benchDashboard(
  options: { url?: string; password?: string; log?: (line: string) => void } = {},
): Promise<DashboardFigures> {
  const log = options.log ?? ((line: string) => console.log(line));
  const externalUrl = options.url ?? process.env.BENCH_CLICKHOUSE_URL;
  let server: { url: string; close(): Promise<void> } | null = null;
  const password = options.password ?? process.env.BENCH_CLICKHOUSE_PASSWORD ?? 'bench-password';
  if (externalUrl === undefined) {
    const dataDir = process.env.BENCH_CLICKHOUSE_DIR ?? join(tmpdir(), 'edgebear-bench-clickhouse');
    server = await startClickHouseServer({ port: 0, host: '127.0.0.1', dataDir, user: 'default', password });
    log(`  ClickHouse (chDB) at ${server.url}, data in ${dataDir}`);
  }
  const conn: Connection = {
    url: externalUrl ?? server?.url ?? '',
    user: 'default',
    password,
    database: DATABASE,
  };
  try {
    await migrateClickHouse({ ...conn, log: () => {} });

    let seedSeconds: number | null = null;
    const existing = await seededRows(conn);
    if (existing === 0) {
      log(`  seeding ${TOTAL_EVENTS.toLocaleString('en-US')} events…`);
      const started = performance.now();
      let lastDecile = -1;
      const result = await seedClickHouse({
        ...conn,
        events: TOTAL_EVENTS,
        seed: 1,
        days: 30,
        end: Math.floor(Date.now() / 1000 / 3600) * 3600,
        sites: 1000,
        batchRows: 200_000,
        onProgress(written, total) {
          const decile = Math.floor((10 * written) / total);
          if (decile > lastDecile) {
            lastDecile = decile;
            log(`  ${progressLine(written, total, (performance.now() - started) / 1000)}`);
          }
        },
      });
      seedSeconds = result.seconds;
    } else if (existing < TOTAL_EVENTS) {
      throw new Error(
        `${existing} seeded events found in the data directory, fewer than ${TOTAL_EVENTS} (BENCH_EVENTS; a smaller seed, or an interrupted one?); delete the data directory or point BENCH_CLICKHOUSE_DIR elsewhere, and run again`,
      );
    } else {
      log(`  reusing ${existing.toLocaleString('en-US')} seeded events`);
    }

    const site: ReadableSite = { id: FIRST_SEED_SITE_ID, domain: BIG_SITE_DOMAIN, timezone: 'Europe/Berlin' };
    // The 30 local days that end with the newest seeded event (the "30d" of the seeding day).
    const [lastDay, siteEvents] = (
      await clickhouseRequest(
        conn,
        `SELECT toDate(max(timestamp), '${site.timezone}'), count() FROM events WHERE site_id = ${site.id} FORMAT TabSeparated`,
      )
    )
      .trim()
      .split('\t');
    const last = lastDay ?? '';
    const first = new Date(Date.parse(`${last}T00:00:00Z`) - 29 * 86_400_000).toISOString().slice(0, 10);

    // The Worker's client and the Stats API executor's settings (functions/stats/run.ts), with a
    // longer timeout: a raw load queues 21 full scans on two cores.
    const client = createClient({
      url: conn.url,
      username: conn.user,
      password: conn.password,
      database: DATABASE,
      request_timeout: 600_000,
      // Progress headers keep long raw loads alive behind proxies; the client warns without them.
      clickhouse_settings: {
        ...SESSION_SETTINGS,
        output_format_json_quote_64bit_integers: 1,
        send_progress_in_http_headers: 1,
      },
    });

    // Ended days sealed, as the 15-minute cron keeps them (functions/stats/seal.ts).
    const sealStarted = performance.now();
    const sealedNow = await sealDays(client, Date.now());
    const seal =
      sealedNow.days.length > 0
        ? {
            days: sealedNow.days.length,
            siteDays: sealedNow.sealed,
            seconds: (performance.now() - sealStarted) / 1000,
          }
        : null;
    if (seal) log(`  sealed ${seal.days} days (${seal.siteDays} site-days) in ${seal.seconds.toFixed(1)} s`);

    // Every MergeTree table beside `events` (rollups, sealed days, their bookkeeping).
    const rollupNames = (
      await clickhouseRequest(
        conn,
        `SELECT name FROM system.tables WHERE database = '${DATABASE}' AND engine LIKE '%MergeTree'
         AND name NOT IN ('events', 'schema_migrations') ORDER BY name FORMAT TabSeparated`,
      )
    )
      .trim()
      .split('\n')
      .filter((name) => name !== '');
    // Every table fully merged, as background merges leave them: an aggregating table holds one
    // row per key only after its parts merge. Every part is rewritten, even a partition already
    // merged into one part, so that codecs and storage settings of later migrations (0004's sparse
    // columns, 0010's codecs) apply to the seeded rows as they do to new ones.
    for (const table of ['events', ...rollupNames]) {
      log(`  OPTIMIZE TABLE ${table} FINAL…`);
      await clickhouseRequest(
        conn,
        `OPTIMIZE TABLE ${table} FINAL SETTINGS optimize_skip_merged_partitions = 0`,
      );
    }
    const [eventsTable] = await tableBytes(conn, ['events']);
    if (!eventsTable) throw new Error('no parts of events');
    const rollupTables = await tableBytes(conn, rollupNames);
    const columnText = await clickhouseRequest(
      conn,
      `SELECT column, sum(column_data_compressed_bytes) AS b FROM system.parts_columns
       WHERE database = '${DATABASE}' AND table = 'events' AND active GROUP BY column ORDER BY b DESC LIMIT 12 FORMAT TabSeparated`,
    );
    const columns = columnText
      .trim()
      .split('\n')
      .map((line) => line.split('\t'))
      .map(([name, bytes]) => ({ name: name ?? '', bytesPerEvent: Number(bytes) / eventsTable.rows }));

    let statements = 0;
    const execute: Executor = async (sql, params) => {
      statements += 1;
      const result = await client.query({
        query: sql,
        query_params: params,
        format: 'JSONEachRow',
        clickhouse_settings: { prefer_column_name_to_alias: 1, output_format_json_quote_64bit_integers: 1 },
      });
      return result.json();
    };

    type Panel = ReturnType<typeof panels>[number];
    const runPerformance = async (panel: Panel): Promise<void> => {
      const query = parsePerformanceQuery({ site_id: site.domain, ...panel.body });
      const range = resolvePerformanceRange(query.dateRange, site.timezone, Date.now());
      // The endpoint's own planning and shaping (functions/performance/index.ts).
      await answerPerformance(
        async (sql, params) => {
          statements += 1;
          const result = await client.query({ query: sql, query_params: params, format: 'JSONEachRow' });
          return result.json();
        },
        query,
        site,
        range,
      );
    };
    const runPanel = async (panel: Panel): Promise<number> => {
      const started = performance.now();
      if (panel.kind === 'stats') {
        await runStatsQuery(execute, site, parseQuery({ site_id: site.domain, ...panel.body }), Date.now(), {
          lookup: remembered,
        });
      } else {
        await runPerformance(panel);
      }
      return performance.now() - started;
    };
    /** A page load as the dashboard sends it: the Stats API panels in one batch, performance beside. */
    const load = async (list: Panel[], lookup?: () => Promise<SealedDay[]>): Promise<void> => {
      const stats = list.filter((p) => p.kind === 'stats');
      const answers = runBatch(
        execute,
        site,
        stats.map((p) => parseQuery({ site_id: site.domain, ...p.body })),
        Date.now(),
        lookup,
      );
      await Promise.all([
        answers.then((all) => {
          const failed = all.find((a) => !a.ok);
          if (failed && !failed.ok) throw failed.error;
        }),
        ...list.filter((p) => p.kind !== 'stats').map(runPerformance),
      ]);
    };
    /** As the Worker's isolate does: the site's sealed days remembered for 60 s. */
    const remembered = () => cachedSealedDays(execute, site.id, 60);
    const batchedLoad = (list: Panel[]) => load(list, remembered);
    /** A fresh isolate: the sealed days looked up before the batch's statement. */
    const coldLoad = (list: Panel[]) => load(list);
    /** The same panels, one request each. */
    const unbatchedLoad = async (list: Panel[]): Promise<void> => {
      await Promise.all(list.map(runPanel));
    };

    const measure = async (
      label: string,
      range: unknown,
      iterations: number,
      load: (list: Panel[]) => Promise<void>,
      alone: boolean,
    ): Promise<LoadTimings> => {
      const list = panels(range);
      // One warm-up load: the first touch of a table pays for opening its parts.
      await load(list);
      const loads: number[] = [];
      for (let i = 0; i < iterations; i++) {
        const started = performance.now();
        await load(list);
        loads.push(performance.now() - started);
      }
      const each: { name: string; alone: number }[] = [];
      if (alone) {
        for (const panel of list) {
          const times = [await runPanel(panel), await runPanel(panel), await runPanel(panel)].sort(
            (a, b) => a - b,
          );
          each.push({ name: panel.name, alone: times[1] ?? 0 });
        }
      }
      const sorted = [...loads].sort((a, b) => a - b);
      const timings: LoadTimings = {
        p50: percentile(sorted, 0.5),
        p95: percentile(sorted, 0.95),
        min: sorted[0] ?? 0,
        max: sorted.at(-1) ?? 0,
        iterations,
        panels: each,
        sequential: each.reduce((sum, p) => sum + p.alone, 0),
      };
      log(
        `  ${label}: full load p50 ${timings.p50.toFixed(0)} ms, p95 ${timings.p95.toFixed(0)} ms (${iterations} loads of ${list.length} panels)`,
      );
      return timings;
    };

    const rollupRange = [first, last];
    const loadBefore = loadavg()[0] ?? 0;
    // Statements of one load once the isolate remembers the sealed days (a new isolate adds one).
    await batchedLoad(panels(rollupRange));
    statements = 0;
    await batchedLoad(panels(rollupRange));
    const statementsPerLoad = statements;
    const rollups = await measure('batched (as the dashboard)', rollupRange, ITERATIONS, batchedLoad, true);
    // Right after the in-process figure, on the same warm tables, so the two compare. A failure
    // here (a stack that does not start, a query the Worker refuses) is reported in the section
    // instead of costing the rest of a long run.
    let worker: WorkerLoadFigures | { error: string } | null = null;
    if (process.env.BENCH_DASHBOARD_WORKER !== '0') {
      try {
        worker = await benchDashboardThroughWorker({
          clickhouse: { url: conn.url, password: conn.password },
          site,
          range: [first, last],
          iterations: ITERATIONS,
          log,
          inProcessLoad: (questions) =>
            batchedLoad([
              ...questions.stats.map((body) => ({ name: 'captured', kind: 'stats' as const, body })),
              ...questions.performance.map((body) => ({
                name: 'captured',
                kind: 'performance' as const,
                body,
              })),
            ]),
        });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        log(`  through the Worker: failed: ${message}`);
        worker = { error: message.split('\n')[0] ?? message };
      }
    }
    const funnel = await benchFunnel({ execute, site, range: [first, last], iterations: ITERATIONS, log });
    const cold = await measure('batched, new isolate', rollupRange, ITERATIONS, coldLoad, false);
    const unbatched = await measure('one request per panel', rollupRange, ITERATIONS, unbatchedLoad, false);
    const raw = await measure(
      'raw events',
      [`${first}T00:00:00`, `${last}T23:59:59`],
      RAW_ITERATIONS,
      unbatchedLoad,
      true,
    );
    const loadAfter = loadavg()[0] ?? 0;
    log('  rollups and sealed days against raw events…');
    const agreement = await checkAgreement(execute, site, { first, last }, remembered);
    log(
      `  ${agreement.questions} questions, ${agreement.values} values, ${agreement.disagreements.length} disagreeing`,
    );
    await client.close();
    const rollupBytes = rollupTables.reduce((sum, t) => sum + t.compressedBytes, 0);
    return {
      events: eventsTable.rows,
      siteEvents: Number(siteEvents),
      range: [first, last],
      queriesPerLoad: panels([first, last]).length,
      rollups,
      cold,
      unbatched,
      raw,
      worker,
      statementsPerLoad,
      funnel,
      events_table: eventsTable,
      bytesPerEvent: eventsTable.compressedBytes / eventsTable.rows,
      uncompressedBytesPerEvent: eventsTable.uncompressedBytes / eventsTable.rows,
      rollupTables,
      rollupBytesPerEvent: rollupBytes / eventsTable.rows,
      columns,
      seedSeconds,
      seal,
      loadAverage: [loadBefore, loadAfter],
      agreement,
    };
  } finally {
    await server?.close();
  }
}

/** The through-the-Worker part of the Dashboard section: method, the captured load, the figures. */
function workerLines(w: WorkerLoadFigures, inProcess: LoadTimings): string[] {
  const ms = (x: number) => `${x.toFixed(0)} ms`;
  const mark = (ok: boolean) => (ok ? 'met' : '**not met**');
  const steps = [...new Set(w.requests.map((r) => r.wave))].map((wave) =>
    w.requests
      .filter((r) => r.wave === wave)
      .map((r) => `\`${r.method} ${r.path.replace(/\?.*/, '')}\``)
      .join(' + '),
  );
  return [
    `**Through the Worker.** The real Worker under \`wrangler dev\` (a private stack: local D1, Durable Objects, the local Stripe) reads the same chDB ClickHouse; the big site is in its D1 with its seeded id, owned by an account signed up and verified through the API. Headless Chromium, signed in with that account's session cookie, opens \`/sites/<id>?period=custom\` for the same 30 days once, and every \`/api/\` request of the load is captured with its body and headers; the load is then replayed with \`fetch\` (same cookie and CSRF header, same order, same parallelism: a request waits for the ones that had answered before the page sent it), one warm-up load and ${w.iterations} timed ones. Replaying keeps Chromium's rendering off the two cores while the Worker and ClickHouse work, and leaves out nothing of the server side. The load, step by step: ${steps.join(', then ')}; the batch carries ${w.batchQueries} Stats API questions.`,
    '',
    '| through the Worker | p50 | p95 | fastest / slowest | budget | |',
    '|---|---|---|---|---|---|',
    `| the panels' data: the batch and the performance calls, sent at once (first sent → last answered) | ${ms(w.data.p50)} | ${ms(w.data.p95)} | ${ms(w.data.min)} / ${ms(w.data.max)} | ≤ 150 ms | ${mark(w.data.p50 <= 150)} |`,
    `| \`POST /api/v2/query/batch\` alone | ${ms(w.batch.p50)} | ${ms(w.batch.p95)} | ${ms(w.batch.min)} / ${ms(w.batch.max)} | — | |`,
    `| every API request of the load (session and site first) | ${ms(w.whole.p50)} | ${ms(w.whole.p95)} | ${ms(w.whole.min)} / ${ms(w.whole.max)} | — | |`,
    ...(w.browser
      ? [
          `| in Chromium, the panels' data by the page's Resource Timing (${w.browser.loads} page loads) | ${ms(w.browser.data.p50)} | ${ms(w.browser.data.p95)} | ${ms(w.browser.data.min)} / ${ms(w.browser.data.max)} | — | |`,
          `| in Chromium, \`POST /api/v2/query/batch\` | ${ms(w.browser.batch.p50)} | ${ms(w.browser.batch.p95)} | ${ms(w.browser.batch.min)} / ${ms(w.browser.batch.max)} | — | |`,
          `| in Chromium, the batch from request sent to first byte back | ${ms(w.browser.batchWait.p50)} | ${ms(w.browser.batchWait.p95)} | ${ms(w.browser.batchWait.min)} / ${ms(w.browser.batchWait.max)} | — | |`,
          `| in Chromium, the panels' requests sent by the open page's \`fetch\`, no page load around them (${w.browser.loads} times) | ${ms(w.browser.fetched.p50)} | ${ms(w.browser.fetched.p95)} | ${ms(w.browser.fetched.min)} / ${ms(w.browser.fetched.max)} | — | |`,
        ]
      : []),
    `| the same questions in-process, in turns with the replays (validator, planner and executor called directly: no HTTP, session or D1) | ${ms(w.inProcess.p50)} | ${ms(w.inProcess.p95)} | ${ms(w.inProcess.min)} / ${ms(w.inProcess.max)} | — | |`,
    '',
    `The page asks ${w.batchQueries} Stats API questions and ${w.requests.filter((r) => r.path.startsWith('/api/stats/performance')).length} performance calls: a panel with tabs asks for its open tab only. The in-process table below asks every tab of every panel at once (${inProcess.iterations} loads, p50 ${ms(inProcess.p50)}), more than a page load sends.`,
    '',
  ];
}

/** Rollups and sealed days against the raw table (./agreement.ts says what must match). */
function agreementLines(a: AgreementFigures): string[] {
  const n = (x: number) => x.toLocaleString('en-US');
  return [
    '### Rollups and sealed days against raw events',
    '',
    `The same 30 days asked twice through the Stats API: as dates (answered from the sealed days and \`visit_hours\`, \`pages_hourly\`, \`events_hourly\`) and as date-times (answered from \`events\` alone): totals and days with every visit metric, pages, goals, and every visit breakdown of the dashboard with every visit metric (scripts/bench/agreement.ts). ${a.questions} questions, ${n(a.rows)} rows, ${n(a.values)} values: **${a.disagreements.length === 0 ? 'all agree' : `${a.disagreements.length} disagree`}**. Counts (visits, pageviews, events, bounce rate, visit duration, views per visit, scroll depth, time on page) must be equal; \`visitors\` is ClickHouse's \`uniq\` estimate, summed per UTC day from the sealed days and estimated over the whole range from raw events, so ${n(a.estimatedDiffering)} values of visitors, percentages and conversion rates differ, by ${(100 * a.largestEstimateError).toFixed(2)} % at most (allowed: ${100 * ESTIMATE_TOLERANCE} %).`,
    '',
    ...(a.disagreements.length > 0
      ? [
          '| question | row | metric | rollups | raw |',
          '|---|---|---|---|---|',
          ...a.disagreements
            .slice(0, 20)
            .map((d) => `| ${d.question} | ${d.row} | ${d.metric} | ${d.rollups} | ${d.raw} |`),
          '',
        ]
      : []),
  ];
}

/** The "Dashboard" section of docs/benchmarks.md. */
export function dashboardLines(f: DashboardFigures): string[] {
  const ms = (x: number) => `${x.toFixed(0)} ms`;
  const mark = (ok: boolean) => (ok ? 'met' : '**not met**');
  const n = (x: number) => x.toLocaleString('en-US');
  const measuredWorker = f.worker !== null && !('error' in f.worker);
  return [
    '## Dashboard',
    '',
    `A full dashboard load for ${f.range[0]} … ${f.range[1]} (30 days in Europe/Berlin, today included) of the big seeded site (${n(f.siteEvents)} events; ${n(f.events)} events in all over 1,000 sites, \`npm run seed\`): all 21 panels, as ${f.queriesPerLoad} API questions — top chart and KPI row with the previous period, pages / entry / exit, sources / referrers / channels / UTM sources, countries / regions / cities, devices / browsers / OS, goals, performance (overall and by day in one question, by page), realtime (now and 30 minutes). "Batched" is what the dashboard sends: the Stats API panels as one \`POST /api/v2/query/batch\` (functions/stats/batch.ts) beside the two performance calls, ${f.statementsPerLoad} ClickHouse statements in all, in a Worker isolate that remembers the site's sealed days (\`SEALED_CACHE_SECONDS\`, 60 s); "new isolate" looks them up first, one statement more before the batch's own. Wall time of a whole load after one warm-up load: ${f.rollups.iterations} loads each for the batched and the one-request-per-panel columns, ${f.raw.iterations} from the raw table. The queries are the API's own (validator, planner and executor of functions/stats, planner of functions/performance) against the local chDB bridge${measuredWorker ? ', first through the Worker, then in-process (the validator, planner and executor called directly, leaving out HTTP, authentication and D1)' : '; HTTP, authentication and D1 are not included'}. Ended days are sealed first, as the 15-minute cron keeps them${f.seal ? ` (${f.seal.days} days, ${n(f.seal.siteDays)} site-days, took ${f.seal.seconds.toFixed(0)} s in this run)` : ''}; today comes from the hourly rollups.`,
    '',
    ...(f.worker === null
      ? []
      : 'error' in f.worker
        ? [`**Through the Worker**: not measured in this run, it failed: ${f.worker.error}`, '']
        : workerLines(f.worker, f.rollups)),
    '| figure | batched (as the dashboard), in-process | batched, new isolate | one request per panel | raw `events` only | budget | |',
    '|---|---|---|---|---|---|---|',
    `| full load p50 | ${ms(f.rollups.p50)} | ${ms(f.cold.p50)} | ${ms(f.unbatched.p50)} | ${ms(f.raw.p50)} | ${measuredWorker ? '(through the Worker, above)' : '≤ 150 ms'} | ${measuredWorker ? '' : mark(f.rollups.p50 <= 150)} |`,
    `| full load p95 | ${ms(f.rollups.p95)} | ${ms(f.cold.p95)} | ${ms(f.unbatched.p95)} | ${ms(f.raw.p95)} | — | |`,
    `| fastest / slowest load | ${ms(f.rollups.min)} / ${ms(f.rollups.max)} | ${ms(f.cold.min)} / ${ms(f.cold.max)} | ${ms(f.unbatched.min)} / ${ms(f.unbatched.max)} | ${ms(f.raw.min)} / ${ms(f.raw.max)} | — | |`,
    '',
    `Machine load (1-minute load average) was ${f.loadAverage[0].toFixed(1)} before the timed loads and ${f.loadAverage[1].toFixed(1)} after, on ${cpus().length} cores; above the core count, other processes were competing with these queries.`,
    '',
    'The raw column asks the same 30 days as date-times, which the planners answer from `events` alone. Realtime panels read `events` in every column.',
    '',
    `Each panel alone, one request (its queries, including the comparison period; median of 3). Sum: ${ms(f.rollups.sequential)} from the rollups and sealed days, ${ms(f.raw.sequential)} from raw events.`,
    '',
    '| panel | rollups and sealed days | raw |',
    '|---|---|---|',
    ...f.rollups.panels.map((p, i) => `| ${p.name} | ${ms(p.alone)} | ${ms(f.raw.panels[i]?.alone ?? 0)} |`),
    '',
    ...(f.funnel ? funnelLines(f.funnel) : []),
    ...agreementLines(f.agreement),
    '### Storage',
    '',
    `After \`OPTIMIZE TABLE … FINAL\` of every table (fully merged, as background merges leave them), from \`system.parts\` (active parts), with every migration applied (0003 and 0010 codecs; 0004 drops \`event_id\` and stores the mostly-NULL timings sparse; 0008 daily performance histograms, 0011 hourly site-wide ones; 0009 one visit table):`,
    '',
    '| figure | measured | budget | |',
    '|---|---|---|---|',
    `| \`events\`, every rollup and the sealed days together, compressed bytes per event | ${(f.bytesPerEvent + f.rollupBytesPerEvent).toFixed(1)} B | ≤ 40 bytes | ${mark(f.bytesPerEvent + f.rollupBytesPerEvent <= 40)} |`,
    `| \`events\`, compressed bytes per event | ${f.bytesPerEvent.toFixed(1)} B (${n(f.events_table.compressedBytes)} B for ${n(f.events_table.rows)} rows; ${f.uncompressedBytesPerEvent.toFixed(0)} B uncompressed) | ≤ 20 bytes | ${mark(f.bytesPerEvent <= 20)} |`,
    `| rollups and sealed days, compressed bytes per event | ${f.rollupBytesPerEvent.toFixed(1)} B | — | |`,
    '',
    '| rollup table | rows | parts | compressed |',
    '|---|---|---|---|',
    ...f.rollupTables.map(
      (t) =>
        `| \`${t.table}\` | ${n(t.rows)} | ${t.parts} | ${n(t.compressedBytes)} B (${(t.compressedBytes / f.events).toFixed(2)} B/event) |`,
    ),
    '',
    `Largest columns of \`events\` (compressed bytes per event): ${f.columns.map((c) => `\`${c.name}\` ${c.bytesPerEvent.toFixed(2)}`).join(', ')}.`,
    '',
    ...(f.seedSeconds !== null
      ? [
          `Seeding ${n(f.events)} events took ${f.seedSeconds.toFixed(0)} s (${n(Math.round(f.events / f.seedSeconds))} rows/s) in this run.`,
          '',
        ]
      : []),
  ];
}

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (invokedDirectly) {
  const urlAt = process.argv.indexOf('--url');
  const passwordAt = process.argv.indexOf('--password');
  benchDashboard({
    url: urlAt === -1 ? undefined : process.argv[urlAt + 1],
    password: passwordAt === -1 ? undefined : process.argv[passwordAt + 1],
  })
    .then((figures) => {
      console.log(dashboardLines(figures).join('\n'));
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
