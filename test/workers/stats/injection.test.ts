import { beforeAll, describe, expect, it } from 'vitest';
import type { SiteJson } from '../../../functions/sites/store';
import { signUp, type TestAccount } from '../helpers/accounts';
import { event, insertEvents, newSite, statsQuery } from './fixtures';

/** Strings that would change a query if they were ever pasted into SQL text. */
const EVIL = [
  "' OR 1=1 --",
  "x'); DROP TABLE events; --",
  "\\' OR site_id != 0 --",
  '{site:UInt32}',
  '{p0:String}',
  '} OR 1=1 {',
  '1 UNION ALL SELECT name FROM system.tables',
  '" OR ""="',
  "'; SELECT * FROM events WHERE site_id > 0; --",
  '\u0000\u0001',
  '%27%20OR%201%3D1',
];

let owner: TestAccount;
let site: SiteJson;
let victim: SiteJson;

const RANGE = ['2026-10-05', '2026-10-05'];

beforeAll(async () => {
  owner = await signUp();
  site = await newSite(owner);
  victim = await newSite(await signUp());
  // The other tenant's pages are named exactly like the attacks, so a leak would show as a match.
  await insertEvents([
    event(site.id, '2026-10-05T10:00:00Z', { visitor: 1, session: 1, pathname: '/' }),
    event(site.id, '2026-10-05T10:01:00Z', {
      visitor: 1,
      session: 1,
      kind: 'custom',
      name: 'Signup',
      props: { plan: 'pro' },
    }),
    event(site.id, '2026-10-05T11:00:00Z', { visitor: 2, session: 2, pathname: '/pricing' }),
    ...EVIL.map((pathname, i) =>
      event(victim.id, '2026-10-05T10:00:00Z', {
        visitor: 100 + i,
        session: 100 + i,
        pathname,
        referrer_source: pathname,
        props: { [pathname]: pathname },
      }),
    ),
  ]);
});

function ask(body: Record<string, unknown>) {
  return statsQuery(
    { site_id: site.domain, date_range: RANGE, metrics: ['visitors'], ...body },
    { cookie: owner.cookie },
  );
}

/** Never a 5xx; a 200 only with this site's own numbers (2 visitors at most). */
function expectSafe(res: Awaited<ReturnType<typeof ask>>) {
  expect(res.status, JSON.stringify(res.body)).toBeLessThan(500);
  if (res.status === 200) {
    for (const row of res.body.results) expect(row.metrics[0]).toBeLessThanOrEqual(2);
  } else {
    expect(res.body.error?.code).toMatch(/^(invalid_query|not_found|unauthorized)$/);
  }
}

describe('SQL injection attempts are refused or treated as data', () => {
  it('site_id: 404 for the signed-in owner, 401 anonymously', async () => {
    for (const evil of EVIL) {
      const res = await statsQuery(
        { site_id: evil, metrics: ['visitors'], date_range: RANGE },
        { cookie: owner.cookie },
      );
      expect([400, 404], evil).toContain(res.status);
      const anonymous = await statsQuery({ site_id: evil, metrics: ['visitors'], date_range: RANGE });
      expect([400, 401], evil).toContain(anonymous.status);
    }
    const numeric = await statsQuery(
      { site_id: `${site.id} OR 1=1`, metrics: ['visitors'], date_range: RANGE },
      { cookie: owner.cookie },
    );
    expect(numeric.status).toBe(404);
  });

  it('filter values on event and visit dimensions, with every operator', async () => {
    for (const evil of EVIL) {
      for (const dimension of ['event:page', 'visit:source', 'event:props:plan', 'event:goal']) {
        for (const op of ['is', 'contains', 'matches']) {
          const res = await ask({ filters: [[op, dimension, [evil], { case_sensitive: false }]] });
          expectSafe(res);
          if (res.status === 200)
            expect(res.body.results, `${op} ${dimension} ${evil}`).toEqual([
              { dimensions: [], metrics: [0] },
            ]);
        }
        const negated = await ask({ filters: [['is_not', dimension, [evil]]] });
        expectSafe(negated);
      }
    }
  });

  it('property keys in dimensions and filters are data', async () => {
    for (const evil of EVIL) {
      const res = await ask({ metrics: ['visitors', 'events'], dimensions: [`event:props:${evil}`] });
      expectSafe(res);
      // No event of this site has that key: every event is (none).
      expect(res.body.results, evil).toEqual([{ dimensions: ['(none)'], metrics: [2, 3] }]);
      const filtered = await ask({ filters: [['is', `event:props:${evil}`, [evil]]] });
      expect(filtered.body.results, evil).toEqual([{ dimensions: [], metrics: [0] }]);
    }
  });

  it('dimensions, metrics, order_by, date ranges, pagination and include are checked against lists', async () => {
    for (const evil of EVIL) {
      const attempts: Record<string, unknown>[] = [
        { dimensions: [evil] },
        { dimensions: [`event:page${evil}`] },
        { metrics: [evil] },
        { dimensions: ['event:page'], order_by: [[evil, 'desc']] },
        { dimensions: ['event:page'], order_by: [['visitors', evil]] },
        { date_range: evil },
        { date_range: [`2026-10-05${evil}`, '2026-10-05'] },
        { pagination: { limit: evil } },
        { include: { [evil]: true } },
        { include: { comparisons: { mode: 'custom', date_range: [evil, evil] } } },
        { filters: [[evil, 'event:page', ['/']]] },
        { filters: [['is', 'event:page', ['/'], { case_sensitive: evil }]] },
      ];
      for (const attempt of attempts) {
        const res = await ask(attempt);
        expect(res.status, `${JSON.stringify(attempt)} → ${JSON.stringify(res.body)}`).toBe(400);
        expect(res.body.error?.code).toBe('invalid_query');
      }
    }
  });

  it('afterwards the data of both sites is intact', async () => {
    const mine = await ask({ metrics: ['visitors', 'pageviews'] });
    expect(mine.body.results).toEqual([{ dimensions: [], metrics: [2, 2] }]);
    const res = await ask({
      dimensions: ['event:page'],
      metrics: ['pageviews'],
      order_by: [['event:page', 'asc']],
    });
    expect(res.body.results.map((r) => r.dimensions[0])).toEqual(['/', '/pricing']);
  });
});
