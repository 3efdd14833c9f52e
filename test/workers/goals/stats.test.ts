import { beforeAll, describe, expect, it } from 'vitest';
import type { SiteJson } from '../../../functions/sites/store';
import { sealDays } from '../../../functions/stats/seal';
import { maintenanceClickhouse } from '../../../workers/clickhouse/client';
import type { EventRecord } from '../../../workers/events/record';
import { signUp, type TestAccount } from '../helpers/accounts';
import { testEnv, workerFetch } from '../helpers/stack';
import { call } from '../sites/client';
import { event, insertEvents, newSite, statsQuery } from '../stats/fixtures';

/**
 * `event:goal` with goals configured (Plausible's semantics). A UTC site, all on 2026-10-12;
 * counted by hand:
 *
 * | visitor | events                                                                                   |
 * | V1      | pageview /blog/hello; engagement /blog/hello scroll 60 %; Signup                         |
 * | V2      | pageview /blog/2026/post; engagement there scroll 95 %; Purchase (10.50 EUR)             |
 * | V3      | pageview /docs/api/install; pageview /docs/api/v2/install; engagement /docs/api/install 40 % |
 * | V4      | pageview /; Signup; Signup; Download                                                     |
 * | V5      | pageview /blogger; engagement /blogger scroll 100 %                                      |
 *
 * Goals: Signup (event), Visit /blog/** and Visit /docs/*\/install (pages), Scroll 50 % and 90 %
 * on /blog/** (scroll), Purchase in EUR (revenue). 5 visitors on the site, so per goal
 * (visitors, events, conversion rate):
 *
 * - Signup: V1, V4 → 2, 3 (V4 twice), 40
 * - Visit /blog/**: V1, V2 → 2, 2, 40 (/blogger is not under /blog/)
 * - Visit /docs/*\/install: V3 → 1, 1, 20 (/docs/api/v2/install has two segments where * takes one)
 * - Scroll 50% on /blog/**: V1 (60), V2 (95) → 2, 2, 40 (V5 scrolled 100 % of /blogger)
 * - Scroll 90% on /blog/**: V2 → 1, 1, 20
 * - Purchase: V2 → 1, 1, 20 (a revenue goal counts like an event goal for now)
 * - Download is a custom event but not a goal: not listed.
 */
function goalDataset(site: number): EventRecord[] {
  const at = (time: string) => `2026-10-12T${time}Z`;
  const view = (v: number, time: string, pathname: string) =>
    event(site, at(time), { visitor: 900 + v, session: 9900 + v, pathname });
  const custom = (v: number, time: string, name: string, extra: Partial<EventRecord> = {}) =>
    event(site, at(time), {
      visitor: 900 + v,
      session: 9900 + v,
      kind: 'custom',
      name,
      pathname: '/',
      ...extra,
    });
  const scroll = (v: number, time: string, pathname: string, depth: number) =>
    event(site, at(time), {
      visitor: 900 + v,
      session: 9900 + v,
      kind: 'engagement',
      name: 'engagement',
      pathname,
      interactive: 0,
      scroll_depth: depth,
      engaged_ms: 5000,
    });
  return [
    view(1, '10:00:00', '/blog/hello'),
    scroll(1, '10:01:00', '/blog/hello', 60),
    custom(1, '10:02:00', 'Signup'),
    view(2, '11:00:00', '/blog/2026/post'),
    scroll(2, '11:01:00', '/blog/2026/post', 95),
    custom(2, '11:02:00', 'Purchase', { revenue_amount: '10.5', revenue_currency: 'EUR' }),
    view(3, '12:00:00', '/docs/api/install'),
    view(3, '12:01:00', '/docs/api/v2/install'),
    scroll(3, '12:02:00', '/docs/api/install', 40),
    view(4, '13:00:00', '/'),
    custom(4, '13:01:00', 'Signup'),
    custom(4, '13:02:00', 'Signup'),
    custom(4, '13:03:00', 'Download'),
    view(5, '14:00:00', '/blogger'),
    scroll(5, '14:01:00', '/blogger', 100),
  ];
}

const DAY = ['2026-10-12', '2026-10-12'];
const BY_GOAL = { metrics: ['visitors', 'events', 'conversion_rate'], dimensions: ['event:goal'] };
const GOALS = [
  { kind: 'event', event_name: 'Signup' },
  { kind: 'page', page_path: '/blog/**' },
  { kind: 'page', page_path: '/docs/*/install' },
  { kind: 'scroll', page_path: '/blog/**', scroll_threshold: 50 },
  { kind: 'scroll', page_path: '/blog/**', scroll_threshold: 90 },
  { kind: 'revenue', event_name: 'Purchase', currency: 'EUR' },
];
const EXPECTED = [
  { dimensions: ['Scroll 50% on /blog/**'], metrics: [2, 2, 40] },
  { dimensions: ['Signup'], metrics: [2, 3, 40] },
  { dimensions: ['Visit /blog/**'], metrics: [2, 2, 40] },
  { dimensions: ['Purchase'], metrics: [1, 1, 20] },
  { dimensions: ['Scroll 90% on /blog/**'], metrics: [1, 1, 20] },
  { dimensions: ['Visit /docs/*/install'], metrics: [1, 1, 20] },
];

let owner: TestAccount;
let site: SiteJson;

beforeAll(async () => {
  owner = await signUp();
  site = await newSite(owner, 'UTC');
  await insertEvents(goalDataset(site.id));
});

function query(body: Record<string, unknown>) {
  return statsQuery({ site_id: site.domain, date_range: DAY, ...body }, { cookie: owner.cookie });
}

async function batch(queries: Record<string, unknown>[]): Promise<unknown[]> {
  const res = await workerFetch('/api/v2/query/batch', {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: owner.cookie },
    body: JSON.stringify({ queries: queries.map((q) => ({ site_id: site.domain, date_range: DAY, ...q })) }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { results: { results: unknown[] }[] }).results.map((r) => r.results);
}

describe('event:goal', () => {
  it('is every custom event name while the site has no goals, then the configured goals', async () => {
    const before = await query(BY_GOAL);
    expect(before.status).toBe(200);
    expect(before.body.results).toEqual([
      { dimensions: ['Signup'], metrics: [2, 3, 40] },
      { dimensions: ['Download'], metrics: [1, 1, 20] },
      { dimensions: ['Purchase'], metrics: [1, 1, 20] },
    ]);

    for (const body of GOALS) {
      const res = await call('POST', `/api/sites/${site.id}/goals`, { as: owner, body });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
    const after = await query(BY_GOAL);
    expect(after.status).toBe(200);
    expect(after.body.results).toEqual(EXPECTED);
  });

  it('a goal filter counts the visitors who completed that goal, of each kind', async () => {
    const cases: [string, number[]][] = [
      ['Signup', [2, 3, 40]],
      ['Visit /blog/**', [2, 2, 40]],
      ['Visit /docs/*/install', [1, 1, 20]],
      ['Scroll 50% on /blog/**', [2, 2, 40]],
      ['Scroll 90% on /blog/**', [1, 1, 20]],
      ['Purchase', [1, 1, 20]],
      ['Download', [0, 0, 0]],
    ];
    for (const [goal, metrics] of cases) {
      const res = await query({
        metrics: ['visitors', 'events', 'conversion_rate'],
        filters: [['is', 'event:goal', [goal]]],
      });
      expect({ goal, status: res.status, results: res.body.results }).toEqual({
        goal,
        status: 200,
        results: [{ dimensions: [], metrics }],
      });
    }
    // Visit metrics of the converting visits (the KPI row under a goal filter): V1's visit lasts
    // 10:00–10:02, V4's 13:00–13:03, neither bounces.
    const visits = await query({
      metrics: ['visitors', 'visits', 'bounce_rate', 'visit_duration'],
      filters: [['is', 'event:goal', ['Signup']]],
    });
    expect(visits.body.results).toEqual([{ dimensions: [], metrics: [2, 2, 0, 150] }]);
    const byDay = await query({
      metrics: ['visitors'],
      dimensions: ['time:day'],
      filters: [['is', 'event:goal', ['Visit /blog/**']]],
    });
    expect(byDay.body.results).toEqual([{ dimensions: ['2026-10-12'], metrics: [2] }]);
    // Which pages the converting visitors of a scroll goal read: only the page that completed it.
    const pages = await query({
      metrics: ['visitors'],
      dimensions: ['event:page'],
      filters: [['is', 'event:goal', ['Scroll 90% on /blog/**']]],
    });
    expect(pages.body.results).toEqual([{ dimensions: ['/blog/2026/post'], metrics: [1] }]);
  });

  it('answers the same from a batch and once the day is sealed (the rollups cannot, so raw events do)', async () => {
    const visitors = [{ dimensions: [], metrics: [5] }];
    const ask = [{ metrics: ['visitors'] }, BY_GOAL];
    expect(await batch(ask)).toEqual([visitors, EXPECTED]);
    await sealDays(maintenanceClickhouse(testEnv), Date.now(), { sites: [site.id] });
    expect((await query(BY_GOAL)).body.results).toEqual(EXPECTED);
    expect(await batch(ask)).toEqual([visitors, EXPECTED]);
    // Other panels of the same site still read their rollups and sealed days as before.
    const sources = await query({ metrics: ['visitors'], dimensions: ['visit:source'] });
    expect(sources.body.results).toEqual([{ dimensions: ['Direct / None'], metrics: [5] }]);
  });
});
