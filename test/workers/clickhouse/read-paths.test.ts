import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { GoalJson } from '../../../functions/goals/goal';
import type { SiteJson } from '../../../functions/sites/store';
import { readRequestTimeoutMs } from '../../../workers/clickhouse/read';
import { configOf } from '../../../workers/config';
import { authFetch, signUp, type TestAccount } from '../helpers/accounts';
import { testEnv } from '../helpers/stack';
import { call } from '../sites/client';
import { newSite } from '../stats/fixtures';

/**
 * Every API read path sends the read profile with each statement (workers/clickhouse/read.ts):
 * ClickHouse stops the statement itself (`max_execution_time`, under the client's own timeout),
 * and stops it when the Worker hangs up (`cancel_http_readonly_queries_on_client_close`).
 */

/** The URL parameters of every request to ClickHouse made while `run` runs. */
async function clickhouseRequests(run: () => Promise<void>): Promise<URLSearchParams[]> {
  const seen: URLSearchParams[] = [];
  const real = globalThis.fetch;
  const origin = new URL(testEnv.CLICKHOUSE_URL).origin;
  vi.spyOn(globalThis, 'fetch').mockImplementation((input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.origin === origin) seen.push(url.searchParams);
    return real(input, init);
  });
  try {
    await run();
  } finally {
    vi.restoreAllMocks();
  }
  return seen;
}

let owner: TestAccount;
let site: SiteJson;
let funnelId: number;
const RANGE = ['2026-10-05', '2026-10-06'];

beforeAll(async () => {
  owner = await signUp();
  site = await newSite(owner, 'UTC');
  const goals: GoalJson[] = [];
  for (const name of ['Signup', 'Purchase']) {
    const res = await call<{ goal: GoalJson }>('POST', `/api/sites/${site.id}/goals`, {
      as: owner,
      body: { kind: 'event', event_name: name },
    });
    expect(res.status).toBe(201);
    goals.push(res.body.goal);
  }
  const created = await call<{ funnel: { id: number } }>('POST', `/api/sites/${site.id}/funnels`, {
    as: owner,
    body: { name: 'Checkout', steps: goals.map((g) => g.id) },
  });
  expect(created.status).toBe(201);
  funnelId = created.body.funnel.id;
});

afterEach(() => vi.restoreAllMocks());

const PATHS: [string, string, () => Record<string, unknown>][] = [
  [
    'the Stats API',
    '/api/v2/query',
    () => ({ site_id: site.domain, metrics: ['visitors'], date_range: RANGE }),
  ],
  [
    'a Stats API batch',
    '/api/v2/query/batch',
    () => ({
      queries: [
        { site_id: site.domain, metrics: ['visitors'], date_range: RANGE },
        { site_id: site.domain, metrics: ['pageviews'], dimensions: ['event:page'], date_range: RANGE },
      ],
    }),
  ],
  ['the Performance API', '/api/stats/performance', () => ({ site_id: site.id, date_range: RANGE })],
  [
    'the funnel API',
    '/api/v2/funnel',
    () => ({ site_id: site.domain, funnel_id: funnelId, date_range: RANGE }),
  ],
];

describe('every read path', () => {
  it.each(PATHS)('%s: each statement carries the read profile', async (_name, path, body) => {
    const limits = configOf(testEnv).clickhouseRead;
    const seen = await clickhouseRequests(async () => {
      const res = await authFetch(path, { body: body(), cookie: owner.cookie, csrf: owner.csrf });
      expect(res.status, await res.text()).toBe(200);
    });
    expect(seen.length).toBeGreaterThan(0);
    for (const params of seen) {
      expect(Object.fromEntries(params)).toMatchObject({
        readonly: '2',
        max_execution_time: String(limits.maxExecutionSeconds),
        cancel_http_readonly_queries_on_client_close: '1',
        session_timezone: 'UTC',
      });
    }
  });

  it('ClickHouse gives up on a statement before the client stops waiting for it', () => {
    for (const maxExecutionSeconds of [1, 10, 600]) {
      const limits = { ...configOf(testEnv).clickhouseRead, maxExecutionSeconds };
      expect(readRequestTimeoutMs(limits)).toBeGreaterThan(maxExecutionSeconds * 1000);
    }
  });
});
