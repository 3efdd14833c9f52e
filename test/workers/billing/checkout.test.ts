import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { app } from '../../../workers/app';
import type { Env } from '../../../workers/env';
import { authFetch, signUp, uniqueIp } from '../helpers/accounts';
import { testEnv } from '../helpers/stack';
import {
  billingRow,
  checkoutAndPay,
  deliverAll,
  distinctProfileIds,
  portalUrl,
  startCheckout,
  stripeUrl,
} from './helpers';

beforeAll(distinctProfileIds);

interface ErrorBody {
  error: { code: string; message: string };
}

async function errorCode(response: Response): Promise<string> {
  return ((await response.json()) as ErrorBody).error.code;
}

/** A Stripe object read back from the local Stripe through its API, as the SDK would. */
async function stripeGet<T>(path: string): Promise<T> {
  const response = await fetch(`${stripeUrl}/v1/${path}`, {
    headers: { authorization: `Bearer ${testEnv.STRIPE_SECRET_KEY}` },
  });
  expect(response.status, path).toBe(200);
  return (await response.json()) as T;
}

interface CheckoutSessionJson {
  id: string;
  customer: string;
  client_reference_id: string;
  mode: string;
  success_url: string;
  cancel_url: string;
  metadata: Record<string, string>;
}

function sessionId(url: string): string {
  return url.split('/').at(-1) ?? '';
}

describe('POST /api/billing/checkout', () => {
  it('answers a Checkout URL on Stripe for the plan and interval, for this billing profile', async () => {
    const account = await signUp();
    const response = await startCheckout(account, 'growth', 'year');
    expect(response.status).toBe(200);
    const { url } = (await response.json()) as { url: string };
    expect(url).toMatch(new RegExp(`^${stripeUrl}/checkout/cs_`));

    const session = await stripeGet<CheckoutSessionJson>(`checkout/sessions/${sessionId(url)}`);
    const row = await billingRow(account.billingProfileId);
    expect(session).toMatchObject({
      mode: 'subscription',
      customer: row.stripe_customer_id,
      client_reference_id: String(account.billingProfileId),
      success_url: 'http://127.0.0.1:8787/billing?checkout=success',
      cancel_url: 'http://127.0.0.1:8787/billing',
      metadata: { billing_profile_id: String(account.billingProfileId) },
    });
    const lineItems = await stripeGet<{ data: { price: { id: string } }[] }>(
      `checkout/sessions/${session.id}/line_items`,
    );
    expect(lineItems.data.map((item) => item.price.id)).toEqual([testEnv.STRIPE_PRICE_GROWTH_YEAR]);

    // The page a customer lands on names the plan.
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Growth');
  });

  it('creates the Stripe customer once and reuses it for the next checkout', async () => {
    const account = await signUp();
    const first = (await (await startCheckout(account)).json()) as { url: string };
    const customer = (await billingRow(account.billingProfileId)).stripe_customer_id;
    expect(customer).toMatch(/^cus_/);
    const second = (await (await startCheckout(account, 'business', 'month')).json()) as { url: string };
    expect((await billingRow(account.billingProfileId)).stripe_customer_id).toBe(customer);
    for (const { url } of [first, second]) {
      expect((await stripeGet<CheckoutSessionJson>(`checkout/sessions/${sessionId(url)}`)).customer).toBe(
        customer,
      );
    }
    const stored = await stripeGet<{ email: string; metadata: Record<string, string> }>(
      `customers/${customer}`,
    );
    expect(stored).toMatchObject({
      email: account.email,
      metadata: { billing_profile_id: String(account.billingProfileId) },
    });
  });

  it('refuses a second subscription while one is live: 409 already_subscribed', async () => {
    const account = await signUp();
    const { events } = await checkoutAndPay(account);
    await deliverAll(events);
    const again = await startCheckout(account, 'business', 'month');
    expect(again.status).toBe(409);
    expect(await errorCode(again)).toBe('already_subscribed');
  });

  it('validates the plan and interval: 400, and nothing is created at Stripe', async () => {
    const account = await signUp();
    for (const [body, code] of [
      [{ plan: 'free', interval: 'month' }, 'invalid_plan'],
      [{ plan: 'platinum', interval: 'month' }, 'invalid_plan'],
      [{ interval: 'month' }, 'invalid_plan'],
      [{ plan: 'growth', interval: 'week' }, 'invalid_interval'],
      [{ plan: 'growth', interval: 12 }, 'invalid_interval'],
    ] as const) {
      const response = await authFetch('/api/billing/checkout', {
        body,
        cookie: account.cookie,
        csrf: account.csrf,
      });
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(await errorCode(response)).toBe(code);
    }
    expect((await billingRow(account.billingProfileId)).stripe_customer_id).toBeNull();
  });

  it('needs a session (401), the CSRF token (403) and a verified email (403)', async () => {
    const body = { plan: 'growth', interval: 'month' };
    expect((await authFetch('/api/billing/checkout', { body })).status).toBe(401);
    const account = await signUp();
    const noCsrf = await authFetch('/api/billing/checkout', { body, cookie: account.cookie });
    expect(noCsrf.status).toBe(403);
    expect(await errorCode(noCsrf)).toBe('csrf');
    const unverified = await signUp(undefined, undefined, { verified: false });
    const response = await startCheckout(unverified);
    expect(response.status).toBe(403);
    expect(await errorCode(response)).toBe('email_unverified');
  });
});

describe('POST /api/billing/portal', () => {
  it('answers 409 no_customer before the first checkout, then a portal URL on Stripe', async () => {
    const account = await signUp();
    const before = await authFetch('/api/billing/portal', {
      body: {},
      cookie: account.cookie,
      csrf: account.csrf,
    });
    expect(before.status).toBe(409);
    expect(await errorCode(before)).toBe('no_customer');

    const { events } = await checkoutAndPay(account);
    await deliverAll(events);
    const url = await portalUrl(account);
    expect(url).toMatch(new RegExp(`^${stripeUrl}/portal/bps_`));
    const page = await fetch(url);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Growth');
    expect(html).toContain('http://127.0.0.1:8787/billing');
  });

  it('limits billing sessions per profile: the 11th in a minute answers 429 with Retry-After', async () => {
    const account = await signUp();
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 11; i++) {
      last = await authFetch('/api/billing/portal', { body: {}, cookie: account.cookie, csrf: account.csrf });
      statuses.push(last.status);
    }
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(409));
    expect(statuses[10]).toBe(429);
    expect(Number(last?.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe('billing without Stripe configured', () => {
  async function call(env: Env, path: string, account: { cookie: string; csrf: string }): Promise<Response> {
    const ctx = createExecutionContext();
    const request = new Request(`http://edgebear.test${path}`, {
      method: 'POST',
      headers: {
        cookie: account.cookie,
        'x-csrf-token': account.csrf,
        'content-type': 'application/json',
        'cf-connecting-ip': uniqueIp(),
      },
      body: JSON.stringify({ plan: 'growth', interval: 'month' }),
    });
    const response = await app.fetch(request, env, ctx);
    await waitOnExecutionContext(ctx);
    return response;
  }

  it('answers 503 billing_not_configured without the secret key, the price, or the webhook secret', async () => {
    const account = await signUp();
    const cases: [Partial<Env>, string][] = [
      [{ STRIPE_SECRET_KEY: undefined }, '/api/billing/checkout'],
      [{ STRIPE_PRICE_GROWTH_MONTH: '' }, '/api/billing/checkout'],
      [{ STRIPE_WEBHOOK_SECRET: undefined }, '/api/billing/webhook'],
    ];
    for (const [missing, path] of cases) {
      const response = await call({ ...testEnv, ...missing }, path, account);
      expect(response.status, JSON.stringify(missing)).toBe(503);
      expect(await errorCode(response)).toBe('billing_not_configured');
    }
  });
});

describe('GET /api/billing', () => {
  interface BillingJson {
    plan: string;
    interval: string | null;
    status: string | null;
    period_start: string;
    period_end: string;
    cancel_at_period_end: boolean;
    usage: { events: number; limit: number; percent: number };
    state: string;
    grace_ends_at: string | null;
    can_manage: boolean;
    plans: { id: string; monthly_events: number; available: { month: boolean; year: boolean } }[];
  }

  async function billing(account: { cookie: string }): Promise<BillingJson> {
    const response = await authFetch('/api/billing', { cookie: account.cookie });
    expect(response.status).toBe(200);
    return (await response.json()) as BillingJson;
  }

  it('shows a new account on the free plan for the calendar month, with the plans to choose from', async () => {
    const account = await signUp();
    const body = await billing(account);
    const now = new Date();
    expect(body).toMatchObject({
      plan: 'free',
      interval: null,
      status: null,
      period_start: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString(),
      period_end: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString(),
      usage: { events: 0, limit: 10_000, percent: 0 },
      state: 'ok',
      grace_ends_at: null,
      can_manage: false,
    });
    expect(body.plans.map((plan) => [plan.id, plan.monthly_events, plan.available])).toEqual([
      ['free', 10_000, { month: false, year: false }],
      ['growth', 100_000, { month: true, year: true }],
      ['business', 1_000_000, { month: true, year: true }],
    ]);
  });

  it('shows the paid plan, its status and period once the webhook has applied it', async () => {
    const account = await signUp();
    const { events } = await checkoutAndPay(account, 'growth', 'month');
    await deliverAll(events);
    const row = await billingRow(account.billingProfileId);
    const body = await billing(account);
    expect(body).toMatchObject({
      plan: 'growth',
      interval: 'month',
      status: 'active',
      period_start: new Date((row.period_start ?? 0) * 1000).toISOString(),
      period_end: new Date((row.period_end ?? 0) * 1000).toISOString(),
      cancel_at_period_end: false,
      usage: { events: 0, limit: 100_000, percent: 0 },
      state: 'ok',
      can_manage: true,
    });
  });

  it('needs a session', async () => {
    expect((await authFetch('/api/billing')).status).toBe(401);
  });
});
