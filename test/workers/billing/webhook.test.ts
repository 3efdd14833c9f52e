import { beforeAll, describe, expect, it } from 'vitest';
import { signUp } from '../helpers/accounts';
import { testEnv } from '../helpers/stack';
import {
  billingRow,
  checkoutAndPay,
  deliver,
  deliverAll,
  distinctProfileIds,
  eventsOf,
  ofType,
  portalAction,
  postWebhook,
  type StripeEventJson,
  signature,
  testHook,
} from './helpers';

beforeAll(distinctProfileIds);

const now = () => Math.floor(Date.now() / 1000);

async function storedEvents(id: string): Promise<number> {
  const row = await testEnv.DB.prepare('SELECT count(*) AS n FROM stripe_events WHERE id = ?1')
    .bind(id)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

describe('POST /api/billing/webhook: signature', () => {
  it('refuses a body signed with another secret, a changed body, and a missing header with 400 invalid_signature', async () => {
    const account = await signUp();
    const { events } = await checkoutAndPay(account);
    const body = JSON.stringify(ofType(events, 'checkout.session.completed'));
    const attempts = [
      postWebhook(body, await signature(body, now(), 'whsec_someone_else')),
      postWebhook(body.replace('"livemode":false', '"livemode":true'), await signature(body, now())),
      postWebhook(`${body} `, await signature(body, now())),
      postWebhook(body, null),
      postWebhook(body, 'garbage'),
    ];
    for (const response of await Promise.all(attempts)) {
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('invalid_signature');
    }
    // Nothing was applied: the profile is still free.
    expect((await billingRow(account.billingProfileId)).plan_code).toBe('free');
  });

  it('refuses a signature older than 300 seconds, and takes the same body signed now', async () => {
    const account = await signUp();
    const { events } = await checkoutAndPay(account);
    const body = JSON.stringify(ofType(events, 'checkout.session.completed'));
    const stale = await postWebhook(body, await signature(body, now() - 301));
    expect(stale.status).toBe(400);
    expect(((await stale.json()) as { error: { code: string } }).error.code).toBe('invalid_signature');
    expect((await billingRow(account.billingProfileId)).plan_code).toBe('free');

    const fresh = await postWebhook(body, await signature(body, now() - 200));
    expect(fresh.status).toBe(200);
    expect((await billingRow(account.billingProfileId)).plan_code).toBe('growth');
  });
});

describe('POST /api/billing/webhook: each event once, in any order', () => {
  it('applies checkout.session.completed: the paid plan, period and subscription from Stripe', async () => {
    const account = await signUp();
    const { events, customerId, subscriptionId } = await checkoutAndPay(account, 'business', 'year');
    expect(await deliverAll([ofType(events, 'checkout.session.completed')])).toEqual(['applied']);
    const row = await billingRow(account.billingProfileId);
    expect(row).toMatchObject({
      plan_code: 'business',
      plan_interval: 'year',
      subscription_status: 'active',
      stripe_customer_id: customerId,
      stripe_subscription_id: subscriptionId,
      cancel_at_period_end: 0,
    });
    expect(row.period_start).toBeGreaterThan(now() - 60);
    // About a year (365 or 366 days).
    expect((row.period_end ?? 0) - (row.period_start ?? 0)).toBeGreaterThanOrEqual(365 * 86_400);
    expect(row.plan_changed_at).toBeGreaterThan(now() - 60);
  });

  it('applies an event delivered twice only once, also when both arrive at the same time', async () => {
    const account = await signUp();
    const { events } = await checkoutAndPay(account);
    const completed = ofType(events, 'checkout.session.completed');
    expect(await deliverAll([completed])).toEqual(['applied']);
    expect((await billingRow(account.billingProfileId)).plan_code).toBe('growth');

    // Something else moves the profile on (here: by hand); a redelivery must not undo it.
    await testEnv.DB.prepare("UPDATE billing_profiles SET plan_code = 'free' WHERE id = ?1")
      .bind(account.billingProfileId)
      .run();
    expect(await deliverAll([completed])).toEqual(['duplicate']);
    expect((await billingRow(account.billingProfileId)).plan_code).toBe('free');
    expect(await storedEvents(completed.id)).toBe(1);

    // Two deliveries racing: one applies, the other changes nothing.
    const paid = ofType(events, 'invoice.paid');
    const results = await Promise.all([deliver(paid), deliver(paid)]);
    const outcomes = await Promise.all(
      results.map(async (r) => ((await r.json()) as { result: string }).result),
    );
    expect(outcomes.filter((result) => result === 'applied')).toHaveLength(1);
    expect(await storedEvents(paid.id)).toBe(1);
  });

  it("ends on Stripe's state when subscription.updated arrives before checkout.session.completed", async () => {
    const account = await signUp();
    const { customerId, subscriptionId } = await checkoutAndPay(account, 'growth', 'month');
    // In the portal: switch to Business, and cancel at period end.
    await portalAction(account, subscriptionId, 'switch', testEnv.STRIPE_PRICE_BUSINESS_MONTH);
    await portalAction(account, subscriptionId, 'cancel');
    const events = await eventsOf(customerId);
    const updates = events.filter((event) => event.type === 'customer.subscription.updated');
    expect(updates).toHaveLength(2);
    // Newest first, then the older events, whose snapshots still say Growth and not cancelling;
    // the oldest of all comes last.
    await deliverAll([
      ...updates.reverse(),
      ofType(events, 'checkout.session.completed'),
      ofType(events, 'invoice.paid'),
      ofType(events, 'customer.subscription.created'),
    ]);
    expect(await billingRow(account.billingProfileId)).toMatchObject({
      plan_code: 'business',
      plan_interval: 'month',
      subscription_status: 'active',
      stripe_subscription_id: subscriptionId,
      cancel_at_period_end: 1,
    });
  });

  it('keeps the paid plan until the period ends after a cancellation, then returns to free', async () => {
    const account = await signUp();
    const { customerId, subscriptionId, events } = await checkoutAndPay(account);
    await deliverAll(events);
    await portalAction(account, subscriptionId, 'cancel');
    await deliverAll([ofType(await eventsOf(customerId), 'customer.subscription.updated')]);
    const cancelling = await billingRow(account.billingProfileId);
    expect(cancelling).toMatchObject({
      plan_code: 'growth',
      cancel_at_period_end: 1,
      subscription_status: 'active',
    });

    // The period ends: Stripe deletes the subscription.
    const ended = await testHook(subscriptionId, 'advance');
    expect(ended.map((event) => event.type)).toEqual(['customer.subscription.deleted']);
    await deliverAll(ended);
    const row = await billingRow(account.billingProfileId);
    expect(row).toMatchObject({
      plan_code: 'free',
      plan_interval: null,
      subscription_status: 'canceled',
      period_start: null,
      period_end: null,
      cancel_at_period_end: 0,
      // Kept: the next checkout reuses the customer.
      stripe_customer_id: customerId,
    });
    expect(row.plan_changed_at).toBeGreaterThanOrEqual(cancelling.plan_changed_at ?? 0);
  });

  it('keeps the plan while a payment is retried (past_due), and a renewal moves the period on', async () => {
    const account = await signUp();
    const { subscriptionId, events } = await checkoutAndPay(account);
    await deliverAll(events);
    const before = await billingRow(account.billingProfileId);

    await deliverAll(await testHook(subscriptionId, 'fail_payment'));
    expect(await billingRow(account.billingProfileId)).toMatchObject({
      plan_code: 'growth',
      subscription_status: 'past_due',
    });

    await deliverAll(await testHook(subscriptionId, 'advance'));
    const renewed = await billingRow(account.billingProfileId);
    expect(renewed).toMatchObject({ plan_code: 'growth', subscription_status: 'active' });
    expect(renewed.period_start).toBeGreaterThanOrEqual(before.period_start ?? 0);
  });

  it('does not let a late event of an ended subscription downgrade a newer one', async () => {
    const account = await signUp();
    const first = await checkoutAndPay(account);
    await deliverAll(first.events);
    await portalAction(account, first.subscriptionId, 'cancel');
    const ended = await testHook(first.subscriptionId, 'advance');
    await deliverAll(ended);
    expect((await billingRow(account.billingProfileId)).plan_code).toBe('free');

    const second = await checkoutAndPay(account, 'business', 'month');
    expect(second.customerId).toBe(first.customerId);
    await deliverAll([ofType(second.events, 'checkout.session.completed')]);
    // Stripe resends the old deletion (a new event id, as a retry of an unacknowledged one would be).
    const late = { ...ofType(ended, 'customer.subscription.deleted'), id: `evt_late_${Date.now()}` };
    expect(await deliverAll([late])).toEqual(['unchanged']);
    expect(await billingRow(account.billingProfileId)).toMatchObject({
      plan_code: 'business',
      stripe_subscription_id: second.subscriptionId,
    });
  });

  it('acknowledges events it does not act on, and events of customers it does not know', async () => {
    const unrelated: StripeEventJson = {
      id: `evt_other_${Date.now()}`,
      type: 'customer.created',
      created: now(),
      data: { object: { id: 'cus_unknown', object: 'customer' } },
    };
    const response = await deliver(unrelated);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: true, result: 'ignored' });
  });
});
