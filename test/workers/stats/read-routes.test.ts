import { beforeAll, describe, expect, it } from 'vitest';
import type { SiteJson } from '../../../functions/sites/store';
import { signUp, type TestAccount } from '../helpers/accounts';
import { post, visitorsQuery } from './app-fetch';
import { event, insertEvents, newSite } from './fixtures';

/**
 * How the read routes fail (one executor for all of them, workers/clickhouse/read.ts): an
 * outage is a 503 with Retry-After everywhere, a query over the read profile a 422.
 */

/** Nothing listens on port 9 (discard) here: connections are refused at once. */
const OUTAGE = { CLICKHOUSE_URL: 'http://127.0.0.1:9' };

let owner: TestAccount;
let site: SiteJson;

beforeAll(async () => {
  owner = await signUp();
  site = await newSite(owner);
  await insertEvents([
    event(site.id, '2026-10-05T10:00:00Z', { visitor: 1, session: 1 }),
    event(site.id, '2026-10-05T11:00:00Z', { visitor: 2, session: 2 }),
  ]);
});

describe('ClickHouse outage', () => {
  it('answers 503 unavailable with Retry-After on /api/v2/query', async () => {
    const res = await post('/api/v2/query', visitorsQuery(site.domain), { cookie: owner.cookie }, OUTAGE);
    expect(res.status).toBe(503);
    expect(res.body.error?.code).toBe('unavailable');
    expect(res.retryAfter).toMatch(/^\d+$/);
  });

  it('answers 503 for a whole batch, not 200 with 21 failed panels', async () => {
    const queries = [
      visitorsQuery(site.domain),
      visitorsQuery(site.domain, { dimensions: ['visit:source'] }),
      visitorsQuery(site.domain, { date_range: '30m' }),
    ];
    const res = await post('/api/v2/query/batch', { queries }, { cookie: owner.cookie }, OUTAGE);
    expect(res.status).toBe(503);
    expect(res.body.error?.code).toBe('unavailable');
    expect(res.retryAfter).toMatch(/^\d+$/);
  });

  it('answers 503 on the Performance API (it answered 500)', async () => {
    const res = await post(
      '/api/stats/performance',
      { site_id: site.domain, date_range: ['2026-10-05', '2026-10-05'], dimension: 'event:page' },
      { cookie: owner.cookie },
      OUTAGE,
    );
    expect(res.status).toBe(503);
    expect(res.body.error?.code).toBe('unavailable');
    expect(res.retryAfter).toMatch(/^\d+$/);
  });
});

describe('the read profile', () => {
  it('applies: over max_rows_to_read a query answers 422 query_too_expensive, not 500', async () => {
    const tight = { CLICKHOUSE_MAX_ROWS_TO_READ: '1' };
    const res = await post(
      '/api/v2/query',
      visitorsQuery(site.domain, { date_range: ['2026-10-05T00:00:00', '2026-10-05T23:59:59'] }),
      { cookie: owner.cookie },
      tight,
    );
    expect(res.status).toBe(422);
    expect(res.body.error?.code).toBe('query_too_expensive');
    // A range that does not end on a whole hour: answered from raw events.
    const performance = await post(
      '/api/stats/performance',
      {
        site_id: site.domain,
        date_range: ['2026-10-05T00:00:00', '2026-10-05T12:30:00'],
        dimension: 'event:page',
      },
      { cookie: owner.cookie },
      tight,
    );
    expect(performance.status).toBe(422);
    expect(performance.body.error?.code).toBe('query_too_expensive');
  });

  it('in a batch, a query over the limits fails alone', async () => {
    const res = await post<{ results: { status: number; error?: { code: string } }[] }>(
      '/api/v2/query/batch',
      {
        queries: [visitorsQuery(site.domain, { date_range: ['2026-10-05T00:00:00', '2026-10-05T23:59:59'] })],
      },
      { cookie: owner.cookie },
      { CLICKHOUSE_MAX_ROWS_TO_READ: '1' },
    );
    expect(res.status).toBe(200);
    expect(res.body.results[0]).toMatchObject({ status: 422, error: { code: 'query_too_expensive' } });
  });

  it('are tied to the request: a client that went away starts no statement', async () => {
    const gone = new AbortController();
    gone.abort();
    const res = await post('/api/v2/query', visitorsQuery(site.domain), {
      cookie: owner.cookie,
      signal: gone.signal,
    });
    expect(res.status).toBe(503);
    expect(res.body.error?.code).toBe('unavailable');
  });
});
