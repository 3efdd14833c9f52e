import { beforeAll, describe, expect, it } from 'vitest';
import { clickhouse } from '../../../workers/clickhouse/client';
import type { EventRecord } from '../../../workers/events/record';
import { blankEvent } from '../../fixtures/event-record';
import { authFetch, signUp, type TestAccount, uniqueEmail } from '../helpers/accounts';
import { testEnv } from '../helpers/stack';

/**
 * Hand-checkable datasets: performance events with known timings, inserted straight into `events`
 * (the materialized views fill the rollups). Expected sample and band counts are counted here with
 * Google's thresholds and must match exactly; expected percentiles are order statistics of the
 * samples, which the API's answers must approach within the documented error: 4 % for the rollups'
 * histograms (exact below 25 ms), the t-digest's error for the raw table.
 */

const DAY1 = Date.UTC(2026, 9, 5, 10) / 1000; // 2026-10-05 10:00 UTC
const DAY2 = Date.UTC(2026, 9, 6, 10) / 1000;

interface Timings {
  lcp: number;
  inp: number | null;
  cls: number;
  fcp: number;
  ttfb: number;
  dns: number;
  connect: number;
  dom_interactive: number;
  load: number;
}

interface Sample {
  page: string;
  at: number;
  t: Timings;
  country?: string;
  device?: string;
}

let eventCounter = 0;

function record(siteId: number, domain: string, s: Sample): EventRecord {
  eventCounter++;
  return {
    ...blankEvent(),
    site_id: siteId,
    timestamp: s.at,
    kind: 'performance',
    name: 'performance',
    visitor_id: String(1000 + eventCounter),
    session_id: String(5000 + eventCounter),
    hostname: domain,
    pathname: s.page,
    channel: 'Direct',
    country: s.country ?? 'DE',
    device: s.device ?? 'Desktop',
    browser: 'Chrome',
    browser_version: '131',
    os: 'Windows',
    os_version: '10',
    interactive: 0,
    lcp_ms: s.t.lcp,
    inp_ms: s.t.inp,
    cls: s.t.cls,
    fcp_ms: s.t.fcp,
    ttfb_ms: s.t.ttfb,
    dns_ms: s.t.dns,
    connect_ms: s.t.connect,
    dom_interactive_ms: s.t.dom_interactive,
    load_ms: s.t.load,
  };
}

/** /blog/a: 101 samples, i = 0..100, spread over two days (even i on day 1, odd on day 2). */
const blogA: Sample[] = Array.from({ length: 101 }, (_, i) => ({
  page: '/blog/a',
  at: (i % 2 === 0 ? DAY1 : DAY2) + i,
  device: i < 30 ? 'Mobile' : 'Desktop',
  t: {
    lcp: 100 * i,
    inp: i % 5 === 0 ? null : 10 * i,
    cls: i / 200,
    fcp: 50 * i,
    ttfb: 30 * i,
    dns: i,
    connect: 2 * i,
    dom_interactive: 60 * i,
    load: 80 * i,
  },
}));

/** /docs/b: 21 samples on day 1, i = 0..20, with values sitting exactly on the thresholds. */
const docsB: Sample[] = Array.from({ length: 21 }, (_, i) => ({
  page: '/docs/b',
  at: DAY1 + 1800 + i,
  t: {
    lcp: 1000 + 150 * i, // 1000..4000: 2500 (i=10) is good, 4000 (i=20) needs improvement
    inp: 100 + 20 * i, // 100..500: 200 good, 500 needs improvement
    cls: [0.1, 0.25, 0.3][i % 3] ?? 0,
    fcp: 1800 + 60 * i, // 1800..3000
    ttfb: 800 + 50 * i, // 800..1800
    dns: 5,
    connect: 10,
    dom_interactive: 900,
    load: 1500,
  },
}));

const ALL = [...blogA, ...docsB];

const THRESHOLDS = {
  lcp: [2500, 4000],
  inp: [200, 500],
  cls: [0.1, 0.25],
  fcp: [1800, 3000],
  ttfb: [800, 1800],
} as const;

function expectedBands(samples: Sample[]) {
  const out: Record<string, { good: number; needs_improvement: number; poor: number }> = {};
  for (const [name, [good, poor]] of Object.entries(THRESHOLDS)) {
    const values = samples
      .map((s) => s.t[name as keyof Timings])
      .filter((v): v is number => v !== null)
      // CLS is stored as Float32, so compare as the database does.
      .map((v) => (name === 'cls' ? Math.fround(v) : v));
    const g = name === 'cls' ? Math.fround(good) : good;
    const p = name === 'cls' ? Math.fround(poor) : poor;
    out[name] = {
      good: values.filter((v) => v <= g).length,
      needs_improvement: values.filter((v) => v > g && v <= p).length,
      poor: values.filter((v) => v > p).length,
    };
  }
  return out;
}

/** Percentile by linear interpolation between closest ranks. */
function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (sorted[lo] ?? 0) + ((sorted[hi] ?? 0) - (sorted[lo] ?? 0)) * (pos - lo);
}

type Metrics = Record<string, { p50: number | null; p75: number | null; p95: number | null }>;

/**
 * Percentile definitions differ by a rank on small samples, histogram buckets are 8 % wide (the
 * middle within 4 % of any value in the bucket) and t-digest is approximate: accept an answer
 * within 4 % (plus rounding) of the values between the neighbouring ranks, or within 3 % of the
 * data's spread of the interpolated percentile.
 */
function expectPercentiles(metrics: Metrics, samples: Sample[]) {
  for (const name of [
    'lcp',
    'inp',
    'cls',
    'fcp',
    'ttfb',
    'dns',
    'connect',
    'dom_interactive',
    'load',
  ] as const) {
    const values = samples
      .map((s) => s.t[name])
      .filter((v): v is number => v !== null)
      .sort((a, b) => a - b);
    const spread = (values.at(-1) ?? 0) - (values[0] ?? 0) || 1;
    for (const [key, q] of [
      ['p50', 0.5],
      ['p75', 0.75],
      ['p95', 0.95],
    ] as const) {
      const got = metrics[name]?.[key] ?? Number.NaN;
      const want = percentile(values, q);
      const pos = (values.length - 1) * q;
      const below = values[Math.max(0, Math.floor(pos) - 1)] ?? 0;
      const above = values[Math.min(values.length - 1, Math.ceil(pos) + 1)] ?? 0;
      const slack = name === 'cls' ? 0.0001 : 1;
      const close = Math.abs(got - want) <= 0.03 * spread + slack;
      const withinRanks = got >= below * 0.96 - slack && got <= above * 1.04 + slack;
      expect(
        close || withinRanks,
        `${name} ${key}: got ${got}, want ≈ ${want} (ranks ${below}..${above})`,
      ).toBe(true);
    }
  }
}

interface PerformanceRowJson {
  dimension: string | null;
  samples: number;
  metrics: Metrics;
  bands: Record<string, { good: number; needs_improvement: number; poor: number }>;
}

interface PerformanceResponse {
  results: PerformanceRowJson[];
  total?: PerformanceRowJson;
  meta: { source: string; time_zone: string };
}

let owner: TestAccount;
let site: { id: number; domain: string };

async function createSite(account: TestAccount, timezone: string): Promise<{ id: number; domain: string }> {
  const domain = `perf-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}.example`;
  const res = await authFetch('/api/sites', {
    body: { domain, timezone },
    cookie: account.cookie,
    csrf: account.csrf,
  });
  expect(res.status).toBe(201);
  const body = (await res.json()) as { site: { id: number; domain: string } };
  return body.site;
}

async function insert(siteId: number, domain: string, samples: Sample[]) {
  await clickhouse(testEnv).insert({
    table: 'events',
    values: samples.map((s) => record(siteId, domain, s)),
    format: 'JSONEachRow',
  });
}

function ask(body: Record<string, unknown>, account: TestAccount = owner) {
  return authFetch('/api/stats/performance', { body, cookie: account.cookie, csrf: account.csrf });
}

async function answer(body: Record<string, unknown>): Promise<PerformanceResponse> {
  const res = await ask(body);
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return JSON.parse(text) as PerformanceResponse;
}

const RANGE = ['2026-10-05', '2026-10-06'];

beforeAll(async () => {
  owner = await signUp(uniqueEmail('perf'));
  site = await createSite(owner, 'UTC');
  await insert(site.id, site.domain, ALL);
});

describe('POST /api/stats/performance', () => {
  it('reports exact bands and percentiles over the whole range, from the rollup', async () => {
    const body = await answer({ site_id: site.id, date_range: RANGE });
    expect(body.meta.source).toBe('rollup');
    expect(body.results).toHaveLength(1);
    const [row] = body.results;
    expect(row?.dimension).toBeNull();
    expect(row?.samples).toBe(ALL.length);
    expect(row?.bands).toEqual(expectedBands(ALL));
    expectPercentiles(row?.metrics ?? {}, ALL);
  });

  it('counts values sitting exactly on a threshold in the better band', async () => {
    const body = await answer({
      site_id: site.id,
      date_range: RANGE,
      filters: [['is', 'event:page', ['/docs/b']]],
    });
    const bands = body.results[0]?.bands;
    // LCP 1000..4000 step 150: ≤ 2500 → 11, 2650..4000 → 10, none poor.
    expect(bands?.lcp).toEqual({ good: 11, needs_improvement: 10, poor: 0 });
    // INP 100..500 step 20: ≤ 200 → 6, 220..500 → 15.
    expect(bands?.inp).toEqual({ good: 6, needs_improvement: 15, poor: 0 });
    // CLS cycles 0.1, 0.25, 0.3: 7 each.
    expect(bands?.cls).toEqual({ good: 7, needs_improvement: 7, poor: 7 });
    expect(bands?.fcp).toEqual({ good: 1, needs_improvement: 20, poor: 0 });
    expect(bands?.ttfb).toEqual({ good: 1, needs_improvement: 20, poor: 0 });
  });

  it('breaks down by page, busiest first', async () => {
    const body = await answer({ site_id: site.id, date_range: RANGE, dimension: 'event:page' });
    expect(body.results.map((r) => [r.dimension, r.samples])).toEqual([
      ['/blog/a', 101],
      ['/docs/b', 21],
    ]);
    for (const [page, samples] of [
      ['/blog/a', blogA],
      ['/docs/b', docsB],
    ] as const) {
      const row = body.results.find((r) => r.dimension === page);
      expect(row?.bands).toEqual(expectedBands(samples));
      expectPercentiles(row?.metrics ?? {}, samples);
    }
  });

  it('breaks down over time by day and by hour in the site time zone', async () => {
    const byDay = await answer({ site_id: site.id, date_range: RANGE, dimension: 'time:day' });
    const day1 = ALL.filter((s) => s.at < DAY2 - 3600);
    const day2 = ALL.filter((s) => s.at >= DAY2 - 3600);
    expect(byDay.results.map((r) => [r.dimension, r.samples])).toEqual([
      ['2026-10-05', day1.length],
      ['2026-10-06', day2.length],
    ]);
    expect(byDay.results[0]?.bands).toEqual(expectedBands(day1));
    expectPercentiles(byDay.results[1]?.metrics ?? {}, day2);

    const byHour = await answer({ site_id: site.id, date_range: RANGE, dimension: 'time:hour' });
    expect(byHour.results.map((r) => [r.dimension, r.samples])).toEqual([
      ['2026-10-05 10:00:00', 51 + 21],
      ['2026-10-06 10:00:00', 50],
    ]);
  });

  it('answers the total of a time breakdown with it, equal to the answer without a dimension', async () => {
    for (const extra of [
      {},
      { filters: [['is', 'visit:country', ['DE']]] },
      { date_range: ['2026-09-01', '2026-09-02'] },
    ]) {
      const overall = await answer({ site_id: site.id, date_range: RANGE, ...extra });
      for (const dimension of ['time:day', 'time:hour']) {
        const body = await answer({ site_id: site.id, date_range: RANGE, dimension, total: true, ...extra });
        const plain = await answer({ site_id: site.id, date_range: RANGE, dimension, ...extra });
        expect({ extra, dimension, total: body.total }).toEqual({
          extra,
          dimension,
          total: overall.results[0],
        });
        expect(body.results).toEqual(plain.results);
      }
    }
    const whole = await answer({ site_id: site.id, date_range: RANGE, dimension: 'time:day', total: true });
    expect(whole.meta.source).toBe('rollup');
    expect(whole.total?.samples).toBe(ALL.length);
    expect(whole.total?.bands).toEqual(expectedBands(ALL));
    const none = await answer({
      site_id: site.id,
      date_range: ['2026-09-01', '2026-09-02'],
      dimension: 'time:day',
      total: true,
    });
    expect(none.results).toEqual([]);
    expect(none.total?.samples).toBe(0);
  });

  it('filters by page with is, is_not, contains and contains_not, still from the rollup', async () => {
    const cases: [string, string[], number][] = [
      ['is', ['/blog/a'], 101],
      ['is_not', ['/blog/a'], 21],
      ['contains', ['docs'], 21],
      ['contains_not', ['docs'], 101],
      ['contains', ['blog', 'docs'], 122],
    ];
    for (const [operator, values, samples] of cases) {
      const body = await answer({
        site_id: site.id,
        date_range: RANGE,
        filters: [[operator, 'event:page', values]],
      });
      expect(body.meta.source, operator).toBe('rollup');
      expect(body.results[0]?.samples, `${operator} ${values}`).toBe(samples);
    }
  });

  it('reads the raw table for a filter the rollup cannot answer, with the same numbers', async () => {
    const mobile = blogA.filter((s) => s.device === 'Mobile');
    const body = await answer({
      site_id: site.id,
      date_range: RANGE,
      filters: [['is', 'visit:device', ['Mobile']]],
    });
    expect(body.meta.source).toBe('raw');
    expect(body.results[0]?.samples).toBe(mobile.length);
    expect(body.results[0]?.bands).toEqual(expectedBands(mobile));
    expectPercentiles(body.results[0]?.metrics ?? {}, mobile);

    // Every sample is from DE, so the raw answer must equal the rollup's.
    const raw = await answer({
      site_id: site.id,
      date_range: RANGE,
      dimension: 'event:page',
      filters: [['is', 'visit:country', ['DE']]],
    });
    const rollup = await answer({ site_id: site.id, date_range: RANGE, dimension: 'event:page' });
    expect(raw.meta.source).toBe('raw');
    expect(raw.results.map((r) => [r.dimension, r.samples, r.bands])).toEqual(
      rollup.results.map((r) => [r.dimension, r.samples, r.bands]),
    );
  });

  it('cuts days in the site time zone', async () => {
    const account = await signUp(uniqueEmail('perf-tz'));
    const ny = await createSite(account, 'America/New_York');
    // 02:30 UTC on Oct 6 is 22:30 on Oct 5 in New York (UTC-4).
    const late = Date.UTC(2026, 9, 6, 2, 30) / 1000;
    await insert(ny.id, ny.domain, [
      { page: '/', at: late, t: blogA[10]?.t as Timings },
      { page: '/', at: late + 5 * 3600, t: blogA[20]?.t as Timings },
    ]);
    const res = await ask({ site_id: ny.id, date_range: RANGE, dimension: 'time:day' }, account);
    const body = (await res.json()) as PerformanceResponse;
    expect(body.meta.time_zone).toBe('America/New_York');
    expect(body.results.map((r) => [r.dimension, r.samples])).toEqual([
      ['2026-10-05', 1],
      ['2026-10-06', 1],
    ]);
  });

  it('answers one empty row for a range without samples', async () => {
    const body = await answer({ site_id: site.id, date_range: ['2026-09-01', '2026-09-02'] });
    expect(body.results).toEqual([
      expect.objectContaining({
        dimension: null,
        samples: 0,
        metrics: expect.objectContaining({ lcp: { p50: null, p75: null, p95: null } }),
      }),
    ]);
  });

  it("gives 404 for another account's site and 401 without credentials", async () => {
    const stranger = await signUp(uniqueEmail('perf-other'));
    const res = await ask({ site_id: site.id, date_range: RANGE }, stranger);
    expect(res.status).toBe(404);
    const byDomain = await ask({ site_id: site.domain, date_range: RANGE }, stranger);
    expect(byDomain.status).toBe(404);
    const anonymous = await authFetch('/api/stats/performance', {
      body: { site_id: site.id, date_range: RANGE },
    });
    expect(anonymous.status).toBe(401);
  });

  it('rejects bad queries with a 400 naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ site_id: site.id }, 'date_range'],
      [{ site_id: site.id, date_range: 'forever' }, 'date_range'],
      [{ site_id: site.id, date_range: ['2026-10-06', '2026-10-05'] }, 'date_range'],
      [{ date_range: '7d' }, 'site_id'],
      [{ site_id: site.id, date_range: '7d', dimension: 'visit:country' }, 'dimension'],
      [{ site_id: site.id, date_range: '7d', filters: [['matches', 'event:page', ['/']]] }, 'filters[0]'],
      [{ site_id: site.id, date_range: '7d', filters: [['is', 'event:props:plan', ['x']]] }, 'filters[0]'],
      [{ site_id: site.id, date_range: '7d', filters: [['is', 'event:page', 'x']] }, 'filters[0]'],
      [{ site_id: site.id, date_range: '7d', limit: 0 }, 'limit'],
      [{ site_id: site.id, date_range: '7d', metrics: ['lcp'] }, 'metrics'],
      [{ site_id: site.id, date_range: '7d', total: true }, 'total'],
      [{ site_id: site.id, date_range: '7d', dimension: 'event:page', total: true }, 'total'],
      [{ site_id: site.id, date_range: '7d', dimension: 'time:day', total: 'yes' }, 'total'],
    ];
    for (const [body, field] of cases) {
      const res = await ask(body);
      const text = await res.text();
      expect(res.status, text).toBe(400);
      expect((JSON.parse(text) as { error: { message: string } }).error.message.startsWith(field), text).toBe(
        true,
      );
    }
  });

  it('treats SQL in filter values as data', async () => {
    for (const value of ["/' OR 1=1 --", "x'); DROP TABLE events; --", '\\', '{site:UInt32}']) {
      for (const dimension of ['event:page', 'visit:country']) {
        const body = await answer({
          site_id: site.id,
          date_range: RANGE,
          filters: [['is', dimension, [value]]],
        });
        expect(body.results[0]?.samples).toBe(0);
      }
    }
    const still = await answer({ site_id: site.id, date_range: RANGE });
    expect(still.results[0]?.samples).toBe(ALL.length);
  });
});

/**
 * A site in Europe/Berlin, whose days start at 22:00 UTC in summer time and at 23:00 UTC after it
 * ends (2026-10-25, a 25-hour local day). Samples sit on every side of the local and UTC
 * midnights, so any hour given to the wrong day, or a UTC day read whole, shows in the counts.
 */
describe('POST /api/stats/performance in a time zone east of UTC', () => {
  const TZ = 'Europe/Berlin';
  const PAGES = ['/a', '/a', '/b', '/a', '/c', '/b', '/a'];
  /** UTC hours and minutes of each day's samples: around 22:00, 23:00 and 00:00 UTC, and midday. */
  const TIMES: [number, number][] = [
    [0, 30],
    [1, 10],
    [11, 0],
    [21, 30],
    [22, 10],
    [22, 50],
    [23, 30],
  ];
  const samples: Sample[] = [];
  // 2026-10-18 to 2026-10-30 (UTC days).
  for (let d = 0; d < 13; d++) {
    TIMES.forEach(([h, m], k) => {
      const i = d * TIMES.length + k;
      samples.push({
        page: PAGES[(d + k) % PAGES.length] as string,
        at: Date.UTC(2026, 9, 18 + d, h, m) / 1000,
        t: {
          lcp: 900 + ((i * 373) % 4200),
          inp: i % 4 === 0 ? null : 40 + ((i * 61) % 700),
          cls: ((i * 7) % 40) / 100,
          fcp: 500 + ((i * 211) % 3000),
          ttfb: 100 + ((i * 97) % 1900),
          dns: i % 3 === 0 ? 0 : (i * 13) % 90,
          connect: i % 2 === 0 ? 0 : (i * 17) % 200,
          dom_interactive: 800 + ((i * 151) % 3500),
          load: 1200 + ((i * 263) % 5000),
        },
      });
    });
  }
  const localDay = (at: number) =>
    new Intl.DateTimeFormat('en-CA', {
      timeZone: TZ,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    }).format(new Date(at * 1000));
  /** [from, to) of local wall-clock dates or date-times, as the endpoint resolves them. */
  const instant = (local: string) => {
    const guess = Date.parse(`${local}Z`);
    const offset = (ms: number) =>
      Date.parse(`${new Date(ms).toLocaleString('sv-SE', { timeZone: TZ }).replace(' ', 'T')}Z`) - ms;
    return (guess - offset(guess - offset(guess))) / 1000;
  };
  const inRange = (from: number, to: number) => samples.filter((s) => s.at >= from && s.at < to);

  let account: TestAccount;
  let berlin: { id: number; domain: string };

  beforeAll(async () => {
    account = await signUp(uniqueEmail('perf-berlin'));
    berlin = await createSite(account, TZ);
    await insert(berlin.id, berlin.domain, samples);
  });

  async function ask2(body: Record<string, unknown>): Promise<PerformanceResponse> {
    const res = await ask({ site_id: berlin.id, ...body }, account);
    const text = await res.text();
    expect(res.status, text).toBe(200);
    return JSON.parse(text) as PerformanceResponse;
  }

  /** Every sample here is from DE on a desktop: this filter reads the raw table and changes nothing. */
  const RAW: unknown[] = [['is', 'visit:country', ['DE']]];

  function expectRows(rows: PerformanceResponse['results'], groups: [string | null, Sample[]][]) {
    expect(rows.map((r) => [r.dimension, r.samples])).toEqual(groups.map(([d, s]) => [d, s.length]));
    for (const [i, [, group]] of groups.entries()) {
      expect(rows[i]?.bands).toEqual(expectedBands(group));
      expectPercentiles(rows[i]?.metrics ?? {}, group);
    }
  }

  function byDay(list: Sample[]): [string, Sample[]][] {
    const days = new Map<string, Sample[]>();
    for (const s of [...list].sort((a, b) => a.at - b.at)) {
      const day = localDay(s.at);
      days.set(day, [...(days.get(day) ?? []), s]);
    }
    return [...days.entries()];
  }

  function byPage(list: Sample[], limit: number): [string, Sample[]][] {
    const pages = new Map<string, Sample[]>();
    for (const s of list) pages.set(s.page, [...(pages.get(s.page) ?? []), s]);
    return [...pages.entries()]
      .sort(([a, x], [b, y]) => y.length - x.length || (a < b ? -1 : 1))
      .slice(0, limit);
  }

  // Whole local days across the end of summer time: 2026-10-19 22:00 UTC to 2026-10-29 23:00 UTC.
  const DAYS = ['2026-10-20', '2026-10-29'];
  const daysFrom = instant('2026-10-20T00:00:00');
  const daysTo = instant('2026-10-30T00:00:00');

  it('answers whole local days from the rollups exactly as the raw table does', async () => {
    expect(daysFrom).toBe(Date.UTC(2026, 9, 19, 22) / 1000);
    expect(daysTo).toBe(Date.UTC(2026, 9, 29, 23) / 1000);
    const want = inRange(daysFrom, daysTo);

    const overall = await ask2({ date_range: DAYS });
    expect(overall.meta.source).toBe('rollup');
    expectRows(overall.results, [[null, want]]);

    const days = await ask2({ date_range: DAYS, dimension: 'time:day' });
    expect(days.meta.source).toBe('rollup');
    expect(days.results).toHaveLength(10);
    expectRows(days.results, byDay(want));

    const pages = await ask2({ date_range: DAYS, dimension: 'event:page', limit: 2 });
    expect(pages.meta.source).toBe('rollup');
    expectRows(pages.results, byPage(want, 2));

    for (const [dimension, rollup] of [
      [null, overall],
      ['time:day', days],
      ['event:page', pages],
    ] as const) {
      const raw = await ask2({ date_range: DAYS, dimension, filters: RAW, limit: 2 });
      expect(raw.meta.source).toBe('raw');
      expect(raw.results.map((r) => [r.dimension, r.samples, r.bands])).toEqual(
        rollup.results.map((r) => [r.dimension, r.samples, r.bands]),
      );
    }
  });

  it('answers ranges that start and end inside a UTC day, by day and by hour', async () => {
    // 2026-10-21 05:00 to 2026-10-27 17:00 in Berlin: 03:00 UTC to 16:00 UTC.
    const range = ['2026-10-21T05:00', '2026-10-27T16:59:59'];
    const want = inRange(instant('2026-10-21T05:00:00'), instant('2026-10-27T17:00:00'));
    const overall = await ask2({ date_range: range });
    expect(overall.meta.source).toBe('rollup');
    expectRows(overall.results, [[null, want]]);
    const days = await ask2({ date_range: range, dimension: 'time:day' });
    expect(days.meta.source).toBe('rollup');
    expectRows(days.results, byDay(want));
    const pages = await ask2({ date_range: range, dimension: 'event:page', limit: 3 });
    expectRows(pages.results, byPage(want, 3));
    const hours = await ask2({ date_range: range, dimension: 'time:hour' });
    expect(hours.results.reduce((n, r) => n + r.samples, 0)).toBe(want.length);
  });

  it('keeps one row per site and UTC day, one per page and UTC day, and one per site and hour', async () => {
    const utcDays = new Set(samples.map((s) => Math.floor(s.at / 86_400)));
    const utcHours = new Set(samples.map((s) => Math.floor(s.at / 3600)));
    const pageDays = new Set(samples.map((s) => `${s.page} ${Math.floor(s.at / 86_400)}`));
    const count = async (table: string) => {
      const result = await clickhouse(testEnv).query({
        query: `SELECT count() AS n, sum(samples) AS samples FROM ${table} FINAL WHERE site_id = {site:UInt32}`,
        query_params: { site: berlin.id },
        format: 'JSONEachRow',
      });
      const [row] = (await result.json()) as { n: string; samples: string }[];
      return [Number(row?.n), Number(row?.samples)];
    };
    expect(await count('performance_site_days')).toEqual([utcDays.size, samples.length]);
    expect(await count('performance_page_days')).toEqual([pageDays.size, samples.length]);
    expect(await count('performance_site_hours')).toEqual([utcHours.size, samples.length]);
  });

  it('breaks down many local days by page, with the hours at both ends read from events', async () => {
    // 2026-10-19 00:00 to 2026-10-29 23:59 in Berlin: 2026-10-18 22:00 UTC (summer time) to
    // 2026-10-29 23:00 UTC. The first UTC day has two hours in the range (22:00 and 23:00, both
    // with samples), the last one all but its last hour (23:00, with a sample to take away).
    const range = ['2026-10-19', '2026-10-29'];
    const from = instant('2026-10-19T00:00:00');
    const to = instant('2026-10-30T00:00:00');
    expect([from, to]).toEqual([Date.UTC(2026, 9, 18, 22) / 1000, Date.UTC(2026, 9, 29, 23) / 1000]);
    const want = inRange(from, to);
    expect(want.filter((s) => s.at < Date.UTC(2026, 9, 19) / 1000)).toHaveLength(3);
    expect(samples.some((s) => s.at >= to && s.at < Date.UTC(2026, 9, 30) / 1000)).toBe(true);
    for (const limit of [1, 3]) {
      const pages = await ask2({ date_range: range, dimension: 'event:page', limit });
      expect(pages.meta.source).toBe('rollup');
      expectRows(pages.results, byPage(want, limit));
    }
    const days = await ask2({ date_range: range, dimension: 'time:day', total: true });
    expectRows(days.results, byDay(want));
    expectRows(days.total ? [days.total] : [], [[null, want]]);
  });

  it('takes away the hours after the end of a range from a whole UTC day, per page', async () => {
    // 2026-10-22 01:00 to 20:00 in Berlin is 2026-10-21 23:00 to 2026-10-22 18:00 UTC: the page
    // rollup reads 2026-10-22 whole and subtracts its last six hours, which have samples.
    const range = ['2026-10-22T01:00', '2026-10-22T19:59:59'];
    const from = instant('2026-10-22T01:00:00');
    const to = instant('2026-10-22T20:00:00');
    expect(samples.some((s) => s.at >= to && s.at < Date.UTC(2026, 9, 23) / 1000 && s.page === '/a')).toBe(
      true,
    );
    for (const page of ['/a', '/b']) {
      const want = inRange(from, to).filter((s) => s.page === page);
      const body = await ask2({ date_range: range, filters: [['is', 'event:page', [page]]] });
      expect(body.meta.source).toBe('rollup');
      expectRows(body.results, [[null, want]]);
    }
    const days = await ask2({
      date_range: DAYS,
      dimension: 'time:day',
      filters: [['contains', 'event:page', ['/a', '/c']]],
    });
    expectRows(
      days.results,
      byDay(inRange(daysFrom, daysTo).filter((s) => s.page === '/a' || s.page === '/c')),
    );
  });
});
