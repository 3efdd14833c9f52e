import type { BillingProfileRow } from '../../../functions/billing/profile';
/**
 * Billing tests against the real local Stripe server (tools/stripe, started by
 * test/setup/stripe.global.ts) through the real SDK. The Worker runs inside workerd, out of the
 * server's reach, so its webhooks are taken from `GET /_test/events` and delivered here, signed
 * with Stripe's scheme (`t=<unix>,v1=<hex HMAC-SHA256(secret, t + "." + body)>`), in whatever
 * order a test wants.
 */
import { authFetch, type TestAccount } from '../helpers/accounts';
import { testEnv, workerFetch } from '../helpers/stack';

export const stripeUrl = `${testEnv.STRIPE_API_PROTOCOL}://${testEnv.STRIPE_API_HOST}:${testEnv.STRIPE_API_PORT}`;

export interface StripeEventJson {
  id: string;
  type: string;
  created: number;
  data: { object: Record<string, unknown> & { id: string } };
}

async function hmacHex(secret: string, text: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const mac = await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(text));
  return [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Stripe's signature header for `body` signed at unix second `t`. */
export async function signature(
  body: string,
  t: number,
  secret = testEnv.STRIPE_WEBHOOK_SECRET ?? '',
): Promise<string> {
  return `t=${t},v1=${await hmacHex(secret, `${t}.${body}`)}`;
}

/** POSTs a raw body to the webhook with the given Stripe-Signature header (or none). */
export function postWebhook(body: string, stripeSignature: string | null): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
  if (stripeSignature !== null) headers['stripe-signature'] = stripeSignature;
  return workerFetch('/api/billing/webhook', { method: 'POST', headers, body });
}

/** Delivers an event as Stripe would: signed now, with the right secret. */
export async function deliver(event: StripeEventJson): Promise<Response> {
  const body = JSON.stringify(event);
  return postWebhook(body, await signature(body, Math.floor(Date.now() / 1000)));
}

/** Delivers events one after another; each must be accepted. Answers the outcomes' `result`s. */
export async function deliverAll(events: StripeEventJson[]): Promise<string[]> {
  const results: string[] = [];
  for (const event of events) {
    const response = await deliver(event);
    if (response.status !== 200)
      throw new Error(`${event.type}: ${response.status} ${await response.text()}`);
    results.push(((await response.json()) as { result: string }).result);
  }
  return results;
}

/** Every event the local Stripe made about one customer (or its subscriptions), oldest first. */
export async function eventsOf(customerId: string): Promise<StripeEventJson[]> {
  const response = await fetch(`${stripeUrl}/_test/events`);
  const { data } = (await response.json()) as { data: { event: StripeEventJson }[] };
  return data.map((record) => record.event).filter((event) => event.data.object.customer === customerId);
}

export function ofType(events: StripeEventJson[], type: string): StripeEventJson {
  const found = events.filter((event) => event.type === type).at(-1);
  if (!found) throw new Error(`no ${type} among ${events.map((e) => e.type).join(', ')}`);
  return found;
}

/** A `billing_profiles` row without its identity columns. */
export type BillingRow = Omit<BillingProfileRow, 'id' | 'owner_user_id' | 'created_at'>;

export async function billingRow(profileId: number): Promise<BillingRow> {
  const row = await testEnv.DB.prepare('SELECT * FROM billing_profiles WHERE id = ?1')
    .bind(profileId)
    .first<BillingRow>();
  if (!row) throw new Error(`no billing profile ${profileId}`);
  return row;
}

export async function startCheckout(
  account: TestAccount,
  plan = 'growth',
  interval = 'month',
): Promise<Response> {
  return authFetch('/api/billing/checkout', {
    body: { plan, interval },
    cookie: account.cookie,
    csrf: account.csrf,
  });
}

export interface Paid {
  customerId: string;
  subscriptionId: string;
  /** The events paying made: subscription created, checkout completed, invoice paid. */
  events: StripeEventJson[];
}

/** Checkout through the Worker, then "Pay (test)" on the local checkout page. Nothing delivered yet. */
export async function checkoutAndPay(
  account: TestAccount,
  plan = 'growth',
  interval = 'month',
): Promise<Paid> {
  const response = await startCheckout(account, plan, interval);
  if (response.status !== 200) throw new Error(`checkout: ${response.status} ${await response.text()}`);
  const { url } = (await response.json()) as { url: string };
  const paid = await fetch(`${url}/pay`, { method: 'POST', redirect: 'manual' });
  if (paid.status !== 303) throw new Error(`pay: ${paid.status} ${await paid.text()}`);
  const { stripe_customer_id: customerId } = await billingRow(account.billingProfileId);
  if (!customerId) throw new Error('no customer after checkout');
  const events = await eventsOf(customerId);
  const subscriptionId = ofType(events, 'customer.subscription.created').data.object.id;
  return { customerId, subscriptionId, events };
}

/** A Billing Portal session through the Worker: its page URL on the local Stripe. */
export async function portalUrl(account: TestAccount): Promise<string> {
  const response = await authFetch('/api/billing/portal', {
    body: {},
    cookie: account.cookie,
    csrf: account.csrf,
  });
  if (response.status !== 200) throw new Error(`portal: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { url: string }).url;
}

/** A button of the local portal page: cancel (at period end), renew, or switch to `price`. */
export async function portalAction(
  account: TestAccount,
  subscriptionId: string,
  action: 'cancel' | 'renew' | 'switch',
  price?: string,
): Promise<void> {
  const url = await portalUrl(account);
  const response = await fetch(`${url}/subscriptions/${subscriptionId}/${action}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: price ? new URLSearchParams({ price }).toString() : '',
  });
  if (response.status !== 303)
    throw new Error(`portal ${action}: ${response.status} ${await response.text()}`);
}

/** A test hook of the local Stripe: end the period now (`advance`) or fail the next payment. */
export async function testHook(
  subscriptionId: string,
  hook: 'advance' | 'fail_payment',
): Promise<StripeEventJson[]> {
  const response = await fetch(`${stripeUrl}/_test/subscriptions/${subscriptionId}/${hook}`, {
    method: 'POST',
  });
  if (response.status !== 200) throw new Error(`${hook}: ${response.status} ${await response.text()}`);
  const { events } = (await response.json()) as { events: { event: StripeEventJson }[] };
  return events.map((record) => record.event);
}

/**
 * Starts this file's user and billing profile ids at a random base: every test file has its own
 * D1 but all share one local Stripe, where idempotency keys name the billing profile.
 */
export async function distinctProfileIds(): Promise<void> {
  const base = 1_000 + Math.floor(Math.random() * 2_000_000) * 1_000;
  await testEnv.DB.batch([
    testEnv.DB.prepare(
      "INSERT INTO users (id, email, password_hash, password_salt, password_iterations) VALUES (?1, ?2, '', '', 1)",
    ).bind(base, `id-base-${base}@example.invalid`),
    testEnv.DB.prepare('INSERT INTO billing_profiles (id, owner_user_id) VALUES (?1, ?1)').bind(base),
    testEnv.DB.prepare('DELETE FROM billing_profiles WHERE id = ?1').bind(base),
    testEnv.DB.prepare('DELETE FROM users WHERE id = ?1').bind(base),
  ]);
}
