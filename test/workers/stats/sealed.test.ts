import { beforeAll, describe, expect, it } from 'vitest';
import type { SiteJson } from '../../../functions/sites/store';
import { daysToSeal, SUPERSEDED_GRACE_SECONDS, sealDays } from '../../../functions/stats/seal';
import { maintenanceClickhouse } from '../../../workers/clickhouse/client';
import type { EventRecord } from '../../../workers/events/record';
import { signUp, type TestAccount } from '../helpers/accounts';
import { testEnv, workerFetch } from '../helpers/stack';
import { dataset } from './dataset';
import { event, insertEvents, newSite, type StatsResponse, statsQuery, withoutNow } from './fixtures';

/**
 * Sealed days (functions/stats/seal.ts) must change how fast an answer comes, never the answer.
 * The hand-counted dataset of the other stats tests, with one change that production guarantees:
 * a visitor id never appears on two UTC days (ids are keyed with the day's salt), so the visitor
 * who came back on another day has another id here.
 */
function realistic(site: number): EventRecord[] {
  return dataset(site).map((row) => {
    const day = Math.floor(row.timestamp / 86_400);
    return { ...row, visitor_id: String(BigInt(row.visitor_id) * 100_000n + BigInt(day)) };
  });
}

const WEEK = ['2026-10-01', '2026-10-07'];
const DAY = ['2026-10-05', '2026-10-05'];
const VISIT_METRICS = ['visitors', 'visits', 'pageviews', 'views_per_visit', 'bounce_rate', 'visit_duration'];
const VISIT_DIMS = [
  'visit:entry_page',
  'visit:exit_page',
  'visit:source',
  'visit:referrer',
  'visit:channel',
  'visit:utm_source',
  'visit:browser_version',
  'visit:os_version',
];
const GEO_DIMS = ['visit:country', 'visit:region', 'visit:city', 'visit:device', 'visit:browser', 'visit:os'];

/** Every shape the sealed plans answer, and neighbours they must leave alone. */
const QUERIES: Record<string, unknown>[] = [
  ...[WEEK, DAY].flatMap((range) => [
    { metrics: VISIT_METRICS, date_range: range, include: { comparisons: { mode: 'previous_period' } } },
    { metrics: VISIT_METRICS, date_range: range, dimensions: ['time:day'], include: { time_labels: true } },
    ...VISIT_DIMS.map((d) => ({
      metrics: VISIT_METRICS,
      date_range: range,
      dimensions: [d],
      include: { total_rows: true },
    })),
    ...GEO_DIMS.map((d) => ({
      metrics: ['visitors', 'visits', 'pageviews', 'events'],
      date_range: range,
      dimensions: [d],
      include: { total_rows: true },
    })),
    {
      metrics: ['visitors', 'pageviews', 'scroll_depth', 'time_on_page'],
      date_range: range,
      dimensions: ['event:page'],
      include: { total_rows: true },
    },
    {
      metrics: ['visitors', 'visits', 'events', 'conversion_rate'],
      date_range: range,
      dimensions: ['event:goal'],
    },
    // Plausible's entry rules (functions/stats/plan/entry.ts): bounce rate of the visits that
    // entered on the filtered page; bounce rate and duration per page of the visits entering there.
    { metrics: VISIT_METRICS, date_range: range, filters: [['is', 'event:page', ['/pricing']]] },
    {
      metrics: ['visitors', 'visits', 'bounce_rate', 'visit_duration'],
      date_range: range,
      dimensions: ['event:page'],
      include: { total_rows: true },
    },
    { metrics: ['visitors', 'percentage'], date_range: range, dimensions: ['visit:source'] },
    {
      metrics: ['visitors', 'bounce_rate'],
      date_range: range,
      dimensions: ['visit:source'],
      filters: [['is', 'visit:source', ['Google', 'Direct / None']]],
    },
    {
      metrics: ['visitors', 'pageviews'],
      date_range: range,
      dimensions: ['event:page'],
      filters: [['contains', 'event:page', ['BLOG'], { case_sensitive: false }]],
      order_by: [['pageviews', 'asc']],
    },
    {
      metrics: ['visitors'],
      date_range: range,
      dimensions: ['visit:country'],
      filters: [['is_not', 'visit:country', ['US']]],
    },
    {
      metrics: ['visitors'],
      date_range: range,
      dimensions: ['visit:source'],
      pagination: { limit: 1, offset: 1 },
    },
    // Plausible's labels and their filters: (not set) is the empty value, contains tests the stored one.
    {
      metrics: ['visitors', 'visits'],
      date_range: range,
      dimensions: ['visit:utm_source'],
      filters: [['is', 'visit:utm_source', ['(not set)']]],
    },
    {
      metrics: ['visitors'],
      date_range: range,
      dimensions: ['visit:os_version'],
      filters: [['is_not', 'visit:os_version', ['(not set)']]],
    },
    {
      metrics: ['visitors', 'percentage'],
      date_range: range,
      dimensions: ['visit:source'],
      filters: [['contains_not', 'visit:source', ['Direct']]],
    },
  ]),
  // A property's negative filter keeps only events that have it; time first, then visitors.
  {
    metrics: ['visitors', 'events'],
    date_range: DAY,
    filters: [['contains_not', 'event:props:plan', ['x']]],
  },
  { metrics: ['visitors'], date_range: DAY, dimensions: ['time:hour', 'visit:device'] },
  { metrics: ['visitors', 'pageviews'], date_range: ['2026-09-01', '2026-10-31'], dimensions: ['time:week'] },
  { metrics: VISIT_METRICS, date_range: ['2026-09-01', '2026-10-31'], dimensions: ['time:month'] },
  { metrics: ['visitors', 'visits'], date_range: DAY, include: { comparisons: { mode: 'year_over_year' } } },
];

let owner: TestAccount;
let site: SiteJson;

beforeAll(async () => {
  owner = await signUp();
  site = await newSite(owner, 'Europe/Berlin');
  await insertEvents(realistic(site.id));
});

function ask(body: Record<string, unknown>): Promise<StatsResponse> {
  return statsQuery({ site_id: site.domain, ...body }, { cookie: owner.cookie });
}

async function batch(
  queries: unknown[],
): Promise<{ status: number; body: { results: Record<string, unknown>[] } }> {
  const res = await workerFetch('/api/v2/query/batch', {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: owner.cookie },
    body: JSON.stringify({ queries }),
  });
  return { status: res.status, body: (await res.json()) as { results: Record<string, unknown>[] } };
}

describe('sealed days', () => {
  it('answer every query exactly as the hourly rollups did, alone and in a batch', async () => {
    const before = await Promise.all(QUERIES.map(ask));
    before.forEach((res, i) => {
      expect({ query: QUERIES[i], status: res.status, error: res.body.error }).toEqual({
        query: QUERIES[i],
        status: 200,
        error: undefined,
      });
    });
    // Hand-counted anchors, so an equal pair of wrong answers cannot pass.
    expect(before[0]?.body.results[0]?.metrics).toEqual([7, 8, 11, 1.38, 75, 98]);
    const notSet = QUERIES.findIndex((q) => JSON.stringify(q.filters ?? []).includes('utm_source'));
    // Every visit of the week but B1 (utm_source hn): 7 visits of 6 visitors.
    expect(before[notSet]?.body.results).toEqual([{ dimensions: ['(not set)'], metrics: [6, 7] }]);

    const client = maintenanceClickhouse(testEnv);
    const due = await daysToSeal(client, Date.now(), [site.id]);
    expect(due.map((d) => d.day)).toEqual(['2026-10-05', '2026-10-04', '2025-10-05']);
    const sealed = await sealDays(client, Date.now(), { sites: [site.id] });
    expect(sealed).toEqual({ sealed: 3, days: ['2026-10-05', '2026-10-04', '2025-10-05'], pending: 0 });
    expect(await daysToSeal(client, Date.now(), [site.id])).toEqual([]);

    const after = await Promise.all(QUERIES.map(ask));
    after.forEach((res, i) => {
      expect({ query: QUERIES[i], body: res.body }).toEqual({ query: QUERIES[i], body: before[i]?.body });
    });

    // A batch holds at most 32 queries.
    const parts = [QUERIES.slice(0, 25), QUERIES.slice(25, 50), QUERIES.slice(50)];
    const answers: Record<string, unknown>[] = [];
    for (const part of parts) {
      const batched = await batch(part.map((q) => ({ site_id: site.domain, ...q })));
      expect(batched.status, JSON.stringify(batched.body)).toBe(200);
      answers.push(...batched.body.results);
    }
    expect(answers).toHaveLength(QUERIES.length);
    answers.forEach((answer, i) => {
      expect({ query: QUERIES[i], answer }).toEqual({
        query: QUERIES[i],
        answer: { status: 200, ...before[i]?.body },
      });
    });
  });

  it('a late event on a sealed day counts once its day is sealed again', async () => {
    const client = maintenanceClickhouse(testEnv);
    await sealDays(client, Date.now(), { sites: [site.id] });
    const kpi = { metrics: ['visitors', 'pageviews'], date_range: WEEK };
    const sealedFigures = (await ask(kpi)).body.results[0]?.metrics;

    await insertEvents([
      event(site.id, '2026-10-05T13:00:00Z', { visitor: 99, session: 9901, pathname: '/late' }),
    ]);
    // Until the next seal the day's sealed figures stand; the 15-minute cron re-seals it.
    expect((await ask(kpi)).body.results[0]?.metrics).toEqual(sealedFigures);
    expect(await daysToSeal(client, Date.now(), [site.id])).toEqual([
      { day: '2026-10-05', sites: [site.id] },
    ]);
    await sealDays(client, Date.now(), { sites: [site.id] });
    const [visitors, pageviews] = sealedFigures ?? [];
    expect((await ask(kpi)).body.results[0]?.metrics).toEqual([(visitors ?? 0) + 1, (pageviews ?? 0) + 1]);
    // The superseded version stays readable for a while (a reader may have just looked the day
    // up), then goes with a later run.
    const count = async () => {
      const result = await client.query({
        query:
          'SELECT uniqExact(version) AS n FROM stats_daily WHERE site_id = {site:UInt32} AND day = {day:Date}',
        query_params: { site: site.id, day: '2026-10-05' },
        format: 'JSONEachRow',
      });
      return result.json();
    };
    expect(await count()).toEqual([{ n: '2' }]);
    await sealDays(client, Date.now() + (SUPERSEDED_GRACE_SECONDS + 60) * 1000, { sites: [site.id] });
    expect(await count()).toEqual([{ n: '1' }]);
    expect((await ask(kpi)).body.results[0]?.metrics).toEqual([(visitors ?? 0) + 1, (pageviews ?? 0) + 1]);
  });
});

describe('POST /api/v2/query/batch', () => {
  it('fails a bad query alone, naming it and its field', async () => {
    const res = await batch([
      { site_id: site.domain, metrics: ['visitors'], date_range: DAY },
      { site_id: site.domain, metrics: ['visitorz'], date_range: DAY },
      { site_id: site.domain, metrics: ['visitors'], date_range: ['2026-10-07', '2026-10-01'] },
      { site_id: site.domain, metrics: ['visitors'], date_range: WEEK, dimensions: ['visit:source'] },
    ]);
    expect(res.status).toBe(200);
    expect(res.body.results[0]).toMatchObject({ status: 200, results: [{ dimensions: [] }] });
    expect(res.body.results[1]).toMatchObject({ status: 400, error: { code: 'invalid_query' } });
    // A range that only fails when resolved fails alone too, and the rest are answered.
    expect(res.body.results[2]).toMatchObject({ status: 400, error: { code: 'invalid_query' } });
    expect(String((res.body.results[2]?.error as { message?: string } | undefined)?.message)).toMatch(
      /date_range/,
    );
    expect(res.body.results[3]).toMatchObject({ status: 200 });
    expect(String((res.body.results[1]?.error as { message?: string } | undefined)?.message)).toMatch(
      /^queries\[1\]\.metrics\[0\]/,
    );
  });

  it('refuses a batch across sites, an empty batch and a body that is not a batch', async () => {
    const other = await newSite(owner, 'UTC');
    const mixed = await batch([
      { site_id: site.domain, metrics: ['visitors'], date_range: DAY },
      { site_id: other.domain, metrics: ['visitors'], date_range: DAY },
    ]);
    expect(mixed.status).toBe(400);
    expect((await batch([])).status).toBe(400);
    const notBatch = await workerFetch('/api/v2/query/batch', {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: owner.cookie },
      body: JSON.stringify({ site_id: site.domain, metrics: ['visitors'] }),
    });
    expect(notBatch.status).toBe(400);
  });

  it('answers a site without events exactly as the single queries: zeros, not missing rows', async () => {
    const empty = await newSite(owner, 'Europe/Berlin');
    const bodies = [
      ...QUERIES.slice(0, 6),
      {
        metrics: ['visitors'],
        date_range: WEEK,
        dimensions: ['time:day'],
        include: { time_labels: true, comparisons: { mode: 'previous_period' } },
      },
      { metrics: ['visitors'], date_range: 'realtime' },
      { metrics: ['visitors', 'pageviews'], date_range: '30m', dimensions: ['time:minute'] },
    ].map((q) => ({ ...q, site_id: empty.domain }));
    const singles = await Promise.all(bodies.map((body) => statsQuery(body, { cookie: owner.cookie })));
    const res = await batch(bodies);
    expect(res.status).toBe(200);
    expect(singles[0]?.body.results[0]?.metrics).toEqual([0, 0, 0, 0, 0, 0]);
    singles.forEach((single, i) => {
      // A window that ends now is resolved a moment apart by the two requests.
      const live = ['realtime', '30m'].includes(String((bodies[i] as { date_range?: unknown }).date_range));
      const same = (answer: Record<string, unknown>) => (live ? withoutNow(answer) : answer);
      expect({ query: bodies[i], answer: same(res.body.results[i] ?? {}) }).toEqual({
        query: bodies[i],
        answer: same({ status: 200, ...single.body }),
      });
    });
  });

  it('answers a stranger as the single query does: not found, nothing leaked', async () => {
    const stranger = await signUp();
    const single = await statsQuery(
      { site_id: site.domain, metrics: ['visitors'], date_range: DAY },
      { cookie: stranger.cookie },
    );
    const res = await workerFetch('/api/v2/query/batch', {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: stranger.cookie },
      body: JSON.stringify({ queries: [{ site_id: site.domain, metrics: ['visitors'], date_range: DAY }] }),
    });
    expect(res.status).toBe(single.status);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(JSON.stringify(await res.json())).not.toContain('results');
  });
});
