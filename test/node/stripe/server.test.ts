/**
 * The local Stripe against the real `stripe` SDK, configured as the Worker configures it (fetch
 * HTTP client, host/port/protocol from vars): every call Edgebear makes, Stripe's error classes,
 * idempotency keys, the checkout and portal pages, and webhooks verified by the SDK's own
 * `constructEventAsync` with the SubtleCrypto provider.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Stripe from 'stripe';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type StripeServer, startStripeServer } from '../../../tools/stripe/server';

const SECRET_KEY = 'sk_test_local_node_test';
const WEBHOOK_SECRET = 'whsec_local_node_test';
const PRICES = {
  price_growth_month: { interval: 'month', nickname: 'Growth (monthly)', unitAmount: 900, currency: 'usd' },
  price_growth_year: { interval: 'year', nickname: 'Growth (yearly)', unitAmount: 9000, currency: 'usd' },
} as const;

interface Received {
  body: string;
  signature: string;
  event: Stripe.Event;
}

/** A webhook endpoint that verifies like the Worker does and answers the statuses it is told to. */
class Receiver {
  readonly received: Received[] = [];
  readonly rejected: string[] = [];
  /** Statuses for the next deliveries, then 200. */
  failNext: number[] = [];
  private server: Server | null = null;
  url = '';

  async start(): Promise<void> {
    const verifier = new Stripe(SECRET_KEY);
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void (async () => {
          const body = Buffer.concat(chunks).toString('utf8');
          const signature = String(req.headers['stripe-signature'] ?? '');
          const forced = this.failNext.shift();
          if (forced) {
            res.writeHead(forced).end();
            return;
          }
          try {
            const event = await verifier.webhooks.constructEventAsync(
              body,
              signature,
              WEBHOOK_SECRET,
              300,
              Stripe.createSubtleCryptoProvider(),
            );
            this.received.push({ body, signature, event });
            res.writeHead(200).end('{}');
          } catch (error) {
            this.rejected.push(String(error));
            res.writeHead(400).end();
          }
        })();
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/billing/webhook`;
  }

  types(): string[] {
    return this.received.map((r) => r.event.type);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

function sdkFor(url: string, key = SECRET_KEY, apiVersion?: string): Stripe {
  const { hostname, port, protocol } = new URL(url);
  return new Stripe(key, {
    host: hostname,
    port: Number(port),
    protocol: protocol === 'http:' ? 'http' : 'https',
    httpClient: Stripe.createFetchHttpClient(),
    maxNetworkRetries: 0,
    ...(apiVersion ? { apiVersion: apiVersion as Stripe.LatestApiVersion } : {}),
  });
}

let receiver: Receiver;
let server: StripeServer;
let stripe: Stripe;

beforeAll(async () => {
  receiver = new Receiver();
  await receiver.start();
});

afterAll(async () => {
  await receiver.stop();
});

beforeEach(async () => {
  receiver.received.length = 0;
  receiver.rejected.length = 0;
  receiver.failNext = [];
  server = await startStripeServer({
    port: 0,
    webhookUrl: receiver.url,
    webhookSecret: WEBHOOK_SECRET,
    secretKey: SECRET_KEY,
    prices: PRICES,
    webhookRetryDelayMs: 20,
  });
  stripe = sdkFor(server.url);
});

afterEach(async () => {
  await server.close();
});

/** The calls B1's checkout route makes, in order. */
async function checkout(
  interval: 'month' | 'year' = 'month',
): Promise<{ customer: Stripe.Customer; session: Stripe.Checkout.Session }> {
  const customer = await stripe.customers.create({
    email: 'owner@example.com',
    metadata: { billing_profile_id: 'bp_1' },
  });
  const session = await stripe.checkout.sessions.create({
    mode: 'subscription',
    customer: customer.id,
    client_reference_id: 'bp_1',
    line_items: [{ price: `price_growth_${interval}`, quantity: 1 }],
    success_url: 'http://127.0.0.1:8787/app/usage?checkout={CHECKOUT_SESSION_ID}',
    cancel_url: 'http://127.0.0.1:8787/app/usage',
    metadata: { billing_profile_id: 'bp_1', plan: 'growth', interval },
    subscription_data: { metadata: { billing_profile_id: 'bp_1' } },
  });
  return { customer, session };
}

async function waitFor(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function pay(session: Stripe.Checkout.Session): Promise<Response> {
  return fetch(`${server.url}/checkout/${session.id}/pay`, { method: 'POST', redirect: 'manual' });
}

describe('the Stripe API through the real SDK', () => {
  it('creates a customer, a Checkout Session with a local URL, and a Billing Portal session', async () => {
    const { customer, session } = await checkout();
    expect(customer.id).toMatch(/^cus_/);
    expect(customer.object).toBe('customer');
    expect(customer.email).toBe('owner@example.com');
    expect(customer.metadata).toEqual({ billing_profile_id: 'bp_1' });

    expect(session.id).toMatch(/^cs_test_/);
    expect(session.object).toBe('checkout.session');
    expect(session.url).toBe(`${server.url}/checkout/${session.id}`);
    expect(session.status).toBe('open');
    expect(session.customer).toBe(customer.id);
    expect(session.client_reference_id).toBe('bp_1');
    expect(session.metadata).toEqual({ billing_profile_id: 'bp_1', plan: 'growth', interval: 'month' });
    expect(session.amount_total).toBe(900);

    const portal = await stripe.billingPortal.sessions.create({
      customer: customer.id,
      return_url: 'http://127.0.0.1:8787/app/usage',
    });
    expect(portal.id).toMatch(/^bps_/);
    expect(portal.url).toBe(`${server.url}/portal/${portal.id}`);
    expect(portal.return_url).toBe('http://127.0.0.1:8787/app/usage');

    const again = await stripe.checkout.sessions.retrieve(session.id);
    expect(again.id).toBe(session.id);
    const items = await stripe.checkout.sessions.listLineItems(session.id);
    expect(items.data[0]?.price?.id).toBe('price_growth_month');
  });

  it('answers unknown ids with 404 resource_missing, raised by the SDK as StripeInvalidRequestError', async () => {
    const error = await stripe.subscriptions.retrieve('sub_missing').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    const stripeError = error as Stripe.errors.StripeInvalidRequestError;
    expect(stripeError.statusCode).toBe(404);
    expect(stripeError.code).toBe('resource_missing');
    expect(stripeError.message).toBe("No such subscription: 'sub_missing'");

    const badCustomer = await stripe.billingPortal.sessions
      .create({ customer: 'cus_missing' })
      .catch((e: unknown) => e);
    expect(badCustomer).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect((badCustomer as Stripe.errors.StripeError).param).toBe('customer');
  });

  it('refuses a missing parameter and a non-URL success_url with 400 in Stripe’s shape', async () => {
    const missing = await stripe.checkout.sessions
      .create({ mode: 'subscription', success_url: 'http://127.0.0.1/ok' })
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);

    const res = await fetch(`${server.url}/v1/checkout/sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${SECRET_KEY}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'mode=subscription&line_items[0][price]=price_x&success_url=nope',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: { type: 'invalid_request_error', code: 'url_invalid', param: 'success_url' },
    });
  });

  it('refuses a wrong or missing API key with 401 (StripeAuthenticationError) and live keys outright', async () => {
    const wrong = await sdkFor(server.url, 'sk_test_wrong_key_1234')
      .customers.create({})
      .catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect((wrong as Error).message).toBe('Invalid API Key provided: sk_test_****1234');

    const live = await fetch(`${server.url}/v1/customers`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk_live_abcdefgh' },
    });
    expect(live.status).toBe(401);

    const none = await fetch(`${server.url}/v1/customers`, { method: 'POST' });
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ error: { type: 'invalid_request_error' } });
  });

  it('replays the first answer for a repeated Idempotency-Key and refuses one reused with other parameters', async () => {
    const first = await stripe.customers.create({ email: 'a@example.com' }, { idempotencyKey: 'key-1' });
    const second = await stripe.customers.create({ email: 'a@example.com' }, { idempotencyKey: 'key-1' });
    expect(second.id).toBe(first.id);
    const replay = await fetch(`${server.url}/v1/customers`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${SECRET_KEY}`,
        'content-type': 'application/x-www-form-urlencoded',
        'idempotency-key': 'key-2',
      },
      body: 'email=c%40example.com',
    });
    const replayed = await fetch(`${server.url}/v1/customers`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${SECRET_KEY}`,
        'content-type': 'application/x-www-form-urlencoded',
        'idempotency-key': 'key-2',
      },
      body: 'email=c%40example.com',
    });
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    expect(await replayed.json()).toEqual(await replay.json());

    const other = await stripe.customers
      .create({ email: 'b@example.com' }, { idempotencyKey: 'key-1' })
      .catch((e: unknown) => e);
    expect(other).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);

    const fresh = await stripe.customers.create({ email: 'a@example.com' });
    expect(fresh.id).not.toBe(first.id);
  });

  it('accepts any Stripe-Version and echoes it', async () => {
    const old = sdkFor(server.url, SECRET_KEY, '2024-06-20');
    const customer = await old.customers.create({ email: 'v@example.com' });
    expect(customer.lastResponse.apiVersion).toBe('2024-06-20');
  });
});

describe('the checkout page', () => {
  it('shows the plan, amount and interval with a Pay (test) button, under a strict CSP', async () => {
    const { session } = await checkout('year');
    const res = await fetch(session.url ?? '');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Growth (yearly)');
    expect(html).toContain('$90.00 per year');
    expect(html).toContain(`action="/checkout/${session.id}/pay"`);
    expect(html).toContain('Pay (test)');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("form-action 'self' http://127.0.0.1:8787");
  });

  it('Pay starts the subscription, delivers the three webhooks in order, signed, then redirects to success_url', async () => {
    const { customer, session } = await checkout('month');
    const before = Math.floor(Date.now() / 1000);
    const res = await pay(session);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`http://127.0.0.1:8787/app/usage?checkout=${session.id}`);

    // Delivered before the redirect: the app's success page already sees the new plan.
    expect(receiver.rejected).toEqual([]);
    expect(receiver.types()).toEqual([
      'customer.subscription.created',
      'checkout.session.completed',
      'invoice.paid',
    ]);
    expect(receiver.received[0]?.signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    const [created, completed, paid] = receiver.received.map((r) => r.event);
    expect(created?.id).toMatch(/^evt_/);
    expect(created?.object).toBe('event');
    expect(created?.livemode).toBe(false);
    expect(typeof created?.api_version).toBe('string');

    const completedSession = completed?.data.object as Stripe.Checkout.Session;
    expect(completedSession.status).toBe('complete');
    expect(completedSession.customer).toBe(customer.id);
    expect(completedSession.client_reference_id).toBe('bp_1');
    const subId = completedSession.subscription as string;
    expect(subId).toMatch(/^sub_/);

    const invoice = paid?.data.object as Stripe.Invoice & { subscription?: string };
    expect(invoice.id).toMatch(/^in_/);
    expect(invoice.customer).toBe(customer.id);
    expect(invoice.subscription).toBe(subId);
    expect(invoice.parent?.subscription_details?.subscription).toBe(subId);

    const sub = await stripe.subscriptions.retrieve(subId);
    expect(sub.status).toBe('active');
    expect(sub.customer).toBe(customer.id);
    expect(sub.cancel_at_period_end).toBe(false);
    expect(sub.metadata).toEqual({ billing_profile_id: 'bp_1' });
    const item = sub.items.data[0];
    expect(item?.price.id).toBe('price_growth_month');
    expect(item?.price.recurring?.interval).toBe('month');
    expect(item?.current_period_start).toBeGreaterThanOrEqual(before);
    const days = ((item?.current_period_end ?? 0) - (item?.current_period_start ?? 0)) / 86_400;
    expect(days).toBeGreaterThanOrEqual(28);
    expect(days).toBeLessThanOrEqual(31);
    // The pre-2025 top-level period fields carry the same values.
    const legacy = sub as unknown as { current_period_start: number; current_period_end: number };
    expect(legacy.current_period_end).toBe(item?.current_period_end);

    const retrieved = await stripe.checkout.sessions.retrieve(session.id);
    expect(retrieved.status).toBe('complete');
    expect(retrieved.subscription).toBe(subId);
  });

  it('a yearly session (metadata interval) bills a year; paying twice starts one subscription', async () => {
    const { customer, session } = await checkout('year');
    await pay(session);
    const again = await pay(session);
    expect(again.status).toBe(303);
    const subs = await stripe.subscriptions.list({ customer: customer.id });
    expect(subs.data).toHaveLength(1);
    const item = subs.data[0]?.items.data[0];
    const days = ((item?.current_period_end ?? 0) - (item?.current_period_start ?? 0)) / 86_400;
    expect(days).toBeGreaterThanOrEqual(365);
    expect(receiver.types().filter((t) => t === 'checkout.session.completed')).toHaveLength(1);
  });

  it('retries a webhook the endpoint refused, with a fresh signature, until it is accepted', async () => {
    receiver.failNext = [500, 503];
    const { session } = await checkout();
    await pay(session);
    expect(receiver.types()).toEqual([
      'customer.subscription.created',
      'checkout.session.completed',
      'invoice.paid',
    ]);
    const events = (await (await fetch(`${server.url}/_test/events`)).json()) as {
      data: { event: { type: string }; delivered: boolean; attempts: { status: number | null }[] }[];
    };
    expect(events.data[0]?.attempts.map((a) => a.status)).toEqual([500, 503, 200]);
    expect(events.data.every((r) => r.delivered)).toBe(true);
  });

  it('signatures fail verification for a changed body or another secret', async () => {
    const { session } = await checkout();
    await pay(session);
    const first = receiver.received[0];
    if (!first) throw new Error('no webhook received');
    const verifier = new Stripe(SECRET_KEY);
    const crypto = Stripe.createSubtleCryptoProvider();
    await expect(
      verifier.webhooks.constructEventAsync(`${first.body} `, first.signature, WEBHOOK_SECRET, 300, crypto),
    ).rejects.toThrow(Stripe.errors.StripeSignatureVerificationError);
    await expect(
      verifier.webhooks.constructEventAsync(first.body, first.signature, 'whsec_other', 300, crypto),
    ).rejects.toThrow(Stripe.errors.StripeSignatureVerificationError);
  });
});

describe('the portal page and the test hooks', () => {
  async function subscribed(): Promise<{
    customer: Stripe.Customer;
    subId: string;
    portal: Stripe.BillingPortal.Session;
  }> {
    const { customer, session } = await checkout();
    await pay(session);
    const sub = (await stripe.subscriptions.list({ customer: customer.id })).data[0];
    if (!sub) throw new Error('no subscription');
    const portal = await stripe.billingPortal.sessions.create({
      customer: customer.id,
      return_url: 'http://127.0.0.1:8787/app/usage',
    });
    receiver.received.length = 0;
    return { customer, subId: sub.id, portal };
  }

  it('shows the subscription with Cancel, Switch and Return, and cancelling at period end sends subscription.updated', async () => {
    const { subId, portal } = await subscribed();
    const page = await (await fetch(portal.url)).text();
    expect(page).toContain('Growth (monthly)');
    expect(page).toContain('Cancel at period end');
    expect(page).toContain('Switch to Growth (yearly)');
    expect(page).toContain('href="http://127.0.0.1:8787/app/usage"');

    const res = await fetch(`${server.url}/portal/${portal.id}/subscriptions/${subId}/cancel`, {
      method: 'POST',
      redirect: 'manual',
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/portal/${portal.id}`);
    expect(receiver.types()).toEqual(['customer.subscription.updated']);
    const updated = receiver.received[0]?.event;
    if (!updated) throw new Error('no event');
    expect((updated.data.object as Stripe.Subscription).cancel_at_period_end).toBe(true);
    expect(updated.data.previous_attributes).toMatchObject({ cancel_at_period_end: false });
    expect((await stripe.subscriptions.retrieve(subId)).cancel_at_period_end).toBe(true);
  });

  it('switching to a yearly price changes the item and starts a yearly period', async () => {
    const { subId, portal } = await subscribed();
    const res = await fetch(`${server.url}/portal/${portal.id}/subscriptions/${subId}/switch`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'price=price_growth_year',
      redirect: 'manual',
    });
    expect(res.status).toBe(303);
    expect(receiver.types()).toEqual(['customer.subscription.updated', 'invoice.paid']);
    const sub = await stripe.subscriptions.retrieve(subId);
    expect(sub.items.data[0]?.price.id).toBe('price_growth_year');
    const item = sub.items.data[0];
    expect(
      ((item?.current_period_end ?? 0) - (item?.current_period_start ?? 0)) / 86_400,
    ).toBeGreaterThanOrEqual(365);
  });

  it('refuses a portal action on another customer’s subscription', async () => {
    const { subId } = await subscribed();
    const stranger = await stripe.customers.create({ email: 'x@example.com' });
    const portal = await stripe.billingPortal.sessions.create({ customer: stranger.id });
    const res = await fetch(`${server.url}/portal/${portal.id}/subscriptions/${subId}/cancel`, {
      method: 'POST',
      redirect: 'manual',
    });
    expect(res.status).toBe(404);
    expect((await stripe.subscriptions.retrieve(subId)).cancel_at_period_end).toBe(false);
  });

  it('advance renews an active subscription with a paid invoice, and ends one set to cancel', async () => {
    const { subId } = await subscribed();
    const before = await stripe.subscriptions.retrieve(subId);
    const renewed = await fetch(`${server.url}/_test/subscriptions/${subId}/advance`, { method: 'POST' });
    expect(renewed.status).toBe(200);
    expect(receiver.types()).toEqual(['customer.subscription.updated', 'invoice.paid']);
    const after = await stripe.subscriptions.retrieve(subId);
    expect(after.status).toBe('active');
    expect(after.items.data[0]?.current_period_end).toBeGreaterThanOrEqual(
      before.items.data[0]?.current_period_end ?? 0,
    );

    const updated = await stripe.subscriptions.update(subId, { cancel_at_period_end: true });
    expect(updated.cancel_at_period_end).toBe(true);
    // An API call answers before its webhook is delivered, as with Stripe.
    await waitFor(() => receiver.types().length === 3);
    receiver.received.length = 0;
    await fetch(`${server.url}/_test/subscriptions/${subId}/advance`, { method: 'POST' });
    expect(receiver.types()).toEqual(['customer.subscription.deleted']);
    const ended = await stripe.subscriptions.retrieve(subId);
    expect(ended.status).toBe('canceled');
    expect(ended.ended_at).not.toBeNull();
  });

  it('fail_payment sends invoice.payment_failed and makes the subscription past_due', async () => {
    const { customer, subId } = await subscribed();
    const res = await fetch(`${server.url}/_test/subscriptions/${subId}/fail_payment`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(receiver.types()).toEqual(['invoice.payment_failed', 'customer.subscription.updated']);
    const invoice = receiver.received[0]?.event.data.object as Stripe.Invoice & { subscription?: string };
    expect(invoice.subscription).toBe(subId);
    expect(invoice.customer).toBe(customer.id);
    expect((await stripe.subscriptions.retrieve(subId)).status).toBe('past_due');
  });

  it('resend delivers a named event again, re-signed', async () => {
    const { session } = await checkout();
    await pay(session);
    const first = receiver.received[0];
    receiver.received.length = 0;
    const res = await fetch(`${server.url}/_test/webhooks/resend`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `event=${first?.event.id}`,
    });
    expect(res.status).toBe(200);
    expect(receiver.received.map((r) => r.event.id)).toEqual([first?.event.id]);
  });

  it('the API cancels at once, merges metadata, and expands ids on request', async () => {
    const { customer, subId } = await subscribed();
    const updated = await stripe.subscriptions.update(subId, { metadata: { note: 'x' } });
    expect(updated.metadata).toEqual({ billing_profile_id: 'bp_1', note: 'x' });
    const canceled = await stripe.subscriptions.cancel(subId);
    expect(canceled.status).toBe('canceled');
    await waitFor(() => receiver.types().includes('customer.subscription.deleted'));
    expect(receiver.types()).toEqual(['customer.subscription.updated', 'customer.subscription.deleted']);
    expect((await stripe.subscriptions.list({ customer: customer.id })).data).toHaveLength(0);
    expect((await stripe.subscriptions.list({ customer: customer.id, status: 'all' })).data).toHaveLength(1);

    const sessions = await checkout();
    await pay(sessions.session);
    const expanded = await stripe.checkout.sessions.retrieve(sessions.session.id, {
      expand: ['subscription', 'customer'],
    });
    expect((expanded.subscription as Stripe.Subscription).object).toBe('subscription');
    expect((expanded.customer as Stripe.Customer).email).toBe('owner@example.com');
  });

  it('a test hook on an unknown subscription answers 404', async () => {
    const res = await fetch(`${server.url}/_test/subscriptions/sub_nope/advance`, { method: 'POST' });
    expect(res.status).toBe(404);
  });
});

describe('state file', () => {
  it('keeps customers and subscriptions across a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'local-stripe-'));
    try {
      const stateFile = join(dir, 'stripe.json');
      const options = { port: 0, webhookUrl: receiver.url, webhookSecret: WEBHOOK_SECRET, stateFile };
      const first = await startStripeServer(options);
      const customer = await sdkFor(first.url).customers.create({ email: 'keep@example.com' });
      await first.close();
      const second = await startStripeServer(options);
      try {
        const again = await sdkFor(second.url).customers.retrieve(customer.id);
        expect((again as Stripe.Customer).email).toBe('keep@example.com');
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
