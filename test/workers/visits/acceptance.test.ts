import { beforeAll, describe, expect, it } from 'vitest';
import type { SiteJson } from '../../../functions/sites/store';
import { sealDays } from '../../../functions/stats/seal';
import { maintenanceClickhouse } from '../../../workers/clickhouse/client';
import { VISIT_ID_PLACEHOLDER } from '../../../workers/ingest/visitor';
import { signUp, type TestAccount } from '../helpers/accounts';
import { rows, testEnv } from '../helpers/stack';
import { newSite, statsQuery } from '../stats/fixtures';
import { consume, message, sent } from './helpers';

/**
 * Issue 13's hand-counted visits, fed through the real queue consumer and its VisitTracker, then
 * read through the Stats API: from the raw plan (a date-time range), from the rollups (whole local
 * days) and from sealed days. The site is in Europe/Berlin (UTC+2 in October), so local midnight
 * between 5 and 6 October is 22:00 UTC.
 *
 * | visitor | events (UTC, 5 Oct)                      | visits | pageviews | bounces | duration |
 * | 1       | pageview 10:58 /hour-a, 11:03 /hour-b    | 1      | 2         | 0       | 300      |
 * | 2       | pageview 21:50 /night-a, 22:10 /night-b  | 1      | 2         | 0       | 1200     |
 * | 3       | pageview 08:00 /gap29-a, 08:29 /gap29-b  | 1      | 2         | 0       | 1740     |
 * | 4       | pageview 13:00 /gap31-a, 13:31 /gap31-b  | 2      | 2         | 2       | 0 + 0    |
 * | 5       | pageview 15:00 /bounce                   | 1      | 1         | 1       | 0        |
 * | 6       | pageview 16:00 /engaged, Signup 16:02    | 1      | 1         | 0       | 120      |
 * |         | (the Signup is interactive)              | 7      | 10        | 3       | 3360     |
 *
 * visitors 6, visits 7, pageviews 10, views per visit 10/7 = 1.43, bounce rate 3/7 = 43 %,
 * visit duration 3360/7 = 480 s. Every visit has its own entry and exit page, so each page below
 * counts one visit. The message holding visitor 1's second pageview is delivered twice.
 */
let owner: TestAccount;
let site: SiteJson;
/** Visit ids the consumer wrote into the message delivered twice, at each delivery. */
let firstIds: string[];
let againIds: string[];

const VISIT_METRICS = ['visitors', 'visits', 'pageviews', 'views_per_visit', 'bounce_rate', 'visit_duration'];
const HAND_COUNT = [6, 7, 10, 1.43, 43, 480];
const ENTRY = ['/bounce', '/engaged', '/gap29-a', '/gap31-a', '/gap31-b', '/hour-a', '/night-a'];
const EXIT = ['/bounce', '/engaged', '/gap29-b', '/gap31-a', '/gap31-b', '/hour-b', '/night-b'];
const RAW = ['2026-10-05T00:00:00', '2026-10-06T23:59:59'];
const ROLLUP = ['2026-10-05', '2026-10-06'];

beforeAll(async () => {
  owner = await signUp();
  site = await newSite(owner, 'Europe/Berlin');
  const s = site.id;
  const a = message([
    sent(s, '2026-10-05T10:58:00Z', { visitor: 1, pathname: '/hour-a' }),
    sent(s, '2026-10-05T08:00:00Z', { visitor: 3, pathname: '/gap29-a' }),
    sent(s, '2026-10-05T13:00:00Z', { visitor: 4, pathname: '/gap31-a' }),
    sent(s, '2026-10-05T21:50:00Z', { visitor: 2, pathname: '/night-a' }),
  ]);
  const twice = message([
    sent(s, '2026-10-05T15:00:00Z', { visitor: 5, pathname: '/bounce' }),
    sent(s, '2026-10-05T16:00:00Z', { visitor: 6, pathname: '/engaged' }),
    sent(s, '2026-10-05T16:02:00Z', {
      visitor: 6,
      pathname: '/engaged',
      kind: 'custom',
      name: 'Signup',
      interactive: 1,
    }),
    sent(s, '2026-10-05T11:03:00Z', { visitor: 1, pathname: '/hour-b' }),
  ]);
  // The queue delivers `twice` again later, as it may (at least once), with the placeholder ids.
  const c = message([
    sent(s, '2026-10-05T08:29:00Z', { visitor: 3, pathname: '/gap29-b' }),
    sent(s, '2026-10-05T13:31:00Z', { visitor: 4, pathname: '/gap31-b' }),
    sent(s, '2026-10-05T22:10:00Z', { visitor: 2, pathname: '/night-b' }),
  ]);
  const one = await consume([a, twice]);
  const two = await consume([c, twice], testEnv, 2);
  expect([one.retried, two.retried]).toEqual([[], []]);
  firstIds = one.bodies[1]?.events.map((e) => e.session_id) ?? [];
  againIds = two.bodies[1]?.events.map((e) => e.session_id) ?? [];
});

function ask(body: Record<string, unknown>) {
  return statsQuery({ site_id: site.domain, ...body }, { cookie: owner.cookie });
}

async function figures(range: string[]) {
  const [totals, entry, exit] = await Promise.all([
    ask({ metrics: VISIT_METRICS, date_range: range }),
    ask({ metrics: ['visits'], date_range: range, dimensions: ['visit:entry_page'] }),
    ask({ metrics: ['visits'], date_range: range, dimensions: ['visit:exit_page'] }),
  ]);
  const pages = (res: typeof entry) =>
    res.body.results
      .map((r) => ({ page: r.dimensions[0], visits: r.metrics[0] }))
      .sort((x, y) => String(x.page).localeCompare(String(y.page)));
  return { totals: totals.body.results[0]?.metrics, entry: pages(entry), exit: pages(exit) };
}

const oneVisitEach = (pages: string[]) => pages.map((page) => ({ page, visits: 1 }));
const HAND = { totals: HAND_COUNT, entry: oneVisitEach(ENTRY), exit: oneVisitEach(EXIT) };

describe('visits by the 30-minute rule, through the consumer', () => {
  it('gives a message delivered twice the same visit ids, and stores its rows once', async () => {
    expect(firstIds).toHaveLength(4);
    expect(firstIds).not.toContain(VISIT_ID_PLACEHOLDER);
    expect(againIds).toEqual(firstIds);
    const stored = await rows<{ n: string; visits: string }>(
      'SELECT count() AS n, uniqExact(session_id) AS visits FROM events WHERE site_id = {s:UInt32}',
      { s: site.id },
    );
    expect(stored).toEqual([{ n: '11', visits: '7' }]);
  });

  it('counts by hand from the raw plan (a date-time range)', async () => {
    expect(await figures(RAW)).toEqual(HAND);
  });

  it('counts by hand from the rollups (whole local days), and across local midnight one visit', async () => {
    expect(await figures(ROLLUP)).toEqual(HAND);
  });

  it('counts by hand from sealed days', async () => {
    await sealDays(maintenanceClickhouse(testEnv), Date.now(), { sites: [site.id] });
    expect(await figures(ROLLUP)).toEqual(HAND);
  });
});
