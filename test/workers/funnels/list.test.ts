import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FunnelJson } from '../../../functions/funnels/funnel';
import type { GoalJson } from '../../../functions/goals/goal';
import type { SiteJson } from '../../../functions/sites/store';
import { app } from '../../../workers/app';
import type { Env } from '../../../workers/env';
import { signUp, type TestAccount, uniqueIp } from '../helpers/accounts';
import { testEnv } from '../helpers/stack';
import { call } from '../sites/client';
import { post, visitorsQuery } from '../stats/app-fetch';
import { newKey, newSite } from '../stats/fixtures';

/**
 * `GET /api/v2/funnels?site_id=…` (functions/funnels/list.ts): the funnels of a site for every
 * Stats API reader, so that a shared link's dashboard can show its funnel panel. Same doors and
 * the same read budget as `POST /api/v2/query`.
 */

interface Reader {
  cookie?: string;
  bearer?: string;
  ip?: string;
  headers?: Record<string, string>;
}

interface ListAnswer {
  status: number;
  retryAfter: string | null;
  body: {
    funnels?: { id: number; name: string; steps: string[] }[];
    error?: { code: string; message: string };
  };
}

/** A GET through the Worker's app in this isolate, with vars overridden as an operator would. */
async function list(query: string, reader: Reader = {}, env: Partial<Env> = {}): Promise<ListAnswer> {
  const headers = new Headers({ 'cf-connecting-ip': reader.ip ?? uniqueIp(), ...reader.headers });
  if (reader.cookie) headers.set('cookie', reader.cookie);
  if (reader.bearer) headers.set('authorization', `Bearer ${reader.bearer}`);
  const ctx = createExecutionContext();
  const res = await app.fetch(
    new Request(`http://edgebear.test/api/v2/funnels${query}`, { headers }),
    { ...testEnv, ...env },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    body: (await res.json()) as ListAnswer['body'],
  };
}

const of = (site: SiteJson) => `?site_id=${encodeURIComponent(site.domain)}`;

let owner: TestAccount;
let stranger: TestAccount;
let site: SiteJson;
let funnels: FunnelJson[];
/** What every reader of `site` should see. */
let expected: { id: number; name: string; steps: string[] }[];

async function patchSite(target: SiteJson, body: unknown): Promise<SiteJson> {
  const res = await call<{ site: SiteJson }>('PATCH', `/api/sites/${target.id}`, { as: owner, body });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.site;
}

beforeAll(async () => {
  owner = await signUp();
  stranger = await signUp();
  site = await newSite(owner, 'UTC');
  const goals: GoalJson[] = [];
  for (const body of [
    { kind: 'page', page_path: '/pricing' },
    { kind: 'event', event_name: 'Signup' },
    { kind: 'event', event_name: 'Purchase' },
  ]) {
    const res = await call<{ goal: GoalJson }>('POST', `/api/sites/${site.id}/goals`, { as: owner, body });
    expect(res.status).toBe(201);
    goals.push(res.body.goal);
  }
  const [pricing, signup, purchase] = goals.map((g) => g.id);
  funnels = [];
  for (const body of [
    { name: 'Checkout', steps: [pricing, signup, purchase] },
    { name: 'Signup first', steps: [signup, pricing] },
  ]) {
    const res = await call<{ funnel: FunnelJson }>('POST', `/api/sites/${site.id}/funnels`, {
      as: owner,
      body,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    funnels.push(res.body.funnel);
  }
  expected = [
    { id: funnels[0]?.id ?? 0, name: 'Checkout', steps: ['Visit /pricing', 'Signup', 'Purchase'] },
    { id: funnels[1]?.id ?? 0, name: 'Signup first', steps: ['Signup', 'Visit /pricing'] },
  ];
});

describe('GET /api/v2/funnels: who may list', () => {
  it('the owner’s session lists id, name and step names, oldest first, and nothing else', async () => {
    const res = await list(of(site), { cookie: owner.cookie });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({ funnels: expected });
    // The numeric id works as it does for the Stats API.
    expect((await list(`?site_id=${site.id}`, { cookie: owner.cookie })).body).toEqual({ funnels: expected });
  });

  it('an API key with stats:read lists them; without the scope 403; a key of another site 404', async () => {
    expect((await list(of(site), { bearer: await newKey(owner) })).body).toEqual({ funnels: expected });
    const writeOnly = await list(of(site), { bearer: await newKey(owner, { scopes: ['events:write'] }) });
    expect([writeOnly.status, writeOnly.body.error?.code]).toEqual([403, 'forbidden']);
    const sibling = await newSite(owner);
    const scoped = await list(of(site), { bearer: await newKey(owner, { siteId: sibling.id }) });
    expect([scoped.status, scoped.body.error?.code]).toEqual([404, 'not_found']);
  });

  it('a shared link lists its site’s funnels; a wrong link is 404', async () => {
    const shared = await patchSite(site, { shared_link: {} });
    const link = shared.shared_link?.id ?? '';
    expect(link).not.toBe('');
    const res = await list(of(site), { headers: { 'X-Shared-Link': link } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({ funnels: expected });
    const wrong = await list(of(site), { headers: { 'X-Shared-Link': `${link}x` } });
    expect([wrong.status, wrong.body.error?.code]).toEqual([404, 'not_found']);
    await patchSite(site, { shared_link: null });
  });

  it('a password-protected link: 401 password_required without or with a wrong password', async () => {
    const other = await newSite(owner);
    const shared = await patchSite(other, { shared_link: { password: 'open sesame 42' } });
    const link = shared.shared_link?.id ?? '';
    const missing = await list(of(other), { headers: { 'X-Shared-Link': link } });
    expect([missing.status, missing.body.error?.code]).toEqual([401, 'password_required']);
    const wrong = await list(of(other), {
      headers: { 'X-Shared-Link': link, 'X-Shared-Link-Password': 'not it' },
    });
    expect([wrong.status, wrong.body.error?.code]).toEqual([401, 'password_required']);
    const right = await list(of(other), {
      headers: { 'X-Shared-Link': link, 'X-Shared-Link-Password': 'open sesame 42' },
    });
    expect(right.status, JSON.stringify(right.body)).toBe(200);
    // A site without funnels lists none.
    expect(right.body).toEqual({ funnels: [] });
  });

  it('a public dashboard is listed to anyone; a private site is 401 to anonymous readers', async () => {
    const anonymous = await list(of(site));
    expect([anonymous.status, anonymous.body.error?.code]).toEqual([401, 'unauthorized']);
    await patchSite(site, { public_dashboard: true });
    try {
      expect((await list(of(site))).body).toEqual({ funnels: expected });
      expect((await list(of(site), { cookie: stranger.cookie })).body).toEqual({ funnels: expected });
    } finally {
      await patchSite(site, { public_dashboard: false });
    }
  });

  it('another tenant’s site answers as an unknown one: 404 to a session or key, 401 to nobody', async () => {
    const bySession = await list(of(site), { cookie: stranger.cookie });
    const unknownBySession = await list('?site_id=no-such-site.example', { cookie: stranger.cookie });
    expect([bySession.status, bySession.body.error?.code]).toEqual([404, 'not_found']);
    expect(bySession.body).toEqual(unknownBySession.body);
    const byKey = await list(of(site), { bearer: await newKey(stranger) });
    expect([byKey.status, byKey.body.error?.code]).toEqual([404, 'not_found']);
    const nobody = await list('?site_id=no-such-site.example');
    expect(nobody.status).toBe(401);
  });

  it('refuses a missing site_id or an unknown parameter with 400 invalid_query', async () => {
    const missing = await list('', { cookie: owner.cookie });
    expect([missing.status, missing.body.error?.code]).toEqual([400, 'invalid_query']);
    expect(missing.body.error?.message).toMatch(/^site_id/);
    const extra = await list(`${of(site)}&limit=5`, { cookie: owner.cookie });
    expect([extra.status, extra.body.error?.code]).toEqual([400, 'invalid_query']);
    expect(extra.body.error?.message).toMatch(/^limit: unknown parameter/);
  });
});

describe('GET /api/v2/funnels: rate limit', () => {
  /** Small limits, per hour so nothing refills during the test (as test/workers/stats/limits.test.ts). */
  const LIMITS: Partial<Env> = { STATS_RATE_LIMIT: '4/3600', STATS_DASHBOARD_RATE_LIMIT: '5/3600' };

  it('spends one query of an API key’s Stats API budget: 429 with Retry-After once it is used', async () => {
    const key = await newKey(owner);
    const seen: number[] = [];
    for (let i = 0; i < 3; i++) {
      seen.push((await post('/api/v2/query', visitorsQuery(site.domain), { bearer: key }, LIMITS)).status);
    }
    seen.push((await list(of(site), { bearer: key }, LIMITS)).status);
    expect(seen).toEqual([200, 200, 200, 200]);
    const refused = await list(of(site), { bearer: key }, LIMITS);
    expect([refused.status, refused.body.error?.code]).toEqual([429, 'rate_limited']);
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
    // And the Stats API then refuses that key too: one budget.
    expect((await post('/api/v2/query', visitorsQuery(site.domain), { bearer: key }, LIMITS)).status).toBe(
      429,
    );
  });

  it('spends one query of a shared link’s dashboard budget, whoever follows it', async () => {
    const other = await newSite(owner);
    const shared = await patchSite(other, { shared_link: {} });
    const viewer = { headers: { 'X-Shared-Link': shared.shared_link?.id ?? '' } };
    const seen: number[] = [];
    for (let i = 0; i < 5; i++)
      seen.push((await list(of(other), { ...viewer, ip: uniqueIp() }, LIMITS)).status);
    expect(seen).toEqual([200, 200, 200, 200, 200]);
    const refused = await list(of(other), { ...viewer, ip: uniqueIp() }, LIMITS);
    expect([refused.status, refused.body.error?.code]).toEqual([429, 'rate_limited']);
    expect(refused.retryAfter).toMatch(/^\d+$/);
    const query = await post(
      '/api/v2/query',
      visitorsQuery(other.domain),
      { ...viewer, ip: uniqueIp() },
      LIMITS,
    );
    expect(query.status).toBe(429);
  });
});
