import { describe, expect, it } from 'vitest';
import { authFetch, signUp } from '../helpers/accounts';
import { workerFetch } from '../helpers/stack';
import { billingRow } from './helpers';

const TOKEN = 'test-admin-token';

function admin(
  path: string,
  init: { method?: string; body?: unknown; token?: string } = {},
): Promise<Response> {
  const headers: Record<string, string> = { authorization: `Bearer ${init.token ?? TOKEN}` };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  return workerFetch(`/admin/api/billing-profiles${path}`, {
    method: init.method ?? 'GET',
    headers,
    body:
      init.body === undefined
        ? undefined
        : typeof init.body === 'string'
          ? init.body
          : JSON.stringify(init.body),
  });
}

interface ProfileJson {
  billing_profile: {
    id: number;
    plan: string;
    custom_monthly_events: number | null;
    custom_sites: number | null;
    limits: { monthly_events: number; sites: number; retention_months: number };
    plan_changed_at: string | null;
    custom_limits_set_at: string | null;
  };
}

describe('admin: billing profile overrides', () => {
  it('reads a profile with its effective limits', async () => {
    const account = await signUp();
    const response = await admin(`/${account.billingProfileId}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      billing_profile: {
        id: account.billingProfileId,
        owner_user_id: account.userId,
        plan: 'free',
        interval: null,
        status: null,
        custom_monthly_events: null,
        custom_sites: null,
        limits: { monthly_events: 10_000, sites: 2, retention_months: 6 },
      },
    });
  });

  it('sets a custom monthly limit and sites, which the owner sees, and null returns to the plan', async () => {
    const account = await signUp();
    const set = await admin(`/${account.billingProfileId}`, {
      method: 'PATCH',
      body: { custom_monthly_events: 5_000_000, custom_sites: 200 },
    });
    expect(set.status).toBe(200);
    expect(((await set.json()) as ProfileJson).billing_profile).toMatchObject({
      plan: 'free',
      custom_monthly_events: 5_000_000,
      custom_sites: 200,
      limits: { monthly_events: 5_000_000, sites: 200 },
    });
    // Stamped, so a later plan change can tell the override is older (effectiveLimits).
    expect((await billingRow(account.billingProfileId)).custom_limits_set_at).toBeGreaterThan(0);
    const seen = (await (await authFetch('/api/billing', { cookie: account.cookie })).json()) as {
      usage: { limit: number };
      limits: { sites: number };
    };
    expect(seen.usage.limit).toBe(5_000_000);
    expect(seen.limits.sites).toBe(200);

    const cleared = await admin(`/${account.billingProfileId}`, {
      method: 'PATCH',
      body: { custom_monthly_events: null },
    });
    expect(((await cleared.json()) as ProfileJson).billing_profile.limits).toMatchObject({
      monthly_events: 10_000,
      sites: 200,
    });
  });

  it('sets a plan by hand and records when the plan changed', async () => {
    const account = await signUp();
    const response = await admin(`/${account.billingProfileId}`, {
      method: 'PATCH',
      body: { plan: 'business' },
    });
    const body = ((await response.json()) as ProfileJson).billing_profile;
    expect(body).toMatchObject({ plan: 'business', limits: { monthly_events: 1_000_000, sites: 50 } });
    expect(body.plan_changed_at).not.toBeNull();
    expect(body.custom_limits_set_at).toBeNull();
    const changedAt = (await billingRow(account.billingProfileId)).plan_changed_at;
    // The same plan again is no change.
    await admin(`/${account.billingProfileId}`, {
      method: 'PATCH',
      body: { plan: 'business', custom_sites: 3 },
    });
    expect((await billingRow(account.billingProfileId)).plan_changed_at).toBe(changedAt);
  });

  it('refuses bad input with 400 and changes nothing', async () => {
    const account = await signUp();
    for (const body of [
      {},
      { custom_monthly_events: -1 },
      { custom_monthly_events: 1.5 },
      { custom_monthly_events: '1000' },
      { custom_monthly_events: 1e12 },
      { custom_sites: 100_001 },
      { plan: 'gold' },
      { plan: null },
      { custom_limit: 5 },
      '[1]',
      'not json',
    ]) {
      const response = await admin(`/${account.billingProfileId}`, { method: 'PATCH', body });
      expect(response.status, JSON.stringify(body)).toBe(400);
    }
    expect(await billingRow(account.billingProfileId)).toMatchObject({
      plan_code: 'free',
      custom_monthly_events: null,
      custom_sites: null,
    });
  });

  it('answers 404 for a profile that does not exist, and 401 without the token', async () => {
    for (const id of ['999999999999', 'abc', '0', '-1']) {
      expect((await admin(`/${id}`)).status, id).toBe(404);
      expect((await admin(`/${id}`, { method: 'PATCH', body: { custom_sites: 1 } })).status, id).toBe(404);
    }
    const account = await signUp();
    const unauthorised = await admin(`/${account.billingProfileId}`, {
      method: 'PATCH',
      body: { plan: 'business' },
      token: 'wrong',
    });
    expect(unauthorised.status).toBe(401);
    expect((await billingRow(account.billingProfileId)).plan_code).toBe('free');
  });
});
