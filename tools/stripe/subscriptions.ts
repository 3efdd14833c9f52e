/**
 * What happens to a subscription after Checkout: the customer cancels at period end or switches
 * plan (portal, API), a period ends or a payment fails (test hooks), or it is canceled at once
 * (API). Each change updates the subscription and sends the events Stripe sends for it.
 */
import { StateError, type StripeAccount } from './account';
import {
  addInterval,
  makeInvoice,
  nowSeconds,
  type Subscription,
  setPeriod,
  subscriptionInterval,
} from './objects';
import type { EventRecord } from './store';

/** The customer asks to cancel at the period's end (or takes it back). */
export async function setCancelAtPeriodEnd(
  account: StripeAccount,
  sub: Subscription,
  cancel: boolean,
  wait = true,
): Promise<void> {
  assertLive(sub);
  if (sub.cancel_at_period_end === cancel) return;
  const previous = {
    cancel_at_period_end: sub.cancel_at_period_end,
    cancel_at: sub.cancel_at,
    canceled_at: sub.canceled_at,
  };
  sub.cancel_at_period_end = cancel;
  sub.cancel_at = cancel ? sub.current_period_end : null;
  sub.canceled_at = cancel ? nowSeconds() : null;
  await account.send([account.event('customer.subscription.updated', sub, previous)], wait);
}

/**
 * Switches the subscription to another price. The same interval keeps the period (Stripe
 * prorates); another interval starts a new period now with a paid invoice, as Stripe resets the
 * billing cycle when the interval changes.
 */
export async function switchPrice(account: StripeAccount, sub: Subscription, priceId: string): Promise<void> {
  assertLive(sub);
  const item = sub.items.data[0];
  if (!item || item.price.id === priceId) return;
  const previous = {
    items: structuredClone(sub.items),
    current_period_start: sub.current_period_start,
    current_period_end: sub.current_period_end,
  };
  const oldInterval = subscriptionInterval(sub);
  item.price = account.price(priceId);
  const events: EventRecord[] = [];
  if (item.price.recurring.interval !== oldInterval) {
    const now = nowSeconds();
    setPeriod(sub, now, addInterval(now, item.price.recurring.interval));
    if (sub.cancel_at_period_end) sub.cancel_at = sub.current_period_end;
    const invoice = makeInvoice(sub, 'subscription_update', true);
    account.addInvoice(invoice);
    sub.latest_invoice = invoice.id;
    events.push(account.event('customer.subscription.updated', sub, previous));
    events.push(account.event('invoice.paid', invoice));
  } else {
    events.push(account.event('customer.subscription.updated', sub, { items: previous.items }));
  }
  await account.send(events);
}

/**
 * Test hook: the current period ends now. A subscription set to cancel at period end ends
 * (customer.subscription.deleted); any other renews for one interval from now with a paid
 * invoice (customer.subscription.updated, invoice.paid), past_due becoming active again.
 */
export async function advance(account: StripeAccount, sub: Subscription): Promise<EventRecord[]> {
  assertLive(sub);
  const now = nowSeconds();
  if (sub.cancel_at_period_end) return end(account, sub, now);
  const previous = {
    current_period_start: sub.current_period_start,
    current_period_end: sub.current_period_end,
    status: sub.status,
    latest_invoice: sub.latest_invoice,
  };
  setPeriod(sub, now, addInterval(now, subscriptionInterval(sub)));
  sub.status = 'active';
  const invoice = makeInvoice(sub, 'subscription_cycle', true);
  account.addInvoice(invoice);
  sub.latest_invoice = invoice.id;
  const events = [
    account.event('customer.subscription.updated', sub, previous),
    account.event('invoice.paid', invoice),
  ];
  await account.send(events);
  return events;
}

/**
 * Test hook: the latest payment fails. The subscription becomes past_due (the period stays) and
 * invoice.payment_failed then customer.subscription.updated are delivered.
 */
export async function failPayment(account: StripeAccount, sub: Subscription): Promise<EventRecord[]> {
  assertLive(sub);
  const previous = { status: sub.status, latest_invoice: sub.latest_invoice };
  const invoice = makeInvoice(sub, 'subscription_cycle', false);
  account.addInvoice(invoice);
  sub.latest_invoice = invoice.id;
  sub.status = 'past_due';
  const events = [
    account.event('invoice.payment_failed', invoice),
    account.event('customer.subscription.updated', sub, previous),
  ];
  await account.send(events);
  return events;
}

/** Cancels at once (`DELETE /v1/subscriptions/:id`); the deletion event goes out in the background. */
export async function cancelNow(
  account: StripeAccount,
  sub: Subscription,
  wait: boolean,
): Promise<EventRecord[]> {
  assertLive(sub);
  return end(account, sub, nowSeconds(), wait);
}

/** Updates metadata as `POST /v1/subscriptions/:id` does; the event goes out in the background. */
export function updateMetadata(
  account: StripeAccount,
  sub: Subscription,
  metadata: Record<string, string>,
): void {
  const previous = { metadata: { ...sub.metadata } };
  // Stripe merges metadata; an empty value removes a key.
  for (const [key, value] of Object.entries(metadata)) {
    if (value === '') delete sub.metadata[key];
    else sub.metadata[key] = value;
  }
  void account.send([account.event('customer.subscription.updated', sub, previous)], false);
}

async function end(
  account: StripeAccount,
  sub: Subscription,
  at: number,
  wait = true,
): Promise<EventRecord[]> {
  const previous = { status: sub.status, ended_at: sub.ended_at };
  sub.status = 'canceled';
  sub.ended_at = at;
  sub.canceled_at = sub.canceled_at ?? at;
  sub.cancel_at = sub.cancel_at ?? at;
  if (sub.current_period_end > at) setPeriod(sub, sub.current_period_start, at);
  const events = [account.event('customer.subscription.deleted', sub, previous)];
  await account.send(events, wait);
  return events;
}

function assertLive(sub: Subscription): void {
  if (sub.status === 'canceled') {
    throw new StateError(`The subscription ${sub.id} is canceled and can no longer be changed.`);
  }
}
