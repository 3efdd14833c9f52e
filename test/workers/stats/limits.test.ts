import { beforeAll, describe, expect, it } from 'vitest';
import type { SiteJson } from '../../../functions/sites/store';
import type { Env } from '../../../workers/env';
import { signUp, type TestAccount, uniqueIp } from '../helpers/accounts';
import { call } from '../sites/client';
import { post, visitorsQuery } from './app-fetch';
import { event, insertEvents, newKey, newSite } from './fixtures';

/**
 * The per-principal limit of the read routes (functions/stats/reads.ts): small limits set as an
 * operator would, so a test reaches them in a few requests, per hour so that nothing refills
 * while a slow machine runs a test.
 */
const KEY_LIMIT = 10;
const DASHBOARD_LIMIT = 12;
const LIMITS: Partial<Env> = {
  STATS_RATE_LIMIT: `${KEY_LIMIT}/3600`,
  STATS_DASHBOARD_RATE_LIMIT: `${DASHBOARD_LIMIT}/3600`,
};

let owner: TestAccount;
let site: SiteJson;

beforeAll(async () => {
  owner = await signUp();
  site = await newSite(owner);
  await insertEvents([event(site.id, '2026-10-05T10:00:00Z', { visitor: 1, session: 1 })]);
});

/** Statuses of `n` queries sent one after another. */
async function statuses(n: number, send: () => Promise<{ status: number }>): Promise<number[]> {
  const seen: number[] = [];
  for (let i = 0; i < n; i++) seen.push((await send()).status);
  return seen;
}

describe('per API key', () => {
  it('answers 429 rate_limited with Retry-After once the key used its queries', async () => {
    const key = await newKey(owner);
    const seen = await statuses(KEY_LIMIT, () =>
      post('/api/v2/query', visitorsQuery(site.domain), { bearer: key }, LIMITS),
    );
    expect(seen).toEqual(Array(KEY_LIMIT).fill(200));
    const refused = await post('/api/v2/query', visitorsQuery(site.domain), { bearer: key }, LIMITS);
    expect(refused.status).toBe(429);
    expect(refused.body.error?.code).toBe('rate_limited');
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
    // About one token's refill: 10 per hour is one every 360 s.
    expect(Number(refused.retryAfter)).toBeLessThanOrEqual(360);
  });

  it('keeps keys apart: key A used up does not limit key B, nor the owner signed in', async () => {
    const a = await newKey(owner);
    const b = await newKey(owner);
    await statuses(KEY_LIMIT, () => post('/api/v2/query', visitorsQuery(site.domain), { bearer: a }, LIMITS));
    expect((await post('/api/v2/query', visitorsQuery(site.domain), { bearer: a }, LIMITS)).status).toBe(429);
    expect((await post('/api/v2/query', visitorsQuery(site.domain), { bearer: b }, LIMITS)).status).toBe(200);
    const signedIn = await post(
      '/api/v2/query',
      visitorsQuery(site.domain),
      { cookie: owner.cookie },
      LIMITS,
    );
    expect(signedIn.status).toBe(200);
  });

  it('counts a batch as the queries in it', async () => {
    const key = await newKey(owner);
    const batch = { queries: Array.from({ length: 4 }, () => visitorsQuery(site.domain)) };
    // 10 per minute: two batches of 4 fit, a third does not.
    expect((await post('/api/v2/query/batch', batch, { bearer: key }, LIMITS)).status).toBe(200);
    expect((await post('/api/v2/query/batch', batch, { bearer: key }, LIMITS)).status).toBe(200);
    const third = await post('/api/v2/query/batch', batch, { bearer: key }, LIMITS);
    expect(third.status).toBe(429);
    expect(third.body.error?.code).toBe('rate_limited');
    expect(third.retryAfter).toMatch(/^\d+$/);
  });

  it('shares one budget between the Stats API and the Performance API', async () => {
    const key = await newKey(owner);
    await statuses(KEY_LIMIT, () =>
      post('/api/v2/query', visitorsQuery(site.domain), { bearer: key }, LIMITS),
    );
    const performance = await post(
      '/api/stats/performance',
      { site_id: site.domain, date_range: ['2026-10-05', '2026-10-05'] },
      { bearer: key },
      LIMITS,
    );
    expect(performance.status).toBe(429);
    expect(performance.retryAfter).toMatch(/^\d+$/);
  });
});

describe('dashboard readers', () => {
  it('limit a session by its user, across the Stats and Performance APIs', async () => {
    const reader = await signUp();
    const own = await newSite(reader);
    const batch = { queries: Array.from({ length: 6 }, () => visitorsQuery(own.domain)) };
    expect((await post('/api/v2/query/batch', batch, { cookie: reader.cookie }, LIMITS)).status).toBe(200);
    expect((await post('/api/v2/query/batch', batch, { cookie: reader.cookie }, LIMITS)).status).toBe(200);
    // 12 per minute, all spent: a new IP changes nothing for a signed-in user.
    const after = await post(
      '/api/stats/performance',
      { site_id: own.domain, date_range: ['2026-10-05', '2026-10-05'] },
      { cookie: reader.cookie, ip: uniqueIp() },
      LIMITS,
    );
    expect(after.status).toBe(429);
    expect(after.body.error?.code).toBe('rate_limited');
    // The owner's own session is another principal.
    expect(
      (await post('/api/v2/query', visitorsQuery(site.domain), { cookie: owner.cookie }, LIMITS)).status,
    ).toBe(200);
  });

  it('limit anonymous readers of a public dashboard per IP', async () => {
    const open = await newSite(owner);
    expect(
      (await call('PATCH', `/api/sites/${open.id}`, { as: owner, body: { public_dashboard: true } })).status,
    ).toBe(200);
    const ip = uniqueIp();
    const seen = await statuses(DASHBOARD_LIMIT, () =>
      post('/api/v2/query', visitorsQuery(open.domain), { ip }, LIMITS),
    );
    expect(seen).toEqual(Array(DASHBOARD_LIMIT).fill(200));
    const refused = await post('/api/v2/query', visitorsQuery(open.domain), { ip }, LIMITS);
    expect(refused.status).toBe(429);
    expect(refused.retryAfter).toMatch(/^\d+$/);
    expect((await post('/api/v2/query', visitorsQuery(open.domain), { ip: uniqueIp() }, LIMITS)).status).toBe(
      200,
    );
  });

  it('limit a shared link by the link, whoever follows it', async () => {
    const shared = await newSite(owner);
    const patched = await call<{ site: SiteJson }>('PATCH', `/api/sites/${shared.id}`, {
      as: owner,
      body: { shared_link: {} },
    });
    const link = patched.body.site.shared_link?.id ?? '';
    const viewer = { headers: { 'X-Shared-Link': link } };
    const seen = await statuses(DASHBOARD_LIMIT, () =>
      post('/api/v2/query', visitorsQuery(shared.domain), { ...viewer, ip: uniqueIp() }, LIMITS),
    );
    expect(seen).toEqual(Array(DASHBOARD_LIMIT).fill(200));
    const refused = await post(
      '/api/v2/query',
      visitorsQuery(shared.domain),
      { ...viewer, ip: uniqueIp() },
      LIMITS,
    );
    expect(refused.status).toBe(429);
  });

  it('let a normal dashboard session through at the default limit: several page loads in a minute', async () => {
    const reader = await signUp();
    const own = await newSite(reader);
    // A page load as dashboard/src/stats.ts sends it: one batch of the panels, two performance calls.
    const panels = { queries: Array.from({ length: 19 }, () => visitorsQuery(own.domain)) };
    const performance = { site_id: own.domain, date_range: ['2026-10-05', '2026-10-05'] };
    for (let load = 0; load < 5; load++) {
      expect((await post('/api/v2/query/batch', panels, { cookie: reader.cookie })).status).toBe(200);
      expect((await post('/api/stats/performance', performance, { cookie: reader.cookie })).status).toBe(200);
      expect((await post('/api/stats/performance', performance, { cookie: reader.cookie })).status).toBe(200);
    }
  });
});

describe('limiter failure', () => {
  it('fails open: with the Durable Object down, reads are answered', async () => {
    const key = await newKey(owner);
    const broken = {
      getByName: () => ({ lease: () => Promise.reject(new Error('Durable Object unavailable')) }),
    } as unknown as Env['RATE_LIMITER'];
    // More than the limit: the isolate's own allowance is spent, then every call fails.
    const seen = await statuses(KEY_LIMIT + 3, () =>
      post('/api/v2/query', visitorsQuery(site.domain), { bearer: key }, { ...LIMITS, RATE_LIMITER: broken }),
    );
    expect(seen).toEqual(Array(KEY_LIMIT + 3).fill(200));
  });
});
