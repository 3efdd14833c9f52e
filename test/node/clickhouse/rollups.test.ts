import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ClickHouseClient, type ClickHouseSettings, createClient } from '@clickhouse/client-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateClickHouse } from '../../../scripts/migrate';
import { type ClickHouseServer, startClickHouseServer } from '../../../tools/clickhouse/server';
import type { EventRecord } from '../../../workers/events/record';
import { blankEvent } from '../../fixtures/event-record';

const USER = 'default';
const PASSWORD = 'rollup-test-password';
const ROLLUPS = [
  'events_hourly',
  'pages_hourly',
  'performance_page_days',
  'performance_site_days',
  'performance_site_hours',
  'usage_hourly',
  'visit_hours',
];

/** What the queue consumer sends with each batch: a retried batch must change nothing. */
const IDEMPOTENT_SYNC: ClickHouseSettings = {
  async_insert: 0,
  insert_deduplicate: 1,
  deduplicate_blocks_in_dependent_materialized_views: 1,
};
const IDEMPOTENT_ASYNC: ClickHouseSettings = {
  async_insert: 1,
  wait_for_async_insert: 1,
  async_insert_deduplicate: 1,
  insert_deduplicate: 1,
  deduplicate_blocks_in_dependent_materialized_views: 1,
};

let dataDir: string;
let server: ClickHouseServer;
let client: ClickHouseClient;

const HOUR = Date.UTC(2026, 10, 20, 10) / 1000;

/** An event with every column set to its empty value, then `fields`. */
function event(fields: Partial<EventRecord> & Pick<EventRecord, 'site_id' | 'kind'>): EventRecord {
  return {
    ...blankEvent(),
    timestamp: HOUR,
    name: fields.kind === 'pageview' ? 'pageview' : '',
    visitor_id: '1',
    session_id: '1',
    hostname: 'example.com',
    channel: 'Direct',
    device: 'Desktop',
    browser: 'Chrome',
    browser_version: '120',
    os: 'Mac OS',
    os_version: '14',
    ...fields,
  };
}

async function insertEvents(events: EventRecord[], settings: ClickHouseSettings): Promise<void> {
  await client.insert({
    table: 'events',
    values: events,
    format: 'JSONEachRow',
    clickhouse_settings: settings,
  });
}

async function rows<T>(query: string, siteId: number): Promise<T[]> {
  const result = await client.query({
    query,
    query_params: { site: siteId },
    format: 'JSONEachRow',
    clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
  });
  return result.json<T>();
}

/** One number per table, so a double-counted retry shows up wherever it happens. */
async function totals(siteId: number): Promise<Record<string, number>> {
  const [row] = await rows<Record<string, number>>(
    `SELECT
       (SELECT count() FROM events WHERE site_id = {site:UInt32}) AS events,
       (SELECT sum(events) FROM usage_hourly WHERE site_id = {site:UInt32}) AS usage,
       (SELECT sum(pageviews) FROM pages_hourly WHERE site_id = {site:UInt32}) AS pages,
       (SELECT sum(pageviews) + sum(interactive_events) FROM visit_hours WHERE site_id = {site:UInt32}) AS visits,
       (SELECT sum(events) FROM events_hourly WHERE site_id = {site:UInt32}) AS goals,
       (SELECT sum(samples) FROM performance_site_days WHERE site_id = {site:UInt32}) AS performance`,
    siteId,
  );
  return row ?? {};
}

/**
 * A batch touching every rollup: 2 pageviews, a custom event, an engagement and a performance
 * sample, one second apart.
 */
function batch(siteId: number, idOffset: number): EventRecord[] {
  const session = String(idOffset + 100);
  const at = (n: number) => HOUR + n;
  return [
    event({ site_id: siteId, kind: 'pageview', timestamp: at(1), session_id: session }),
    event({ site_id: siteId, kind: 'pageview', timestamp: at(2), session_id: session, pathname: '/a' }),
    event({ site_id: siteId, kind: 'custom', name: 'Signup', timestamp: at(3), session_id: session }),
    event({ site_id: siteId, kind: 'engagement', timestamp: at(4), session_id: session, engaged_ms: 5_000 }),
    event({ site_id: siteId, kind: 'performance', timestamp: at(5), session_id: session, lcp_ms: 1_000 }),
  ];
}

const ONE_BATCH = {
  events: 5,
  usage: 5,
  pages: 2,
  // Two pageviews and the interactive custom event.
  visits: 3,
  goals: 1,
  performance: 1,
};
const doubled = (counts: Record<string, number>) =>
  Object.fromEntries(Object.entries(counts).map(([key, value]) => [key, value * 2]));

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'edgebear-rollups-test-'));
  server = await startClickHouseServer({ port: 0, dataDir, user: USER, password: PASSWORD });
  await migrateClickHouse({
    url: server.url,
    user: USER,
    password: PASSWORD,
    database: 'edgebear',
    log: () => {},
  });
  client = createClient({ url: server.url, username: USER, password: PASSWORD, database: 'edgebear' });
});

afterAll(async () => {
  await client.close();
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('ClickHouse migrations', () => {
  it('create events and every rollup with its view, and skip everything on a second run', async () => {
    const again = await migrateClickHouse({
      url: server.url,
      user: USER,
      password: PASSWORD,
      database: 'edgebear',
      log: () => {},
    });
    const files = readdirSync('schema/clickhouse')
      .filter((f) => f.endsWith('.sql'))
      .sort();
    expect(files.slice(0, 3)).toEqual(['0001_events.sql', '0002_rollups.sql', '0003_events_codecs.sql']);
    expect(again).toEqual({ applied: [], skipped: files });

    const tables = await rows<{ name: string; engine: string }>(
      "SELECT name, engine FROM system.tables WHERE database = 'edgebear' AND {site:UInt32} = 0 ORDER BY name",
      0,
    );
    const names = tables.map((table) => table.name);
    expect(names).toEqual(
      expect.arrayContaining(['events', 'schema_migrations', ...ROLLUPS, ...ROLLUPS.map((t) => `${t}_mv`)]),
    );
    // 0007 dropped the t-digest performance rollup that the span histograms replaced, 0008 the spans.
    expect(names).not.toContain('performance_hourly');
    expect(names).not.toContain('performance_site_spans');
    const views = tables.filter((table) => table.engine === 'MaterializedView').map((table) => table.name);
    expect(views.sort()).toEqual(ROLLUPS.map((t) => `${t}_mv`).sort());
    const recorded = await rows<{ name: string }>(
      'SELECT name FROM schema_migrations WHERE {site:UInt32} = 0 ORDER BY name',
      0,
    );
    expect(recorded).toEqual(files.map((name) => ({ name })));
  });
});

describe('idempotent inserts', () => {
  it('a retried synchronous batch with the same insert_deduplication_token is counted once everywhere', async () => {
    const site = 2;
    const settings = { ...IDEMPOTENT_SYNC, insert_deduplication_token: 'batch-sync-1' };
    await insertEvents(batch(site, 2_000), settings);
    await insertEvents(batch(site, 2_000), settings);
    expect(await totals(site)).toEqual(ONE_BATCH);

    // A different batch (new token, new events) still counts.
    await insertEvents(batch(site, 2_100), {
      ...IDEMPOTENT_SYNC,
      insert_deduplication_token: 'batch-sync-2',
    });
    expect(await totals(site)).toEqual(doubled(ONE_BATCH));
  });

  it('a retried async batch (async_insert_deduplicate) is counted once everywhere', async () => {
    const site = 3;
    const settings = { ...IDEMPOTENT_ASYNC, insert_deduplication_token: 'batch-async-1' };
    await insertEvents(batch(site, 3_000), settings);
    await insertEvents(batch(site, 3_000), settings);
    expect(await totals(site)).toEqual(ONE_BATCH);

    await insertEvents(batch(site, 3_100), {
      ...IDEMPOTENT_ASYNC,
      insert_deduplication_token: 'batch-async-2',
    });
    expect(await totals(site)).toEqual(doubled(ONE_BATCH));
  });

  it('without deduplicate_blocks_in_dependent_materialized_views a retry double-counts the rollups', async () => {
    // Why the consumer must send the setting (ClickHouse before 26.2 defaults it to 0).
    const site = 4;
    const settings: ClickHouseSettings = {
      ...IDEMPOTENT_SYNC,
      deduplicate_blocks_in_dependent_materialized_views: 0,
      insert_deduplication_token: 'batch-no-mv-dedup',
    };
    await insertEvents(batch(site, 4_000), settings);
    await insertEvents(batch(site, 4_000), settings);
    const counts = await totals(site);
    expect(counts.events).toBe(5);
    expect(counts.usage).toBe(10);
  });
});

describe('visit order (visit_hours_mv orders events by their second)', () => {
  it('breaks a tie within one second for the row inserted first, for entry and exit alike', async () => {
    const site = 5;
    await insertEvents(
      [
        event({
          site_id: site,
          kind: 'pageview',
          session_id: '51',
          pathname: '/first',
          referrer_source: 'Google',
        }),
        event({
          site_id: site,
          kind: 'pageview',
          session_id: '51',
          pathname: '/second',
          referrer_source: 'Bing',
        }),
      ],
      { ...IDEMPOTENT_SYNC, insert_deduplication_token: 'tie-1' },
    );
    expect(
      await rows(
        `SELECT argMinMerge(entry_page) AS entry, argMaxMerge(exit_page) AS exit,
                splitByChar('\\x1F', argMinMerge(first_touch))[2] AS source, sum(pageviews) AS views
         FROM visit_hours WHERE site_id = {site:UInt32} GROUP BY session_id`,
        site,
      ),
    ).toEqual([{ entry: '/first', exit: '/first', source: 'Google', views: 2 }]);
  });
});

describe('hourly rollups', () => {
  // Site 1, 10:00–11:00 UTC: visitor 1 reads two pages (Google), visitor 2 bounces on the home page
  // (direct), visitor 3 signs up after one page (Twitter). Visitor 1 comes back at 11:05.
  const site = 1;
  const at = (minutes: number) => HOUR + minutes * 60;
  const google = {
    referrer: 'https://www.google.com/',
    referrer_source: 'Google',
    channel: 'Organic Search',
  };
  const twitter = { referrer: 'https://t.co/', referrer_source: 'Twitter', channel: 'Organic Social' };
  const germany = { country: 'DE', region: 'BE', city: 'Berlin' };
  const usa = { country: 'US', region: 'CA', city: 'San Francisco' };
  const dataset: EventRecord[] = [
    event({
      site_id: site,
      kind: 'pageview',
      timestamp: at(0),
      visitor_id: '1',
      session_id: '11',
      ...google,
      ...germany,
    }),
    event({
      site_id: site,
      kind: 'performance',
      timestamp: at(0) + 1,
      visitor_id: '1',
      session_id: '11',
      ...google,
      ...germany,
      lcp_ms: 2_000,
      inp_ms: 300,
      cls: 0.3,
      fcp_ms: 1_000,
      ttfb_ms: 900,
      interactive: 0,
    }),
    event({
      site_id: site,
      kind: 'pageview',
      timestamp: at(1),
      visitor_id: '1',
      session_id: '11',
      pathname: '/pricing',
      ...germany,
    }),
    event({
      site_id: site,
      kind: 'engagement',
      timestamp: at(2),
      visitor_id: '1',
      session_id: '11',
      pathname: '/pricing',
      ...germany,
      engaged_ms: 30_000,
      scroll_depth: 80,
      interactive: 0,
    }),
    event({
      site_id: site,
      kind: 'pageview',
      timestamp: at(5),
      visitor_id: '2',
      session_id: '22',
      ...usa,
      device: 'Mobile',
      browser: 'Safari',
      browser_version: '17',
      os: 'iOS',
      os_version: '17',
    }),
    event({
      site_id: site,
      kind: 'pageview',
      timestamp: at(10),
      visitor_id: '3',
      session_id: '33',
      pathname: '/pricing',
      ...twitter,
      ...usa,
      browser: 'Firefox',
      browser_version: '130',
    }),
    event({
      site_id: site,
      kind: 'custom',
      name: 'Signup',
      timestamp: at(11),
      visitor_id: '3',
      session_id: '33',
      pathname: '/pricing',
      ...twitter,
      ...usa,
      browser: 'Firefox',
      browser_version: '130',
      revenue_amount: '10.5',
      revenue_currency: 'EUR',
    }),
    event({
      site_id: site,
      kind: 'pageview',
      timestamp: at(65),
      visitor_id: '1',
      session_id: '12',
      pathname: '/about',
      ...germany,
    }),
  ];

  beforeAll(async () => {
    // Two inserts, so the rollups must merge states across parts like they do in production.
    await insertEvents(dataset.slice(0, 4), { ...IDEMPOTENT_SYNC, insert_deduplication_token: 'dataset-1' });
    await insertEvents(dataset.slice(4), { ...IDEMPOTENT_SYNC, insert_deduplication_token: 'dataset-2' });
  });

  it('pages_hourly: pageviews and visitors per page (engagement is read per visit from events)', async () => {
    const pages = await rows(
      `SELECT toString(hour) AS hour, pathname, sum(pageviews) AS pageviews, uniqMerge(visitors) AS visitors
       FROM pages_hourly WHERE site_id = {site:UInt32}
       GROUP BY hour, pathname ORDER BY hour, pathname`,
      site,
    );
    // The engagement event on /pricing changes no count.
    expect(pages).toEqual([
      { hour: '2026-11-20 10:00:00', pathname: '/', pageviews: 2, visitors: 2 },
      { hour: '2026-11-20 10:00:00', pathname: '/pricing', pageviews: 2, visitors: 2 },
      { hour: '2026-11-20 11:00:00', pathname: '/about', pageviews: 1, visitors: 1 },
    ]);
  });

  it('visit_hours: visits, entry and exit pages, bounces, duration, entry source, location and device', async () => {
    const visits = await rows(
      `SELECT session_id, any(visitor_id) AS visitor, sum(pageviews) AS views,
              argMinMerge(entry_page) AS entry, argMaxMerge(exit_page) AS exit,
              toUInt32(max(ended_at) - min(started_at)) AS duration,
              sum(pageviews) = 1 AND sum(interactive_events) = 0 AS bounced,
              splitByChar('\\x1F', argMinMerge(first_touch))[2] AS source, splitByChar('\\x1F', argMinMerge(first_touch))[3] AS channel,
              any(country) AS country, any(browser) AS browser
       FROM visit_hours WHERE site_id = {site:UInt32}
       GROUP BY session_id ORDER BY session_id`,
      site,
    );
    expect(visits).toEqual([
      {
        session_id: 11,
        visitor: 1,
        views: 2,
        entry: '/',
        exit: '/pricing',
        duration: 120,
        bounced: 0,
        source: 'Google',
        channel: 'Organic Search',
        country: 'DE',
        browser: 'Chrome',
      },
      {
        session_id: 12,
        visitor: 1,
        views: 1,
        entry: '/about',
        exit: '/about',
        duration: 0,
        bounced: 1,
        source: '',
        channel: 'Direct',
        country: 'DE',
        browser: 'Chrome',
      },
      {
        session_id: 22,
        visitor: 2,
        views: 1,
        entry: '/',
        exit: '/',
        duration: 0,
        bounced: 1,
        source: '',
        channel: 'Direct',
        country: 'US',
        browser: 'Safari',
      },
      {
        session_id: 33,
        visitor: 3,
        views: 1,
        entry: '/pricing',
        exit: '/pricing',
        duration: 60,
        bounced: 0,
        source: 'Twitter',
        channel: 'Organic Social',
        country: 'US',
        browser: 'Firefox',
      },
    ]);
  });

  it('events_hourly: goal conversions and revenue', async () => {
    const goals = await rows(
      `SELECT name, sum(events) AS events, uniqMerge(visitors) AS visitors,
              toString(sum(revenue_amount)) AS revenue, revenue_currency
       FROM events_hourly WHERE site_id = {site:UInt32}
       GROUP BY name, revenue_currency`,
      site,
    );
    expect(goals).toEqual([
      { name: 'Signup', events: 1, visitors: 1, revenue: '10.5', revenue_currency: 'EUR' },
    ]);
  });

  it('usage_hourly: events per kind for billing', async () => {
    const usage = await rows(
      `SELECT toString(kind) AS kind, sum(events) AS events FROM usage_hourly
       WHERE site_id = {site:UInt32} GROUP BY kind ORDER BY kind`,
      site,
    );
    expect(usage).toEqual([
      { kind: 'custom', events: 1 },
      { kind: 'engagement', events: 1 },
      { kind: 'pageview', events: 5 },
      { kind: 'performance', events: 1 },
    ]);
  });
});
