/**
 * What a Stripe subscription means for a billing profile: its plan (from the price id, through
 * the STRIPE_PRICE_* vars), status, period and cancellation. Pure, so the webhook's decisions are
 * easy to read and to test.
 */
import { ApiError } from '../errors';
import { type BillingConfig, choiceForPrice } from './config';
import { LIVE_STATUSES, type SubscriptionState } from './profile';
import type { Stripe } from './stripe';

/** The Stripe id of an expandable field, whether Stripe sent the id or the object. */
export function idOf(value: string | { id: string } | null | undefined): string | null {
  if (typeof value === 'string') return value;
  return value?.id ?? null;
}

function numberField(source: object | undefined, name: string): number | null {
  const value = source === undefined ? undefined : (source as Record<string, unknown>)[name];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/**
 * The profile state `subscription` stands for. A live subscription (active, trialing, past_due)
 * gives its plan and period; any other status (canceled, unpaid, incomplete, paused, …) means
 * the free plan on the calendar month. A live subscription on a price that is none of the
 * STRIPE_PRICE_* vars is a configuration error: 422 `unknown_price`, so Stripe retries the event
 * until the operator has set the var.
 */
export function subscriptionState(
  subscription: Stripe.Subscription,
  config: BillingConfig,
): SubscriptionState {
  const base = {
    subscriptionId: subscription.id,
    customerId: idOf(subscription.customer),
    status: subscription.status,
    cancelAtPeriodEnd: subscription.cancel_at_period_end === true,
  };
  if (!LIVE_STATUSES.includes(subscription.status)) {
    return {
      ...base,
      plan: 'free',
      interval: null,
      periodStart: null,
      periodEnd: null,
      cancelAtPeriodEnd: false,
    };
  }
  const item = subscription.items.data[0];
  const priceId = item?.price.id ?? '';
  const choice = choiceForPrice(config, priceId);
  if (!choice) {
    throw new ApiError(422, 'unknown_price', `price ${priceId} is not one of the STRIPE_PRICE_* vars`);
  }
  // API versions from 2025 on keep the period on the item; older ones on the subscription.
  const periodStart =
    numberField(item, 'current_period_start') ?? numberField(subscription, 'current_period_start');
  const periodEnd =
    numberField(item, 'current_period_end') ?? numberField(subscription, 'current_period_end');
  return { ...base, plan: choice.plan, interval: choice.interval, periodStart, periodEnd };
}

/** The billing profile id Edgebear put on a Stripe object (`metadata.billing_profile_id`), or null. */
export function profileIdFromMetadata(metadata: Stripe.Metadata | null | undefined): number | null {
  return parseProfileId(metadata?.billing_profile_id);
}

export function parseProfileId(text: string | null | undefined): number | null {
  if (!text || !/^\d{1,15}$/.test(text)) return null;
  return Number(text);
}

/**
 * The subscription an invoice belongs to: `parent.subscription_details.subscription` from API
 * 2025 on, `subscription` before. Null for an invoice that is not a subscription's.
 */
export function invoiceSubscriptionId(invoice: Stripe.Invoice): string | null {
  const parent = idOf(invoice.parent?.subscription_details?.subscription);
  if (parent) return parent;
  // The SDK's types follow the newest API version only.
  return idOf((invoice as unknown as { subscription?: string | { id: string } | null }).subscription);
}
